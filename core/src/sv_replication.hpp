#pragma once
// Private to core: stored value as a replica (the hub) books other terminals' events
// (replication.cpp): top-ups, their refunds and adjustments, the stored value a sale
// paid with and what its refund gave back. Each event's entries are keyed by the event's
// own ids under its store (a store's request ids are its own), and a debit is taken as
// far as the replica's copy holds, never refused: the till paid out already.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine_context.hpp"
#include "loyalty/event_fields.hpp"
#include "loyalty/replication.hpp"
#include "loyalty/stored_value.hpp"

namespace loyalty {

// One payment of a sale, as its event says: from a gift card, or (no card) from the
// sale's member's own balance.
struct SvPaidLine {
    std::optional<std::string> card;
    Money principal;
    Money bonus;
};

// The optional "stored_value" list of a sale.committed event. A problem goes to `f`
// (the whole event is refused): a line that is not {principal, bonus[, card]}, a card
// number failing its check digit, a member's-balance line on a sale without a member.
std::vector<SvPaidLine> read_sv_paid(const nlohmann::json& payload, EventFields& f,
                                     bool sale_has_member);

// The optional "stored_value" {principal, bonus} a sale.refunded event gave back.
std::optional<SvSplit> read_sv_given_back(const nlohmann::json& payload, EventFields& f);

struct SvReplay {
    EngineContext& ctx;
    const CachedProgram& program;
    const ReplicatedEvent& e;
    EventFields& f;
    ReplicationOutcome& out;
    std::function<MemberId(const std::string&)>
        member;  // by uid; adopted when new, merges followed
    std::function<std::string(const std::string&)> standing_uid;  // the uid a member stands for

    Result<void> topped_up();
    Result<void> top_up_refunded();
    Result<void> adjusted();
    // Once the sale's row is in: each payment taken from its account and kept with the sale
    // (sale_sv_payments), so a refund gives back to the same accounts.
    void sale_paid(std::int64_t sale_id, const std::string& sale_key, std::optional<MemberId> buyer,
                   const std::vector<SvPaidLine>& lines);
    // A refund of a sale: what the terminal's restore_sv_payments gave back, computed the
    // same way over what this copy of the sale took. `said`: the event's own totals.
    void sale_refunded(std::int64_t sale_id, const std::string& sale_key,
                       const std::string& refund_ref, Money refunded_after, Money net,
                       const std::optional<SvSplit>& said);

  private:
    std::string key(const std::string& what, const std::string& request) const;
    void shortfall(const SvSplit& wanted, const SvSplit& taken, const std::string& holder);
};

}  // namespace loyalty
