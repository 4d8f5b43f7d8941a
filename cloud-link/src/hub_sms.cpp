// One-time codes by SMS (PROTOCOL.md, "SMS codes"): a shopper proves a phone is theirs
// before joining with it or choosing a new PIN for it. The hub makes the code, keeps
// only its salted hash, and queues the text for its SMS gateway (hub_sms_outbox, sent by
// SmsSender on a thread of its own), so the answer never waits for the provider.
#include <sodium.h>

#include <array>

#include "loyalty/sync/hub.hpp"
#include "loyalty/sync/requests.hpp"

namespace loyalty::sync {

namespace {

constexpr std::int64_t kResendAfterMs = 60'000;  // one code per phone and purpose a minute
constexpr std::int64_t kPerHourPerPhone = 5;     // texts to one phone in an hour
constexpr std::int64_t kWrongTriesAllowed = 5;   // then the code is dead: ask for a new one

std::string hex(const unsigned char* bytes, std::size_t n) {
    std::string out(n * 2 + 1, '\0');
    sodium_bin2hex(out.data(), out.size(), bytes, n);
    out.pop_back();
    return out;
}

// The code keyed by its salt (hex): the table alone does not give the code away.
std::string code_hash(const std::string& code, const std::string& salt_hex) {
    std::array<unsigned char, crypto_generichash_BYTES> h{};
    crypto_generichash(h.data(), h.size(), reinterpret_cast<const unsigned char*>(code.data()),
                       code.size(), reinterpret_cast<const unsigned char*>(salt_hex.data()),
                       salt_hex.size());
    return hex(h.data(), h.size());
}

std::string replace_all(std::string text, const std::string& what, const std::string& with) {
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + with.size()))
        text.replace(at, what.size(), with);
    return text;
}

}  // namespace

