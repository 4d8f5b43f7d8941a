#include "loyalty/sync/offline_limit.hpp"

#include <nlohmann/json.hpp>

#include "event_effects.hpp"

namespace loyalty::sync {

OfflineRedemptionLimit::OfflineRedemptionLimit(Database& db, std::int64_t limit_points,
                                               std::string store, std::string terminal)
    : db_(db), limit_(limit_points), store_(std::move(store)), terminal_(std::move(terminal)) {}

std::int64_t OfflineRedemptionLimit::unconfirmed(const std::string& member_uid) {
    std::int64_t spent = 0;
    auto st = db_.prepare(
        "SELECT type, payload FROM outbox WHERE store = ? AND terminal = ? AND instr(payload, ?) > "
        "0");
    st.bind_all(store_, terminal_, member_uid);
    while (st.step()) {
        const auto type = st.text(0);
        const auto payload = nlohmann::json::parse(st.text(1), nullptr, false);
        if (payload.is_discarded()) continue;
        // What was spent, not the net: points earned on the same sale are not
        // yet safe to spend elsewhere either.
        spent += redeemed_by(type, payload, member_uid);
    }
    return spent;
}

Result<void> OfflineRedemptionLimit::check(const std::string& member_uid, std::int64_t points) {
    if (limit_ <= 0 || points <= 0) return {};
    const auto already = guarded([&]() -> Result<std::int64_t> { return unconfirmed(member_uid); });
    if (!already) return already.error();
    if (*already + points > limit_)
        return make_error(Errc::limit_exceeded,
                          "the hub has not confirmed " + std::to_string(*already) +
                              " points redeemed here for this "
                              "member; at most " +
                              std::to_string(limit_) + " may be redeemed until it does");
    return {};
}

}  // namespace loyalty::sync
