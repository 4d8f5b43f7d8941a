// The closing report: one local day's sales, points and members, the same for
// the kiosk, loyalty-admin and the till.
#include <doctest/doctest.h>

#include "loyalty/day_report.hpp"
#include "test_support.hpp"

using namespace loyalty;
using namespace loyalty::test;

TEST_CASE("the day report counts the local day's sales and points, and masks the top spenders") {
    Fixture f;
    const auto a = f.enroll("13800000801");
    const auto b = f.enroll("13800000802");
    f.sell(a, "D1", {line("TS-1", "apparel", 1, 30000)});
    f.sell(b, "D2", {line("TS-1", "apparel", 2, 10000)});
    SaleRequest walk_in{f.program, "", "", "D3", std::nullopt, {line("TS-2", "apparel", 1, 5000)},
                        0,         {}};
    REQUIRE(f.engine->sales().commit(walk_in).ok());
    REQUIRE(f.engine->ledger().adjust(a, 100, "goodwill", "mgr-1", "adj-d").ok());

    auto r = day_report(*f.engine, f.program, f.clock.now());
    REQUIRE(r.ok());
    CHECK(r->day == "2026-03-10");
    CHECK(r->sales == 3);
    CHECK(r->member_sales == 2);
    CHECK(r->sales_net.minor == 55000);
    CHECK(r->member_sales_net.minor == 50000);
    CHECK(r->enrollments == 2);
    CHECK(r->issued == f.balance(a).available + f.balance(a).pending + f.balance(b).available +
                           f.balance(b).pending);
    CHECK(r->liability == f.balance(a).available + f.balance(a).pending + f.balance(b).available +
                              f.balance(b).pending);
    REQUIRE(r->top.size() == 2);
    CHECK(r->top[0].spend.minor == 30000);
    CHECK(r->top[0].masked_name == mask_name("王小明"));
    std::int64_t members = 0;
    for (const auto& t : r->tiers) members += t.members;
    CHECK(members == 2);

    // By local hour: everything so far fell in the clock's hour, the rest of the day is empty.
    const auto hour = static_cast<std::size_t>(
        ((to_unix(f.clock.now()) + test_program().utc_offset_minutes * 60) % 86400) / 3600);
    CHECK(r->hours.size() == 24);
    CHECK(r->hours[hour].sales == 3);
    CHECK(r->hours[hour].member_sales == 2);
    CHECK(r->hours[hour].sales_net.minor == 55000);
    CHECK(r->hours[hour].issued == r->issued);
    std::int64_t elsewhere = 0;
    for (std::size_t h = 0; h < 24; ++h)
        if (h != hour) elsewhere += r->hours[h].sales + r->hours[h].issued;
    CHECK(elsewhere == 0);
    // A sale the cashier voids leaves the day's sales and is counted as a void.
    f.sell(b, "D4", {line("TS-1", "apparel", 1, 7000)});
    RefundRequest void_d4{f.program, "", "", "D4", "void", {}, true};
    REQUIRE(f.engine->sales().refund(void_d4).ok());
    auto after_void = day_report(*f.engine, f.program, f.clock.now());
    REQUIRE(after_void.ok());
    CHECK(after_void->sales == 3);
    CHECK(after_void->sales_net.minor == 55000);
    CHECK(after_void->voids == 1);
    CHECK(after_void->voided_net.minor == 7000);

    // The next local day starts empty; an unknown program is an error, not a zero report.
    f.advance_days(1);
    auto next = day_report(*f.engine, f.program, f.clock.now());
    REQUIRE(next.ok());
    CHECK(next->sales == 0);
    CHECK(next->liability == r->liability);
    CHECK_FALSE(day_report(*f.engine, "NOPE", f.clock.now()).ok());
}

TEST_CASE(
    "a past day's report shows the points owed at its end, and their worth in money (issue 19)") {
    Fixture f;
    const auto a = f.enroll("13800000811");
    f.sell(a, "L1", {line("TS-1", "apparel", 1, 30000)});
    const auto first_day = f.clock.now();
    const auto owed_then = f.balance(a).available + f.balance(a).pending;
    REQUIRE(owed_then > 0);

    f.advance_days(1);
    REQUIRE(f.engine->ledger().adjust(a, 500, "goodwill", "mgr-1", "adj-l").ok());
    auto past = day_report(*f.engine, f.program, first_day);
    REQUIRE(past.ok());
    CHECK(past->liability == owed_then);
    auto today = day_report(*f.engine, f.program, f.clock.now());
    REQUIRE(today.ok());
    CHECK(today->liability == owed_then + 500);

    // At the program's point value (points paying a bill): `points` points are worth `value`.
    const auto& rate = (*f.engine->programs().get(f.program))->points_payment;
    CHECK(today->liability_value.minor == (owed_then + 500) * rate.value.minor / rate.points);
}

