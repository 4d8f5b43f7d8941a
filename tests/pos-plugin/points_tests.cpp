// Rewards, coupons at the till, and the manager's calls.
#include "abi_support.hpp"
#include "loyalty/storage/database.hpp"

using namespace loyalty::pos_test;
using nlohmann::json;

TEST_CASE("redeeming a reward issues a coupon the member then uses at the till") {
    Till till;
    const auto& seed = till.store.seeded;
    auto coupon =
        till.redeem(json{{"member", seed.rich_uid}, {"reward", "CPN-20"}, {"request_id", "red-1"}});
    REQUIRE_MESSAGE(coupon.status == LOYALTY_POS_OK, coupon.message);
    CHECK(coupon.body["points_available"] == 48000);
    const auto code = coupon.body["coupon"]["code"].get<std::string>();
    CHECK(coupon.body["coupon"]["value"] == 2000);
    auto again =
        till.redeem(json{{"member", seed.rich_uid}, {"reward", "CPN-20"}, {"request_id", "red-1"}});
    CHECK(again.body["coupon"]["code"] == code);  // idempotent by request id
    CHECK(again.body["points_available"] == 48000);

    auto id = till.identify(seed.rich_phone);
    REQUIRE(id.body["coupons"].size() == 1);
    CHECK(id.body["coupons"][0]["code"] == code);

    json b{{"member", seed.rich_uid},
           {"receipt", "R-C1"},
           {"coupons", {code}},
           {"lines", json::array({line("JK-2040", "apparel", 1, 89900)})}};
    auto q = till.quote(b);
    REQUIRE_MESSAGE(q.status == LOYALTY_POS_OK, q.message);
    CHECK(q.body["coupon_value"] == 2000);
    CHECK(q.body["to_pay"] == 87900);
    REQUIRE(q.body["coupons_usable"].size() == 1);
    CHECK(q.body["coupons_usable"][0]["applies"] == true);
    CHECK(q.body["coupons_usable"][0]["reason"] == "applied to this basket");
    CHECK(q.body["max_points_payable"] == 43900);  // half of 879.00, in steps of 100 points
    CHECK(q.body["points_note"].get<std::string>().find("50%") != std::string::npos);
    auto sale = till.commit(b);
    REQUIRE(sale.status == LOYALTY_POS_OK);
    CHECK(sale.body["coupon_value"] == 2000);
    b["receipt"] = "R-C2";
    CHECK_REFUSED_UNCHANGED(till, till.commit(b), LOYALTY_POS_E_ALREADY_USED);
}

TEST_CASE(
    "redemption beyond the balance, unknown rewards and bad requests are refused and write "
    "nothing") {
    Till till;
    const auto& seed = till.store.seeded;
    CHECK_REFUSED_UNCHANGED(
        till,
        till.redeem(json{{"member", seed.gold_uid}, {"reward", "CPN-100"}, {"request_id", "r1"}}),
        LOYALTY_POS_E_INSUFFICIENT_POINTS);
    CHECK_REFUSED_UNCHANGED(
        till,
        till.redeem(json{{"member", seed.rich_uid}, {"reward", "NOPE"}, {"request_id", "r2"}}),
        LOYALTY_POS_E_NOT_FOUND);
    CHECK_REFUSED_UNCHANGED(
        till, till.redeem(json{{"member", "ghost"}, {"reward", "CPN-20"}, {"request_id", "r3"}}),
        LOYALTY_POS_E_NOT_FOUND);
    CHECK_REFUSED_UNCHANGED(till,
                            till.redeem(json{{"member", seed.rich_uid}, {"reward", "CPN-20"}}),
                            LOYALTY_POS_E_INVALID_JSON);
    CHECK_REFUSED_UNCHANGED(
        till,
        till.redeem(json{{"member", seed.rich_uid}, {"reward", "CPN-20"}, {"request_id", ""}}),
        LOYALTY_POS_E_INVALID_ARGUMENT);
    CHECK(take([&](char** out) { return loyalty_pos_redeem(till.session, nullptr, out); }).status ==
          LOYALTY_POS_E_NULL_ARGUMENT);
    CHECK(take([&](char** out) { return loyalty_pos_redeem(nullptr, "{}", out); }).status ==
          LOYALTY_POS_E_NULL_ARGUMENT);
}

