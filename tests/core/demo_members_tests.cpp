// The named demo members: each is in the state the demo output says it is in.
#include <doctest/doctest.h>

#include "loyalty/demo_data.hpp"
#include "loyalty/storage/engine_storage.hpp"
#include "test_support.hpp"

using namespace loyalty;
using namespace loyalty::test;

TEST_CASE("the named demo members are each in the state they are shown in") {
    Fixture f;
    const auto end = f.clock.now();
    auto named = create_named_demo_members(*f.engine, f.clock, end, f.program);
    REQUIRE_MESSAGE(named.ok(), (named.ok() ? "" : named.error().message));
    REQUIRE(named->size() == 5);
    CHECK(f.clock.now() == end);  // the clock is handed back where it stood
    const auto& config = **f.engine->programs().get(f.program);
    const auto& m = *named;
    const auto sales_of = [&](MemberId id) {
        return engine_database(*f.engine)
            .prepare("SELECT count(*) FROM sales WHERE member_id = ?")
            .bind_all(id)
            .scalar<std::int64_t>()
            .value_or(-1);
    };

    // Near the next tier: within 10% of its threshold, not over it.
    auto progress = f.engine->tiers().progress(m[0].id, end);
    REQUIRE(progress.ok());
    REQUIRE(progress->next_tier);
    const auto* next = config.tier(*progress->next_tier);
    REQUIRE(next);
    CHECK(progress->needed_for_next > 0);
    CHECK(progress->needed_for_next * 10 <= next->threshold);

    // Unused coupons: at least two usable now.
    CHECK(f.engine->rewards().coupons_of(m[1].id, true).size() >= 2);

    // Points expiring this month: a lot ends before the next local month begins.
    const auto today = local_date(end, config.utc_offset_minutes);
    const auto next_month =
        std::chrono::year_month{std::chrono::year{today.year}, std::chrono::month{today.month}} +
        std::chrono::months{1};
    const auto month_end =
        std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::sys_days{next_month / 1}) -
        std::chrono::minutes{config.utc_offset_minutes};
    CHECK(f.engine->ledger().expiring_between(m[2].id, end, month_end) > 0);
    CHECK(f.balance(m[2].id).available > 0);

    // Without a PIN: that one, and only that one.
    for (std::size_t i = 0; i < m.size(); ++i) {
        auto member = f.engine->members().get(m[i].id);
        REQUIRE(member.ok());
        CHECK(member->has_pin == (i != 3));
        CHECK(member->has_pin == m[i].has_pin);
    }

    // Brand new: enrolled today, no purchases, no points.
    auto fresh = f.engine->members().get(m[4].id);
    REQUIRE(fresh.ok());
    CHECK(local_midnight(fresh->enrolled_at, config.utc_offset_minutes) ==
          local_midnight(end, config.utc_offset_minutes));
    CHECK(sales_of(m[4].id) == 0);
    CHECK(f.balance(m[4].id).available + f.balance(m[4].id).pending == 0);

    // Each is found again by its phone and its card, as printed.
    for (const auto& d : m) {
        CHECK(f.engine->members().lookup_any(f.program, d.phone)->id == d.id);
        CHECK(f.engine->members().lookup_any(f.program, d.card)->id == d.id);
    }
    const auto found = find_named_demo_members(*f.engine, f.program);
    REQUIRE(found.size() == m.size());
    CHECK(found[3].has_pin == false);
    f.require_balances_agree();
}
