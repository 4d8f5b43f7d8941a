#pragma once
// Applying events that happened at other terminals to this database: how the
// hub keeps one authoritative copy of every member across stores with the same
// engine the terminals run. A replicated event changes the ledger, lots, sales,
// cards and identities the way the original operation did at its terminal,
// dated at the terminal's time and booked under its store and terminal; the
// tiers are then re-evaluated here, over the sales of every store. Nothing is
// written to this database's outbox (the hub is not a terminal), and the
// caller deduplicates by event id (the hub's applied table does).
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "loyalty/clock.hpp"
#include "loyalty/money.hpp"
#include "loyalty/result.hpp"

namespace loyalty {

struct EngineContext;

struct ReplicatedEvent {
    std::string event_id;
    std::string type;  // e.g. "sale.committed"
    std::string program;
    std::string store;
    std::string terminal;
    Timestamp occurred_at;
    const nlohmann::json& payload;
    // The hub applies thousands of events a transaction: it may check each
    // member's tier once at the end (check_tiers) rather than after every sale.
    bool defer_tier_check = false;
};

struct ReplicationOutcome {
    std::vector<std::string> members;  // uids whose balance, tier or status may have changed
    // Points the event took that this database did not have (spent twice in two
    // stores while offline, or an event whose earlier history never arrived).
    Points shortfall = 0;
    // Stored value (fen) a debit took that this database's copy of the account did not
    // hold (spent twice in two stores, or a top-up not arrived yet): booked as far as
    // it went, never refused.
    Money sv_shortfall{};
    std::string note;             // why an event changed nothing, for the log ("" when applied)
    bool tier_check_due = false;  // deferred: the member of members.front() needs check_tiers
    // Coupons of this database a sale used that another sale had used already (one
    // coupon spent in two stores while they could not reach the hub): code, first receipt.
    std::vector<std::pair<std::string, std::string>> coupons_used_again;
    // A receipt claim kept here as reversed, the receipt claimed before at another kiosk:
    // the hub tells the store that took it (a `claim_reversed` down item), so its kiosk can
    // tell the member. `member_uid` is the event's own (the member as that store knows it).
    struct ReversedClaim {
        std::string claim, member_uid, note;
    };
    std::optional<ReversedClaim> reversed_claim;
};

class Replication {
  public:
    explicit Replication(EngineContext& ctx) : ctx_(ctx) {}

    // Applies one event inside its own savepoint. The event's store and
    // terminal are the ones it was authenticated for (the hub takes them from
    // the topic), never the payload's. Refusals are values, and nothing is
    // written then:
    //   not_found         a program this database does not know (a
    //                     program.updated event or an operator's load brings it)
    //   invalid_argument  a field missing, mistyped or out of range (named)
    //   unauthorized      the event names another store's sale or another
    //                     member's card or receipt
    //   exceeds_sale      a refund of a sale not booked here
    //   conflict          a receipt or key booked already by another event
    Result<ReplicationOutcome> apply(const ReplicatedEvent& event);
    // The deferred tier checks: each member (by uid) as of the time of its last
    // event. Returns the members whose tier moved.
    Result<std::vector<std::string>> check_tiers(const std::map<std::string, Timestamp>& due);

  private:
    EngineContext& ctx_;
};

}  // namespace loyalty
