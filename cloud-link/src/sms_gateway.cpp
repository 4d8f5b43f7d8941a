#include "sms_gateway.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <vector>

#include "loyalty/sync/hub.hpp"

namespace loyalty::sync {

namespace {

constexpr int kMaxTries = 6;
constexpr std::int64_t kLeaseMs = 30'000;  // a sender that died mid-send: sent again after this

// libcurl's global state, set up once before the first handle (curl_global_init is not
// thread-safe with older libcurl).
void global_init_once() {
    static const bool done = [] {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        return true;
    }();
    (void)done;
}

std::size_t discard(char*, std::size_t size, std::size_t n, void*) {
    return size * n;
}

}  // namespace

SmsGateway::SmsGateway(SmsGatewayConfig config) : config_(std::move(config)), curl_(nullptr) {
    global_init_once();
    curl_ = curl_easy_init();
}

SmsGateway::~SmsGateway() {
    if (curl_) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

Result<void> SmsGateway::send(const std::string& id, const std::string& to,
                              const std::string& text) {
    auto* curl = static_cast<CURL*>(curl_);
    if (!curl) return make_error(Errc::unreachable, "SMS gateway: libcurl did not start");
    const auto body = nlohmann::json{{"id", id}, {"to", to}, {"text", text}}.dump();
    struct curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
    std::string auth;
    if (!config_.token.empty()) {
        auth = "Authorization: Bearer " + config_.token;
        headers = curl_slist_append(headers, auth.c_str());
    }
    curl_easy_reset(curl);
    curl_easy_setopt(curl, CURLOPT_URL, config_.url.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(config_.timeout_ms));
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    const auto rc = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    if (rc != CURLE_OK)
        return make_error(Errc::unreachable, std::string("SMS gateway: ") + curl_easy_strerror(rc));
    if (status >= 200 && status < 300) return {};
    // A refusal for good, but for a timeout or a rate limit (408, 429): those pass.
    if (status >= 400 && status < 500 && status != 408 && status != 429)
        return make_error(Errc::invalid_argument,
                          "SMS gateway refused the text: HTTP " + std::to_string(status));
    return make_error(Errc::unreachable, "SMS gateway: HTTP " + std::to_string(status));
}

std::int64_t drain_sms_outbox(HubStore& hub, SmsGateway& gateway, std::int64_t now_ms) {
    auto& db = hub.db();
    struct Due {
        std::int64_t id = 0, tries = 0;
        std::string phone, text;
    };
    std::vector<Due> due;
    db.prepare(
          "SELECT id, tries, phone, text FROM hub_sms_outbox WHERE state = 'queued' AND "
          "next_try_ms <= ? ORDER BY next_try_ms LIMIT 50")
        .bind_all(now_ms)
        .each([&](const Statement& row) {
            due.push_back(Due{row.int64(0), row.int64(1), row.text(2), row.text(3)});
        });
    std::int64_t accepted = 0;
    for (const auto& d : due) {
        // The lease: another worker finding it now leaves it alone.
        const auto leased = guarded([&]() -> Result<bool> {
            auto st = db.prepare(
                "UPDATE hub_sms_outbox SET next_try_ms = ?, tries = tries + 1 "
                "WHERE id = ? AND state = 'queued' AND next_try_ms <= ?");
            st.bind_all(now_ms + kLeaseMs, d.id, now_ms).run();
            return db.changes() == 1;
        });
        if (!leased || !*leased) continue;
        const auto sent = gateway.send("sms-" + std::to_string(d.id), d.phone, d.text);
        const auto tries = d.tries + 1;
        (void)guarded([&]() -> Result<void> {
            if (sent) {
                // The text holds the code: gone once the provider has it.
                db.prepare(
                      "UPDATE hub_sms_outbox SET state = 'sent', sent_at_ms = ?, text = '' "
                      "WHERE id = ?")
                    .bind_all(now_ms, d.id)
                    .run();
            } else if (sent.error().code == Errc::invalid_argument || tries >= kMaxTries) {
                db.prepare(
                      "UPDATE hub_sms_outbox SET state = 'failed', last_error = ?, text = '' "
                      "WHERE id = ?")
                    .bind_all(sent.error().message, d.id)
                    .run();
            } else {
                // 1 s, 2 s, 4 s ...: a code lives minutes, so later tries are worth little.
                const std::int64_t backoff = 1000LL << std::min<std::int64_t>(tries - 1, 5);
                db.prepare("UPDATE hub_sms_outbox SET next_try_ms = ?, last_error = ? WHERE id = ?")
                    .bind_all(now_ms + backoff, sent.error().message, d.id)
                    .run();
            }
            return {};
        });
        if (sent) ++accepted;
    }
    return accepted;
}

}  // namespace loyalty::sync
