// Tiers: upgrade at once, downgrade only at the review date after a grace period.
#include <doctest/doctest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "test_support.hpp"

using namespace loyalty;
using namespace loyalty::test;

TEST_CASE("a member moves up the moment qualifying spend crosses the threshold") {
    Fixture f;
    const auto m = f.enroll("13800000030");
    auto first = f.sell(m, "T1", {line("TS-1", "apparel", 1, 400000)});
    CHECK(first.tier == "silver");
    CHECK_FALSE(first.tier_change);
    auto second = f.sell(m, "T2", {line("TS-1", "apparel", 1, 100000)});  // 5000.00 in 365 days
    REQUIRE(second.tier_change);
    CHECK(second.tier_change->from == "silver");
    CHECK(second.tier_change->to == "gold");
    CHECK(second.tier_change->upgrade);
    auto progress = f.engine->tiers().progress(m, f.clock.now());
    REQUIRE(progress.ok());
    CHECK(*progress->next_tier == "platinum");
    CHECK(progress->needed_for_next == 2000000 - 500000);
}

TEST_CASE(
    "a member who stops qualifying keeps the tier until the review date, then through the grace "
    "period") {
    Fixture f;
    const auto m = f.enroll("13800000031");
    f.sell(m, "T1", {line("TS-1", "apparel", 1, 600000)});
    REQUIRE(f.engine->members().get(m)->tier_code == "gold");
    const auto review = f.engine->members().get(m)->tier_review_at;
    f.clock.set(review - Days{1});
    REQUIRE(f.engine->run_daily(f.clock.now()).ok());
    CHECK(f.engine->members().get(m)->tier_code == "gold");
    f.clock.set(review + Days{1});  // the sale is now outside the window: no longer qualifies
    auto day1 = f.engine->tiers().review_due(f.clock.now());
    REQUIRE(day1.ok());
    CHECK(day1->entered_grace == 1);
    CHECK(f.engine->members().get(m)->tier_code == "gold");
    CHECK(f.engine->members().get(m)->tier_grace_until.has_value());
    f.clock.set(review + Days{29});
    REQUIRE(f.engine->tiers().review_due(f.clock.now()).ok());
    CHECK(f.engine->members().get(m)->tier_code == "gold");
    f.clock.set(review + Days{30});
    auto end = f.engine->tiers().review_due(f.clock.now());
    REQUIRE(end.ok());
    CHECK(end->downgraded == 1);
    CHECK(f.engine->members().get(m)->tier_code == "silver");
    const auto events = f.engine->outbox().pending("S001", "T01", 0, 1000);
    CHECK(std::any_of(events.begin(), events.end(),
                      [](auto& e) { return e.type == "tier.downgrade_warning"; }));
}

TEST_CASE("buying again during the grace period keeps the tier") {
    Fixture f;
    const auto m = f.enroll("13800000032");
    f.sell(m, "T1", {line("TS-1", "apparel", 1, 600000)});
    const auto review = f.engine->members().get(m)->tier_review_at;
    f.clock.set(review + Days{1});
    REQUIRE(f.engine->tiers().review_due(f.clock.now())->entered_grace == 1);
    f.clock.set(review + Days{10});
    f.sell(m, "T2", {line("TS-1", "apparel", 1, 600000)});  // 5,700.00 after the gold discount
    auto after = f.engine->members().get(m);
    CHECK(after->tier_code == "gold");
    CHECK_FALSE(after->tier_grace_until.has_value());
    f.clock.set(review + Days{40});
    REQUIRE(f.engine->tiers().review_due(f.clock.now()).ok());
    CHECK(f.engine->members().get(m)->tier_code == "gold");
}

TEST_CASE("a refund lowers qualifying spend but the tier only moves at the review") {
    Fixture f;
    const auto m = f.enroll("13800000033");
    f.sell(m, "T1", {line("TS-1", "apparel", 1, 600000)});
    REQUIRE(f.engine->sales().refund(RefundRequest{"TEST", "", "", "T1", "RF", {}}).ok());
    CHECK(f.engine->tiers().qualifying(m, f.clock.now()) == 0);
    CHECK(f.engine->members().get(m)->tier_code == "gold");
}

TEST_CASE("tiers can qualify on points instead of spend") {
    auto config = test_program();
    config.tiers.basis = TierBasis::points;
    config.tiers.levels[1].threshold = 1000;
    config.tiers.levels[2].threshold = 5000;
    Fixture f(config);
    const auto m = f.enroll("13800000034");
    f.sell(m, "T1", {line("TS-1", "apparel", 1, 90000)});  // 900 points
    CHECK(f.engine->members().get(m)->tier_code == "silver");
    auto r = f.sell(m, "T2", {line("TS-1", "apparel", 1, 10000)});  // 1000
    CHECK(r.tier == "gold");
}