std::string sms_text(const std::string& text_template, const std::string& program_name,
                     const std::string& code, std::int64_t ttl_ms) {
    auto text = replace_all(text_template, "{program}", program_name);
    text = replace_all(text, "{minutes}", std::to_string(ttl_ms / 60'000));
    return replace_all(text, "{code}", code);
}

void HubStore::sms_code(const HubRequest& r, const TerminalAddress& from, std::int64_t now_ms,
                        HubAnswer& a) {
    auto& db = this->db();
    auto decline = [&](const char* why, std::string detail) {
        a.status = answer_status::declined;
        a.reason = why;
        a.detail = std::move(detail);
    };
    if (!options_.sms.enabled)
        return decline(sms_reason::no_gateway, "headquarters sends no SMS codes");
    const auto last_sent = db.prepare(
                                 "SELECT sent_at_ms FROM hub_sms_codes WHERE program = ? AND phone "
                                 "= ? AND purpose = ?")
                               .bind_all(from.program, r.value, r.purpose)
                               .scalar<std::int64_t>();
    if (last_sent && now_ms - *last_sent < kResendAfterMs) {
        a.retry_after_ms = *last_sent + kResendAfterMs - now_ms;
        return decline(sms_reason::too_soon, "a code was sent under a minute ago");
    }
    const auto this_hour = db.prepare(
                                 "SELECT count(*) FROM hub_sms_outbox WHERE phone = ? AND "
                                 "created_at_ms > ?")
                               .bind_all(r.value, now_ms - 3'600'000)
                               .scalar<std::int64_t>()
                               .value_or(0);
    if (this_hour >= kPerHourPerPhone)
        return decline(sms_reason::too_many, "too many codes to this phone in the last hour");

    const auto code = [] {
        auto n = std::to_string(randombytes_uniform(1'000'000));
        return std::string(6 - n.size(), '0') + n;
    }();
    std::array<unsigned char, 16> salt_bytes{};
    randombytes_buf(salt_bytes.data(), salt_bytes.size());
    const auto salt = hex(salt_bytes.data(), salt_bytes.size());
    const auto hash = code_hash(code, salt);
    a.expires_at_ms = now_ms + options_.sms.code_ttl_ms;
    db.prepare(
          "INSERT INTO hub_sms_codes(program, phone, purpose, salt, code_hash, store, terminal, "
          "sent_at_ms, expires_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
          "ON CONFLICT(program, phone, purpose) DO UPDATE SET salt = excluded.salt, code_hash = "
          "excluded.code_hash, store = excluded.store, terminal = excluded.terminal, sent_at_ms = "
          "excluded.sent_at_ms, expires_at_ms = excluded.expires_at_ms, wrong_tries = 0, "
          "verified_at_ms = NULL")
        .bind_all(from.program, r.value, r.purpose, salt, hash, from.store, from.terminal, now_ms,
                  a.expires_at_ms)
        .run();
    const auto program_name = db.prepare("SELECT name FROM programs WHERE code = ?")
                                  .bind_all(from.program)
                                  .scalar<std::string>()
                                  .value_or(from.program);
    db.prepare(
          "INSERT INTO hub_sms_outbox(program, phone, text, created_at_ms, next_try_ms) "
          "VALUES (?, ?, ?, ?, ?)")
        .bind_all(
            from.program, r.value,
            sms_text(options_.sms.text_template, program_name, code, options_.sms.code_ttl_ms),
            now_ms, now_ms)
        .run();
    a.status = answer_status::sent;
    a.retry_after_ms = kResendAfterMs;
}

void HubStore::sms_check(const HubRequest& r, const TerminalAddress& from, std::int64_t now_ms,
                         HubAnswer& a) {
    auto& db = this->db();
    struct Sent {
        std::string salt, hash;
        std::int64_t expires_at_ms = 0, wrong_tries = 0;
        std::string store, terminal;
    };
    const auto sent =
        db.prepare(
              "SELECT salt, code_hash, expires_at_ms, wrong_tries, store, terminal FROM "
              "hub_sms_codes WHERE program = ? AND phone = ? AND purpose = ?")
            .bind_all(from.program, r.value, r.purpose)
            .one([](const Statement& row) {
                return Sent{row.text(0),  row.text(1), row.int64(2),
                            row.int64(3), row.text(4), row.text(5)};
            });
    a.status = answer_status::declined;
    // A code proves the phone to the terminal that asked for it, nowhere else: one read over
    // a shopper's shoulder cannot be typed in at another kiosk.
    if (!sent || sent->store != from.store || sent->terminal != from.terminal ||
        sent->expires_at_ms <= now_ms || sent->wrong_tries >= kWrongTriesAllowed) {
        a.reason = sms_reason::expired;
        a.detail = "no live code for this phone: ask for a new one";
        return;
    }
    const auto typed = code_hash(r.code, sent->salt);
    if (typed.size() != sent->hash.size() ||
        sodium_memcmp(typed.data(), sent->hash.data(), typed.size()) != 0) {
        db.prepare(
              "UPDATE hub_sms_codes SET wrong_tries = wrong_tries + 1 "
              "WHERE program = ? AND phone = ? AND purpose = ?")
            .bind_all(from.program, r.value, r.purpose)
            .run();
        const bool dead = sent->wrong_tries + 1 >= kWrongTriesAllowed;
        a.reason = dead ? sms_reason::expired : sms_reason::wrong_code;
        a.detail = dead ? "too many wrong codes: ask for a new one" : "that is not the code sent";
        return;
    }
    // The same right code asked again (a retry whose answer was lost) is verified again.
    db.prepare(
          "UPDATE hub_sms_codes SET verified_at_ms = coalesce(verified_at_ms, ?) "
          "WHERE program = ? AND phone = ? AND purpose = ?")
        .bind_all(now_ms, from.program, r.value, r.purpose)
        .run();
    a.status = answer_status::verified;
}

}  // namespace loyalty::sync
