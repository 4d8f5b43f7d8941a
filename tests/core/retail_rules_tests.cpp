// The retail rules of issue 16 with worked numbers: member price against tier discount,
// coupon benefits (9折, gift, buy X get Y, 满减), per-member limits, cancelling a coupon,
// earning extras, include-only lists, caps, "highest multiplier wins", points as tender,
// and every point of a sale named by its reason.
#include <doctest/doctest.h>

#include <algorithm>
#include <functional>
#include <nlohmann/json.hpp>

#include "loyalty/coupon_benefits.hpp"
#include "test_support.hpp"

using namespace loyalty;
using namespace loyalty::test;
using nlohmann::json;

namespace {

CouponBenefit benefit(const json& j) {
    return parse_coupon_benefit(j, "test");
}

RewardDefinition reward(const std::string& code, const json& fields, Points cost = 100) {
    RewardDefinition r;
    r.code = code;
    r.name = code;
    r.points_cost = cost;
    r.benefit = benefit(fields);
    r.value = r.benefit.value;
    return r;
}

SaleRequest request(Fixture& f, MemberId m, std::vector<BasketLine> lines,
                    std::vector<std::string> coupons, Points points) {
    SaleRequest s;
    s.program = f.program;
    s.member = m;
    s.lines = std::move(lines);
    s.coupons = std::move(coupons);
    s.points_to_pay = points;
    return s;
}

Quote quote(Fixture& f, MemberId m, std::vector<BasketLine> lines,
            std::vector<std::string> coupons = {}, Points points = 0) {
    auto q = f.engine->sales().quote(request(f, m, std::move(lines), std::move(coupons), points));
    REQUIRE_MESSAGE(q.ok(), (q.ok() ? "" : q.error().message));
    return q.value();
}

Error quote_error(Fixture& f, MemberId m, std::vector<BasketLine> lines,
                  std::vector<std::string> coupons, Points points = 0) {
    auto q = f.engine->sales().quote(request(f, m, std::move(lines), std::move(coupons), points));
    REQUIRE_FALSE(q.ok());
    return q.error();
}

MemberId rich_member(Fixture& f, const std::string& phone, Points points = 100000) {
    const auto m = f.enroll(phone);
    REQUIRE(f.engine->ledger().adjust(m, points, "test points", "mgr", "seed-" + phone).ok());
    return m;
}

void make_gold(Fixture& f, MemberId m) {
    // 5,000.00 of spend reaches Gold in the test program.
    f.sell(m, "GOLD-" + std::to_string(m), {line("TS-1", "apparel", 1, 500000)});
    REQUIRE(f.engine->members().get(m)->tier_code == "gold");
}

}  // namespace

TEST_CASE(
    "fault 1: the better of member price and tier discount wins, unless the program says "
    "member price always") {
    auto c = test_program();
    c.tiers.levels[1].member_prices["WT-899"] = 88000;
    Fixture f(c);
    const auto m = f.enroll("13800001601");
    make_gold(f, m);
    // Shelf 899.00, Gold member price 880.00, Gold 5% off 899.00 = 854.05: the lower wins.
    auto q = quote(f, m, {line("WT-899", "watches", 1, 89900)});
    CHECK(q.basket.net == Money{85405});
    CHECK(q.basket.lines[0].member_discount == Money{4495});
    CHECK(q.basket.lines[0].reason.find("better than the member price") != std::string::npos);
    // A member price below the discounted shelf price still wins (no stacking either way).
    auto cheap = quote(f, m, {line("CS-5001", "cosmetics", 1, 32000)});
    CHECK(cheap.basket.net == Money{28800});
    CHECK(cheap.basket.lines[0].member_discount == Money{0});

    auto always = c;
    always.tiers.member_price_always = true;
    Fixture g(always);
    const auto n = g.enroll("13800001602");
    make_gold(g, n);
    CHECK(quote(g, n, {line("WT-899", "watches", 1, 89900)}).basket.net == Money{88000});
}