TEST_CASE("a terminal adopts the hub's tier and review date, and the till prices with it") {
    Fixture f;
    const auto m = f.enroll("13800000039");
    const auto review = f.clock.now() + Days{200};
    auto adopted = f.engine->tiers().adopt(m, "gold", review);
    REQUIRE(adopted.ok());
    REQUIRE(adopted->has_value());
    CHECK((*adopted)->from == "silver");
    CHECK((*adopted)->upgrade);
    CHECK(f.engine->members().get(m)->tier_code == "gold");
    CHECK(f.engine->members().get(m)->tier_review_at == review);
    auto again = f.engine->tiers().adopt(m, "gold", review);
    REQUIRE(again.ok());
    CHECK_FALSE(again->has_value());
    auto unknown = f.engine->tiers().adopt(m, "diamond", review);
    REQUIRE_FALSE(unknown.ok());
    CHECK(unknown.error().code == Errc::invalid_argument);
    CHECK(f.sell(m, "T-GOLD", {line("TS-1", "apparel", 1, 10000)}).tier == "gold");
    // The local review waits for the hub's date: nothing is due the next day.
    f.advance_days(1);
    REQUIRE(f.engine->tiers().review_due(f.clock.now())->reviewed == 0);
}

namespace {

std::vector<OutboxEvent> events_of(Fixture& f, const std::string& type) {
    std::vector<OutboxEvent> out;
    for (auto& e : f.engine->outbox().pending("S001", "T01", 0, 100000))
        if (e.type == type) out.push_back(e);
    return out;
}

ManualTier by_hand(MemberId m, const std::string& tier, bool floor,
                   const std::string& reason = "complaint resolved") {
    return ManualTier{m, tier, reason, "mgr-li", floor};
}

}  // namespace

TEST_CASE("a manager sets a tier by hand: audited with the reason, announced as a tier move") {
    Fixture f;
    const auto m = f.enroll("13800000040");
    auto no_reason = f.engine->tiers().set_by_manager(by_hand(m, "gold", false, ""));
    REQUIRE_FALSE(no_reason.ok());
    CHECK(no_reason.error().code == Errc::invalid_argument);
    auto unknown = f.engine->tiers().set_by_manager(by_hand(m, "diamond", false));
    REQUIRE_FALSE(unknown.ok());
    CHECK(unknown.error().code == Errc::invalid_argument);
    CHECK(f.engine->members().get(m)->tier_code == "silver");

    auto set = f.engine->tiers().set_by_manager(by_hand(m, "gold", false));
    REQUIRE(set.ok());
    CHECK(set->from == "silver");
    CHECK(set->to == "gold");
    CHECK(set->upgrade);
    const auto member = f.engine->members().get(m);
    CHECK(member->tier_code == "gold");
    CHECK_FALSE(member->tier_floor.has_value());
    CHECK(member->tier_review_at == f.clock.now() + Days{365});
    const auto changed = events_of(f, "tier.changed");
    REQUIRE(changed.size() == 1);
    const auto payload = nlohmann::json::parse(changed[0].payload);
    CHECK(payload["manual"] == true);
    CHECK(payload["reason"] == "complaint resolved");
    CHECK(payload["actor"] == "mgr-li");
    const auto audit = f.engine->audit().for_subject("member:" + std::to_string(m));
    REQUIRE(audit.size() == 1);
    CHECK(audit[0].actor == "mgr-li");
    CHECK(audit[0].action == "tier.set");
    const auto details = nlohmann::json::parse(audit[0].details);
    CHECK(details["reason"] == "complaint resolved");
    CHECK(details["before"]["tier"] == "silver");
    CHECK(details["after"]["tier"] == "gold");

    // Without a floor the review treats it like any tier: no spend, down after grace.
    const auto review = member->tier_review_at;
    f.clock.set(review + Days{1});
    REQUIRE(f.engine->run_daily(f.clock.now())->tiers.entered_grace == 1);
    f.clock.set(review + Days{31});
    REQUIRE(f.engine->run_daily(f.clock.now())->tiers.downgraded == 1);
    CHECK(f.engine->members().get(m)->tier_code == "silver");
}

