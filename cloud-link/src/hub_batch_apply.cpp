// An event batch at the hub: checked (signature, topic, window), then each event
// in its terminal's sequence order through the engine's Replication, exactly once.
#include <algorithm>

#include "event_effects.hpp"
#include "hub_carpark.hpp"
#include "hub_pass.hpp"
#include "json_fields.hpp"
#include "loyalty/checked_math.hpp"
#include "loyalty/engine.hpp"
#include "loyalty/sync/signing.hpp"

namespace loyalty::sync {

namespace {

std::string key_of(const TerminalAddress& a) {
    return a.store + '\x1f' + a.terminal;
}

}  // namespace

std::optional<Error> HubStore::Pass::events(const HubIncoming& in, const TerminalAddress& topic) {
    if (auto bad = check_signature(in, topic.store)) return bad;
    auto batch = decode_batch(in.payload);
    if (!batch) return batch.error();
    const auto& a = batch->from;
    if (a.program != topic.program || a.store != topic.store || a.terminal != topic.terminal)
        return make_error(Errc::unauthorized, std::string(reason::topic_mismatch) +
                                                  ": payload says " + a.program + "/" + a.store +
                                                  "/" + a.terminal);
    // `base` settles only what the hub applied, or, once, what a terminal settled
    // before its first contact (an outbox cleared before it was linked). Any
    // other jump would acknowledge events the hub never saw: refused whole.
    const auto known = known_last_seq(a);
    std::int64_t last = known.value_or(0);
    if (batch->base > last) {
        if (known)
            return make_error(Errc::invalid_argument, std::string(reason::bad_base) + ": base " +
                                                          std::to_string(batch->base) +
                                                          ", the hub applied through " +
                                                          std::to_string(last));
        last = batch->base;
    }
    // Both at most 2^53 (decode_batch): the sum cannot overflow.
    if (batch->events.back().seq > last + max_hold_ahead)
        return make_error(Errc::invalid_argument, std::string(reason::out_of_window) +
                                                      ": sequence " +
                                                      std::to_string(batch->events.back().seq) +
                                                      " after " + std::to_string(last));
    auto& touch = terminals[key_of(a)];
    touch.address = a;
    if (const auto asked = resequence_asked(a)) {
        if (batch->base < *asked) {
            // Sent before the terminal renumbered: its events above our counter
            // may be the forked history's too, and would be applied out of order.
            touch.forked_at = batch->events.front().seq;
            ++report.resequences;
            return std::nullopt;
        }
        ask_resequence(a, std::nullopt);  // renumbered: based on what we asked
    }
    for (const auto& e : batch->events) {
        if (e.seq <= last) {
            if (forked(a, e)) {
                // Nothing more of this batch: its later events are the forked
                // history's too, and come again renumbered.
                touch.forked_at = e.seq;
                ++report.resequences;
                break;
            }
            ++report.duplicates;
            ++touch.duplicates;
            tell_reversal_again(a, e);
        } else if (e.seq == last + 1) {
            if (apply_event(a, e))
                ++report.applied;
            else
                ++report.duplicates;
            ++last;
        } else {
            hold(a, e);
        }
    }
    if (touch.forked_at) {
        // Held events may be the forked history's; the terminal resends what it has.
        db().prepare("DELETE FROM hub_held WHERE store = ? AND terminal = ?")
            .bind_all(a.store, a.terminal)
            .run();
        ask_resequence(a, last);
        return std::nullopt;
    }
    release_held(a, last);
    touch.skew_ms = batch->sent_at_ms ? now_ms - batch->sent_at_ms : 0;
    set_last_seq(a, last,
                 batch->sent_at_ms ? std::optional<std::int64_t>(touch.skew_ms) : std::nullopt);
    return std::nullopt;
}

bool HubStore::Pass::forked(const TerminalAddress& a, const DecodedEvent& e) {
    const auto here =
        db().prepare(
                "SELECT event_id FROM hub_applied WHERE store = ? AND terminal = ? AND seq = ?")
            .bind_all(a.store, a.terminal, e.seq)
            .scalar<std::string>();
    if (!here || *here == e.id) return false;
    // Applied before under another sequence (a renumbered resend): a duplicate.
    return !db().prepare("SELECT 1 FROM hub_applied WHERE event_id = ?").bind(1, e.id).scalar();
}

std::optional<std::int64_t> HubStore::Pass::resequence_asked(const TerminalAddress& a) {
    return db()
        .prepare("SELECT resequence_through FROM hub_terminals WHERE store = ? AND terminal = ?")
        .bind_all(a.store, a.terminal)
        .scalar();
}

void HubStore::Pass::ask_resequence(const TerminalAddress& a, std::optional<std::int64_t> through) {
    db().prepare("UPDATE hub_terminals SET resequence_through = ? WHERE store = ? AND terminal = ?")
        .bind_all(through, a.store, a.terminal)
        .run();
}

std::optional<Error> HubStore::Pass::check_signature(const HubIncoming& in,
                                                     const std::string& store) {
    auto key = hub.options_.store_keys.find(store);
    if (key == hub.options_.store_keys.end()) {
        if (hub.options_.require_signatures)
            return make_error(Errc::unauthorized, std::string(reason::unsigned_message) +
                                                      ": no key for store " + store);
        return std::nullopt;
    }
    if (in.signature.empty())
        return make_error(Errc::unauthorized,
                          std::string(reason::unsigned_message) + ": store " + store + " signs");
    if (!signature_matches(key->second, in.payload, in.signature))
        return make_error(Errc::unauthorized,
                          std::string(reason::bad_signature) + ": store " + store);
    return std::nullopt;
}

namespace {

// The dead-letter reason of a refusal by the engine's Replication (see replication.hpp).
const char* reason_for(Errc code) {
    switch (code) {
        case Errc::not_found:
            return reason::unknown_program;
        case Errc::unauthorized:
            return reason::foreign_reference;
        case Errc::exceeds_sale:
            return reason::unknown_receipt;
        case Errc::conflict:
            return reason::conflict;
        case Errc::invalid_argument:
            return reason::malformed_event;
        default:
            return reason::malformed;
    }
}

}  // namespace

bool HubStore::Pass::apply_event(const TerminalAddress& a, const DecodedEvent& e) {
    // The unique event id is the dedupe: a second copy changes nothing.
    if (db().prepare("SELECT 1 FROM hub_applied WHERE event_id = ?").bind(1, e.id).scalar())
        return false;
    std::optional<Error> refused;
    {
        Transaction one(db());
        refused = book(a, e);
        if (!refused) one.commit();
    }  // a refused event leaves nothing behind: its savepoint is rolled back here
    if (refused) park(a, e, *refused);
    return true;
}

std::optional<Error> HubStore::Pass::book(const TerminalAddress& a, const DecodedEvent& e) {
    if (!e.problem.empty())
        return make_error(Errc::invalid_argument, std::string(reason::malformed_event) +
                                                      ": event " + e.id + " (" + e.type +
                                                      "): " + e.problem);
    if (!known_event_schema(e.schema))
        return make_error(Errc::invalid_argument, std::string(reason::unknown_schema) + ": event " +
                                                      e.id + " schema " + std::to_string(e.schema));
    db().prepare(
            "INSERT INTO hub_applied(event_id, program, store, terminal, seq, type, status, "
            "occurred_at, "
            "applied_at_ms, worker) VALUES (?, ?, ?, ?, ?, ?, 'applied', ?, ?, ?)")
        .bind_all(e.id, a.program, a.store, a.terminal, e.seq, e.type, e.at, now_ms,
                  hub.options_.worker)
        .run();
    const auto row = db().last_insert_rowid();
    // Only an enrollment that creates its member may merge it into another: an
    // event naming a member the hub knew (another store's) merges nothing.
    const bool enrolls_new =
        e.type == "member.enrolled" &&
        !hub.engine_->members().get_by_uid(text_field(e.payload, "member_uid")).ok();
    auto done = hub.engine_->replication().apply(ReplicatedEvent{
        e.id, e.type, a.program, a.store, a.terminal, from_unix(e.at), e.payload, true});
    if (!done) {
        if (done.error().code == Errc::storage) abort_pass(done.error());
        return make_error(done.error().code, std::string(reason_for(done.error().code)) +
                                                 ": event " + e.id + " (" + e.type +
                                                 "): " + done.error().message);
    }
    // What the event did to its member's points, as the terminals count it.
    const EventEffects effects = effects_of(e.type, e.payload);
    std::int64_t own_delta = 0;
    for (const auto& p : effects.points)
        if (p.uid == effects.member_uid)
            own_delta = checked_add(own_delta, p.delta).value_or(own_delta);
    db().prepare("UPDATE hub_applied SET member_uid = ?, points_delta = ? WHERE id = ?")
        .bind_all(effects.member_uid.empty() ? std::nullopt
                                             : std::optional<std::string>(effects.member_uid),
                  own_delta, row)
        .run();
    for (const auto& uid : done->members) members[{a.program, a.store}].insert(uid);
    if (done->reversed_claim) tell_reversal(a, *done->reversed_claim, row);
    if (done->tier_check_due) {
        // Once per member per transaction, as of its latest event, not after every sale.
        auto& at = tier_checks[done->members.front()];
        at = std::max(at, from_unix(e.at));
    }
    capture_hold(a, e);
    if (enrolls_new) merge_duplicate(a, e, row);
    for (const auto& [code, first] : done->coupons_used_again)
        db().prepare(
                "INSERT OR IGNORE INTO hub_coupon_reuses(event_id, program, code, store, "
                "terminal, receipt_key, first_receipt_key, member_uid, at_ms) "
                "SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, m.uid, ?8 FROM coupons c "
                "JOIN members m ON m.id = c.member_id WHERE c.code = ?3")
            .bind_all(e.id, a.program, code, a.store, a.terminal,
                      a.program + "/" + a.store + "/" + a.terminal + "/" +
                          text_field(e.payload, "receipt"),
                      first, now_ms)
            .run();
    if (done->shortfall > 0 && !done->members.empty())
        db().prepare(
                "INSERT OR IGNORE INTO hub_shortfalls(event_id, program, member_uid, points, "
                "at_ms) VALUES (?, ?, ?, ?, ?)")
            .bind_all(e.id, a.program, done->members.front(), done->shortfall, now_ms)
            .run();
    if (done->sv_shortfall.minor > 0)
        db().prepare(
                "INSERT OR IGNORE INTO hub_sv_shortfalls(event_id, program, store, amount_minor, "
                "detail, at_ms) VALUES (?, ?, ?, ?, ?, ?)")
            .bind_all(e.id, a.program, a.store, done->sv_shortfall.minor, done->note, now_ms)
            .run();
    // A mall's parking credit goes on to its car park once it is committed (hub_carpark.cpp).
    if (e.type == "parking.credited") queue_carpark_credit(db(), a, e.id, e.at, e.payload, now_ms);
    if (e.type == "card.lost" || e.type == "card.blocked") {
        auto number = e.payload.find("card");
        if (number != e.payload.end() && number->is_string())
            // The hub_applied row id orders every change the hub saw: the item's version.
            card_blocks[a.program].push_back(
                json{{"key", *number},
                     {"version", row},
                     {"state", e.type == "card.lost" ? "lost" : "blocked"},
                     {"member_uid", effects.member_uid},
                     {"from_store", a.store}});
    }
    return std::nullopt;
}

// A sale, redemption or parking credit paid with points the hub authorized: its event
// captures the hold under the id the terminal asked with ("sale/<terminal>/<receipt>",
// "reward/<terminal>/<request>", "parking/<terminal>/<credit id>"), so the points stop
// being held twice (as a hold and as the debit the event just booked). Only the sending
// store's holds.
void HubStore::Pass::capture_hold(const TerminalAddress& a, const DecodedEvent& e) {
    std::string auth;
    if (e.type == "sale.committed")
        auth = "sale/" + a.terminal + "/" + text_field(e.payload, "receipt");
    else if (e.type == "reward.redeemed")
        auth = "reward/" + a.terminal + "/" + text_field(e.payload, "request");
    else if (e.type == "parking.credited") {
        // Hours bought with points: the kiosk asked under its own credit id.
        const auto credit = text_field(e.payload, "credit");
        const auto prefix = a.store + "/" + a.terminal + "/";
        if (!credit.starts_with(prefix)) return;
        auth = "parking/" + a.terminal + "/" + credit.substr(prefix.size());
    } else
        return;
    db().prepare(
            "UPDATE hub_holds SET state = 'captured', settled_at_ms = ?, event_id = ? "
            "WHERE program = ? AND store = ? AND auth = ? AND state = 'held'")
        .bind_all(now_ms, e.id, a.program, a.store, auth)
        .run();
    if (e.type == "sale.committed")  // every holder the sale paid from
        db().prepare(
                "UPDATE hub_sv_holds SET state = 'captured', settled_at_ms = ?, event_id = ? "
                "WHERE program = ? AND store = ? AND auth = ? AND state = 'held'")
            .bind_all(now_ms, e.id, a.program, a.store, auth)
            .run();
}

// Consumed at its sequence (the terminal is acknowledged past it) and listed
// with its reason; `loyalty-hub --replay` retries it after a fix.
void HubStore::Pass::park(const TerminalAddress& a, const DecodedEvent& e, const Error& why) {
    db().prepare(
            "INSERT INTO hub_applied(event_id, program, store, terminal, seq, type, status, "
            "occurred_at, "
            "applied_at_ms, worker) VALUES (?, ?, ?, ?, ?, ?, 'parked', ?, ?, ?) ON "
            "CONFLICT(event_id) DO NOTHING")
        .bind_all(e.id, a.program, a.store, a.terminal, e.seq, e.type, e.at, now_ms,
                  hub.options_.worker)
        .run();
    dead_letter_event(a, e, why);
}

void HubStore::Pass::check_tiers() {
    if (tier_checks.empty()) return;
    auto moved = hub.engine_->replication().check_tiers(tier_checks);
    if (!moved) abort_pass(moved.error());
    tier_checks.clear();
}

std::int64_t HubStore::Pass::last_seq(const TerminalAddress& a) {
    return known_last_seq(a).value_or(0);
}

std::optional<std::int64_t> HubStore::Pass::known_last_seq(const TerminalAddress& a) {
    return db()
        .prepare("SELECT last_seq FROM hub_terminals WHERE store = ? AND terminal = ?")
        .bind_all(a.store, a.terminal)
        .scalar();
}

void HubStore::Pass::set_last_seq(const TerminalAddress& a, std::int64_t seq,
                                  std::optional<std::int64_t> skew) {
    db().prepare(
            "INSERT INTO hub_terminals(store, terminal, program, last_seq, skew_ms, last_seen_ms) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(store, terminal) DO UPDATE SET last_seq = "
            "excluded.last_seq, "
            "skew_ms = coalesce(excluded.skew_ms, hub_terminals.skew_ms), last_seen_ms = "
            "excluded.last_seen_ms")
        .bind_all(a.store, a.terminal, a.program, seq, skew, now_ms)
        .run();
}

}  // namespace loyalty::sync
