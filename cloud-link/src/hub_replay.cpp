// An operator's second try of one parked event (`loyalty-hub --replay ID`), after
// a fix: the program loaded, the conflicting receipt sorted out. It goes through
// the same booking as at its turn; refused again, nothing changes.
#include "hub_pass.hpp"

namespace loyalty::sync {

Result<ReplayOutcome> HubStore::replay(std::int64_t dead_letter_id, std::int64_t now_ms) {
    // Lost to a worker's batch on PostgreSQL (the event's member or its letter written
    // meanwhile): run again from a fresh snapshot, as apply() is, not reported as the
    // event refused. On SQLite the replay already waited its turn (the busy timeout), once.
    return guarded([&] {
        return retried_when_busy(
            [&]() -> Result<ReplayOutcome> {
                auto& database = db();
                Transaction tx(database);
                struct Letter {
                    std::string topic, reason, payload;
                    std::optional<std::string> event_id;
                    std::optional<std::int64_t> replayed_at_ms;
                };
                const auto letter =
                    database
                        .prepare(
                            "SELECT topic, reason, payload, event_id, replayed_at_ms FROM "
                            "hub_dead_letters WHERE id = ?")
                        .bind(1, dead_letter_id)
                        .one([](const Statement& row) {
                            return Letter{row.text(0), row.text(1), row.text(2),
                                          row.optional_text(3), row.optional_int64(4)};
                        });
                const auto which = "dead letter " + std::to_string(dead_letter_id);
                if (!letter) return make_error(Errc::not_found, "no " + which);
                if (!letter->event_id)
                    return make_error(Errc::invalid_argument,
                                      which + " is a whole message refused (" + letter->reason +
                                          "), not one event: nothing to replay");
                if (letter->replayed_at_ms)
                    return make_error(Errc::invalid_argument,
                                      which + " was replayed and applied already");
                const auto status =
                    database.prepare("SELECT status FROM hub_applied WHERE event_id = ?")
                        .bind(1, *letter->event_id)
                        .scalar<std::string>();
                if (status == "applied")
                    return make_error(
                        Errc::invalid_argument,
                        which + ": event " + *letter->event_id + " is applied already");
                const auto topic = parse_topic(letter->topic);
                const auto event = nlohmann::json::parse(letter->payload, nullptr, false);
                if (!topic || topic->kind != TopicKind::events || !event.is_object())
                    return make_error(Errc::invalid_argument,
                                      which + " does not hold a readable event");
                const auto e = event_from_json(event);

                // Its parked row gives way to the booking; refused, the rollback puts it back.
                database.prepare("DELETE FROM hub_applied WHERE event_id = ? AND status = 'parked'")
                    .bind(1, e.id)
                    .run();
                Pass pass(*this, now_ms);
                std::optional<Error> refused;
                {
                    Transaction one(database);
                    refused = pass.book(topic->address, e);
                    if (database.lost_to_another_transaction())
                        throw StorageError(SQLITE_BUSY,
                                           "postgres: the replay lost to another worker");
                    if (!refused) one.commit();
                }
                if (refused) return ReplayOutcome{false, refused->message};
                database.prepare("UPDATE hub_dead_letters SET replayed_at_ms = ? WHERE id = ?")
                    .bind_all(now_ms, dead_letter_id)
                    .run();
                pass.check_tiers();
                tx.commit();
                // The members' snapshots go down with their next change: this process
                // has no broker session of its own.
                return ReplayOutcome{true, ""};
            },
            db().is_postgres() ? 30 : 1);
    });
}

}  // namespace loyalty::sync