TEST_CASE("the day's trade by hour: each sale in its local hour") {
    Fixture f;
    const auto a = f.enroll("13800000803");
    const auto hour_now = [&] {
        return static_cast<std::size_t>(
            ((to_unix(f.clock.now()) + test_program().utc_offset_minutes * 60) % 86400) / 3600);
    };
    const auto first = hour_now();
    REQUIRE(first < 21);  // the test epoch leaves room in its day
    f.sell(a, "H1", {line("TS-1", "apparel", 1, 30000)});
    f.clock.advance(std::chrono::hours{2});
    f.sell(a, "H2", {line("TS-1", "apparel", 1, 10000)});
    f.sell(a, "H3", {line("TS-1", "apparel", 1, 10000)});
    auto r = day_report(*f.engine, f.program, f.clock.now());
    REQUIRE(r.ok());
    CHECK(r->hours[first].sales == 1);
    CHECK(r->hours[first].sales_net.minor == 30000);
    CHECK(r->hours[first + 1].sales == 0);
    CHECK(r->hours[first + 2].sales == 2);
    CHECK(r->hours[first + 2].member_sales == 2);
    CHECK(r->hours[first].issued + r->hours[first + 2].issued == r->issued);
}

TEST_CASE("a past day's report shows the stored value owed at its end, not today's balances") {
    Fixture f;
    const auto a = f.enroll("13800000821");
    auto first = f.engine->stored_value().top_up(top_up_of(a, 20000, "TU-1"));
    REQUIRE_MESSAGE(first.ok(), (first.ok() ? "" : first.error().message));
    const auto first_day = f.clock.now();
    auto then = day_report(*f.engine, f.program, first_day);
    REQUIRE(then.ok());
    const auto owed_then =
        then->stored_value.liability_principal + then->stored_value.liability_bonus;
    CHECK(then->stored_value.liability_principal.minor == 20000);

    f.advance_days(1);
    auto second = f.engine->stored_value().top_up(top_up_of(a, 30000, "TU-2"));
    REQUIRE_MESSAGE(second.ok(), (second.ok() ? "" : second.error().message));
    auto past = day_report(*f.engine, f.program, first_day);
    REQUIRE(past.ok());
    CHECK(past->stored_value.liability_principal.minor == 20000);
    CHECK(past->stored_value.liability_principal + past->stored_value.liability_bonus == owed_then);
    auto today = day_report(*f.engine, f.program, f.clock.now());
    REQUIRE(today.ok());
    CHECK(today->stored_value.liability_principal.minor == 50000);
    // The points side too: the past day does not see today's points.
    CHECK(past->liability == then->liability);
}

TEST_CASE("money on a receipt is in yuan with the sign, grouped by thousands") {
    CHECK(format_money_for_people(Money{123450}, "CNY") == "¥1,234.50");
    CHECK(format_money_for_people(Money{-5000}, "CNY") == "-¥50.00");
    CHECK(format_money_for_people(Money{99}, "CNY") == "¥0.99");
    CHECK(format_money_for_people(Money{100000000}, "EUR") == "1,000,000.00 EUR");
}

TEST_CASE("amounts and counts for people are grouped by thousands") {
    CHECK(format_money_grouped(Money{23664860}) == "236,648.60");
    CHECK(format_money_grouped(Money{-100}) == "-1.00");
    CHECK(format_money_grouped(Money{99999}) == "999.99");
    CHECK(format_money_grouped(Money{100000}) == "1,000.00");
    CHECK(group_thousands(181022016) == "181,022,016");
    CHECK(group_thousands(0) == "0");
    CHECK(group_thousands(-1000) == "-1,000");
    CHECK(group_thousands(INT64_MIN) == "-9,223,372,036,854,775,808");
}

TEST_CASE("times for people are in the program's local time, to the minute") {
    const auto t = from_unix(1764936000);  // 2025-12-05T12:00:00Z
    CHECK(format_local_time(t, 480) == "2025-12-05 20:00");
    CHECK(format_local_time(t, 720) == "2025-12-06 00:00");
    CHECK(format_local_time(t, -300) == "2025-12-05 07:00");
}
