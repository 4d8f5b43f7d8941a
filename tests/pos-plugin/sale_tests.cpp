// Quotes, commits, refunds and voids through the C ABI.
#include "abi_support.hpp"
#include "loyalty/money.hpp"
#include "loyalty/storage/database.hpp"

using namespace loyalty::pos_test;

namespace {

// One column of a sale as the store's database holds it, read beside the till's session.
std::string sale_field(const Till& till, const std::string& receipt, const std::string& column) {
    auto db = loyalty::Database::open(till.store.db(), {});
    REQUIRE(db.ok());
    auto st = (*db)->prepare("SELECT " + column + " FROM sales WHERE receipt = ?");
    st.bind(1, receipt);
    REQUIRE(st.step());
    auto value = st.text(0);
    return value;
}

}  // namespace
using nlohmann::json;

namespace {

json basket(const std::string& member, const std::string& receipt = "") {
    json b{{"lines", json::array({line("CS-5001", "cosmetics", 1, 32000),
                                  line("TS-1001", "apparel", 2, 19900),
                                  line("TB-9001", "tobacco", 1, 6500)})}};
    if (!member.empty()) b["member"] = member;
    if (!receipt.empty()) b["receipt"] = receipt;
    return b;
}

}  // namespace

TEST_CASE("a quote applies member prices and the tier discount and says what the sale will earn") {
    Till till;
    const auto& seed = till.store.seeded;
    const auto before = till.dump();
    auto q = till.quote(basket(seed.gold_uid));
    REQUIRE_MESSAGE(q.status == LOYALTY_POS_OK, q.message);
    CHECK(till.dump() == before);  // quoting writes nothing
    const auto& lines = q.body["lines"];
    REQUIRE(lines.size() == 3);
    CHECK(lines[0]["member_unit_price"] == 28800);  // gold member price
    CHECK(lines[0]["net"] == 28800);
    CHECK(lines[1]["member_discount"] == 1990);  // gold 5% off 398.00
    CHECK(lines[1]["net"] == 37810);
    CHECK(lines[2]["earns"] == false);  // tobacco
    CHECK(q.body["gross"] == 32000 + 39800 + 6500);
    CHECK(q.body["net"] == 28800 + 37810 + 6175);
    CHECK(q.body["tier"] == "gold");
    // (288.00 + 378.10) x 1 point per yuan x gold 150%, rounded down once.
    CHECK(q.body["points_earned"] == 999);
    CHECK(q.body["earn_reasons"].size() >= 1);

    auto anonymous = till.quote(basket(""));
    REQUIRE(anonymous.status == LOYALTY_POS_OK);
    CHECK(anonymous.body["member"].is_null());
    CHECK(anonymous.body["net"] == anonymous.body["gross"]);
    CHECK(anonymous.body["points_earned"] == 0);
}

TEST_CASE(
    "a quote refuses null pointers, invalid JSON, negative quantities and unknown categories") {
    Till till;
    CHECK(take([&](char** out) { return loyalty_pos_quote(nullptr, "{}", out); }).status ==
          LOYALTY_POS_E_NULL_ARGUMENT);
    CHECK(take([&](char** out) { return loyalty_pos_quote(till.session, nullptr, out); }).status ==
          LOYALTY_POS_E_NULL_ARGUMENT);
    CHECK(till.quote_text("{\"lines\": [").status == LOYALTY_POS_E_INVALID_JSON);
    CHECK(till.quote_text("42").status == LOYALTY_POS_E_INVALID_JSON);
    CHECK(till.quote_text("{}").status == LOYALTY_POS_E_INVALID_JSON);  // lines missing
    CHECK(till.quote(json{{"lines", json::array({json{{"sku", "A"},
                                                      {"category", "food"},
                                                      {"quantity", 1},
                                                      {"unit_price", 9.99}}})}})
              .status == LOYALTY_POS_E_INVALID_JSON);
    CHECK(till.quote(json{{"lines", json::array({json{{"sku", "A"},
                                                      {"category", "food"},
                                                      {"quantity", "2"},
                                                      {"unit_price", 100}}})}})
              .status == LOYALTY_POS_E_INVALID_JSON);
    auto typo = till.quote(
        json{{"lines", json::array({line("FD-7001", "food", 1, 3500)})}, {"coupon", "X"}});
    CHECK(typo.status == LOYALTY_POS_E_INVALID_JSON);
    CHECK(typo.message.find("coupon") != std::string::npos);
    CHECK(till.quote(json{{"lines", json::array()}}).status == LOYALTY_POS_E_INVALID_ARGUMENT);
    auto negative = till.quote(json{{"lines", json::array({line("FD-7001", "food", -2, 3500)})}});
    CHECK(negative.status == LOYALTY_POS_E_INVALID_ARGUMENT);
    CHECK(negative.message.find("quantity") != std::string::npos);
    CHECK(till.quote(json{{"lines", json::array({line("FD-7001", "food", 1, -3500)})}}).status ==
          LOYALTY_POS_E_INVALID_ARGUMENT);
    auto unknown = till.quote(json{{"lines", json::array({line("FD-7001", "food", 1, 3500),
                                                          line("X-1", "weapons", 1, 100)})}});
    CHECK(unknown.status == LOYALTY_POS_E_UNKNOWN_CATEGORY);
    CHECK(unknown.message.find("line 2") != std::string::npos);
    CHECK(till.quote(basket("no-such-uid")).status == LOYALTY_POS_E_NOT_FOUND);
    auto anonymous_pay = basket("");
    anonymous_pay["points_to_pay"] = 100;  // points need a member
    CHECK(till.quote(anonymous_pay).status == LOYALTY_POS_E_INVALID_ARGUMENT);
}

