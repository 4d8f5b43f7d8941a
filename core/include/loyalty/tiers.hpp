#pragma once
// Tier qualification over a rolling window: upgrades happen at once, a member
// who no longer qualifies keeps the tier until the review date, then for a
// grace period, and only then moves down.
#include <optional>
#include <string>
#include <vector>

#include "loyalty/clock.hpp"
#include "loyalty/members.hpp"
#include "loyalty/result.hpp"

namespace loyalty {

struct TierChange {
    MemberId member = 0;
    std::string from;
    std::string to;
    bool upgrade = false;
    Timestamp at;
};

struct TierProgress {
    std::string tier;
    std::int64_t qualifying = 0;  // minor units or points, per the program's basis
    std::optional<std::string> next_tier;
    std::int64_t needed_for_next = 0;
    Timestamp review_at;
    std::optional<Timestamp> grace_until;
};

struct TierReviewReport {
    int reviewed = 0;
    int kept = 0;
    int entered_grace = 0;
    int downgraded = 0;
    std::vector<TierChange> changes;
};

// A manager setting a member's tier by hand (loyalty-admin set-tier), audited with
// the reason. With `floor` the tier is also a floor that no review or immediate
// downgrade goes below; without it, a floor the member had is lifted.
struct ManualTier {
    MemberId member = 0;
    std::string tier;
    std::string reason;
    std::string actor;
    bool floor = false;
};

class Tiers {
  public:
    explicit Tiers(EngineContext& ctx) : ctx_(ctx) {}

    std::int64_t qualifying(MemberId member, Timestamp now);
    // Called after activity that can raise qualification (inside its transaction).
    std::optional<TierChange> upgrade_if_qualified(MemberId member, Timestamp now);
    // Reviews every member whose review date has come.
    Result<TierReviewReport> review_due(Timestamp now);
    Result<TierProgress> progress(MemberId member, Timestamp now);
    // The tier a review at `at` would move the member down to, on the sales known now
    // (a floor respected); nullopt when it would keep the tier.
    std::optional<std::string> downgrade_at(MemberId member, Timestamp at);
    // Moves the member to the tier at once (a new review period starts; tier.changed
    // as for any move) and sets or lifts the floor. from == to: the tier stayed.
    Result<TierChange> set_by_manager(const ManualTier& request);
    // The hub's decision, made over every store's sales: this terminal takes the
    // tier and its review date as they are (no event: the hub already knows).
    // nullopt when the member already had both.
    Result<std::optional<TierChange>> adopt(MemberId member, const std::string& tier,
                                            Timestamp review_at);

  private:
    EngineContext& ctx_;
};

}  // namespace loyalty
