#pragma once
// Private to core: the tier check after a purchase, for a caller that already holds
// the member's row.
#include <optional>

#include "engine_context.hpp"

namespace loyalty {

// Tiers::upgrade_if_qualified for a member row read in the same transaction, whose
// tier, status and grace have not changed since: the same decision, without reading
// the row again.
std::optional<TierChange> upgrade_if_qualified(EngineContext& ctx, const Member& member,
                                               Timestamp now);

// After a refund: with tiers.downgrade = "immediate" the member moves to the tier the
// lowered qualifying value reaches (never below a manager's floor); nothing otherwise.
std::optional<TierChange> follow_qualifying_down(EngineContext& ctx, MemberId member,
                                                 Timestamp now);

}  // namespace loyalty