TEST_CASE(
    "fault 4: a birthday-month campaign doubling points next to the program's birthday "
    "multiplier is refused by name, and allowed only when configured as two") {
    Fixture f;  // the test program doubles birthday-month points itself
    const auto doc = [](bool stack) {
        json trigger{{"type", "purchase"}, {"in_birthday_month", true}};
        if (stack) trigger["stack_with_birthday_percent"] = true;
        return json{{"schema", 1},
                    {"program", "TEST"},
                    {"campaigns",
                     {{{"code", "bday-double"},
                       {"version", 1},
                       {"name", "Birthday campaign"},
                       {"trigger", trigger},
                       {"actions", {{{"type", "bonus_points"}, {"percent_of_earned", 100}}}}}}}}
            .dump();
    };
    auto refused = f.engine->campaigns().load(doc(false), "mgr");
    REQUIRE(refused.ok());
    REQUIRE(refused->refused.size() == 1);
    CHECK(refused->refused[0].reason.find("birthday_month_percent = 200") != std::string::npos);

    const auto m = f.enroll("13800001603", 3);  // the test clock stands in March
    auto once = f.sell(m, "B1", {line("TS-1", "apparel", 1, 12300)});
    CHECK(once.earned == 246);  // 123 x birthday month x2, once
    CHECK(once.campaign_points == 0);

    // Configured as two benefits: both apply, each named on the sale.
    auto stacked = f.engine->campaigns().load(doc(true), "mgr");
    REQUIRE(stacked.ok());
    CHECK(stacked->refused.empty());
    const auto before = f.balance(m);
    auto twice = f.sell(m, "B2", {line("TS-1", "apparel", 1, 12300)});
    CHECK(twice.earned == 246);
    CHECK(twice.campaign_points == 246);
    CHECK(twice.earn_summary.find("birthday month ×2") != std::string::npos);
    REQUIRE(twice.campaign_bonuses.size() == 1);
    CHECK(twice.campaign_bonuses[0].name == "Birthday campaign");
    CHECK(twice.campaign_bonuses[0].points == 246);
    const auto after = f.balance(m);
    CHECK(after.pending - before.pending == twice.earned + twice.campaign_points);
    // The same receipt again (a till reprinting after a crash) gives the same lines.
    SaleRequest replay;
    replay.program = f.program;
    replay.receipt = "B2";
    replay.member = m;
    replay.lines = {line("TS-1", "apparel", 1, 12300)};
    auto again = f.engine->sales().commit(replay);
    REQUIRE(again.ok());
    CHECK(again->replayed);
    CHECK(again->earn_summary == twice.earn_summary);
    CHECK(again->campaign_points == twice.campaign_points);
    REQUIRE(again->campaign_bonuses.size() == 1);
    CHECK(again->campaign_bonuses[0].name == "Birthday campaign");
}

TEST_CASE("every ledger entry of a sale names the rules that made it") {
    auto c = test_program();
    c.earning.windows.push_back(EarnWindow{"Weekday lunch", {}, {}, {2}, 11, 14, 200});
    Fixture f(c);
    const auto m = f.enroll("13800001604");
    make_gold(f, m);
    auto sale = f.sell(m, "N1", {line("TS-1", "apparel", 1, 10000)});
    CHECK(sale.earn_summary == "1 pt per ¥1; 金卡 Gold ×1.5; Weekday lunch ×2");
    const auto history = f.engine->ledger().history(m);
    const bool named = std::any_of(history.begin(), history.end(), [](const LedgerEntry& e) {
        return e.reason == "purchase: 1 pt per ¥1; 金卡 Gold ×1.5; Weekday lunch ×2";
    });
    CHECK(named);
    // A window scoped to another store does not open here.
    auto elsewhere = c;
    elsewhere.earning.windows[0].stores = {"S009"};
    Fixture g(elsewhere);
    const auto n = g.enroll("13800001617");
    CHECK(g.sell(n, "N2", {line("TS-1", "apparel", 1, 10000)}).earned == 100);
    CHECK(times(125) == "×1.25");
    CHECK(times(105) == "×1.05");
    CHECK(times(300) == "×3");
}