TEST_CASE(
    "a receipt committed twice changes nothing the second time; other content is a conflict") {
    Till till;
    const auto& seed = till.store.seeded;
    auto first = till.commit(basket(seed.rich_uid, "R-1"));
    REQUIRE_MESSAGE(first.status == LOYALTY_POS_OK, first.message);
    CHECK(first.body["replayed"] == false);
    CHECK(first.body["points_earned"] == 718);  // (320.00 + 398.00) silver, tobacco excluded
    CHECK(first.body["points_pending"] == 718);
    CHECK(first.body["points_available"] == 50000);
    CHECK(first.body["receipt_lines"].size() >= 3);
    CHECK(first.body["receipt_qr"].is_null());  // a member sale: nothing to claim
    CHECK(first.body["cashier"] == "c-01");
    CHECK(sale_field(till, "R-1", "cashier") ==
          "c-01");  // and kept with the sale, for the store's own checks

    const auto after_first = till.dump();
    auto again = till.commit(basket(seed.rich_uid, "R-1"));
    REQUIRE(again.status == LOYALTY_POS_OK);
    CHECK(again.body["replayed"] == true);
    CHECK(again.body["sale_id"] == first.body["sale_id"]);
    CHECK(again.body["points_earned"] == 718);
    CHECK(till.dump() == after_first);

    auto other = basket(seed.rich_uid, "R-1");
    other["lines"][0]["quantity"] = 2;
    CHECK_REFUSED_UNCHANGED(till, till.commit(other), LOYALTY_POS_E_CONFLICT);
}

TEST_CASE("a commit refuses bad input and writes nothing") {
    Till till;
    const auto& seed = till.store.seeded;
    CHECK(take([&](char** out) { return loyalty_pos_commit(till.session, nullptr, out); }).status ==
          LOYALTY_POS_E_NULL_ARGUMENT);
    CHECK_REFUSED_UNCHANGED(till, till.commit_text("not json"), LOYALTY_POS_E_INVALID_JSON);
    CHECK_REFUSED_UNCHANGED(till, till.commit(basket(seed.rich_uid)),
                            LOYALTY_POS_E_INVALID_ARGUMENT);  // no receipt
    auto negative = basket(seed.rich_uid, "R-2");
    negative["lines"][1]["quantity"] = -1;
    CHECK_REFUSED_UNCHANGED(till, till.commit(negative), LOYALTY_POS_E_INVALID_ARGUMENT);
    auto unknown = basket(seed.rich_uid, "R-2");
    unknown["lines"][1]["category"] = "spaceships";
    CHECK_REFUSED_UNCHANGED(till, till.commit(unknown), LOYALTY_POS_E_UNKNOWN_CATEGORY);
    auto too_many_points = basket(seed.gold_uid, "R-2");
    too_many_points["points_to_pay"] = 100000;  // the gold member has none available
    CHECK_REFUSED_UNCHANGED(till, till.commit(too_many_points), LOYALTY_POS_E_INSUFFICIENT_POINTS);
    auto over_cap = basket(seed.rich_uid, "R-2");
    over_cap["points_to_pay"] = 40000;  // more than half the basket
    CHECK_REFUSED_UNCHANGED(till, till.commit(over_cap), LOYALTY_POS_E_LIMIT_EXCEEDED);
    auto bad_coupon = basket(seed.rich_uid, "R-2");
    bad_coupon["coupons"] = {"NO-SUCH-COUPON"};
    CHECK_REFUSED_UNCHANGED(till, till.commit(bad_coupon), LOYALTY_POS_E_NOT_FOUND);
}