TEST_CASE("a tier set with --floor is never reviewed away, and setting again lifts the floor") {
    Fixture f;
    const auto m = f.enroll("13800000041");
    f.sell(m, "F1", {line("TS-1", "apparel", 1, 2500000)});  // platinum by spend
    REQUIRE(f.engine->members().get(m)->tier_code == "platinum");
    auto set = f.engine->tiers().set_by_manager(by_hand(m, "gold", true));
    REQUIRE(set.ok());
    CHECK_FALSE(set->upgrade);  // a manager may move a member down too
    CHECK(f.engine->members().get(m)->tier_floor == std::optional<std::string>("gold"));
    const auto review = f.engine->members().get(m)->tier_review_at;
    f.clock.set(review + Days{1});  // the sale has left the window: qualifies for nothing
    auto day = f.engine->run_daily(f.clock.now());
    REQUIRE(day.ok());
    CHECK(day->tiers.kept == 1);
    CHECK(day->tiers.entered_grace == 0);
    CHECK(f.engine->members().get(m)->tier_code == "gold");
    f.clock.set(review + Days{400});
    REQUIRE(f.engine->run_daily(f.clock.now()).ok());
    CHECK(f.engine->members().get(m)->tier_code == "gold");

    // The same tier again without --floor: the tier stays, the floor goes (audited).
    auto lift = f.engine->tiers().set_by_manager(by_hand(m, "gold", false, "floor ends"));
    REQUIRE(lift.ok());
    CHECK(lift->from == lift->to);
    CHECK_FALSE(f.engine->members().get(m)->tier_floor.has_value());
    const auto audit = f.engine->audit().for_subject("member:" + std::to_string(m));
    REQUIRE(audit.size() == 2);
    CHECK(nlohmann::json::parse(audit[1].details)["before"]["floor"] == "gold");
    CHECK(nlohmann::json::parse(audit[1].details)["after"]["floor"].is_null());
}

TEST_CASE("with downgrade = immediate the tier follows a refund and the window down at once") {
    auto config = test_program();
    config.tiers.downgrade = TierDowngrade::immediate;
    Fixture f(config);
    const auto m = f.enroll("13800000042");
    f.sell(m, "I1", {line("TS-1", "apparel", 1, 600000)});
    REQUIRE(f.engine->members().get(m)->tier_code == "gold");
    REQUIRE(f.engine->sales().refund(RefundRequest{"TEST", "", "", "I1", "RF1", {}}).ok());
    CHECK(f.engine->members().get(m)->tier_code == "silver");  // no review date, no grace
    const auto changed = events_of(f, "tier.changed");
    REQUIRE(changed.size() == 2);
    CHECK(nlohmann::json::parse(changed[1].payload)["upgrade"] == false);

    // Up again, then the daily run moves the member down the day the sale leaves the window.
    f.sell(m, "I2", {line("TS-1", "apparel", 1, 2500000)});
    REQUIRE(f.engine->members().get(m)->tier_code == "platinum");
    f.advance_days(364);
    REQUIRE(f.engine->run_daily(f.clock.now())->tiers.downgraded == 0);
    f.advance_days(2);
    auto day = f.engine->run_daily(f.clock.now());
    REQUIRE(day.ok());
    CHECK(day->tiers.downgraded == 1);
    CHECK(f.engine->members().get(m)->tier_code == "silver");

    // A floor holds here too.
    REQUIRE(f.engine->tiers().set_by_manager(by_hand(m, "gold", true)).ok());
    f.sell(m, "I3", {line("TS-1", "apparel", 1, 2500000)});
    REQUIRE(f.engine->members().get(m)->tier_code == "platinum");
    REQUIRE(f.engine->sales().refund(RefundRequest{"TEST", "", "", "I3", "RF3", {}}).ok());
    CHECK(f.engine->members().get(m)->tier_code == "gold");
}

TEST_CASE("with downgrade = never a review keeps the tier however little was spent") {
    auto config = test_program();
    config.tiers.downgrade = TierDowngrade::never;
    Fixture f(config);
    const auto m = f.enroll("13800000043");
    f.sell(m, "N1", {line("TS-1", "apparel", 1, 600000)});
    const auto review = f.engine->members().get(m)->tier_review_at;
    f.clock.set(review + Days{1});
    auto day = f.engine->run_daily(f.clock.now());
    REQUIRE(day.ok());
    CHECK(day->tiers.reviewed == 1);
    CHECK(day->tiers.entered_grace == 0);
    f.clock.set(review + Days{100});
    REQUIRE(f.engine->run_daily(f.clock.now()).ok());
    const auto member = f.engine->members().get(m);
    CHECK(member->tier_code == "gold");
    CHECK_FALSE(member->tier_grace_until.has_value());
    CHECK(events_of(f, "tier.downgrade_warning").empty());
}
