#include "terminal.hpp"

#include <doctest/doctest.h>

#include <cstdio>

#include "loyalty/storage/engine_storage.hpp"
#include "test_support.hpp"

namespace loyalty::sync::test {

ProgramConfig link_program() {
    auto c = loyalty::test::test_program();
    c.earning.return_window_days = 0;
    // A mall's parking, as the hub checks every credit against it: an hour for 100 points,
    // 5 a day (the tiers' free minutes are the demo program's: silver 60, gold 120).
    c.parking.points_per_hour = 100;
    c.parking.max_bought_hours = 5;
    return c;
}

std::string member_uid(int i) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "00000000-0000-4000-8000-%012d", i);
    return buf;
}

Terminal::Terminal(const std::filesystem::path& db, const std::string& store,
                   const std::string& terminal, int members)
    : clock_(loyalty::test::test_epoch()), store_(store), terminal_(terminal) {
    DatabaseOptions options;
    options.full_sync = false;  // test speed; durability is SQLite's, not ours to prove
    auto opened = Engine::open(db, clock_, EngineOptions{Origin{store, terminal}, options});
    REQUIRE_MESSAGE(opened.ok(), (opened.ok() ? "" : opened.error().message));
    engine_ = std::move(opened.value());
    REQUIRE(engine_->programs().save(link_program(), "test").ok());
    for (int i = 0; i < members; ++i) {
        EnrollRequest r;
        r.program = "TEST";
        r.uid = member_uid(i);
        r.phone = "139" + std::to_string(10000000 + i);
        r.display_name = "会员" + std::to_string(i);
        r.consent_privacy = true;
        auto e = engine_->members().enroll(r);
        REQUIRE_MESSAGE(e.ok(), (e.ok() ? "" : e.error().message));
        members_.push_back(e->member.id);
    }
}

void Terminal::sell(int member_index) {
    const auto member = members_.at(static_cast<std::size_t>(member_index));
    SaleRequest s;
    s.program = "TEST";
    s.receipt = terminal_ + "-" + std::to_string(++receipts_);
    s.member = member;
    const std::int64_t price = std::uniform_int_distribution<std::int64_t>(1000, 40000)(rng_);
    s.lines = {BasketLine{"SKU-" + std::to_string(price % 7), "apparel", 1, Money{price}, Money{}}};
    const bool pays_with_points = receipts_ % 3 == 0;
    for (int attempt = 0;; ++attempt) {
        if (pays_with_points) {
            s.points_to_pay = 0;
            auto q = engine_->sales().quote(s);
            REQUIRE(q.ok());
            s.points_to_pay = q->max_points_payable;
        }
        auto r = engine_->sales().commit(s);
        // Between the quote and the sale the agent may bring the member's balance
        // down to the program-wide one (points spent at the other store), or apply
        // a tier change that alters the basket's member discount and so its points
        // cap: quote again, as a till would.
        const bool stale_quote = !r && (r.error().code == Errc::insufficient_points ||
                                        r.error().code == Errc::limit_exceeded);
        if (stale_quote && pays_with_points && attempt < 5) continue;
        REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
        break;
    }
}

std::int64_t Terminal::last_seq() {
    auto st = engine_database(*engine_).prepare(
        "SELECT last_seq FROM terminal_sequences WHERE store = ? AND terminal = ?");
    st.bind_all(store_, terminal_);
    std::int64_t seq = 0;
    if (st.step()) seq = st.int64(0);
    return seq;
}

std::int64_t Terminal::ledger_points(const std::string& uid) {
    auto st = engine_database(*engine_).prepare(
        "SELECT coalesce(sum(l.available_delta + l.pending_delta), 0) FROM ledger_entries l JOIN "
        "members m ON m.id = l.member_id "
        "WHERE m.uid = ?");
    st.bind(1, uid);
    st.step();
    const auto points = st.int64(0);
    return points;
}

}  // namespace loyalty::sync::test
