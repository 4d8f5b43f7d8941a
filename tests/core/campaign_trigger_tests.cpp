// Campaigns: every trigger, the limits over time, and two processes sharing one file.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "loyalty/storage/engine_storage.hpp"
#include "test_support.hpp"

using namespace loyalty;
using namespace loyalty::test;
using nlohmann::json;

namespace {

void load_one(Engine& engine, const json& campaign) {
    const json doc{{"schema", 1}, {"program", "TEST"}, {"campaigns", json::array({campaign})}};
    auto r = engine.campaigns().load(doc.dump(), "test");
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
    for (const auto& refusal : r->refused)
        FAIL_CHECK("refused ", refusal.campaign, ": ", refusal.reason);
}

json campaign(const std::string& code, json trigger, json actions) {
    return json{{"code", code},
                {"version", 1},
                {"trigger", std::move(trigger)},
                {"actions", std::move(actions)}};
}

json bonus(Points points) {
    return json::array({{{"type", "bonus_points"}, {"points", points}}});
}

Points bonus_points(Fixture& f, MemberId m) {
    Points total = 0;
    for (const auto& e : f.engine->ledger().history(m))
        if (e.kind == LedgerKind::bonus) total += e.available_delta + e.pending_delta;
    return total;
}

std::int64_t outbox_events(Fixture& f, const std::string& type) {
    std::int64_t n = 0;
    for (const auto& e : f.engine->outbox().pending(f.engine->origin().store,
                                                    f.engine->origin().terminal, 0, 100000))
        n += e.type == type;
    return n;
}

}  // namespace

TEST_CASE("the demo campaign file loads without a refusal") {
    Fixture f;
    std::ifstream in(std::filesystem::path(LOYALTY_SOURCE_DIR) /
                     "assets/config/demo-campaigns.json");
    std::stringstream text;
    text << in.rdbuf();
    auto doc = json::parse(text.str());
    doc["program"] = "TEST";
    auto r = f.engine->campaigns().load(doc.dump(), "test");
    REQUIRE(r.ok());
    for (const auto& refusal : r->refused) FAIL_CHECK(refusal.campaign, ": ", refusal.reason);
    CHECK(r->installed.size() == doc["campaigns"].size());
}

TEST_CASE(
    "enrollment, a physical card, a tier upgrade and a rating each fire their campaign once") {
    Fixture f;
    load_one(*f.engine,
             campaign("welcome", {{"type", "enrollment"}},
                      json::array(
                          {{{"type", "receipt_line"}, {"text", "Welcome gift inside"}},
                           {{"type", "hub_event"}, {"channel", "sms"}, {"template", "welcome"}}})));
    load_one(*f.engine, campaign("card", {{"type", "card_linked"}}, bonus(100)));
    load_one(*f.engine,
             campaign("gold", {{"type", "tier_upgraded"}, {"tiers", {"gold"}}}, bonus(500)));
    load_one(*f.engine,
             campaign("thanks", {{"type", "rating_given"}, {"min_score", 4}}, bonus(20)));

    const auto m = f.enroll("13800000200");
    CHECK(outbox_events(f, "campaign.message") == 1);
    // A receipt line from away from the till prints on the next receipt, once.
    auto first = f.sell(m, "E1", {line("TS-1", "apparel", 1, 1000)});
    CHECK(first.receipt_lines == std::vector<std::string>{"Welcome gift inside"});
    CHECK(f.sell(m, "E2", {line("TS-1", "apparel", 1, 1000)}).receipt_lines.empty());

    REQUIRE(f.engine->cards()
                .issue(m, CardForm::physical, "6200000000000001", std::nullopt, "clerk")
                .ok());
    CHECK(bonus_points(f, m) == 100);
    REQUIRE(f.engine->cards()
                .issue(m, CardForm::physical, "6200000000000002", std::nullopt, "clerk")
                .ok());
    CHECK(bonus_points(f, m) == 200);  // no limit set: each card counts

    auto upgrade = f.sell(m, "E3", {line("TS-1", "apparel", 1, 600000)});
    REQUIRE(upgrade.tier_change.has_value());
    CHECK(bonus_points(f, m) == 700);

    auto low = f.engine->ratings().record(f.program, m, 2);
    REQUIRE(low.ok());
    CHECK(low->fired.empty());
    auto high = f.engine->ratings().record(f.program, m, 5);
    REQUIRE(high.ok());
    CHECK(high->bonus_points == 20);
    CHECK_FALSE(f.engine->ratings().record(f.program, m, 6).ok());
    CHECK(bonus_points(f, m) == 720);
    CHECK(outbox_events(f, "campaign.fired") == 5);
    f.require_balances_agree();
}