TEST_CASE("a percent-off coupon takes its share of the named categories, capped, shown as 9折") {
    auto c = test_program();
    c.rewards.push_back(reward("OFF-10", {{"kind", "percent"},
                                          {"percent_off", 10},
                                          {"categories", {"shoes"}},
                                          {"max_off_minor", 8000}}));
    Fixture f(c);
    const auto m = rich_member(f, "13800001605");
    auto coupon = f.engine->rewards().redeem(m, "OFF-10", "r1");
    REQUIRE(coupon.ok());
    CHECK(coupon->benefit.kind == BenefitKind::percent);
    // 10% of the shoes (599.00) is 59.90; the apparel line is not in scope.
    auto q = quote(f, m, {line("SH-1", "shoes", 1, 59900), line("TS-1", "apparel", 1, 10000)},
                   {coupon->code});
    CHECK(q.coupon_value == Money{5990});
    CHECK(q.to_pay == Money{63910});
    // Two pairs: 10% of 1,198.00 would be 119.80, the cap keeps it at 80.00.
    CHECK(quote(f, m, {line("SH-1", "shoes", 2, 59900)}, {coupon->code}).coupon_value ==
          Money{8000});
    CHECK(quote_error(f, m, {line("TS-1", "apparel", 1, 10000)}, {coupon->code}).code ==
          Errc::limit_exceeded);
    CHECK(benefit_label(coupon->benefit, "zh-CN") == "9折");
    CHECK(benefit_label(coupon->benefit, "en") == "10% off");
    CHECK(benefit_label(benefit({{"kind", "percent"}, {"percent_off", 15}}), "zh-CN") == "85折");
    // Used at the till like any coupon: once.
    f.sell(m, "P1", {line("SH-1", "shoes", 1, 59900)}, 0, {coupon->code});
    CHECK(quote_error(f, m, {line("SH-1", "shoes", 1, 59900)}, {coupon->code}).code ==
          Errc::already_used);
}

TEST_CASE("a gift coupon makes one unit of its SKU free, and says so when it is not rung up") {
    auto c = test_program();
    c.rewards.push_back(reward("SOCKS", {{"kind", "gift"}, {"gift_sku", "SK-1"}}));
    Fixture f(c);
    const auto m = rich_member(f, "13800001606");
    auto coupon = f.engine->rewards().redeem(m, "SOCKS", "r1");
    REQUIRE(coupon.ok());
    auto missing = quote_error(f, m, {line("TS-1", "apparel", 1, 10000)}, {coupon->code});
    CHECK(missing.message.find("ring up one SK-1") != std::string::npos);
    auto q = quote(f, m, {line("SK-1", "apparel", 2, 3900)}, {coupon->code});
    CHECK(q.coupon_value == Money{3900});
    CHECK(q.to_pay == Money{3900});
    CHECK(benefit_label(coupon->benefit, "zh-CN") == "赠品 SK-1");
}

TEST_CASE("buy 2 get 1: the cheapest unit of every three in scope is free") {
    const auto b = benefit({{"kind", "buy_get"}, {"buy", 2}, {"get", 1}, {"categories", {"food"}}});
    auto c = test_program();
    auto priced = price_basket(c, nullptr,
                               {line("F-1", "food", 1, 1000), line("F-2", "food", 1, 2000),
                                line("F-3", "food", 1, 3000), line("TS-1", "apparel", 1, 500)});
    REQUIRE(priced.ok());
    auto off = benefit_off(b, *priced);
    REQUIRE(off.ok());
    CHECK(off->off == Money{1000});
    // Six in scope: two free, the two cheapest.
    priced = price_basket(c, nullptr, {line("F-1", "food", 4, 1000), line("F-2", "food", 2, 500)});
    CHECK(benefit_off(b, *priced)->off == Money{1000});
    priced = price_basket(c, nullptr, {line("F-1", "food", 2, 1000)});
    CHECK(benefit_off(b, *priced).error().code == Errc::limit_exceeded);
    CHECK(benefit_label(b, "zh-CN") == "买2送1");
}

