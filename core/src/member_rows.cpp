#include "member_rows.hpp"

namespace loyalty {

std::optional<MemberId> member_id_by_uid(EngineContext& ctx, const std::string& uid) {
    auto st = ctx.db->prepare("SELECT id FROM members WHERE uid = ?");
    st.bind(1, uid);
    if (!st.step()) return std::nullopt;
    const auto id = st.int64(0);
    return id;
}

std::optional<Member> load_member(EngineContext& ctx, MemberId id) {
    auto st = ctx.db->prepare(
        std::string("SELECT id, program_id, display_name, birthday_month, birthday_day, "
                    "enrolled_at, home_store, status, merged_into, consent_privacy_at, "
                    "consent_marketing_at, pin_hash IS NOT NULL, tier_code, tier_since, "
                    "tier_review_at, tier_grace_until, ") +
        kSpendablePointsSql +
        ", points_pending, last_visit_at, rfm_r, rfm_f, rfm_m, rfm_score, uid, tier_floor FROM "
        "members m "
        "WHERE id = ?1");
    st.bind_all(id, to_unix(ctx.now()));
    if (!st.step()) return std::nullopt;
    Member m;
    m.id = st.int64(0);
    const auto program_id = st.int64(1);
    m.display_name = st.text(2);
    if (auto v = st.optional_int64(3)) m.birthday_month = static_cast<int>(*v);
    if (auto v = st.optional_int64(4)) m.birthday_day = static_cast<int>(*v);
    m.enrolled_at = from_unix(st.int64(5));
    m.home_store = st.optional_text(6);
    m.status = st.text(7);
    m.merged_into = st.optional_int64(8);
    m.consent_privacy = !st.is_null(9);
    m.consent_marketing = !st.is_null(10);
    m.has_pin = st.int64(11) != 0;
    m.tier_code = st.text(12);
    m.tier_since = from_unix(st.int64(13));
    m.tier_review_at = from_unix(st.int64(14));
    if (auto v = st.optional_int64(15)) m.tier_grace_until = from_unix(*v);
    m.points_available = st.int64(16);
    m.points_pending = st.int64(17);
    if (auto v = st.optional_int64(18)) m.last_visit_at = from_unix(*v);
    m.rfm = RfmScore{static_cast<int>(st.int64(19)), static_cast<int>(st.int64(20)),
                     static_cast<int>(st.int64(21)), static_cast<int>(st.int64(22))};
    m.uid = st.text(23);
    m.tier_floor = st.optional_text(24);
    if (const auto* program = ctx.program_by_id(program_id)) m.program = program->config.code;
    return m;
}

}  // namespace loyalty
