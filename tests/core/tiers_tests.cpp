// Tiers: upgrade at once, downgrade only at the review date after a grace period.
#include <doctest/doctest.h>

#include <algorithm>

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
