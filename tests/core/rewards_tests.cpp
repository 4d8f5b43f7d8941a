// Rewards and coupons: redeem points for a single-use coupon, use it at the till.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <set>

#include "test_support.hpp"

using namespace loyalty;
using namespace loyalty::test;

TEST_CASE("redeeming a reward takes the points and issues a coupon the till accepts once") {
    Fixture f;
    const auto m = f.enroll("13800000040");
    REQUIRE(f.engine->ledger().adjust(m, 2500, "welcome", "mgr", "k").ok());
    auto coupon = f.engine->rewards().redeem(m, "CPN-20", "kiosk-1");
    REQUIRE(coupon.ok());
    CHECK(coupon->value == Money{2000});
    CHECK(coupon->status == "issued");
    CHECK(f.balance(m).available == 500);
    auto sale = f.sell(m, "C1", {line("TS-1", "apparel", 1, 10000)}, 0, {coupon->code});
    CHECK(sale.coupon_value == Money{2000});
    CHECK(sale.to_pay == Money{8000});
    CHECK(sale.earned == 80);
    SaleRequest again{"TEST",        "", "", "C2", m, {line("TS-1", "apparel", 1, 10000)}, 0,
                      {coupon->code}};
    CHECK(f.engine->sales().commit(again).error().code == Errc::already_used);
    CHECK(f.engine->rewards().find(coupon->code)->used_receipt.has_value());
    f.require_balances_agree();
}

TEST_CASE("a redemption beyond the balance is refused and writes nothing") {
    Fixture f;
    const auto m = f.enroll("13800000041");
    REQUIRE(f.engine->ledger().adjust(m, 1999, "welcome", "mgr", "k").ok());
    const auto events = f.engine->outbox().backlog();
    auto r = f.engine->rewards().redeem(m, "CPN-20", "kiosk-2");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Errc::insufficient_points);
    CHECK(f.engine->rewards().coupons_of(m, false).empty());
    CHECK(f.engine->outbox().backlog() == events);
    CHECK(f.balance(m).available == 1999);
}

TEST_CASE("a redemption is idempotent by key") {
    Fixture f;
    const auto m = f.enroll("13800000042");
    REQUIRE(f.engine->ledger().adjust(m, 5000, "welcome", "mgr", "k").ok());
    auto a = f.engine->rewards().redeem(m, "CPN-20", "tap-77");
    auto b = f.engine->rewards().redeem(m, "CPN-20", "tap-77");
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    CHECK(a->code == b->code);
    CHECK(f.balance(m).available == 3000);
    CHECK(f.engine->rewards().redeem(m, "GIFT-BAG", "tap-77").error().code == Errc::conflict);
}

TEST_CASE(
    "coupons are refused when expired, someone else's, below their minimum spend or unknown") {
    Fixture f;
    const auto m = f.enroll("13800000043");
    const auto other = f.enroll("13800000044");
    auto grant = f.engine->rewards().grant(
        CouponGrant{m, "manual", "Sorry voucher", Money{1000}, Money{5000}, 7, "g1"});
    REQUIRE(grant.ok());
    CHECK(f.engine->rewards().validate(grant->code, other, Money{10000}).error().code ==
          Errc::not_found);
    CHECK(f.engine->rewards().validate(grant->code, m, Money{4999}).error().code ==
          Errc::limit_exceeded);
    CHECK(f.engine->rewards().validate(grant->code, m, Money{5000}).ok());
    CHECK(f.engine->rewards().validate("NOSUCHCODE", m, Money{5000}).error().code ==
          Errc::not_found);
    f.advance_days(8);
    CHECK(f.engine->rewards().validate(grant->code, m, Money{5000}).error().code == Errc::expired);
    CHECK(f.engine->rewards().coupons_of(m, true).empty());
}

TEST_CASE("coupon codes use every character of their alphabet about equally and nothing else") {
    Fixture f;
    const auto m = f.enroll("13800000046");
    const std::string alphabet =
        "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";  // no 0/O, 1/I: read aloud at a till
    std::map<char, int> seen;
    std::set<std::string> codes;
    constexpr int kCoupons = 200;
    for (int i = 0; i < kCoupons; ++i) {
        auto grant = f.engine->rewards().grant(CouponGrant{
            m, "manual", "Voucher", Money{100}, Money{0}, 7, "spread-" + std::to_string(i)});
        REQUIRE(grant.ok());
        REQUIRE(grant->code.size() == 12);
        codes.insert(grant->code);
        for (const char c : grant->code) {
            REQUIRE(alphabet.find(c) != std::string::npos);
            ++seen[c];
        }
    }
    CHECK(codes.size() == kCoupons);
    // 2,400 characters over 32: 75 each expected; below 35 or above 125 is a bias, not chance.
    CHECK(seen.size() == alphabet.size());
    for (const auto& [c, count] : seen) {
        CAPTURE(c);
        CHECK(count > 35);
        CHECK(count < 125);
    }
}

TEST_CASE("a reward with limited stock runs out") {
    auto config = test_program();
    config.rewards[2].stock = 1;  // GIFT-BAG
    Fixture f(config);
    const auto m = f.enroll("13800000045");
    REQUIRE(f.engine->ledger().adjust(m, 5000, "welcome", "mgr", "k").ok());
    REQUIRE(f.engine->rewards().redeem(m, "GIFT-BAG", "a").ok());
    CHECK(f.engine->rewards().redeem(m, "GIFT-BAG", "b").error().code == Errc::limit_exceeded);
    CHECK(f.balance(m).available == 3500);
}

TEST_CASE("birthday gifts go to members of gifted tiers in their birthday month, once a year") {
    Fixture f;
    const auto march = f.enroll("13800000046", 3);
    const auto april = f.enroll("13800000047", 4);
    f.sell(march, "B1", {line("TS-1", "apparel", 1, 600000)});  // gold
    f.sell(april, "B2", {line("TS-1", "apparel", 1, 600000)});  // gold, but not their month
    auto granted = f.engine->rewards().grant_birthday_gifts("TEST", f.clock.now());
    REQUIRE(granted.ok());
    CHECK(*granted == 1);
    CHECK(f.engine->rewards().coupons_of(march, true).size() == 1);
    CHECK(f.engine->rewards().coupons_of(april, true).empty());
    CHECK(*f.engine->rewards().grant_birthday_gifts("TEST", f.clock.now()) == 0);
}