TEST_CASE("manual point adjustments need a manager and are audited") {
    Till till;
    const auto& seed = till.store.seeded;
    json adjust{{"manager", kManager}, {"pin", kManagerPin},       {"member", seed.gold_uid},
                {"points", 300},       {"reason", "complaint 17"}, {"request_id", "adj-1"}};
    auto cashier = adjust;
    cashier["manager"] = kCashier;
    cashier["pin"] = kCashierPin;
    CHECK_REFUSED_UNCHANGED(till, till.adjust(cashier), LOYALTY_POS_E_UNAUTHORIZED);
    auto zero = adjust;
    zero["points"] = 0;
    CHECK_REFUSED_UNCHANGED(till, till.adjust(zero), LOYALTY_POS_E_INVALID_ARGUMENT);
    auto overdraw = adjust;
    overdraw["points"] = -1000;
    overdraw["request_id"] = "adj-0";
    CHECK_REFUSED_UNCHANGED(till, till.adjust(overdraw), LOYALTY_POS_E_INSUFFICIENT_POINTS);
    auto wrong_pin = adjust;
    wrong_pin["pin"] = "000000";
    CHECK(till.adjust(wrong_pin).status ==
          LOYALTY_POS_E_UNAUTHORIZED);  // audited as a failed attempt

    auto done = till.adjust(adjust);
    REQUIRE_MESSAGE(done.status == LOYALTY_POS_OK, done.message);
    CHECK(done.body["points_available"] == 300);
    CHECK(till.dump().find("complaint 17") != std::string::npos);
    CHECK(till.dump().find("points.adjusted") != std::string::npos);
}

TEST_CASE("a manager blocks a card and the till then refuses it") {
    Till till;
    const auto& seed = till.store.seeded;
    json block{{"manager", kManager},
               {"pin", kManagerPin},
               {"card", seed.rich_card},
               {"reason", "reported lost at till"}};
    auto cashier = block;
    cashier["manager"] = kCashier;
    cashier["pin"] = kCashierPin;
    CHECK_REFUSED_UNCHANGED(till, till.block(cashier), LOYALTY_POS_E_UNAUTHORIZED);
    auto unknown = block;
    unknown["card"] = "8000000000009999";
    CHECK_REFUSED_UNCHANGED(till, till.block(unknown), LOYALTY_POS_E_NOT_FOUND);
    CHECK_REFUSED_UNCHANGED(till, till.block(json{{"manager", kManager}, {"card", seed.rich_card}}),
                            LOYALTY_POS_E_INVALID_JSON);

    REQUIRE(till.identify(seed.rich_card).status == LOYALTY_POS_OK);
    auto done = till.block(block);
    REQUIRE_MESSAGE(done.status == LOYALTY_POS_OK, done.message);
    CHECK(done.body["status"] == "blocked");
    CHECK(till.identify(seed.rich_card).status == LOYALTY_POS_E_BLOCKED);
    CHECK(till.identify(seed.rich_phone).status ==
          LOYALTY_POS_OK);  // the account and its points stay
    CHECK(till.dump().find("card.blocked") != std::string::npos);
    CHECK_REFUSED_UNCHANGED(till, till.block(block), LOYALTY_POS_E_CONFLICT);
}

TEST_CASE("points past their expiry are not offered at the till before the nightly run") {
    Till till;
    const auto& seed = till.store.seeded;
    {  // The rich member's points expired an hour before the till's clock (the seed's
       // config stands it at kNow); no run has booked them out.
        auto db = loyalty::Database::open(till.store.db(), {});
        REQUIRE(db.ok());
        const auto hour_ago = kNow - 3600;
        (*db)
            ->prepare(
                "UPDATE point_lots SET expires_at = ? WHERE member_id = (SELECT id FROM members "
                "WHERE uid = ?)")
            .bind_all(hour_ago, seed.rich_uid)
            .run();
    }
    auto id = till.identify(seed.rich_phone);
    REQUIRE_MESSAGE(id.status == LOYALTY_POS_OK, id.message);
    CHECK(id.body["points_available"] == 0);
    json b{{"member", seed.rich_uid},
           {"receipt", "R-X1"},
           {"lines", json::array({line("JK-2040", "apparel", 1, 89900)})}};
    auto q = till.quote(b);
    REQUIRE_MESSAGE(q.status == LOYALTY_POS_OK, q.message);
    CHECK(q.body["points_available"] == 0);
    CHECK(q.body["max_points_payable"] == 0);
    b["points_to_pay"] = 100;
    CHECK(till.quote(b).status == LOYALTY_POS_E_INSUFFICIENT_POINTS);  // at the quote, not later
}