TEST_CASE("the daily run fires birthday-day and points-expiring campaigns once each") {
    Fixture f;
    load_one(*f.engine,
             campaign("bday", {{"type", "birthday"}, {"on", "day"}},
                      json::array(
                          {{{"type", "coupon"}, {"title", "Birthday 100"}, {"value_minor", 10000}},
                           {{"type", "kiosk_message"}, {"text", "Happy birthday"}}})));
    load_one(*f.engine,
             campaign("expiring",
                      {{"type", "points_expiring"}, {"days_before", 30}, {"min_points", 100}},
                      json::array({{{"type", "kiosk_message"}, {"text", "Points expire soon"}}})));
    EnrollRequest r;
    r.program = f.program;
    r.phone = "13800000210";
    r.birthday_month = 3;
    r.birthday_day = 12;  // the test clock stands on 10 March
    r.consent_privacy = true;
    r.consent_marketing = true;
    const auto m = f.engine->members().enroll(r)->member.id;
    REQUIRE(f.engine->ledger().adjust(m, 300, "welcome", "mgr", "adj-1").ok());

    auto day = f.engine->run_daily(f.clock.now());
    REQUIRE(day.ok());
    CHECK(day->campaign_firings == 0);
    f.advance_days(2);  // 12 March
    day = f.engine->run_daily(f.clock.now());
    REQUIRE(day.ok());
    CHECK(day->campaign_firings == 1);
    CHECK(f.engine->rewards().coupons_of(m, true).size() == 1);
    CHECK(f.engine->run_daily(f.clock.now())->campaign_firings ==
          0);  // same day again: nothing twice

    // Adjusted points expire at the end of the month expiry_months on: walk to 25 days before.
    const auto expiry = f.engine->ledger().expiry_for("TEST", f.clock.now());
    f.clock.set(expiry - Days{25});  // 7 March 2028: not the birthday
    day = f.engine->run_daily(f.clock.now());
    REQUIRE(day.ok());
    CHECK(day->campaign_firings == 1);
    CHECK(f.engine->run_daily(f.clock.now())->campaign_firings == 0);
    auto messages = f.engine->campaigns().kiosk_messages(m, true);
    REQUIRE(messages.size() == 2);
    CHECK(messages[0].text == "Happy birthday");
    CHECK(messages[1].text == "Points expire soon");
}

TEST_CASE("each points-expiring campaign looks only as far ahead as its own days_before") {
    Fixture f;
    load_one(*f.engine, campaign("month-ahead", {{"type", "points_expiring"}, {"days_before", 30}},
                                 json::array({{{"type", "kiosk_message"}, {"text", "30 days"}}})));
    load_one(*f.engine, campaign("ten-days", {{"type", "points_expiring"}, {"days_before", 10}},
                                 json::array({{{"type", "kiosk_message"}, {"text", "10 days"}}})));
    const auto m = f.enroll("13800000215");
    REQUIRE(f.engine->ledger().adjust(m, 300, "welcome", "mgr", "adj-1").ok());
    const auto expiry = f.engine->ledger().expiry_for("TEST", f.clock.now());
    const auto texts = [&] {
        std::vector<std::string> out;
        for (const auto& msg : f.engine->campaigns().kiosk_messages(m, true))
            out.push_back(msg.text);
        return out;
    };
    f.clock.set(expiry - Days{25});  // inside 30 days, not inside 10
    auto day = f.engine->run_daily(f.clock.now());
    REQUIRE(day.ok());
    CHECK(day->campaign_firings == 1);
    CHECK(texts() == std::vector<std::string>{"30 days"});
    f.clock.set(expiry - Days{5});
    day = f.engine->run_daily(f.clock.now());
    REQUIRE(day.ok());
    CHECK(day->campaign_firings == 1);
    CHECK(texts() == std::vector<std::string>{"10 days"});
    CHECK(f.engine->run_daily(f.clock.now())->campaign_firings == 0);
}

