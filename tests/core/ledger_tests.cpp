// The points ledger: pending until the return window passes, lots consumed
// oldest-first, expiry, no negative balance, append-only, idempotent adjustments.
#include <doctest/doctest.h>

#include <algorithm>

#include "loyalty/storage/engine_storage.hpp"
#include "test_support.hpp"

using namespace loyalty;
using namespace loyalty::test;

TEST_CASE("earned points are pending until the return window passes, then available") {
    Fixture f;
    const auto m = f.enroll("13800000001");
    auto sale = f.sell(m, "R1", {line("TS-1", "apparel", 1, 10000)});
    CHECK(sale.earned == 100);
    CHECK(sale.pending_after == 100);
    CHECK(sale.available_after == 0);
    f.advance_days(6);
    REQUIRE(f.engine->ledger().run_due(f.clock.now()).ok());
    CHECK(f.balance(m).pending == 100);
    f.advance_days(1);
    auto report = f.engine->ledger().run_due(f.clock.now());
    REQUIRE(report.ok());
    CHECK(report->points_released == 100);
    CHECK(f.balance(m).available == 100);
    CHECK(f.balance(m).pending == 0);
    // Running it again changes nothing.
    CHECK(f.engine->ledger().run_due(f.clock.now())->points_released == 0);
    f.require_balances_agree();
}

TEST_CASE("points are consumed from the lots that expire first") {
    Fixture f;
    const auto m = f.enroll("13800000002");
    auto& ledger = f.engine->ledger();
    REQUIRE(ledger.adjust(m, 300, "goodwill", "mgr", "k1").ok());  // expires end of March 2028
    f.advance_days(40);  // April: expires end of April 2028
    REQUIRE(ledger.adjust(m, 500, "goodwill", "mgr", "k2").ok());
    REQUIRE(ledger.adjust(m, -400, "correction", "mgr", "k3").ok());
    // 300 from the March lot, 100 from the April lot: 400 left, all expiring in April 2028.
    using namespace std::chrono;
    const auto end_march_2028 =
        time_point_cast<seconds>(sys_days{year{2028} / April / 1}) - hours{8};
    CHECK(ledger.expiring_between(m, f.clock.now(), end_march_2028) == 0);
    CHECK(ledger.expiring_between(m, f.clock.now(), end_march_2028 + Days{31}) == 400);
    f.require_balances_agree();
}

TEST_CASE("a lot expires at the end of the month, expiry_months after it was earned") {
    Fixture f;
    const auto m = f.enroll("13800000003");
    auto& ledger = f.engine->ledger();
    REQUIRE(ledger.adjust(m, 250, "welcome", "mgr", "k1").ok());
    using namespace std::chrono;
    // Earned 2026-03-10 local; 24 months on, valid through 2028-03-31 local (UTC+8).
    const auto expiry = time_point_cast<seconds>(sys_days{year{2028} / April / 1}) - hours{8};
    CHECK(ledger.expiry_for("TEST", f.clock.now()) == expiry);
    f.clock.set(expiry - seconds{1});
    CHECK(ledger.run_due(f.clock.now())->points_expired == 0);
    f.clock.set(expiry);
    auto report = ledger.run_due(f.clock.now());
    REQUIRE(report.ok());
    CHECK(report->points_expired == 250);
    CHECK(f.balance(m).available == 0);
    CHECK(ledger.history(m).front().kind == LedgerKind::expire);
    f.require_balances_agree();
}

TEST_CASE("with expiry_days a lot expires at the local midnight after that many days") {
    auto config = test_program();
    config.earning.expiry_days = 90;
    Fixture f(config);
    const auto m = f.enroll("13800000008");
    auto& ledger = f.engine->ledger();
    REQUIRE(ledger.adjust(m, 250, "welcome", "mgr", "k1").ok());
    using namespace std::chrono;
    // Earned 2026-03-10 12:00 local; 90 days on is 2026-06-08, valid through that local
    // day: gone at 2026-06-09 00:00 local (UTC+8).
    const auto expiry = time_point_cast<seconds>(sys_days{year{2026} / June / 9}) - hours{8};
    CHECK(ledger.expiry_for("TEST", f.clock.now()) == expiry);
    f.clock.set(expiry - seconds{1});
    CHECK(f.balance(m).available == 250);
    CHECK(ledger.run_due(f.clock.now())->points_expired == 0);
    f.clock.set(expiry);
    CHECK(f.balance(m).available == 0);
    CHECK(ledger.run_due(f.clock.now())->points_expired == 250);
    f.require_balances_agree();
}

TEST_CASE("a debit never takes points that expired but were not swept yet") {
    Fixture f;
    const auto m = f.enroll("13800000004");
    REQUIRE(f.engine->ledger().adjust(m, 100, "old", "mgr", "k1").ok());
    f.clock.set(f.engine->ledger().expiry_for("TEST", f.clock.now()) + Days{1});
    auto spend = f.engine->ledger().adjust(m, -50, "spend", "mgr", "k2");
    REQUIRE_FALSE(spend.ok());
    CHECK(spend.error().code == Errc::insufficient_points);
    f.require_balances_agree();
}

