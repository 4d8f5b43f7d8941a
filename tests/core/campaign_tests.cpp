// Campaigns: the worked scenarios of issue 7, on a real database with a manual clock.
#include <doctest/doctest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "test_support.hpp"

using namespace loyalty;
using namespace loyalty::test;
using nlohmann::json;

namespace {

// A campaign document for the test program holding the given campaigns.
std::string document(std::initializer_list<json> campaigns) {
    json list = json::array();
    for (const auto& c : campaigns) list.push_back(c);
    return json{{"schema", 1}, {"program", "TEST"}, {"campaigns", list}}.dump();
}

CampaignLoadReport load(Fixture& f, std::initializer_list<json> campaigns) {
    auto r = f.engine->campaigns().load(document(campaigns), "mgr-li");
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
    for (const auto& refusal : r->refused)
        MESSAGE("refused ", refusal.campaign, ": ", refusal.reason);
    return r.value();
}

json shoes_campaign(int version = 1, int points = 200) {
    return json{
        {"code", "shoes-500"},
        {"version", version},
        {"name", "Shoes: spend 500, get 200 points"},
        {"trigger", {{"type", "purchase"}, {"min_spend_minor", 50000}, {"categories", {"shoes"}}}},
        {"actions", {{{"type", "bonus_points"}, {"points", points}}}},
        {"limits", {{"once_per_member", true}}}};
}

ProgramConfig plain_program() {
    auto c = test_program();
    c.earning.birthday_month_percent =
        100;  // campaigns, not the program, double birthday points here
    c.earning.multipliers.clear();
    return c;
}

Points bonus_entries(Fixture& f, MemberId m) {
    Points total = 0;
    for (const auto& e : f.engine->ledger().history(m))
        if (e.kind == LedgerKind::bonus) total += e.available_delta + e.pending_delta;
    return total;
}

MemberId enroll_without_consent(Fixture& f, const std::string& phone) {
    EnrollRequest r;
    r.program = f.program;
    r.phone = phone;
    r.consent_privacy = true;
    r.consent_marketing = false;
    auto e = f.engine->members().enroll(r);
    REQUIRE(e.ok());
    return e->member.id;
}

}  // namespace

TEST_CASE(
    "spend 500 in shoes earns 200 bonus points once per member, recorded as a ledger entry of the "
    "campaign") {
    Fixture f(plain_program());
    auto loaded = load(f, {shoes_campaign()});
    CHECK(loaded.installed == std::vector<std::string>{"shoes-500@1"});
    const auto m = f.enroll("13800000100");

    auto small =
        f.sell(m, "R1", {line("SH-1", "shoes", 1, 49999), line("TS-1", "apparel", 1, 90000)});
    CHECK(small.campaign_points == 0);  // 1,399.99 spent, but only 499.99 of it on shoes

    auto big = f.sell(m, "R2", {line("SH-1", "shoes", 2, 25000)});
    CHECK(big.campaign_points == 200);
    CHECK(bonus_entries(f, m) == 200);
    const auto history = f.engine->ledger().history(m);
    const auto bonus = std::find_if(history.begin(), history.end(), [](const LedgerEntry& e) {
        return e.kind == LedgerKind::bonus;
    });
    REQUIRE(bonus != history.end());
    CHECK(bonus->reference == std::optional<std::string>("campaign:shoes-500"));
    CHECK(bonus->idempotency_key.find("shoes-500") != std::string::npos);
    CHECK(bonus->pending_delta ==
          200);  // held through the return window like the sale's own points

    auto again = f.sell(m, "R3", {line("SH-2", "shoes", 1, 80000)});
    CHECK(again.campaign_points == 0);
    CHECK(bonus_entries(f, m) == 200);

    // Replaying the same receipt changes nothing.
    SaleRequest replay{"TEST", "", "", "R2", m, {line("SH-1", "shoes", 2, 25000)}, 0, {}};
    auto replayed = f.engine->sales().commit(replay);
    REQUIRE(replayed.ok());
    CHECK(replayed->replayed);
    CHECK(bonus_entries(f, m) == 200);

    const auto other = f.enroll("13800000101");
    CHECK(f.sell(other, "R4", {line("SH-1", "shoes", 1, 50000)}).campaign_points == 200);

    auto report = f.engine->campaigns().report("TEST");
    REQUIRE(report.ok());
    REQUIRE(report->size() == 1);
    CHECK(report->at(0).firings == 2);
    CHECK(report->at(0).members_reached == 2);
    CHECK(report->at(0).points_spent == 400);
    CHECK(report->at(0).sales_after == 0);  // R3 was in the same second as R2
    f.advance_days(1);
    f.sell(m, "R5", {line("TS-1", "apparel", 1, 10000)});
    report = f.engine->campaigns().report("TEST");
    CHECK(report->at(0).sales_after == 1);
    CHECK(report->at(0).sales_after_net == Money{10000});
    f.require_balances_agree();
}