TEST_CASE("a coupon-expiring campaign fires once per unused coupon, inside its own days_before") {
    Fixture f;
    load_one(*f.engine, campaign("coupon-week", {{"type", "coupon_expiring"}, {"days_before", 7}},
                                 json::array({{{"type", "kiosk_message"}, {"text", "7 days"}}})));
    load_one(*f.engine, campaign("coupon-20", {{"type", "coupon_expiring"}, {"days_before", 20}},
                                 json::array({{{"type", "kiosk_message"}, {"text", "20 days"}}})));
    const auto m = f.enroll("13800000216");
    REQUIRE(f.engine->ledger().adjust(m, 5000, "welcome", "mgr", "adj-1").ok());
    const auto kept = f.engine->rewards().redeem(m, "CPN-20", "r1");  // 30 days
    const auto used = f.engine->rewards().redeem(m, "CPN-20", "r2");
    REQUIRE(kept.ok());
    REQUIRE(used.ok());
    f.sell(m, "C1", {line("TS-1", "apparel", 1, 10000)}, 0, {used->code});
    const auto texts = [&] {
        std::vector<std::string> out;
        for (const auto& msg : f.engine->campaigns().kiosk_messages(m, true))
            out.push_back(msg.text);
        return out;
    };
    CHECK(f.engine->run_daily(f.clock.now())->campaign_firings == 0);
    f.advance_days(12);  // the unused coupon expires in 18 days
    CHECK(f.engine->run_daily(f.clock.now())->campaign_firings == 1);
    CHECK(texts() == std::vector<std::string>{"20 days"});
    f.advance_days(12);  // in 6 days
    CHECK(f.engine->run_daily(f.clock.now())->campaign_firings == 1);
    CHECK(texts() == std::vector<std::string>{"7 days"});
    f.advance_days(3);
    CHECK(f.engine->run_daily(f.clock.now())->campaign_firings == 0);
    const auto report = f.engine->campaigns().report("TEST");
    REQUIRE(report.ok());
    for (const auto& r : *report) CHECK(r.firings == 1);
}

TEST_CASE("a tier-expiring campaign warns a member the review will move down, once a period") {
    Fixture f;
    load_one(*f.engine,
             campaign("tier-fortnight", {{"type", "tier_expiring"}, {"days_before", 14}},
                      json::array({{{"type", "kiosk_message"}, {"text", "Keep your tier"}}})));
    const auto lapsing = f.enroll("13800000217");
    const auto loyal = f.enroll("13800000218");
    f.sell(lapsing, "L1", {line("TS-1", "apparel", 1, 600000)});
    f.sell(loyal, "K1", {line("TS-1", "apparel", 1, 600000)});
    const auto review = f.engine->members().get(lapsing)->tier_review_at;
    f.clock.set(review - Days{20});
    f.sell(loyal, "K2", {line("TS-1", "apparel", 1, 600000)});  // still qualifies at the review
    CHECK(f.engine->run_daily(f.clock.now())->campaign_firings == 0);
    // Grace runs 30 days after the review: the move down is 44 days off, then 30, then 14.
    f.clock.set(review - Days{14});
    CHECK(f.engine->run_daily(f.clock.now())->campaign_firings == 0);
    f.clock.set(review + Days{1});
    auto day = f.engine->run_daily(f.clock.now());
    REQUIRE(day.ok());
    CHECK(day->tiers.entered_grace == 1);
    CHECK(day->campaign_firings == 0);
    f.clock.set(review + Days{16});
    CHECK(f.engine->run_daily(f.clock.now())->campaign_firings == 1);
    CHECK(f.engine->run_daily(f.clock.now())->campaign_firings == 0);
    f.advance_days(5);
    CHECK(f.engine->run_daily(f.clock.now())->campaign_firings == 0);
    const auto messages = f.engine->campaigns().kiosk_messages(lapsing, true);
    REQUIRE(messages.size() == 1);
    CHECK(messages[0].text == "Keep your tier");
    CHECK(f.engine->campaigns().kiosk_messages(loyal, true).empty());
}

