#pragma once
// Private to core: reading a member row, shared by the services that need one.
#include <optional>

#include "engine_context.hpp"

namespace loyalty {

// The points of a member row (`members m`, its id bound as ?1) that can be spent at
// ?2: the row's available points less its lots whose expiry has come but which the
// daily run (or the next debit) has not booked out yet. One seek on lots_by_member.
constexpr const char* kSpendablePointsSql =
    "m.points_available - coalesce((SELECT sum(l.remaining) FROM point_lots l WHERE "
    "l.member_id = m.id AND l.state = 'available' AND l.remaining > 0 AND l.expires_at <= ?2), "
    "0)";

// Reads a member row; points_available is what can be spent now (see above).
std::optional<Member> load_member(EngineContext& ctx, MemberId id);
std::optional<MemberId> member_id_by_uid(EngineContext& ctx, const std::string& uid);

}  // namespace loyalty
