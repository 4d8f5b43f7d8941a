// Stored value between stores (loyalty-hub --clearing): every store's top-ups against
// what was spent in it, from the hub's copy of every store's stored-value entries.
#include "loyalty/sync/hub.hpp"

namespace loyalty::sync {

std::vector<ClearingRow> HubStore::clearing(const std::string& program, Timestamp from,
                                            Timestamp to) {
    std::vector<ClearingRow> rows;
    auto st = db().prepare(
        "SELECT p.code, e.store, e.kind, sum(e.principal_delta), sum(e.bonus_delta) "
        "FROM sv_entries e JOIN sv_accounts a ON a.id = e.account_id "
        "JOIN programs p ON p.id = a.program_id "
        "WHERE (?1 = '' OR p.code = ?1) AND e.occurred_at >= ?2 AND e.occurred_at < ?3 "
        "AND e.store IS NOT NULL GROUP BY p.code, e.store, e.kind ORDER BY p.code, e.store");
    st.bind_all(program, to_unix(from), to_unix(to));
    while (st.step()) {
        if (rows.empty() || rows.back().program != st.text(0) || rows.back().store != st.text(1))
            rows.push_back(ClearingRow{st.text(0), st.text(1), {}, {}, {}, {}, {}, {}});
        auto& r = rows.back();
        const auto kind = st.text(2);
        const Money principal{st.int64(3)}, bonus{st.int64(4)};
        if (kind == "top_up" || kind == "top_up_refund") {
            r.topped_up += principal;
            r.bonus_given += bonus;
        } else if (kind == "spend" || kind == "refund") {  // debits negative, give-backs positive
            r.spent_principal -= principal;
            r.spent_bonus -= bonus;
        } else if (kind == "adjust") {
            r.adjusted_principal += principal;
            r.adjusted_bonus += bonus;
        }
    }
    return rows;
}

std::int64_t HubStore::shortfall_stored_value(const std::string& program) {
    return db()
        .prepare("SELECT coalesce(sum(amount_minor), 0) FROM hub_sv_shortfalls WHERE program = ?")
        .bind_all(program)
        .scalar<std::int64_t>()
        .value_or(0);
}

}  // namespace loyalty::sync