TEST_CASE("expiry triggers take only days_before, 1 to 366") {
    Fixture f;
    for (const auto* type : {"coupon_expiring", "tier_expiring"}) {
        const json doc{
            {"schema", 1},
            {"program", "TEST"},
            {"campaigns",
             json::array({campaign("bad", {{"type", type}, {"days_before", 0}}, bonus(1)),
                          campaign("odd", {{"type", type}, {"min_points", 5}}, bonus(1))})}};
        auto r = f.engine->campaigns().load(doc.dump(), "test");
        REQUIRE(r.ok());
        CHECK(r->refused.size() == 2);
    }
}

TEST_CASE("N per member per period and active dates bound a campaign in time") {
    Fixture f;
    auto c = campaign("weekly", {{"type", "purchase"}}, bonus(10));
    c["limits"] = {{"per_member", {{"count", 2}, {"period_days", 7}}}};
    c["active_from"] = "2026-03-10";
    c["active_until"] = "2026-03-31";
    load_one(*f.engine, c);
    const auto m = f.enroll("13800000220");
    std::vector<Points> got;
    for (int i = 0; i < 4; ++i) {
        f.clock.advance(std::chrono::hours{1});
        got.push_back(
            f.sell(m, "P" + std::to_string(i), {line("TS-1", "apparel", 1, 5000)}).campaign_points);
    }
    CHECK(got == std::vector<Points>{10, 10, 0, 0});
    f.advance_days(8);
    CHECK(f.sell(m, "P5", {line("TS-1", "apparel", 1, 5000)}).campaign_points == 10);
    f.advance_days(20);  // 7 April: the campaign has ended
    CHECK(f.sell(m, "P6", {line("TS-1", "apparel", 1, 5000)}).campaign_points == 0);
}

TEST_CASE(
    "a campaign loaded by one process is in force at the next sale of another sharing the file") {
    Fixture f;
    const auto m = f.enroll("13800000230");
    auto other =
        Engine::open(f.dir.path() / "store.db", f.clock, EngineOptions{Origin{"S001", "T02"}, {}});
    REQUIRE(other.ok());
    SaleRequest s{"TEST", "", "T02", "Q1", m, {line("TS-1", "apparel", 1, 5000)}, 0, {}};
    CHECK((*other)->sales().commit(s)->campaign_points == 0);  // compiles its (empty) set
    load_one(*f.engine, campaign("now", {{"type", "purchase"}}, bonus(15)));
    s.receipt = "Q2";
    CHECK((*other)->sales().commit(s)->campaign_points == 15);
    // Disabling in a new version ends it everywhere too.
    auto off = campaign("now", {{"type", "purchase"}}, bonus(15));
    off["version"] = 2;
    off["enabled"] = false;
    load_one(*f.engine, off);
    s.receipt = "Q3";
    CHECK((*other)->sales().commit(s)->campaign_points == 0);
}

TEST_CASE("a campaign naming an unknown reward, segment or trigger is refused with that reason") {
    Fixture f;
    auto refused = [&](const json& c) {
        const json doc{{"schema", 1}, {"program", "TEST"}, {"campaigns", json::array({c})}};
        auto r = f.engine->campaigns().load(doc.dump(), "test");
        REQUIRE(r.ok());
        REQUIRE(r->refused.size() == 1);
        return r->refused[0].reason;
    };
    CHECK(refused(campaign("a", {{"type", "purchase"}},
                           json::array({{{"type", "coupon"}, {"reward", "NOPE"}}})))
              .find("no reward 'NOPE'") != std::string::npos);
    auto seg = campaign("b", {{"type", "purchase"}}, bonus(1));
    seg["filter"] = {{"segment", "nobody"}};
    CHECK(refused(seg).find("no saved segment 'nobody'") != std::string::npos);
    CHECK(refused(campaign("c", {{"type", "moon_phase"}}, bonus(1)))
              .find("unknown type 'moon_phase'") != std::string::npos);
    auto typo = campaign("d", {{"type", "purchase"}}, bonus(1));
    typo["limit"] = {{"once_per_member", true}};
    CHECK(refused(typo).find("unknown field 'limit'") != std::string::npos);
    CHECK(f.engine->campaigns().active("TEST").empty());

    // A saved segment is resolved when the campaign is compiled.
    MemberFilter vip;
    vip.tags_any = {"vip"};
    REQUIRE(f.engine->insight().save_segment("TEST", "vip", vip).ok());
    seg["filter"] = {{"segment", "vip"}};
    load_one(*f.engine, seg);
    const auto plain = f.enroll("13800000240");
    const auto tagged = f.enroll("13800000241");
    REQUIRE(f.engine->insight().add_tag(tagged, "vip", "mgr").ok());
    CHECK(f.sell(plain, "S1", {line("TS-1", "apparel", 1, 5000)}).campaign_points == 0);
    CHECK(f.sell(tagged, "S2", {line("TS-1", "apparel", 1, 5000)}).campaign_points == 1);
}

