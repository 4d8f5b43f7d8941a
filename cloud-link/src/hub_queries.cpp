// What the hub knows, read for tests, the CLI (--status) and operators.
#include "loyalty/storage/engine_storage.hpp"
#include "loyalty/sync/hub.hpp"

namespace loyalty::sync {

std::optional<MemberSnapshot> HubStore::member(const std::string& program, const std::string& uid) {
    auto st = db().prepare(
        "SELECT m.points_available, m.points_pending, m.tier_code, m.status, m.version, "
        "m.tier_review_at, coalesce(a.principal_minor, 0), coalesce(a.bonus_minor, 0) "
        "FROM members m JOIN programs p ON p.id = m.program_id "
        "LEFT JOIN sv_accounts a ON a.program_id = m.program_id AND a.member_id = m.id "
        "WHERE p.code = ? AND m.uid = ?");
    st.bind_all(program, uid);
    if (!st.step()) return std::nullopt;
    MemberSnapshot s;
    s.uid = uid;
    s.available = st.int64(0);
    s.pending = st.int64(1);
    s.points = s.available + s.pending;
    s.tier = st.text(2);
    s.status = st.text(3);
    s.version = st.int64(4);
    s.tier_review_at = st.int64(5);
    s.sv_principal = st.int64(6);
    s.sv_bonus = st.int64(7);
    return s;
}

std::map<std::string, std::int64_t> HubStore::balances(const std::string& program) {
    std::map<std::string, std::int64_t> out;
    auto st = db().prepare(
        "SELECT m.uid, m.points_available + m.points_pending FROM members m JOIN programs p ON "
        "p.id = m.program_id "
        "WHERE p.code = ?");
    st.bind(1, program);
    while (st.step()) out[st.text(0)] = st.int64(1);
    return out;
}

std::int64_t HubStore::last_seq(const std::string& store, const std::string& terminal) {
    auto st = db().prepare("SELECT last_seq FROM hub_terminals WHERE store = ? AND terminal = ?");
    st.bind_all(store, terminal);
    std::int64_t seq = 0;
    if (st.step()) seq = st.int64(0);
    return seq;
}

std::vector<std::int64_t> HubStore::applied_order(const std::string& store,
                                                  const std::string& terminal) {
    std::vector<std::int64_t> out;
    auto st =
        db().prepare("SELECT seq FROM hub_applied WHERE store = ? AND terminal = ? ORDER BY id");
    st.bind_all(store, terminal);
    while (st.step()) out.push_back(st.int64(0));
    return out;
}

std::vector<std::string> HubStore::member_stores(const std::string& uid) {
    std::vector<std::string> out;
    auto st = db().prepare(
        "SELECT store FROM hub_member_stores WHERE uid = ?1 "
        "UNION SELECT home_store FROM members WHERE uid = ?1 AND home_store IS NOT NULL ORDER BY "
        "1");
    st.bind(1, uid);
    while (st.step()) out.push_back(st.text(0));
    return out;
}

std::int64_t HubStore::shortfall_points(const std::string& program) {
    auto st = db().prepare("SELECT coalesce(sum(points), 0) FROM hub_shortfalls WHERE program = ?");
    st.bind(1, program);
    st.step();
    const auto n = st.int64(0);
    return n;
}

std::vector<CouponReuse> HubStore::coupon_reuses(const std::string& program) {
    std::vector<CouponReuse> out;
    auto st = db().prepare(
        "SELECT code, store, receipt_key, first_receipt_key, coalesce(member_uid, ''), at_ms "
        "FROM hub_coupon_reuses WHERE program = ? ORDER BY at_ms, code");
    st.bind(1, program);
    while (st.step())
        out.push_back(
            CouponReuse{st.text(0), st.text(1), st.text(2), st.text(3), st.text(4), st.int64(5)});
    return out;
}

std::int64_t HubStore::applied_count() {
    auto st = db().prepare("SELECT count(*) FROM hub_applied");
    st.step();
    const auto n = st.int64(0);
    return n;
}

std::int64_t HubStore::held_count() {
    auto st = db().prepare("SELECT count(*) FROM hub_held");
    st.step();
    const auto n = st.int64(0);
    return n;
}

std::vector<DeadLetter> HubStore::dead_letters() {
    std::vector<DeadLetter> out;
    db().prepare(
            "SELECT topic, reason, detail, id, received_at_ms, coalesce(store, ''), "
            "coalesce(terminal, ''), "
            "coalesce(event_id, ''), coalesce(seq, 0), replayed_at_ms FROM hub_dead_letters ORDER "
            "BY id")
        .each([&](const Statement& row) {
            out.push_back({row.text(0), row.text(1), row.text(2), row.int64(3), row.int64(4),
                           row.text(5), row.text(6), row.text(7), row.int64(8),
                           row.optional_int64(9)});
        });
    return out;
}

std::optional<Presence> HubStore::presence(const std::string& store, const std::string& terminal) {
    auto st = db().prepare(
        "SELECT state, reason, at_ms, backlog FROM hub_presence WHERE store = ? AND terminal = ?");
    st.bind_all(store, terminal);
    if (!st.step()) return std::nullopt;
    Presence p{store, terminal, st.text(0), st.text(1), st.int64(2), st.int64(3)};
    return p;
}

std::optional<std::int64_t> HubStore::skew_ms(const std::string& store,
                                              const std::string& terminal) {
    auto st = db().prepare("SELECT skew_ms FROM hub_terminals WHERE store = ? AND terminal = ?");
    st.bind_all(store, terminal);
    if (!st.step()) return std::nullopt;
    auto v = st.optional_int64(0);
    return v;
}

std::vector<TerminalStatus> HubStore::terminals() {
    std::vector<TerminalStatus> out;
    auto st = db().prepare(
        "SELECT t.program, t.store, t.terminal, t.last_seq, t.skew_ms, t.last_seen_ms, "
        "coalesce(p.state || CASE WHEN p.reason <> '' THEN '/' || p.reason ELSE '' END, ''), "
        "t.resequence_through "
        "FROM hub_terminals t LEFT JOIN hub_presence p ON p.store = t.store AND p.terminal = "
        "t.terminal "
        "ORDER BY t.program, t.store, t.terminal");
    while (st.step())
        out.push_back({st.text(0), st.text(1), st.text(2), st.int64(3), st.optional_int64(4),
                       st.optional_int64(5), st.text(6), st.optional_int64(7)});
    return out;
}

}  // namespace loyalty::sync
