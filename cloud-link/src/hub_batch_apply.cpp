// An event batch at the hub: checked (signature, topic, window), then each event
// in its terminal's sequence order through the engine's Replication, exactly once.
#include "hub_pass.hpp"

#include <algorithm>

#include "event_effects.hpp"
#include "loyalty/engine.hpp"
#include "loyalty/sync/signing.hpp"

namespace loyalty::sync {

namespace {

std::string key_of(const TerminalAddress& a) { return a.store + '\x1f' + a.terminal; }

}  // namespace

std::optional<Error> HubStore::Pass::events(const HubIncoming& in, const TerminalAddress& topic) {
    if (auto bad = check_signature(in, topic.store)) return bad;
    auto batch = decode_batch(in.payload);
    if (!batch) return batch.error();
    const auto& a = batch->from;
    if (a.program != topic.program || a.store != topic.store || a.terminal != topic.terminal)
        return make_error(Errc::unauthorized, std::string(reason::topic_mismatch) + ": payload says " + a.program +
                                                  "/" + a.store + "/" + a.terminal);
    std::int64_t last = std::max(last_seq(a), batch->base);
    if (batch->events.back().seq > last + max_hold_ahead)
        return make_error(Errc::invalid_argument, std::string(reason::out_of_window) + ": sequence " +
                                                      std::to_string(batch->events.back().seq) + " after " +
                                                      std::to_string(last));
    auto& touch = terminals[key_of(a)];
    touch.address = a;
    for (const auto& e : batch->events) {
        if (e.seq <= last) {
            ++report.duplicates;
            ++touch.duplicates;
        } else if (e.seq == last + 1) {
            if (apply_event(a, e)) ++report.applied; else ++report.duplicates;
            ++last;
        } else {
            hold(a, e);
        }
    }
    release_held(a, last);
    touch.skew_ms = batch->sent_at_ms ? now_ms - batch->sent_at_ms : 0;
    set_last_seq(a, last, batch->sent_at_ms ? std::optional<std::int64_t>(touch.skew_ms) : std::nullopt);
    return std::nullopt;
}

std::optional<Error> HubStore::Pass::check_signature(const HubIncoming& in, const std::string& store) {
    auto key = hub.options_.store_keys.find(store);
    if (key == hub.options_.store_keys.end()) {
        if (hub.options_.require_signatures)
            return make_error(Errc::unauthorized, std::string(reason::unsigned_message) + ": no key for store " + store);
        return std::nullopt;
    }
    if (in.signature.empty())
        return make_error(Errc::unauthorized, std::string(reason::unsigned_message) + ": store " + store + " signs");
    if (!signature_matches(key->second, in.payload, in.signature))
        return make_error(Errc::unauthorized, std::string(reason::bad_signature) + ": store " + store);
    return std::nullopt;
}

bool HubStore::Pass::apply_event(const TerminalAddress& a, const DecodedEvent& e) {
    const bool known = known_event_schema(e.schema);
    const EventEffects effects = known ? effects_of(e.type, e.payload) : EventEffects{};
    std::int64_t own_delta = 0;
    for (const auto& p : effects.points)
        if (p.uid == effects.member_uid) own_delta += p.delta;
    // The unique event id is the dedupe: a second copy inserts nothing.
    db().prepare(
            "INSERT INTO hub_applied(event_id, program, store, terminal, seq, type, member_uid, points_delta, "
            "status, occurred_at, applied_at_ms, worker) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(event_id) DO NOTHING")
        .bind_all(e.id, a.program, a.store, a.terminal, e.seq, e.type,
                  effects.member_uid.empty() ? std::nullopt : std::optional<std::string>(effects.member_uid),
                  own_delta, known ? "applied" : "parked", e.at, now_ms, hub.options_.worker)
        .run();
    if (db().changes() == 0) return false;
    const auto row = db().last_insert_rowid();
    if (!known) {
        // Consumed (the terminal must not stall on it) but parked for an operator.
        HubIncoming in{events_topic(a), json{{"id", e.id}, {"seq", e.seq}, {"type", e.type}, {"schema", e.schema},
                                             {"payload", e.payload}}
                                            .dump(),
                       {}};
        dead_letter(in, make_error(Errc::invalid_argument, std::string(reason::unknown_schema) + ": event " +
                                                               e.id + " schema " + std::to_string(e.schema)));
        return true;
    }
    if (!replicate(a, e, row)) return true;
    if (e.type == "card.lost" || e.type == "card.blocked") {
        auto number = e.payload.find("card");
        if (number != e.payload.end() && number->is_string())
            // The hub_applied row id orders every change the hub saw: the item's version.
            card_blocks[a.program].push_back(json{{"key", *number},
                                                  {"version", row},
                                                  {"state", e.type == "card.lost" ? "lost" : "blocked"},
                                                  {"member_uid", effects.member_uid},
                                                  {"from_store", a.store}});
    }
    return true;
}

bool HubStore::Pass::replicate(const TerminalAddress& a, const DecodedEvent& e, std::int64_t row) {
    auto done = hub.engine_->replication().apply(
        ReplicatedEvent{e.id, e.type, a.program, a.store, a.terminal, from_unix(e.at), e.payload, true});
    if (!done) {
        if (done.error().code == Errc::storage) throw OperationAborted(done.error());
        db().prepare("UPDATE hub_applied SET status = 'parked' WHERE id = ?").bind(1, row).run();
        const char* why = done.error().code == Errc::not_found ? reason::unknown_program : reason::malformed;
        HubIncoming in{events_topic(a), json{{"id", e.id}, {"seq", e.seq}, {"type", e.type}, {"payload", e.payload}}.dump(), {}};
        dead_letter(in, make_error(done.error().code, std::string(why) + ": event " + e.id + " (" + e.type +
                                                          "): " + done.error().message));
        return false;
    }
    for (const auto& uid : done->members) members[{a.program, a.store}].insert(uid);
    if (done->tier_check_due) {
        // Once per member per transaction, as of its latest event, not after every sale.
        auto& at = tier_checks[done->members.front()];
        at = std::max(at, from_unix(e.at));
    }
    if (done->shortfall > 0 && !done->members.empty())
        db().prepare("INSERT OR IGNORE INTO hub_shortfalls(event_id, program, member_uid, points, at_ms) VALUES (?, ?, ?, ?, ?)")
            .bind_all(e.id, a.program, done->members.front(), done->shortfall, now_ms)
            .run();
    return true;
}

void HubStore::Pass::check_tiers() {
    if (tier_checks.empty()) return;
    auto moved = hub.engine_->replication().check_tiers(tier_checks);
    if (!moved) throw OperationAborted(moved.error());
    tier_checks.clear();
}

std::int64_t HubStore::Pass::last_seq(const TerminalAddress& a) {
    auto st = db().prepare("SELECT last_seq FROM hub_terminals WHERE store = ? AND terminal = ?");
    st.bind_all(a.store, a.terminal);
    std::int64_t seq = 0;
    if (st.step()) seq = st.int64(0);
    return seq;
}

void HubStore::Pass::set_last_seq(const TerminalAddress& a, std::int64_t seq, std::optional<std::int64_t> skew) {
    db().prepare(
            "INSERT INTO hub_terminals(store, terminal, program, last_seq, skew_ms, last_seen_ms) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(store, terminal) DO UPDATE SET last_seq = excluded.last_seq, "
            "skew_ms = coalesce(excluded.skew_ms, skew_ms), last_seen_ms = excluded.last_seen_ms")
        .bind_all(a.store, a.terminal, a.program, seq, skew, now_ms)
        .run();
}

}  // namespace loyalty::sync