TEST_CASE("a member pays part of the basket with points and the receipt says so") {
    Till till;
    const auto& seed = till.store.seeded;
    auto b = basket(seed.rich_uid, "R-3");
    b["points_to_pay"] = 10000;
    auto sale = till.commit(b);
    REQUIRE_MESSAGE(sale.status == LOYALTY_POS_OK, sale.message);
    CHECK(sale.body["points_paid"] == 10000);
    CHECK(sale.body["points_value"] == 10000);
    CHECK(sale.body["to_pay"] == 32000 + 39800 + 6500 - 10000);
    CHECK(sale.body["points_available"] == 40000);
    bool mentions = false;
    for (const auto& l : sale.body["receipt_lines"])
        mentions = mentions || l.get<std::string>().find("Paid with points: 10,000 = ¥100.00") !=
                                   std::string::npos;
    CHECK(mentions);
}

TEST_CASE("the receipt shows money in yuan grouped by thousands and every point by its reason") {
    Till till;
    const auto& seed = till.store.seeded;
    // Gold earns x1.5: 999 points, of which 666 from the plain rate on 666.10 of eligible goods.
    auto sale = till.commit(basket(seed.gold_uid, "R-LINES"));
    REQUIRE_MESSAGE(sale.status == LOYALTY_POS_OK, sale.message);
    INFO(sale.body.dump());
    std::vector<std::string> lines;
    for (const auto& l : sale.body["receipt_lines"]) lines.push_back(l.get<std::string>());
    const auto has = [&](const std::string& text) {
        for (const auto& l : lines)
            if (l.find(text) != std::string::npos) return true;
        return false;
    };
    CHECK(sale.body["points_earned"] == 999);
    CHECK(has("Points earned: 999 (1 pt per ¥1; 金卡 Gold ×1.5)"));
    CHECK(has("Base rate: 666"));
    CHECK(has("Multipliers and extras: +333"));
    CHECK(has("Total points: 999"));
    // The gold member's way to the next tier is money, in yuan and grouped.
    CHECK(has("To go: ¥"));

    // The same receipt again (a reprint after a crash) prints the same lines.
    auto again = till.commit(basket(seed.gold_uid, "R-LINES"));
    REQUIRE(again.status == LOYALTY_POS_OK);
    CHECK(again.body["replayed"] == true);
    CHECK(again.body["receipt_lines"] == sale.body["receipt_lines"]);
}

TEST_CASE("a non-member sale gets a signed receipt code the shopper can claim later") {
    Till till;
    auto sale = till.commit(basket("", "R-4"));
    REQUIRE(sale.status == LOYALTY_POS_OK);
    REQUIRE(sale.body["receipt_qr"].is_string());
    CHECK(sale.body["receipt_qr"].get<std::string>().rfind("LR1.T01.", 0) == 0);
    CHECK(sale.body["points_earned"] == 0);
}

