#include "operations.hpp"

namespace loyalty {

std::optional<std::string> recorded_result(EngineContext& ctx, const std::string& key,
                                           const std::string& request_hash, bool& conflict) {
    auto st = ctx.db->prepare(
        "SELECT request_hash, result_json FROM operations WHERE idempotency_key = ?");
    st.bind(1, key);
    if (!st.step()) return std::nullopt;
    conflict = st.text(0) != request_hash;
    auto result = st.text(1);
    return result;
}

void record_result(EngineContext& ctx, const std::string& key, const std::string& kind,
                   const std::string& request_hash, const std::string& result) {
    ctx.db
        ->prepare(
            "INSERT INTO operations(idempotency_key, kind, request_hash, result_json, occurred_at) "
            "VALUES (?, ?, ?, ?, ?)")
        .bind_all(key, kind, request_hash, result, to_unix(ctx.now()))
        .run();
}

}  // namespace loyalty