TEST_CASE("a birthday-month campaign doubles the points of purchases in the birthday month only") {
    Fixture f(plain_program());
    load(f, {json{{"code", "bday-double"},
                  {"version", 1},
                  {"trigger", {{"type", "purchase"}, {"in_birthday_month", true}}},
                  {"actions", {{{"type", "bonus_points"}, {"percent_of_earned", 100}}}},
                  {"limits", {{"per_member", {{"count", 10}, {"period_days", 31}}}}}}});
    const auto march = f.enroll("13800000110", 3);  // the test clock stands in March
    const auto june = f.enroll("13800000111", 6);
    auto a = f.sell(march, "B1", {line("TS-1", "apparel", 1, 12300)});
    CHECK(a.earned == 123);
    CHECK(a.campaign_points == 123);
    auto b = f.sell(june, "B2", {line("TS-1", "apparel", 1, 12300)});
    CHECK(b.earned == 123);
    CHECK(b.campaign_points == 0);
    CHECK(f.balance(march).pending == 246);
    f.require_balances_agree();
}

TEST_CASE("a win-back coupon after 90 days away goes to Gold members only") {
    Fixture f(plain_program());
    load(f, {json{{"code", "winback-gold"},
                  {"version", 1},
                  {"trigger", {{"type", "visit_after_absence"}, {"days", 90}}},
                  {"filter", {{"tiers", {"gold"}}}},
                  {"actions",
                   {{{"type", "coupon"},
                     {"title", "Welcome back 50"},
                     {"value_minor", 5000},
                     {"valid_days", 30}},
                    {{"type", "receipt_line"},
                     {"text", "Welcome back! A 50 CNY coupon is waiting for you."}}}}}});
    const auto gold = f.enroll("13800000120");
    const auto silver = f.enroll("13800000121");
    auto first = f.sell(gold, "W1", {line("TS-1", "apparel", 1, 600000)});  // qualifies for gold
    REQUIRE(first.tier == "gold");
    f.sell(silver, "W2", {line("TS-1", "apparel", 1, 10000)});

    f.advance_days(60);
    CHECK(f.sell(gold, "W3", {line("TS-1", "apparel", 1, 1000)})
              .receipt_lines.empty());  // 60 days: too soon
    f.advance_days(91);
    auto back = f.sell(gold, "W4", {line("TS-1", "apparel", 1, 1000)});
    CHECK(back.receipt_lines ==
          std::vector<std::string>{"Welcome back! A 50 CNY coupon is waiting for you."});
    auto silver_back = f.sell(silver, "W5", {line("TS-1", "apparel", 1, 1000)});
    CHECK(silver_back.receipt_lines.empty());

    const auto coupons = f.engine->rewards().coupons_of(gold, true);
    REQUIRE(coupons.size() == 1);
    CHECK(coupons[0].source == "campaign:winback-gold");
    CHECK(coupons[0].value == Money{5000});
    CHECK(f.engine->rewards().coupons_of(silver, false).empty());

    f.sell(gold, "W6", {line("TS-1", "apparel", 1, 20000)}, 0, {coupons[0].code});
    auto report = f.engine->campaigns().report("TEST");
    REQUIRE(report.ok());
    CHECK(report->at(0).coupons_issued == 1);
    CHECK(report->at(0).coupons_used == 1);
}

TEST_CASE("a points budget runs out mid-day and later shoppers get nothing more") {
    Fixture f(plain_program());
    auto c = shoes_campaign();
    c["code"] = "shoes-budget";
    c["limits"] = {{"once_per_member", true}, {"budget_points", 500}};
    load(f, {c});
    std::vector<Points> awarded;
    for (int i = 0; i < 4; ++i) {
        const auto m = f.enroll("1380000013" + std::to_string(i));
        f.clock.advance(std::chrono::hours{1});
        awarded.push_back(
            f.sell(m, "BG" + std::to_string(i), {line("SH-1", "shoes", 1, 60000)}).campaign_points);
    }
    CHECK(awarded == std::vector<Points>{200, 200, 0, 0});  // a third 200 would pass the 500 budget
    auto report = f.engine->campaigns().report("TEST");
    REQUIRE(report.ok());
    CHECK(report->at(0).points_spent == 400);
    CHECK(report->at(0).budget_points_left == std::optional<Points>(100));
}