TEST_CASE(
    "a partial refund takes back points in proportion; a refund larger than the sale is refused") {
    Till till;
    const auto& seed = till.store.seeded;
    REQUIRE(till.commit(basket(seed.rich_uid, "R-5")).status == LOYALTY_POS_OK);
    auto part = till.refund(json{{"receipt", "R-5"},
                                 {"refund_ref", "RF-1"},
                                 {"lines", {{{"line_no", 2}, {"quantity", 1}}}}});
    REQUIRE_MESSAGE(part.status == LOYALTY_POS_OK, part.message);
    CHECK(part.body["amount"] == 19900);
    CHECK(part.body["points_reversed"] == 199);  // 718 x 199.00 / 718.00
    CHECK(part.body["replayed"] == false);
    auto replay = till.refund(json{{"receipt", "R-5"},
                                   {"refund_ref", "RF-1"},
                                   {"lines", {{{"line_no", 2}, {"quantity", 1}}}}});
    CHECK(replay.body["replayed"] == true);

    CHECK_REFUSED_UNCHANGED(till,
                            till.refund(json{{"receipt", "R-5"},
                                             {"refund_ref", "RF-2"},
                                             {"lines", {{{"line_no", 2}, {"quantity", 2}}}}}),
                            LOYALTY_POS_E_REFUND_EXCEEDS_SALE);
    CHECK_REFUSED_UNCHANGED(till,
                            till.refund(json{{"receipt", "R-5"},
                                             {"refund_ref", "RF-2"},
                                             {"lines", {{{"line_no", 1}, {"quantity", -1}}}}}),
                            LOYALTY_POS_E_INVALID_ARGUMENT);
    CHECK_REFUSED_UNCHANGED(till,
                            till.refund(json{{"receipt", "R-5"},
                                             {"refund_ref", "RF-2"},
                                             {"lines", {{{"line_no", 9}, {"quantity", 1}}}}}),
                            LOYALTY_POS_E_INVALID_ARGUMENT);
    CHECK_REFUSED_UNCHANGED(till, till.refund(json{{"receipt", "R-404"}, {"refund_ref", "RF-2"}}),
                            LOYALTY_POS_E_NOT_FOUND);
    CHECK_REFUSED_UNCHANGED(till, till.refund(json{{"receipt", "R-5"}}),
                            LOYALTY_POS_E_INVALID_JSON);
    CHECK(take([&](char** out) { return loyalty_pos_refund(till.session, nullptr, out); }).status ==
          LOYALTY_POS_E_NULL_ARGUMENT);

    auto rest = till.refund(json{{"receipt", "R-5"}, {"refund_ref", "RF-3"}});
    REQUIRE(rest.status == LOYALTY_POS_OK);
    CHECK(rest.body["amount"] == 32000 + 19900 + 6500);
    CHECK_REFUSED_UNCHANGED(till, till.refund(json{{"receipt", "R-5"}, {"refund_ref", "RF-4"}}),
                            LOYALTY_POS_E_REFUND_EXCEEDS_SALE);
}

TEST_CASE("void takes back the terminal's last sale only, and repeats safely") {
    Till till;
    const auto& seed = till.store.seeded;
    REQUIRE(till.commit(basket(seed.rich_uid, "R-6")).status == LOYALTY_POS_OK);
    REQUIRE(till.commit(basket(seed.rich_uid, "R-7")).status == LOYALTY_POS_OK);
    CHECK_REFUSED_UNCHANGED(till, till.void_sale("R-6"), LOYALTY_POS_E_BAD_STATE);
    CHECK_REFUSED_UNCHANGED(till, till.void_sale(""), LOYALTY_POS_E_INVALID_ARGUMENT);
    CHECK(take([&](char** out) { return loyalty_pos_void(till.session, nullptr, out); }).status ==
          LOYALTY_POS_E_NULL_ARGUMENT);
    auto voided = till.void_sale("R-7");
    REQUIRE_MESSAGE(voided.status == LOYALTY_POS_OK, voided.message);
    CHECK(voided.body["amount"] == 32000 + 39800 + 6500);
    CHECK(voided.body["points_reversed"] == 718);
    CHECK(sale_field(till, "R-7", "status") ==
          "voided");  // a void, not a refund: it leaves the day's sales
    const auto after = till.dump();
    auto again = till.void_sale("R-7");
    CHECK(again.status == LOYALTY_POS_OK);
    CHECK(again.body["replayed"] == true);
    CHECK(till.dump() == after);
    auto id = till.identify(seed.rich_card);
    CHECK(id.body["points_pending"] == 718);  // R-6 stays

    REQUIRE(till.commit(basket(seed.rich_uid, "R-8")).status == LOYALTY_POS_OK);
    REQUIRE(till.refund(json{{"receipt", "R-8"},
                             {"refund_ref", "RF-8"},
                             {"lines", {{{"line_no", 1}, {"quantity", 1}}}}})
                .status == LOYALTY_POS_OK);
    CHECK_REFUSED_UNCHANGED(till, till.void_sale("R-8"), LOYALTY_POS_E_BAD_STATE);
}

