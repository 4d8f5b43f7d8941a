#pragma once
// One HubStore::apply() (or review_tiers()) pass over the hub database, inside the
// caller's transaction: what it applied and touched, and the acks, snapshots and
// card blocks to publish once the transaction has committed. Its jobs live in one
// file each, named beside their declarations below.
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "batch_codec.hpp"
#include "loyalty/replication.hpp"
#include "loyalty/storage/engine_storage.hpp"
#include "loyalty/sync/hub.hpp"

namespace loyalty::sync {

struct HubStore::Pass {
    using json = nlohmann::json;

    Pass(HubStore& h, std::int64_t now) : hub(h), now_ms(now) {}
    HubStore& hub;
    std::int64_t now_ms;
    HubApplyReport report;
    struct TerminalTouch {
        TerminalAddress address;
        std::int64_t skew_ms = 0;
        std::int64_t duplicates = 0;
        // The sequence at which the terminal sent another event than the hub
        // applied there (its history forked): answered with a resequence, no ack.
        std::optional<std::int64_t> forked_at;
    };
    std::map<std::string, TerminalTouch> terminals;
    std::map<std::pair<std::string, std::string>, std::set<std::string>>
        members;  // (program, store) -> uids
    // Cards reported lost or blocked at one store, to block at every store.
    std::map<std::string, std::vector<json>> card_blocks;  // program -> items
    std::map<std::string, Timestamp> tier_checks;          // member uid -> its latest event
    // Members merged into the one the hub knew first, to tell their stores.
    struct Merge {
        std::string absorbed_uid, survivor_uid;
        std::int64_t version = 0;  // the enrollment's hub_applied row
    };
    std::map<std::string, std::vector<Merge>> merges;  // program -> merges
    // Receipt claims the hub kept as reversed (claimed first at another kiosk), to tell the
    // store that sent each one: (program, store of the event's topic) -> claim_reversed items.
    std::map<std::pair<std::string, std::string>, std::vector<json>> claim_reversals;

    Database& db() { return engine_database(*hub.engine_); }
    // An engine call failed in storage: the whole pass stops. When its transaction lost to
    // another worker's (PostgreSQL), it stops as busy, so the batch is run again at once
    // (retried_when_busy) rather than after the store's ack timeout.
    [[noreturn]] void abort_pass(const Error& why) {
        if (db().lost_to_another_transaction()) throw StorageError(SQLITE_BUSY, why.message);
        throw OperationAborted(why);
    }

    // One message by kind: hub_dispatch.cpp
    void one(const HubIncoming& in);
    void dead_letter(const HubIncoming& in, const Error& why);
    // One event parked at its turn: whose it is, and the event whole for --replay.
    void dead_letter_event(const TerminalAddress& a, const DecodedEvent& e, const Error& why);
    std::optional<Error> presence(const HubIncoming& in, const TerminalAddress& topic);

    // An event batch in sequence order: hub_batch_apply.cpp
    std::optional<Error> events(const HubIncoming& in, const TerminalAddress& topic);
    std::optional<Error> check_signature(const HubIncoming& in, const std::string& store);
    // Applies one event whose turn it is, in a savepoint of its own. An event
    // that cannot be applied is parked on its own with its reason: its savepoint
    // rolled back, its sequence consumed (the terminal is acknowledged past it),
    // every other event and store of the transaction unaffected. Returns false
    // for an event id applied before.
    bool apply_event(const TerminalAddress& a, const DecodedEvent& e);
    // The event through the loyalty engine on the hub's database; its refusal
    // (dead-letter reason first) or nothing. A storage failure throws: then the
    // whole transaction is rolled back and the stores resend.
    std::optional<Error> book(const TerminalAddress& a, const DecodedEvent& e);
    void park(const TerminalAddress& a, const DecodedEvent& e, const Error& why);
    void capture_hold(const TerminalAddress& a, const DecodedEvent& e);
    // A receipt claim the hub reversed, to send down to the store that took it
    // (hub_claim_reversals.cpp). `version` is the hub_applied row of the claim's event.
    void tell_reversal(const TerminalAddress& a, const ReplicationOutcome::ReversedClaim& r,
                       std::int64_t version);
    // A copy of an event applied before: when it is a receipt claim the hub reversed, its
    // store hears of the reversal again (the first message may have been lost with its ack).
    void tell_reversal_again(const TerminalAddress& a, const DecodedEvent& e);
    // A member enrolled with a phone another member holds here: merged into that
    // one (hub_merges.cpp). `version` orders the merge item the stores receive.
    void merge_duplicate(const TerminalAddress& a, const DecodedEvent& e, std::int64_t version);
    // True when the hub applied another event at e's sequence and never e.
    bool forked(const TerminalAddress& a, const DecodedEvent& e);
    // The sequence a forked terminal was asked to renumber after, until it has.
    std::optional<std::int64_t> resequence_asked(const TerminalAddress& a);
    void ask_resequence(const TerminalAddress& a, std::optional<std::int64_t> through);
    void check_tiers();
    std::int64_t last_seq(const TerminalAddress& a);
    // The terminal's applied-through sequence, or nullopt before its first contact.
    std::optional<std::int64_t> known_last_seq(const TerminalAddress& a);
    void set_last_seq(const TerminalAddress& a, std::int64_t seq, std::optional<std::int64_t> skew);

    // Events ahead of a gap: hub_held.cpp
    // Keeps an event that arrived ahead of a gap in its terminal's sequence.
    void hold(const TerminalAddress& a, const DecodedEvent& e);
    // Applies events that waited for this one, in order.
    void release_held(const TerminalAddress& a, std::int64_t& last);

    // What to send back after the commit: hub_answers.cpp
    void answers();
};

}  // namespace loyalty::sync