TEST_CASE(
    "points past their expiry are not shown as available by identify or quote before the nightly "
    "run") {
    Fixture f;
    const auto m = f.enroll("13800000006");
    REQUIRE(f.engine->ledger().adjust(m, 300, "old", "mgr", "k1").ok());
    f.advance_days(1);
    REQUIRE(f.engine->ledger().adjust(m, 200, "newer", "mgr", "k2").ok());
    // The first lot's date has passed; nothing has swept it yet.
    const auto expiry = f.engine->ledger().expiry_for("TEST", f.clock.now() - Days{1});
    f.clock.set(expiry);
    auto shown = f.engine->members().lookup_any("TEST", "13800000006");
    REQUIRE(shown.ok());
    // Both lots were earned in March 2026 and expire together at the start of April 2028.
    CHECK(shown->points_available == 0);
    CHECK(f.balance(m).available == 0);
    SaleRequest s;
    s.program = "TEST";
    s.receipt = "X1";
    s.member = m;
    s.lines = {line("TS-1", "apparel", 1, 100000)};
    auto q = f.engine->sales().quote(s);
    REQUIRE(q.ok());
    CHECK(q->available == 0);
    CHECK(q->max_points_payable == 0);
    f.require_balances_agree();  // the row still holds the points until they are booked out
}

TEST_CASE("what is shown as available is what a commit can spend now") {
    Fixture f;
    const auto m = f.enroll("13800000007");
    REQUIRE(f.engine->ledger().adjust(m, 300, "old", "mgr", "k1").ok());
    const auto expiry = f.engine->ledger().expiry_for("TEST", f.clock.now());
    f.clock.set(expiry - Days{40});
    REQUIRE(f.engine->ledger().adjust(m, 200, "newer", "mgr", "k2").ok());  // a later month
    f.clock.set(expiry);
    SaleRequest s;
    s.program = "TEST";
    s.receipt = "X2";
    s.member = m;
    s.lines = {line("TS-1", "apparel", 1, 100000)};
    auto q = f.engine->sales().quote(s);
    REQUIRE(q.ok());
    CHECK(q->available == 200);
    CHECK(f.engine->members().get(m)->points_available == 200);
    s.points_to_pay = q->max_points_payable;
    REQUIRE(s.points_to_pay == 200);
    auto sale = f.engine->sales().commit(s);
    REQUIRE_MESSAGE(sale.ok(), (sale.ok() ? "" : sale.error().message));
    CHECK(sale->points_paid == 200);
    f.require_balances_agree();
}

TEST_CASE("a balance never goes negative and a refused debit writes nothing") {
    Fixture f;
    const auto m = f.enroll("13800000005");
    REQUIRE(f.engine->ledger().adjust(m, 100, "welcome", "mgr", "k1").ok());
    const auto entries_before = f.engine->ledger().history(m).size();
    const auto events_before = f.engine->outbox().backlog();
    auto r = f.engine->ledger().adjust(m, -101, "too much", "mgr", "k2");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Errc::insufficient_points);
    CHECK(f.balance(m).available == 100);
    CHECK(f.engine->ledger().history(m).size() == entries_before);
    CHECK(f.engine->outbox().backlog() == events_before);
}

TEST_CASE("the ledger is append-only: the database refuses updates and deletes") {
    Fixture f;
    const auto m = f.enroll("13800000006");
    REQUIRE(f.engine->ledger().adjust(m, 100, "welcome", "mgr", "k1").ok());
    CHECK_THROWS_AS(
        engine_database(*f.engine).exec("UPDATE ledger_entries SET available_delta = 1000"),
        StorageError);
    CHECK_THROWS_AS(engine_database(*f.engine).exec("DELETE FROM ledger_entries"), StorageError);
    CHECK_THROWS_AS(engine_database(*f.engine).exec("DELETE FROM audit_log"), StorageError);
    CHECK(f.balance(m).available == 100);
}

TEST_CASE("an adjustment is idempotent by key, audited, and needs a reason and a manager") {
    Fixture f;
    const auto m = f.enroll("13800000007");
    auto& ledger = f.engine->ledger();
    auto first = ledger.adjust(m, 100, "complaint 42", "mgr-li", "adj-1");
    auto again = ledger.adjust(m, 100, "complaint 42", "mgr-li", "adj-1");
    REQUIRE(first.ok());
    REQUIRE(again.ok());
    CHECK(first->id == again->id);
    CHECK(f.balance(m).available == 100);
    auto clash = ledger.adjust(m, 200, "complaint 42", "mgr-li", "adj-1");
    REQUIRE_FALSE(clash.ok());
    CHECK(clash.error().code == Errc::conflict);
    CHECK(ledger.adjust(m, 10, "", "mgr-li", "adj-2").error().code == Errc::invalid_argument);
    CHECK(ledger.adjust(m, 10, "why", "", "adj-3").error().code == Errc::unauthorized);
    const auto audit = f.engine->audit().for_subject("member:" + std::to_string(m));
    REQUIRE(std::count_if(audit.begin(), audit.end(),
                          [](auto& a) { return a.action == "points.adjusted"; }) == 1);
}

TEST_CASE("balances agree with the ledger and the lots after a busy day") {
    Fixture f;
    std::vector<MemberId> members;
    for (int i = 0; i < 5; ++i) members.push_back(f.enroll("1380000010" + std::to_string(i)));
    for (int day = 0; day < 20; ++day) {
        for (std::size_t i = 0; i < members.size(); ++i) {
            f.sell(members[i], "D" + std::to_string(day) + "-" + std::to_string(i),
                   {line("TS-1", "apparel", 1, 5000 + static_cast<std::int64_t>(i) * 1000)});
            if (day % 3 == 0 && f.balance(members[i]).available >= 100)
                REQUIRE(f.engine->ledger()
                            .adjust(members[i], -100, "spend", "mgr",
                                    "s" + std::to_string(day) + "-" + std::to_string(i))
                            .ok());
        }
        f.advance_days(1);
        REQUIRE(f.engine->run_daily(f.clock.now()).ok());
    }
    f.require_balances_agree();
    CHECK(f.engine->ledger().verify(members[0]).agrees());
}
