#pragma once
// Private to core: reading a member row, shared by the services that need one.
#include <optional>

#include "engine_context.hpp"

namespace loyalty {

std::optional<Member> load_member(EngineContext& ctx, MemberId id);
std::optional<MemberId> member_id_by_uid(EngineContext& ctx, const std::string& uid);

}  // namespace loyalty