TEST_CASE("of two overlapping campaigns an exclusive one of higher priority fires alone") {
    Fixture f(plain_program());
    auto base = shoes_campaign();
    base["code"] = "shoes-a";
    base["priority"] = 1;
    auto exclusive = shoes_campaign(1, 500);
    exclusive["code"] = "shoes-vip";
    exclusive["priority"] = 5;
    exclusive["exclusive"] = true;
    exclusive["filter"] = {{"tags_any", {"vip"}}};
    load(f, {base, exclusive});
    const auto vip = f.enroll("13800000140");
    REQUIRE(f.engine->insight().add_tag(vip, "vip", "mgr").ok());
    const auto regular = f.enroll("13800000141");
    CHECK(f.sell(vip, "X1", {line("SH-1", "shoes", 1, 60000)}).campaign_points == 500);
    CHECK(f.sell(regular, "X2", {line("SH-1", "shoes", 1, 60000)}).campaign_points == 200);

    // A lower-priority exclusive campaign yields to one that already fired.
    auto low = shoes_campaign(1, 50);
    low["code"] = "shoes-low-excl";
    low["priority"] = 0;
    low["exclusive"] = true;
    load(f, {low});
    const auto third = f.enroll("13800000142");
    CampaignEvent preview;
    preview.trigger = CampaignTrigger::purchase;
    preview.member = third;
    preview.reference = "preview";
    preview.net = Money{60000};
    preview.lines = {CampaignLine{"SH-1", "shoes", Money{60000}}};
    CHECK(f.engine->campaigns().matching("TEST", preview) == std::vector<std::string>{"shoes-a"});
    CHECK(f.sell(third, "X3", {line("SH-1", "shoes", 1, 60000)}).campaign_points == 200);
}

TEST_CASE("a malformed definition is refused with its reason while the old version keeps running") {
    Fixture f(plain_program());
    load(f, {shoes_campaign(1, 200)});

    auto broken = shoes_campaign(2, 300);
    broken["actions"] = {{{"type", "bonus_points"}, {"points", "lots"}}};
    auto r = load(f, {broken});
    REQUIRE(r.refused.size() == 1);
    CHECK(r.refused[0].campaign == "shoes-500");
    CHECK(r.refused[0].reason.find("'points' must be a whole number") != std::string::npos);

    auto unknown_tier = shoes_campaign(2, 300);
    unknown_tier["filter"] = {{"tiers", {"diamond"}}};
    r = load(f, {unknown_tier});
    REQUIRE(r.refused.size() == 1);
    CHECK(r.refused[0].reason.find("no tier 'diamond'") != std::string::npos);

    auto older = shoes_campaign(1, 999);
    r = load(f, {older});
    REQUIRE(r.refused.size() == 1);
    CHECK(r.refused[0].reason.find("already loaded with other content") != std::string::npos);

    auto whole = f.engine->campaigns().load(
        "{\"schema\": 9, \"program\": \"TEST\", \"campaigns\": []}", "hub");
    REQUIRE_FALSE(whole.ok());
    CHECK(whole.error().message.find("schema 9 is not supported") != std::string::npos);
    CHECK_FALSE(f.engine->campaigns().load("{not json", "hub").ok());

    CHECK(f.engine->campaigns().active("TEST") == std::vector<std::string>{"shoes-500@1"});
    const auto m = f.enroll("13800000150");
    CHECK(f.sell(m, "M1", {line("SH-1", "shoes", 1, 60000)}).campaign_points == 200);

    // A valid newer version replaces it.
    load(f, {shoes_campaign(3, 300)});
    CHECK(f.engine->campaigns().active("TEST") == std::vector<std::string>{"shoes-500@3"});
    const auto n = f.enroll("13800000151");
    CHECK(f.sell(n, "M2", {line("SH-1", "shoes", 1, 60000)}).campaign_points == 300);
}

TEST_CASE("a member without marketing consent gets nothing from any campaign") {
    Fixture f(plain_program());
    load(f, {shoes_campaign(), json{{"code", "welcome"},
                                    {"version", 1},
                                    {"trigger", {{"type", "enrollment"}}},
                                    {"actions",
                                     {{{"type", "kiosk_message"}, {"text", "Welcome!"}},
                                      {{"type", "add_tag"}, {"tag", "new"}}}}}});
    const auto quiet = enroll_without_consent(f, "13800000160");
    CHECK(f.sell(quiet, "N1", {line("SH-1", "shoes", 1, 60000)}).campaign_points == 0);
    CHECK(f.engine->campaigns().kiosk_messages(quiet, false).empty());
    CHECK(f.engine->insight().tags(quiet).empty());
    CHECK(bonus_entries(f, quiet) == 0);

    const auto keen = f.enroll("13800000161");
    CHECK(f.engine->insight().tags(keen) == std::set<std::string>{"new"});
    auto messages = f.engine->campaigns().kiosk_messages(keen, true);
    REQUIRE(messages.size() == 1);
    CHECK(messages[0].text == "Welcome!");
    CHECK(f.engine->campaigns().kiosk_messages(keen, false).empty());  // shown once
}

