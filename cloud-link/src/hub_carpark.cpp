#include "hub_carpark.hpp"

#include <algorithm>
#include <vector>

#include "json_fields.hpp"

namespace loyalty::sync {

namespace {

constexpr std::int64_t kLeaseMs = 10'000;  // a leased credit is another worker's until then
constexpr std::int64_t kMaxRetryMs = 30'000;
constexpr int kPerRound = 200;

}  // namespace

std::string carpark_credits_topic(const std::string& program) {
    return std::string(topic_root) + "/" + program + "/carpark/credits";
}

std::string carpark_subscription() {
    return std::string(topic_root) + "/+/carpark/#";
}

void queue_carpark_credit(Database& db, const TerminalAddress& from, const std::string& event_id,
                          std::int64_t at_s, const nlohmann::json& p, std::int64_t now_ms) {
    const auto credit = text_field(p, "credit");
    const auto free_minutes = int_field(p, "free_minutes");
    const auto hours = int_field(p, "bought_hours");
    // What the car park needs and nothing of the member: the plate and the minutes.
    const auto payload = nlohmann::json{
        {"v", protocol_version},
        {"kind", "parking_credit"},
        {"program", from.program},
        {"credit_id", credit},
        {"plate", text_field(p, "plate")},
        {"free_minutes", free_minutes},
        {"bought_hours", hours},
        {"minutes", free_minutes + hours * 60},
        {"date", text_field(p, "date")},
        {"store", from.store},
        {"at", at_s}}.dump();
    db.prepare(
          "INSERT INTO hub_carpark_credits(program, credit_id, event_id, store, terminal, "
          "payload, created_at_ms, next_try_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
          "ON CONFLICT(program, credit_id) DO NOTHING")
        .bind_all(from.program, credit, event_id, from.store, from.terminal, payload, now_ms,
                  now_ms)
        .run();
}

std::int64_t drain_carpark_outbox(HubStore& hub, const CarparkSend& send, std::int64_t now_ms) {
    auto& db = hub.db();
    struct Due {
        std::int64_t id = 0, tries = 0;
        std::string program, payload;
    };
    // Quick look first: most rounds find nothing, and take no write lock for it.
    if (!db.prepare("SELECT 1 FROM hub_carpark_credits WHERE state = 'queued' AND next_try_ms <= ? "
                    "LIMIT 1")
             .bind(1, now_ms)
             .scalar())
        return 0;
    std::vector<Due> due;
    {
        // The lease, in one transaction: another worker finding them now leaves them alone.
        Transaction tx(db);
        db.prepare(
              "SELECT id, tries, program, payload FROM hub_carpark_credits WHERE state = 'queued' "
              "AND next_try_ms <= ? ORDER BY id LIMIT ?")
            .bind_all(now_ms, kPerRound)
            .each([&](const Statement& row) {
                due.push_back(Due{row.int64(0), row.int64(1), row.text(2), row.text(3)});
            });
        for (const auto& d : due)
            db.prepare(
                  "UPDATE hub_carpark_credits SET next_try_ms = ?, tries = tries + 1 WHERE id = ?")
                .bind_all(now_ms + kLeaseMs, d.id)
                .run();
        tx.commit();
    }
    // Every publish started before any answer is awaited: one round trip for the lot.
    std::vector<std::function<bool()>> answers;
    answers.reserve(due.size());
    for (const auto& d : due) answers.push_back(send(carpark_credits_topic(d.program), d.payload));
    std::vector<bool> accepted;
    accepted.reserve(due.size());
    for (auto& answer : answers) accepted.push_back(answer());
    std::int64_t published = 0;
    Transaction tx(db);
    for (std::size_t i = 0; i < due.size(); ++i) {
        if (accepted[i]) {
            db.prepare(
                  "UPDATE hub_carpark_credits SET state = 'published', published_at_ms = ?, "
                  "last_error = NULL WHERE id = ?")
                .bind_all(now_ms, due[i].id)
                .run();
            ++published;
        } else {
            const auto wait = std::min<std::int64_t>(
                kMaxRetryMs, 1000LL << std::min<std::int64_t>(due[i].tries, 5));
            db.prepare(
                  "UPDATE hub_carpark_credits SET next_try_ms = ?, last_error = ? WHERE id = ?")
                .bind_all(now_ms + wait, "the broker did not accept it", due[i].id)
                .run();
        }
    }
    tx.commit();
    return published;
}

}  // namespace loyalty::sync