TEST_CASE("void works on the terminal's last sale after the till restarted") {
    Till till;
    REQUIRE(till.commit(basket("", "R-9")).status == LOYALTY_POS_OK);
    loyalty_pos_close(till.session);
    REQUIRE(loyalty_pos_open(till.store.db().c_str(), "DEMO", "S001", "T01",
                             till.store.seeded.config_json.c_str(),
                             &till.session) == LOYALTY_POS_OK);
    loyalty_pos_session* other_terminal = nullptr;
    REQUIRE(loyalty_pos_open(till.store.db().c_str(), "DEMO", "S001", "T02",
                             till.store.seeded.config_json.c_str(),
                             &other_terminal) == LOYALTY_POS_OK);
    CHECK(loyalty_pos_void(other_terminal, "R-9", nullptr) == LOYALTY_POS_E_BAD_STATE);
    loyalty_pos_close(other_terminal);
    CHECK(till.void_sale("R-9").status == LOYALTY_POS_OK);
}

TEST_CASE("every sale waits in the outbox until the link agent ships it") {
    Till till;
    auto status = [&] {
        return take([&](char** out) { return loyalty_pos_sync_status(till.session, out); });
    };
    const auto before = status();
    REQUIRE(before.status == LOYALTY_POS_OK);
    REQUIRE(till.commit(basket(till.store.seeded.rich_uid, "R-S1")).status == LOYALTY_POS_OK);
    const auto after = status();
    CHECK(after.body["backlog"].get<std::int64_t>() ==
          before.body["backlog"].get<std::int64_t>() + 1);
    CHECK(after.body["oldest_pending"].is_string());
    CHECK(take([&](char** out) { return loyalty_pos_sync_status(nullptr, out); }).status ==
          LOYALTY_POS_E_NULL_ARGUMENT);
}

TEST_CASE("text from the till comes back as valid JSON, whatever characters it holds") {
    Till till;
    const std::string sku = "A\"B\\C\n\t\x01/鑫-€";
    auto q = till.quote(json{
        {"member", till.store.seeded.rich_uid},
        {"lines", json::array({line(sku, "food", 1, 1200), line("FD-7001", "food", 1, 3500)})}});
    REQUIRE_MESSAGE(q.status == LOYALTY_POS_OK, q.message);  // take() parsed the result
    CHECK(q.body["lines"][0]["sku"] == sku);
    auto sale = till.commit(
        json{{"receipt", "收据-1 \"x\""}, {"lines", json::array({line(sku, "food", 1, 1200)})}});
    REQUIRE(sale.status == LOYALTY_POS_OK);
    CHECK(sale.body["receipt"] == "收据-1 \"x\"");
}

TEST_CASE(
    "a promo code at the till takes its benefit off once per member, and the receipt names "
    "every point") {
    Till till;
    const auto& seed = till.store.seeded;
    auto b = basket(seed.gold_uid, "PROMO-1");
    b["promo_codes"] = json::array({"joyclub"});  // the demo flyer's code, in any case
    auto q = till.quote(b);
    REQUIRE_MESSAGE(q.status == LOYALTY_POS_OK, q.message);
    // 满300减50 every 300.00 of the order: net 727.85 is two steps.
    CHECK(q.body["coupon_value"] == 10000);
    auto sale = till.commit(b);
    REQUIRE_MESSAGE(sale.status == LOYALTY_POS_OK, sale.message);
    INFO(sale.body.dump());
    CHECK(sale.body["earn_summary"].get<std::string>().find("1 pt per ¥1; 金卡 Gold ×1.5") == 0);
    bool named = false;
    for (const auto& l : sale.body["receipt_lines"])
        named |= l.get<std::string>().find(
                     "Points earned: " +
                     loyalty::group_thousands(sale.body["points_earned"].get<int>()) +
                     " (1 pt per ¥1; 金卡 Gold ×1.5") != std::string::npos;
    CHECK(named);
    auto again = basket(seed.gold_uid, "PROMO-2");
    again["promo_codes"] = json::array({"JOYCLUB"});
    auto refused = till.commit(again);
    CHECK(refused.status == LOYALTY_POS_E_LIMIT_EXCEEDED);
    CHECK(refused.message.find("JOYCLUB") != std::string::npos);
    again["promo_codes"] = json::array({"NO-SUCH-CODE"});
    CHECK(till.commit(again).status == LOYALTY_POS_E_NOT_FOUND);
}