TEST_CASE("满减: 50 off every 300, or 50 off once, of the scope's spend") {
    auto c = test_program();
    const auto every = benefit({{"kind", "threshold"},
                                {"threshold_minor", 30000},
                                {"value_minor", 5000},
                                {"every", true}});
    const auto once =
        benefit({{"kind", "threshold"}, {"threshold_minor", 30000}, {"value_minor", 5000}});
    auto basket = price_basket(c, nullptr, {line("TS-1", "apparel", 1, 65000)});
    REQUIRE(basket.ok());
    CHECK(benefit_off(every, *basket)->off == Money{10000});
    CHECK(benefit_off(once, *basket)->off == Money{5000});
    auto small = price_basket(c, nullptr, {line("TS-1", "apparel", 1, 29999)});
    CHECK(benefit_off(once, *small).error().code == Errc::limit_exceeded);
    CHECK(benefit_label(every, "zh-CN") == "每满300减50");
    CHECK(benefit_label(once, "zh-CN") == "满300减50");
    CHECK(benefit_label(once, "en") == "50.00 off 300.00");
}

TEST_CASE("coupon benefits that do not add up are refused with a reason") {
    const auto refused = [](const json& j) {
        try {
            (void)parse_coupon_benefit(j, "reward X");
        } catch (const std::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    CHECK(refused({{"kind", "percent"}}).find("percent_off") != std::string::npos);
    CHECK(refused({{"kind", "percent"}, {"percent_off", 100}}).find("1..99") != std::string::npos);
    CHECK(refused({{"kind", "gift"}}).find("gift_sku") != std::string::npos);
    CHECK(refused({{"kind", "threshold"}, {"threshold_minor", 100}, {"value_minor", 100}})
              .find("below") != std::string::npos);
    CHECK(refused({{"kind", "coupon"}}).find("kind must be") != std::string::npos);
    CHECK(refused({{"kind", "buy_get"}, {"buy", 2}}).find("buy_get needs") != std::string::npos);
}

TEST_CASE("a per-member limit on a reward, and a cancelled coupon gives its points back, audited") {
    auto c = test_program();
    auto limited = reward("OFF-10", {{"kind", "percent"}, {"percent_off", 10}}, 800);
    limited.per_member_limit = 1;
    limited.per_member_days = 30;
    c.rewards.push_back(limited);
    Fixture f(c);
    const auto m = rich_member(f, "13800001607", 2000);
    auto first = f.engine->rewards().redeem(m, "OFF-10", "r1");
    REQUIRE(first.ok());
    CHECK(f.balance(m).available == 1200);
    auto second = f.engine->rewards().redeem(m, "OFF-10", "r2");
    REQUIRE_FALSE(second.ok());
    CHECK(second.error().code == Errc::limit_exceeded);
    CHECK(second.error().message.find("1 per member every 30 days") != std::string::npos);

    CHECK(f.engine->rewards().cancel({first->code, "", "mgr-li"}).error().code ==
          Errc::invalid_argument);
    CHECK(f.engine->rewards().cancel({first->code, "changed her mind", ""}).error().code ==
          Errc::unauthorized);
    auto cancelled = f.engine->rewards().cancel({first->code, "changed her mind", "mgr-li"});
    REQUIRE(cancelled.ok());
    CHECK(cancelled->points_returned == 800);
    CHECK(cancelled->coupon.status == "cancelled");
    CHECK(f.balance(m).available == 2000);
    // Again: the first answer, nothing more given back.
    auto again = f.engine->rewards().cancel({first->code, "changed her mind", "mgr-li"});
    REQUIRE(again.ok());
    CHECK(again->points_returned == 800);
    CHECK(f.balance(m).available == 2000);
    const auto audit = f.engine->audit().for_subject("coupon:" + first->code);
    CHECK(std::count_if(audit.begin(), audit.end(),
                        [](auto& a) { return a.action == "coupon.cancelled"; }) == 1);
    // A cancelled coupon no longer counts against the limit, and can't be used.
    CHECK(quote_error(f, m, {line("TS-1", "apparel", 1, 10000)}, {first->code}).code ==
          Errc::blocked);
    auto third = f.engine->rewards().redeem(m, "OFF-10", "r3");
    REQUIRE(third.ok());
    // A used coupon cannot be cancelled.
    f.sell(m, "L1", {line("TS-1", "apparel", 1, 10000)}, 0, {third->code});
    CHECK(f.engine->rewards().cancel({third->code, "too late", "mgr-li"}).error().code ==
          Errc::already_used);
    f.require_balances_agree();
}

TEST_CASE("earning extras: per order, per visit, per item, first purchase, store-scoped") {
    auto c = test_program();
    c.earning.extras = {
        EarnExtra{"Order bonus", ExtraKind::per_order, 10, Money{5000}, {}, {}, {}},
        EarnExtra{"Visit bonus", ExtraKind::per_visit, 5, Money{0}, {}, {}, {}},
        EarnExtra{"Coffee beans",
                  ExtraKind::per_item,
                  20,
                  Money{0},
                  std::nullopt,
                  std::string("CB-1"),
                  {}},
        EarnExtra{"Welcome purchase", ExtraKind::first_purchase, 100, Money{0}, {}, {}, {}},
        EarnExtra{"Flagship", ExtraKind::per_order, 7, Money{0}, {}, {}, {"S002"}},
    };
    Fixture f(c);  // the engine's own store is not S002
    const auto m = f.enroll("13800001608");
    // 60.00 apparel + 2 bags of beans at 20.00: rate 100 points.
    auto first = f.sell(m, "E1", {line("TS-1", "apparel", 1, 6000), line("CB-1", "food", 2, 2000)});
    CHECK(first.earned == 100 + 10 + 5 + 40 + 100);
    CHECK(first.earn_summary ==
          "1 pt per ¥1; Order bonus +10; Visit bonus +5; Coffee beans +40; Welcome purchase +100");
    // Same day, below the order bonus's 50.00: only the rate.
    auto second = f.sell(m, "E2", {line("TS-1", "apparel", 1, 3000)});
    CHECK(second.earned == 30);
    f.advance_days(1);
    CHECK(f.sell(m, "E3", {line("TS-1", "apparel", 1, 3000)}).earned == 30 + 5);
    // At S002 the flagship's bonus applies as well.
    SaleRequest s;
    s.program = f.program;
    s.store = "S002";
    s.terminal = "T1";
    s.receipt = "E4";
    s.member = m;
    s.lines = {line("TS-1", "apparel", 1, 3000)};
    auto flagship = f.engine->sales().commit(s);
    REQUIRE(flagship.ok());
    CHECK(flagship->earned == 30 + 7);
    f.require_balances_agree();
}

TEST_CASE("include-only lists, a per-bill cap, and the highest multiplier instead of the product") {
    auto c = test_program();
    c.earning.included_categories = {"shoes"};
    Fixture f(c);
    const auto m = f.enroll("13800001609");
    // Only shoes earn (599.00 x150% = 898); the apparel line is paid but earns nothing.
    auto q = quote(f, m, {line("SH-1", "shoes", 1, 59900), line("TS-1", "apparel", 1, 10000)});
    CHECK(q.earn.points == 898);
    CHECK(q.basket.lines[1].reason.find("not on the earning list") != std::string::npos);

    auto capped = test_program();
    capped.earning.bill_cap = 500;
    Fixture g(capped);
    const auto n = g.enroll("13800001610");
    auto big = quote(g, n, {line("TS-1", "apparel", 1, 80000)});
    CHECK(big.earn.points == 500);
    CHECK(big.earn.before_cap == 800);
    CHECK(big.earn.summary().find("capped at 500 points a bill") != std::string::npos);

    auto highest = test_program();
    highest.earning.multiplier_mode = MultiplierMode::highest;
    Fixture h(highest);
    const auto p = h.enroll("13800001611", 3);  // birthday month: x2
    make_gold(h, p);                            // Gold: x1.5
    // Shoes x1.5, Gold x1.5, birthday x2: the highest, x2, on 100.00 (not x4.5).
    auto hq = quote(h, p, {line("SH-1", "shoes", 1, 10000)});
    // Gold's 5% off: 95.00 x2 = 190.
    CHECK(hq.earn.points == 190);
    CHECK(hq.earn.summary().find("birthday month ×2 (the highest multiplier applies)") !=
          std::string::npos);
}

TEST_CASE("points as tender: a minimum bill and an absolute per-bill cap beside the percentage") {
    auto c = test_program();
    c.points_payment.min_bill = Money{5000};
    c.points_payment.max_points_per_bill = 3000;
    Fixture f(c);
    const auto m = rich_member(f, "13800001612");
    CHECK(quote(f, m, {line("TS-1", "apparel", 1, 4000)}).max_points_payable == 0);
    auto small = quote_error(f, m, {line("TS-1", "apparel", 1, 4000)}, {}, 100);
    CHECK(small.code == Errc::limit_exceeded);
    CHECK(small.message.find("50.00") != std::string::npos);
    // 50% of 200.00 would allow 10,000 points; the bill cap allows 3,000.
    CHECK(quote(f, m, {line("TS-1", "apparel", 1, 20000)}).max_points_payable == 3000);
    CHECK(quote_error(f, m, {line("TS-1", "apparel", 1, 20000)}, {}, 3100).code ==
          Errc::limit_exceeded);
    CHECK(quote(f, m, {line("TS-1", "apparel", 1, 20000)}, {}, 3000).to_pay == Money{17000});
}

TEST_CASE("program files: the new rule kinds load, round-trip, and nonsense is refused by name") {
    auto text = json::parse(program_config_to_json(test_program()));
    text["earning"]["extras"] = {{{"kind", "per_visit"}, {"name", "Visit"}, {"points", 5}}};
    text["earning"]["multipliers_combine"] = "highest";
    text["earning"]["bill_cap"] = 900;
    text["earning"]["included_skus"] = {"A"};
    text["tiers"]["member_price"] = "always";
    text["points_payment"]["min_bill_minor"] = 1000;
    text["points_payment"]["max_points_per_bill"] = 500;
    text["promo_codes"] = {{{"code", "visit5"}, {"extra", "Visit"}, {"max_uses", 1}}};
    text["rewards"].push_back({{"code", "OFF"},
                               {"points_cost", 10},
                               {"kind", "percent"},
                               {"percent_off", 12},
                               {"per_member_limit", 2}});
    auto loaded = parse_program_config_json(text.dump());
    REQUIRE_MESSAGE(loaded.ok(), (loaded.ok() ? "" : loaded.error().message));
    auto again = parse_program_config_json(program_config_to_json(*loaded));
    REQUIRE(again.ok());
    CHECK(again->earning.extras.size() == 1);
    CHECK(again->earning.extras[0].kind == ExtraKind::per_visit);
    CHECK(again->earning.multiplier_mode == MultiplierMode::highest);
    CHECK(again->earning.bill_cap == 900);
    CHECK(again->earning.included_skus == std::vector<std::string>{"A"});
    CHECK(again->tiers.member_price_always);
    CHECK(again->points_payment.min_bill == Money{1000});
    CHECK(again->points_payment.max_points_per_bill == 500);
    CHECK(again->rewards.back().benefit.percent_off == 12);
    CHECK(again->rewards.back().per_member_limit == 2);
    REQUIRE(again->promo_codes.size() == 1);
    CHECK(again->promo_code("Visit5")->max_uses == 1);
    CHECK(again->extra_needs_code("Visit"));

    const auto refusal = [&](const std::function<void(json&)>& edit) {
        auto t = json::parse(program_config_to_json(test_program()));
        edit(t);
        auto r = parse_program_config_json(t.dump());
        return r.ok() ? std::string() : r.error().message;
    };
    CHECK(refusal([](json& t) {
              t["points_payment"]["max_points_per_bill"] = 50;
          }).find("below one redemption step of 100") != std::string::npos);
    CHECK(refusal([](json& t) {
              t["earning"]["multipliers_combine"] = "max";
          }).find("multiply or highest") != std::string::npos);
    CHECK(refusal([](json& t) {
              t["tiers"]["member_price"] = "cheapest";
          }).find("better or always") != std::string::npos);
    CHECK(refusal([](json& t) {
              t["earning"]["extras"] = {{{"kind", "per_item"}, {"points", 5}}};
          }).find("per_item names a category or a sku") != std::string::npos);
    CHECK(refusal([](json& t) {
              t["promo_codes"] = {{{"code", "X"}, {"reward", "NOPE"}}};
          }).find("unknown reward NOPE") != std::string::npos);
}

TEST_CASE("promo codes: a reward's benefit or an extra turned on by a code, within its limits") {
    auto c = test_program();
    c.rewards.push_back(reward("OFF-15", {{"kind", "percent"}, {"percent_off", 15}}));
    c.earning.extras.push_back(
        EarnExtra{"Flyer bonus", ExtraKind::per_order, 50, Money{0}, {}, {}, {}});
    c.promo_codes = {
        PromoCode{"SPRING15",
                  std::string("OFF-15"),
                  {},
                  2,
                  1,
                  std::string("2026-03-01"),
                  std::string("2026-03-31")},
        PromoCode{"FLYER", {}, std::string("Flyer bonus"), 0, 0, {}, {}},
    };
    Fixture f(c);
    const auto a = f.enroll("13800001613");
    const auto b = f.enroll("13800001614");
    const auto d = f.enroll("13800001615");
    SaleRequest s;
    s.program = f.program;
    s.member = a;
    s.receipt = "PC1";
    s.lines = {line("TS-1", "apparel", 1, 20000)};
    s.promo_codes = {"spring15"};  // typed in lower case
    auto q = f.engine->sales().quote(s);
    REQUIRE(q.ok());
    CHECK(q->coupon_value == Money{3000});
    CHECK(q->earn.points == 170);  // the 30.00 off earns nothing
    // The flyer's extra counts only with its code.
    CHECK(f.sell(a, "PC0", {line("TS-1", "apparel", 1, 20000)}).earned == 200);
    REQUIRE(f.engine->sales().commit(s).ok());
    // Once per member; a replay of the same receipt is not a second use.
    CHECK(f.engine->sales().commit(s)->replayed);
    s.receipt = "PC2";
    auto again = f.engine->sales().commit(s);
    REQUIRE_FALSE(again.ok());
    CHECK(again.error().message.find("used it up") != std::string::npos);
    s.member = b;
    REQUIRE(f.engine->sales().commit(s).ok());
    // Two uses in all.
    s.member = d;
    s.receipt = "PC3";
    auto used_up = f.engine->sales().commit(s);
    REQUIRE_FALSE(used_up.ok());
    CHECK(used_up.error().message == "promo code SPRING15 is used up (2 uses)");

    s.promo_codes = {"FLYER"};
    s.receipt = "PC4";
    auto flyer = f.engine->sales().commit(s);
    REQUIRE(flyer.ok());
    CHECK(flyer->earned == 250);
    CHECK(flyer->earn_summary.find("Flyer bonus +50") != std::string::npos);
    s.promo_codes = {"NOPE"};
    s.receipt = "PC5";
    CHECK(f.engine->sales().commit(s).error().code == Errc::not_found);
    // Outside its dates.
    f.advance_days(30);  // 2026-04-09
    s.member = f.enroll("13800001616");
    s.promo_codes = {"SPRING15"};
    CHECK(f.engine->sales().quote(s).error().code == Errc::expired);
}

TEST_CASE(
    "one benefit other than an amount off per order; whole-order benefits skip what earns "
    "nothing") {
    auto c = test_program();
    c.rewards.push_back(reward("OFF-10", {{"kind", "percent"}, {"percent_off", 10}}));
    c.rewards.push_back(reward("SOCKS", {{"kind", "gift"}, {"gift_sku", "SK-1"}}));
    Fixture f(c);
    const auto m = rich_member(f, "13800001618");
    auto a = f.engine->rewards().redeem(m, "OFF-10", "r1");
    auto b = f.engine->rewards().redeem(m, "OFF-10", "r2");
    auto g = f.engine->rewards().redeem(m, "SOCKS", "r3");
    auto cash = f.engine->rewards().redeem(m, "CPN-20", "r4");
    REQUIRE((a.ok() && b.ok() && g.ok() && cash.ok()));
    const std::vector<BasketLine> lines{line("SK-1", "apparel", 1, 3900),
                                        line("TS-1", "apparel", 1, 20000)};
    auto twice = quote_error(f, m, lines, {a->code, b->code});
    CHECK(twice.code == Errc::invalid_argument);
    CHECK(twice.message.find("cannot be combined") != std::string::npos);
    CHECK(quote_error(f, m, lines, {a->code, g->code}).code == Errc::invalid_argument);
    // An amount coupon goes with either: 10% of 239.00 = 23.90, plus 20.00.
    CHECK(quote(f, m, lines, {a->code, cash->code}).coupon_value == Money{4390});
    // 9折 on the whole order leaves the gift card (earns no points in this program) at face value.
    CHECK(quote(f, m, {line("TS-1", "apparel", 1, 20000), line("GC-100", "gift-card", 1, 100000)},
                {a->code})
              .coupon_value == Money{2000});
}

TEST_CASE("under \"highest\" a multiplier below x1 still reduces its line") {
    auto c = test_program();
    c.earning.multiplier_mode = MultiplierMode::highest;
    c.earning.multipliers.push_back(LineMultiplier{std::string("clearance"), {}, 50});
    Fixture f(c);
    const auto m = f.enroll("13800001619", 3);  // birthday month x2
    auto q = quote(f, m, {line("CL-1", "clearance", 1, 10000), line("TS-1", "apparel", 1, 10000)});
    // clearance 100.00 x0.5 = 50, apparel 100.00 x2 = 200.
    CHECK(q.earn.points == 250);
}

TEST_CASE(
    "a cancelled reward coupon puts its unit back in stock and its points in their own lots") {
    auto c = test_program();
    c.rewards[2].stock = 1;  // GIFT-BAG
    Fixture f(c);
    const auto m = rich_member(f, "13800001620", 5000);
    auto bag = f.engine->rewards().redeem(m, "GIFT-BAG", "r1");
    REQUIRE(bag.ok());
    CHECK(f.engine->rewards().redeem(m, "GIFT-BAG", "r2").error().code == Errc::limit_exceeded);
    REQUIRE(f.engine->rewards().cancel({bag->code, "wrong colour", "mgr-li"}).ok());
    CHECK(f.engine->rewards().redeem(m, "GIFT-BAG", "r3").ok());
    // The points went back to the lot they came from: no new lot with a fresh expiry.
    const auto history = f.engine->ledger().history(m);
    CHECK(std::none_of(history.begin(), history.end(), [](const LedgerEntry& e) {
        return e.kind == LedgerKind::adjust && e.reason.find("cancelled") != std::string::npos;
    }));
    f.require_balances_agree();
}

TEST_CASE("a birthday gift must be an amount-off reward") {
    auto t = json::parse(program_config_to_json(test_program()));
    for (auto& r : t["rewards"])
        if (r["code"] == "BDAY-GOLD") {
            r["kind"] = "percent";
            r["percent_off"] = 10;
        }
    auto refused = parse_program_config_json(t.dump());
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().message.find("must be an amount-off reward") != std::string::npos);
}
