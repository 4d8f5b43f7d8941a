// Earning rules with worked numbers: rate, rounding once per sale, tier and
// line multipliers, exclusions, windows, birthday month, minimum spend, caps.
#include <doctest/doctest.h>

#include <algorithm>

#include "loyalty/earning.hpp"
#include "test_support.hpp"

using namespace loyalty;
using namespace loyalty::test;

namespace {

const TierLevel& level(const ProgramConfig& c, const char* code) {
    return *c.tier(code);
}

EarnResult earn(const ProgramConfig& c, const char* tier, std::vector<BasketLine> lines,
                EarnInputs in = {}) {
    if (in.at == Timestamp{}) in.at = test_epoch();
    auto basket = price_basket(c, &level(c, tier), lines);
    REQUIRE(basket.ok());
    return compute_earn(c, level(c, tier), *basket, in);
}

}  // namespace

TEST_CASE("one point per yuan, rounded down once for the whole sale") {
    const auto c = test_program();
    CHECK(earn(c, "silver", {line("TS-1", "apparel", 1, 12345)}).points == 123);
    // Two lines of 1.50 each: per-line rounding would give 2, per-sale gives 3.
    CHECK(earn(c, "silver", {line("FD-1", "food", 1, 150), line("FD-2", "food", 1, 150)}).points ==
          3);
}

TEST_CASE("the rounding rule is the program's: floor, nearest or ceil") {
    auto c = test_program();
    const std::vector<BasketLine> shoes{line("SH-3301", "shoes", 1, 59900)};  // 599 x 150% = 898.5
    CHECK(earn(c, "silver", shoes).points == 898);
    c.earning.rounding = Rounding::nearest;
    CHECK(earn(c, "silver", shoes).points == 899);
    c.earning.rounding = Rounding::ceil;
    CHECK(earn(c, "silver", {line("FD-1", "food", 1, 101)}).points == 2);
}

TEST_CASE("gold members get their discount and 150% points on what they pay") {
    const auto c = test_program();
    auto basket = price_basket(c, &level(c, "gold"), {line("TS-1001", "apparel", 2, 19900)});
    REQUIRE(basket.ok());
    CHECK(basket->gross == Money{39800});
    CHECK(basket->lines[0].member_discount == Money{1990});  // 5% of 398.00
    CHECK(basket->net == Money{37810});
    CHECK(earn(c, "gold", {line("TS-1001", "apparel", 2, 19900)}).points ==
          567);  // 378.10 x 1.5 = 567.15
}

TEST_CASE("a member price replaces the shelf price and does not stack with the tier discount") {
    const auto c = test_program();
    auto basket = price_basket(c, &level(c, "gold"), {line("CS-5001", "cosmetics", 1, 32000)});
    REQUIRE(basket.ok());
    CHECK(basket->lines[0].member_unit_price == Money{28800});
    CHECK(basket->lines[0].member_discount == Money{0});
    CHECK(basket->net == Money{28800});
    auto non_member = price_basket(c, nullptr, {line("CS-5001", "cosmetics", 1, 32000)});
    CHECK(non_member->net == Money{32000});
}

TEST_CASE("excluded categories and SKUs earn nothing but are still paid for") {
    const auto c = test_program();
    auto r =
        earn(c, "silver", {line("TB-9001", "tobacco", 2, 6500), line("TS-1", "apparel", 1, 10000)});
    CHECK(r.points == 100);
    auto only_excluded = earn(c, "silver", {line("GC-0500", "gift-card", 1, 50000)});
    CHECK(only_excluded.points == 0);
}

TEST_CASE("a SKU multiplier is more specific than its category's") {
    auto c = test_program();
    c.earning.multipliers.push_back(LineMultiplier{std::string("bags"), std::nullopt, 120});
    CHECK(earn(c, "silver", {line("BG-4100", "bags", 1, 10000)}).points ==
          300);  // SKU 300% wins over bags 120%
    CHECK(earn(c, "silver", {line("BG-9999", "bags", 1, 10000)}).points == 120);
}

