// TerminalHub: what is left of the offline limit today, for the message a refused
// shopper reads (the kiosk's "at most N points a day, M left").
#include "loyalty/storage/engine_storage.hpp"
#include "loyalty/sync/terminal_hub.hpp"

namespace loyalty::sync {

std::int64_t TerminalHub::offline_left_today(const std::string& member_uid) {
    const auto limit = link_.offline_redeem_limit;
    if (limit <= 0) return 0;
    // The program's local day, as clear_offline counts it.
    auto config = engine_.programs().get(self_.program);
    const std::int64_t offset_s = config ? (*config)->utc_offset_minutes * 60 : 0;
    const auto day = (to_unix(engine_.clock().now()) + offset_s) / 86400;
    auto spent = guarded([&]() -> Result<std::int64_t> {
        return engine_database(engine_)
            .prepare(
                "SELECT coalesce(sum(points), 0) FROM link_offline_spends "
                "WHERE member_uid = ? AND day = ?")
            .bind_all(member_uid, day)
            .scalar<std::int64_t>()
            .value_or(0);
    });
    return spent ? std::max<std::int64_t>(0, limit - *spent) : 0;
}

}  // namespace loyalty::sync