TEST_CASE(
    "a refund takes back a purchase campaign's bonus in proportion, and the report counts it") {
    Fixture f(plain_program());
    load(f, {shoes_campaign()});
    const auto m = f.enroll("13800000170");
    auto sale = f.sell(m, "F1", {line("SH-1", "shoes", 1, 30000), line("SH-2", "shoes", 1, 30000)});
    REQUIRE(sale.campaign_points == 200);
    RefundRequest half{"TEST", "", "", "F1", "slip-1", {RefundLine{1, 1}}};
    auto r = f.engine->sales().refund(half);
    REQUIRE(r.ok());
    CHECK(r->campaign_reversed == 100);
    RefundRequest rest{"TEST", "", "", "F1", "slip-2", {}};
    r = f.engine->sales().refund(rest);
    REQUIRE(r.ok());
    CHECK(r->campaign_reversed == 100);
    CHECK(f.balance(m).pending == 0);
    CHECK(f.balance(m).available == 0);
    auto again = f.engine->sales().refund(rest);  // the same slip again: nothing more
    REQUIRE(again.ok());
    CHECK(again->replayed);
    auto report = f.engine->campaigns().report("TEST");
    REQUIRE(report.ok());
    CHECK(report->at(0).firings == 1);
    CHECK(report->at(0).points_spent == 0);
    f.require_balances_agree();
}

TEST_CASE(
    "offers fired by one sale share one bonus entry, and a refund takes back each offer's share") {
    Fixture f(plain_program());
    auto tens = shoes_campaign(1, 30);
    tens["code"] = "shoes-tens";
    tens["name"] = "Shoes: 30 more points";
    load(f, {shoes_campaign(), tens});
    const auto m = f.enroll("13800000175");
    auto sale = f.sell(m, "F2", {line("SH-1", "shoes", 1, 30000), line("SH-2", "shoes", 1, 30000)});
    REQUIRE(sale.campaign_points == 230);
    std::vector<LedgerEntry> bonuses;
    for (const auto& e : f.engine->ledger().history(m))
        if (e.kind == LedgerKind::bonus) bonuses.push_back(e);
    REQUIRE(bonuses.size() == 1);
    CHECK(bonuses[0].pending_delta == 230);
    CHECK(bonuses[0].reference.value_or("").find("shoes-500") != std::string::npos);
    CHECK(bonuses[0].reference.value_or("").find("shoes-tens") != std::string::npos);

    RefundRequest half{"TEST", "", "", "F2", "slip-1", {RefundLine{1, 1}}};
    auto r = f.engine->sales().refund(half);
    REQUIRE(r.ok());
    CHECK(r->campaign_reversed == 100 + 15);
    RefundRequest rest{"TEST", "", "", "F2", "slip-2", {}};
    r = f.engine->sales().refund(rest);
    REQUIRE(r.ok());
    CHECK(r->campaign_reversed == 100 + 15);
    CHECK(f.balance(m).pending == 0);
    CHECK(f.balance(m).available == 0);
    auto report = f.engine->campaigns().report("TEST");
    REQUIRE(report.ok());
    REQUIRE(report->size() == 2);
    for (const auto& row : *report) {
        CHECK(row.firings == 1);
        CHECK(row.points_spent == 0);
    }
    f.require_balances_agree();
}

TEST_CASE(
    "claiming a non-member receipt runs the purchase campaigns once, as the till would have") {
    Fixture f(plain_program());
    load(f, {shoes_campaign()});
    const auto m = f.enroll("13800000180");
    SaleRequest anonymous{"TEST", "", "", "K1", std::nullopt, {line("SH-1", "shoes", 1, 60000)},
                          0,      {}};
    auto sold = f.engine->sales().commit(anonymous);
    REQUIRE(sold.ok());
    CHECK(sold->campaign_points == 0);  // nobody to reward yet
    f.advance_days(1);
    auto claimed = f.engine->sales().claim(ClaimRequest{"TEST", "", "", "K1", m});
    REQUIRE(claimed.ok());
    CHECK(claimed->campaign_points == 200);
    CHECK(bonus_entries(f, m) == 200);
    f.require_balances_agree();
}