TEST_CASE("after a merge the survivor carries the absorbed account's once-per-member firings") {
    Fixture f;
    auto c = campaign("once", {{"type", "purchase"}}, bonus(50));
    c["limits"] = {{"once_per_member", true}};
    load_one(*f.engine, c);
    const auto app = f.enroll("13800000250");
    const auto counter = f.enroll("13800000251");
    CHECK(f.sell(app, "G1", {line("TS-1", "apparel", 1, 5000)}).campaign_points == 50);
    REQUIRE(f.engine->members().merge(counter, app, "same person", "mgr").ok());
    CHECK(f.sell(counter, "G2", {line("TS-1", "apparel", 1, 5000)}).campaign_points == 0);
    f.require_balances_agree();
}

TEST_CASE("a campaign file may be TOML, and a TOML mistake names its line") {
    Fixture f;
    const auto path = f.dir.path() / "campaigns.toml";
    {
        std::ofstream out(path);
        out << "schema = 1\nprogram = \"TEST\"\n\n[[campaigns]]\ncode = \"toml-10\"\nversion = 1\n"
               "active_from = \"2026-03-01\"\n"
               "trigger = { type = \"purchase\", min_spend_minor = 10000, categories = "
               "[\"apparel\"] }\n"
               "actions = [ { type = \"bonus_points\", points = 10 } ]\n"
               "limits = { once_per_member = true }\n";
    }
    auto r = f.engine->campaigns().load_file(path, "mgr");
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
    CHECK(r->installed == std::vector<std::string>{"toml-10@1"});
    const auto m = f.enroll("13800000260");
    CHECK(f.sell(m, "T1", {line("TS-1", "apparel", 1, 10000)}).campaign_points == 10);
    {
        std::ofstream out(path);
        out << "schema = 1\nprogram = \"TEST\"\n[[campaigns]]\ncode = \n";
    }
    auto bad = f.engine->campaigns().load_file(path, "mgr");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message.find("campaigns.toml:4") != std::string::npos);
    CHECK(f.engine->campaigns().active("TEST") == std::vector<std::string>{"toml-10@1"});
}

TEST_CASE(
    "a birthday-day campaign waits for the day while a birthday-month one fires on the first run") {
    Fixture f;
    load_one(*f.engine, campaign("bday-day", {{"type", "birthday"}, {"on", "day"}}, bonus(30)));
    load_one(*f.engine, campaign("bday-month", {{"type", "birthday"}, {"on", "month"}}, bonus(7)));
    EnrollRequest r;
    r.program = f.program;
    r.phone = "13800000270";
    r.birthday_month = 3;
    r.birthday_day = 20;
    r.consent_privacy = true;
    r.consent_marketing = true;
    const auto m = f.engine->members().enroll(r)->member.id;
    CHECK(f.engine->run_daily(f.clock.now())->campaign_firings == 1);  // 10 March
    CHECK(bonus_points(f, m) == 7);
    f.advance_days(10);  // 20 March
    CHECK(f.engine->run_daily(f.clock.now())->campaign_firings == 1);
    CHECK(bonus_points(f, m) == 37);
}