TEST_CASE("a campaign window doubles points only on its weekdays and hours") {
    auto c = test_program();
    c.earning.windows.push_back(
        EarnWindow{"Weekend evenings", std::nullopt, std::nullopt, {6, 7}, 18, 22, 200});
    const std::vector<BasketLine> basket{line("TS-1", "apparel", 1, 10000)};
    using namespace std::chrono;
    // 2026-03-14 is a Saturday; 19:00 local = 11:00 UTC.
    const auto saturday_evening =
        time_point_cast<seconds>(sys_days{year{2026} / March / 14}) + hours{11};
    CHECK(earn(c, "silver", basket, EarnInputs{saturday_evening, false, 0, {}}).points == 200);
    CHECK(earn(c, "silver", basket, EarnInputs{saturday_evening - hours{3}, false, 0, {}}).points ==
          100);
    CHECK(earn(c, "silver", basket, EarnInputs{test_epoch(), false, 0, {}}).points ==
          100);  // a Tuesday
}

TEST_CASE("a dated window applies from its first to its last local day inclusive") {
    auto c = test_program();
    c.earning.windows.push_back(
        EarnWindow{"Anniversary", "2026-03-10", "2026-03-11", {}, 0, 24, 300});
    const std::vector<BasketLine> basket{line("TS-1", "apparel", 1, 10000)};
    CHECK(earn(c, "silver", basket, EarnInputs{test_epoch(), false, 0, {}}).points == 300);
    CHECK(earn(c, "silver", basket, EarnInputs{test_epoch() + Days{1}, false, 0, {}}).points ==
          300);
    CHECK(earn(c, "silver", basket, EarnInputs{test_epoch() + Days{2}, false, 0, {}}).points ==
          100);
}

TEST_CASE("multipliers multiply: platinum 200% x birthday 200% x shoes 150%") {
    const auto c = test_program();
    // Platinum 10% off 100.00 -> 90.00; 90 x 1.5 x 2 x 2 = 540
    auto r = earn(c, "platinum", {line("SH-3301", "shoes", 1, 10000)},
                  EarnInputs{test_epoch(), true, 0, {}});
    CHECK(r.points == 540);
    CHECK(r.reasons.size() >= 3);
}

TEST_CASE("below the minimum spend a sale earns nothing") {
    auto c = test_program();
    c.earning.min_spend = Money{1000};
    CHECK(earn(c, "silver", {line("FD-7002", "food", 1, 999)}).points == 0);
    CHECK(earn(c, "silver", {line("FD-7002", "food", 1, 1000)}).points == 10);
}

TEST_CASE("the daily cap limits points earned from sales per member per day") {
    auto c = test_program();
    c.earning.daily_cap = 500;
    const std::vector<BasketLine> basket{line("TS-1", "apparel", 1, 40000)};
    CHECK(earn(c, "silver", basket, EarnInputs{test_epoch(), false, 0, {}}).points == 400);
    auto capped = earn(c, "silver", basket, EarnInputs{test_epoch(), false, 300, {}});
    CHECK(capped.points == 200);
    CHECK(capped.before_cap == 400);
}

TEST_CASE("the part paid with coupons or points earns nothing") {
    const auto c = test_program();
    auto r = earn(c, "silver", {line("TS-1", "apparel", 1, 10000)},
                  EarnInputs{test_epoch(), false, 0, Money{2500}});
    CHECK(r.points == 75);
}

TEST_CASE("bad basket lines are refused with the line named") {
    const auto c = test_program();
    auto negative = price_basket(c, nullptr, {line("A", "x", 1, 100), line("B", "x", -1, 100)});
    REQUIRE_FALSE(negative.ok());
    CHECK(negative.error().code == Errc::invalid_argument);
    CHECK(negative.error().message.find("line 2") != std::string::npos);
    CHECK_FALSE(price_basket(c, nullptr, {}).ok());
    CHECK_FALSE(price_basket(c, nullptr, {line("", "x", 1, 100)}).ok());
    CHECK_FALSE(price_basket(c, nullptr, {line("A", "x", 1, -5)}).ok());
    CHECK_FALSE(price_basket(c, nullptr, {BasketLine{"A", "x", 1, Money{100}, Money{101}}}).ok());
}
