// Insight: the brief's RFM example, filters, segments and tags.
#include <doctest/doctest.h>

#include <algorithm>

#include "loyalty/insight.hpp"
#include "test_support.hpp"

using namespace loyalty;
using namespace loyalty::test;

TEST_CASE("the brief's RFM example scores 84: bought within a month, 4 times, 20,000 yuan") {
    const RfmConfig defaults;
    const auto s = score_rfm(defaults, 25, 4, Money{2'000'000});
    CHECK(s.r == 5);
    CHECK(s.f == 4);
    CHECK(s.m == 4);
    CHECK(s.score == 5 * 4 + 4 * 8 + 4 * 8);
    CHECK(s.score == 84);
}

TEST_CASE("RFM bins: the top scores 100, a lapsed small buyer scores low, a non-buyer scores 0") {
    const RfmConfig c;
    CHECK(score_rfm(c, 1, 10, Money{9'000'000}).score == 100);
    const auto lapsed = score_rfm(c, 400, 1, Money{10000});
    CHECK(lapsed.r == 1);
    CHECK(lapsed.f == 1);
    CHECK(lapsed.m == 1);
    CHECK(lapsed.score == 20);
    CHECK(score_rfm(c, std::nullopt, 0, Money{}).score == 0);
}

TEST_CASE("recomputing RFM from real purchases gives the brief's member 84") {
    auto config = test_program();
    for (auto& level : config.tiers.levels)
        level.discount_percent = 0;  // spend is exactly what was paid
    Fixture f(config);
    const auto m = f.enroll("13800000050");
    // Four purchases over the last year totalling 20,000.00, the last 20 days ago.
    f.clock.set(test_epoch() - Days{300});
    f.sell(m, "F1", {line("TS-1", "apparel", 1, 500000)});
    f.clock.set(test_epoch() - Days{200});
    f.sell(m, "F2", {line("TS-1", "apparel", 1, 500000)});
    f.clock.set(test_epoch() - Days{100});
    f.sell(m, "F3", {line("TS-1", "apparel", 1, 500000)});
    f.clock.set(test_epoch() - Days{20});
    f.sell(m, "F4", {line("TS-1", "apparel", 1, 500000)});
    f.clock.set(test_epoch());
    REQUIRE(f.engine->insight().recompute_rfm("TEST", f.clock.now()).ok());
    const auto member = f.engine->members().get(m);
    CHECK(member->rfm.score == 84);
    CHECK(member->rfm.r == 5);
}

TEST_CASE("filters combine tier, tags, spend, visits, absence, RFM and marketing consent") {
    MemberFacts facts;
    facts.tier = "gold";
    facts.tags = {"shoes-lover", "vip"};
    facts.spend = Money{600000};
    facts.visits = 3;
    facts.days_since_visit = 95;
    facts.rfm_score = 60;
    facts.marketing_consent = true;
    auto filter = parse_member_filter(
        R"({"tiers":["gold","platinum"],"tags_all":["vip"],"tags_none":["staff"],"min_spend_minor":500000,)"
        R"("absent_at_least_days":90,"rfm_min":50,"requires_marketing_consent":true})");
    REQUIRE(filter.ok());
    CHECK(matches(*filter, facts));
    facts.marketing_consent = false;
    CHECK_FALSE(matches(*filter, facts));
    facts.marketing_consent = true;
    facts.tags.insert("staff");
    CHECK_FALSE(matches(*filter, facts));
    facts.tags.erase("staff");
    facts.days_since_visit = 30;
    CHECK_FALSE(matches(*filter, facts));
    CHECK(parse_member_filter(R"({"tier":["gold"]})")
              .error()
              .message.find("unknown condition 'tier'") != std::string::npos);
    CHECK_FALSE(parse_member_filter("[1,2]").ok());
}

TEST_CASE("a saved segment selects the members matching its filter at the time asked") {
    Fixture f;
    const auto big = f.enroll("13800000051");
    const auto small = f.enroll("13800000052");
    f.sell(big, "S1", {line("TS-1", "apparel", 1, 800000)});
    f.sell(small, "S2", {line("TS-1", "apparel", 1, 5000)});
    auto filter = parse_member_filter(R"({"min_spend_minor":100000,"window_days":90})");
    REQUIRE(f.engine->insight().save_segment("TEST", "big-spenders", *filter).ok());
    auto now = f.engine->insight().segment_members("TEST", "big-spenders", f.clock.now());
    REQUIRE(now.ok());
    CHECK(*now == std::vector<MemberId>{big});
    auto later =
        f.engine->insight().segment_members("TEST", "big-spenders", f.clock.now() + Days{91});
    CHECK(later->empty());
    CHECK(f.engine->insight().segment_members("TEST", "nope", f.clock.now()).error().code ==
          Errc::not_found);
}

TEST_CASE("rule tags follow their filter while manual tags stay put") {
    Fixture f;
    const auto a = f.enroll("13800000053");
    const auto b = f.enroll("13800000054");
    REQUIRE(f.engine->insight().add_tag(b, "big", "mgr").ok());  // manual
    f.sell(a, "G1", {line("TS-1", "apparel", 1, 300000)});
    auto rule = parse_member_filter(R"({"min_spend_minor":200000})");
    CHECK(*f.engine->insight().apply_tag_rule("TEST", "big", *rule, f.clock.now()) == 1);
    CHECK(f.engine->insight().tags(a).count("big") == 1);
    CHECK(f.engine->insight().tags(b).count("big") == 1);
    REQUIRE(f.engine->sales().refund(RefundRequest{"TEST", "", "", "G1", "RF", {}}).ok());
    CHECK(*f.engine->insight().apply_tag_rule("TEST", "big", *rule, f.clock.now()) == 0);
    CHECK(f.engine->insight().tags(a).count("big") == 0);
    CHECK(f.engine->insight().tags(b).count("big") == 1);
}

TEST_CASE("the nightly run keeps the program's rule tags and RFM scores up to date") {
    auto config = test_program();
    REQUIRE(config.tag_rules.size() == 2);  // high-value and at-risk, from the demo program
    Fixture f(config);
    const auto loyal = f.enroll("13800000055");
    const auto idle = f.enroll("13800000056");
    for (int i = 0; i < 5; ++i)
        f.sell(loyal, "L" + std::to_string(i), {line("TS-1", "apparel", 1, 1100000)});
    f.sell(idle, "I1", {line("TS-1", "apparel", 1, 10000)});
    f.advance_days(100);
    f.sell(loyal, "L9", {line("TS-1", "apparel", 1, 10000)});
    auto report = f.engine->run_daily(f.clock.now());
    REQUIRE(report.ok());
    CHECK(report->rfm_scored == 2);
    CHECK(f.engine->members().get(loyal)->rfm.score >= 80);
    CHECK(f.engine->insight().tags(loyal).count("high-value") == 1);
    CHECK(f.engine->insight().tags(idle).count("at-risk") == 1);
    CHECK(f.engine->insight().tags(loyal).count("at-risk") == 0);
}

TEST_CASE("a tag rule with a bad filter is refused when the program is loaded") {
    auto c = parse_program_config_json(
        R"({"code":"X","tiers":{"levels":[{"code":"a"}]},"tag_rules":[{"tag":"t","filter":{"rfm":1}}]})");
    REQUIRE_FALSE(c.ok());
    CHECK(c.error().message.find("tag rule t") != std::string::npos);
}