TEST_CASE("checking a campaign file reports what loading would do and changes nothing") {
    Fixture f;
    load_one(*f.engine, campaign("kept", {{"type", "purchase"}}, bonus(5)));
    const auto events = f.engine->outbox().backlog();
    auto newer = campaign("kept", {{"type", "purchase"}}, bonus(9));
    newer["version"] = 2;
    auto broken = campaign("broken", {{"type", "purchase"}}, json::array());
    const json doc{{"schema", 1}, {"program", "TEST"}, {"campaigns", json::array({newer, broken})}};
    auto r = f.engine->campaigns().check(doc.dump());
    REQUIRE(r.ok());
    CHECK(r->installed == std::vector<std::string>{"kept@2"});
    REQUIRE(r->refused.size() == 1);
    CHECK(r->refused[0].reason.find("at least one action") != std::string::npos);
    CHECK(f.engine->campaigns().active("TEST") == std::vector<std::string>{"kept@1"});
    CHECK(f.engine->outbox().backlog() == events);
    const auto m = f.enroll("13800000280");
    CHECK(f.sell(m, "C1", {line("TS-1", "apparel", 1, 5000)}).campaign_points == 5);
}

TEST_CASE("the hub hears of a sale's offers as one event listing every campaign that fired") {
    Fixture f;
    load_one(*f.engine, campaign("one", {{"type", "purchase"}}, bonus(1)));
    auto two =
        campaign("two", {{"type", "purchase"}},
                 json::array({{{"type", "hub_event"}, {"channel", "push"}, {"template", "t"}}}));
    two["priority"] = 3;
    load_one(*f.engine, two);
    const auto m = f.enroll("13800000290");
    f.sell(m, "H1", {line("TS-1", "apparel", 1, 5000)});
    std::vector<json> fired;
    for (const auto& e :
         f.engine->outbox().pending(f.engine->origin().store, f.engine->origin().terminal, 0, 1000))
        if (e.type == "campaign.fired") fired.push_back(json::parse(e.payload));
    REQUIRE(fired.size() == 1);
    CHECK(fired[0]["reference"].get<std::string>().rfind("sale:", 0) == 0);
    CHECK(fired[0]["member_uid"].get<std::string>().size() == 36);
    REQUIRE(fired[0]["campaigns"].size() == 2);
    CHECK(fired[0]["campaigns"][0]["campaign"] == "two");  // priority order
    CHECK(fired[0]["campaigns"][1]["points"] == 1);
    CHECK(outbox_events(f, "campaign.message") == 1);
}

TEST_CASE("what a firing writes (its record, its events) is the text nlohmann writes") {
    // The firing path writes these texts directly for speed; the hub and the reports
    // read them as before.
    Fixture f;
    load_one(
        *f.engine,
        campaign("every", {{"type", "purchase"}},
                 json::array({{{"type", "bonus_points"}, {"points", 7}},
                              {{"type", "receipt_line"}, {"text", "Danke \"schön\" \\ 谢谢"}},
                              {{"type", "add_tag"}, {"tag", "promo\t1"}},
                              {{"type", "kiosk_message"}, {"text", "hello"}},
                              {{"type", "hub_event"}, {"channel", "push"}, {"template", "t"}}})));
    const auto m = f.enroll("13800000291");
    f.sell(m, "H2", {line("TS-1", "apparel", 1, 5000)});
    std::map<std::string, int> seen;
    for (const auto& e : f.engine->outbox().pending(f.engine->origin().store,
                                                    f.engine->origin().terminal, 0, 1000)) {
        ++seen[e.type];
        CHECK_MESSAGE(json::parse(e.payload).dump() == e.payload, e.type);
    }
    CHECK(seen["campaign.fired"] == 1);
    CHECK(seen["campaign.message"] == 1);
    CHECK(seen["tag.added"] == 1);
    const auto record =
        engine_database(*f.engine)
            .prepare("SELECT result_json FROM campaign_firings WHERE campaign_code = 'every'")
            .scalar<std::string>();
    REQUIRE(record);
    CHECK(*record == json{{"actions", json::array({{{"bonus_points", 7}},
                                                   {{"receipt_line", "Danke \"schön\" \\ 谢谢"}},
                                                   {{"tag_added", "promo\t1"}},
                                                   {{"kiosk_message", "hello"}},
                                                   {{"hub_event", "push"}}})},
                          {"problems", json::array()}}
                         .dump());
}
