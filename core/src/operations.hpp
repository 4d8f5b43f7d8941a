#pragma once
// Private to core: idempotency for operations that are neither sales nor ledger entries
// (redemptions, enrollments). The first result is kept under its key in `operations`; callers
// look the key up inside their write transaction, so concurrent copies replay, never collide.
#include <optional>
#include <string>

#include "engine_context.hpp"

namespace loyalty {

// The result first recorded under key, or nullopt. conflict is set when that result answered
// another request (its request_hash differs).
std::optional<std::string> recorded_result(EngineContext& ctx, const std::string& key,
                                           const std::string& request_hash, bool& conflict);
void record_result(EngineContext& ctx, const std::string& key, const std::string& kind,
                   const std::string& request_hash, const std::string& result);

}  // namespace loyalty
