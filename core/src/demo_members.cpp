// The named demo members: one per state a demo user should be able to try, with phones and
// cards that do not move between demo databases (the other demo members are drawn at random).
#include <algorithm>
#include <array>

#include "loyalty/demo_data.hpp"
#include "loyalty/storage/engine_storage.hpp"

namespace loyalty {

namespace {

struct NamedSpec {
    const char* state;
    const char* name;
    const char* phone;  // 138...: the random demo members are 139...
    const char* card;
};

// The order is the order they are printed in.
constexpr std::array<NamedSpec, 5> kNamed{{
    {"near the next tier (a small purchase makes Gold)", "陈近升", "13800009001",
     "8800000000009001"},
    {"two unused coupons in the wallet", "林有券", "13800009002", "8800000000009002"},
    {"points expiring at the end of this month", "赵将期", "13800009003", "8800000000009003"},
    {"no PIN set (phone sign-in asks to set one)", "孙无码", "13800009004", "8800000000009004"},
    {"brand new: joined today, no purchases", "周新新", "13800009005", "8800000000009005"},
}};

Result<MemberId> enroll_named(Engine& engine, const std::string& program, const NamedSpec& spec) {
    EnrollRequest request;
    request.program = program;
    request.phone = spec.phone;
    request.display_name = spec.name;
    request.birthday_month = 2;  // never the birthday month in a demo that shows it
    request.birthday_day = 29;
    request.consent_privacy = true;
    request.consent_marketing = true;
    request.physical_card = spec.card;
    auto enrolled = engine.members().enroll(request);
    if (!enrolled) return enrolled.error();
    return enrolled->member.id;
}

Result<void> sell(Engine& engine, const std::string& program, MemberId member,
                  const std::string& receipt, std::vector<BasketLine> lines) {
    SaleRequest sale;
    sale.program = program;
    sale.receipt = receipt;
    sale.member = member;
    sale.lines = std::move(lines);
    auto committed = engine.sales().commit(sale);
    if (!committed) return committed.error();
    return {};
}

// The wallet's two coupons, from the program's own rewards: the cheapest amount voucher and the
// cheapest coupon of another kind (a percent off), or the two cheapest when it has no other
// kind. Rewards out of stock or at a token cost (birthday gifts) are left out.
std::vector<const RewardDefinition*> wallet_rewards(const ProgramConfig& config) {
    std::vector<const RewardDefinition*> open;
    for (const auto& r : config.rewards)
        if (r.points_cost > 1 && r.stock.value_or(1) > 0) open.push_back(&r);
    std::stable_sort(open.begin(), open.end(),
                     [](auto* a, auto* b) { return a->points_cost < b->points_cost; });
    const auto amount = [](const RewardDefinition* r) {
        return r->benefit.kind == BenefitKind::amount && r->value.minor > 0;
    };
    std::vector<const RewardDefinition*> out;
    auto voucher = std::find_if(open.begin(), open.end(), amount);
    auto other = std::find_if(open.begin(), open.end(),
                              [](auto* r) { return r->benefit.kind != BenefitKind::amount; });
    if (voucher != open.end()) out.push_back(*voucher);
    if (other != open.end()) out.push_back(*other);
    for (auto* r : open)
        if (out.size() < 2 && std::find(out.begin(), out.end(), r) == out.end()) out.push_back(r);
    return out;
}

}  // namespace

Result<std::vector<NamedDemoMember>> create_named_demo_members(Engine& engine, ManualClock& clock,
                                                               Timestamp end,
                                                               const std::string& program) {
    auto config = engine.programs().get(program);
    if (!config) return config.error();
    const int offset = (*config)->utc_offset_minutes;
    std::vector<NamedDemoMember> out;
    const auto add = [&](const NamedSpec& spec, MemberId id) {
        out.push_back(NamedDemoMember{spec.state, spec.name, spec.phone, spec.card, true, id});
    };

    // Near the next tier: 4,716.00 of qualifying spend a month ago, Gold at 5,000.00.
    clock.set(end - Days{30});
    auto near = enroll_named(engine, program, kNamed[0]);
    if (!near) return near.error();
    if (auto sold = sell(engine, program, *near, "DN-1",
                         {BasketLine{"SH-3388", "shoes", 2, Money{129900}, Money{}},
                          BasketLine{"JK-2040", "apparel", 2, Money{89900}, Money{}},
                          BasketLine{"CS-5001", "cosmetics", 1, Money{32000}, Money{}}});
        !sold)
        return sold.error();
    add(kNamed[0], *near);

    // Two unused coupons, redeemed yesterday: a voucher and a percent-off coupon.
    clock.set(end - Days{1});
    auto coupons = enroll_named(engine, program, kNamed[1]);
    if (!coupons) return coupons.error();
    const auto wallet = wallet_rewards(**config);
    Points cost = 1000;  // and some left over to try a reward at the kiosk
    for (const auto* reward : wallet) cost += reward->points_cost;
    if (auto given = engine.ledger().adjust(*coupons, cost, "demo: points to try the rewards",
                                            "demo", "demo-named-coupons-" + program);
        !given)
        return given.error();
    for (const auto* reward : wallet)
        if (auto redeemed = engine.rewards().redeem(*coupons, reward->code,
                                                    "demo-named-" + program + "-" + reward->code);
            !redeemed)
            return redeemed.error();
    add(kNamed[1], *coupons);

    // Points expiring this month: earned on this month's 1st, as many months back as points
    // live, so the lot ends with this month (or, under expiry in days, earned that many days
    // back, so it ends tomorrow).
    const auto today = local_date(end, offset);
    Timestamp earned_at;
    if ((*config)->earning.expiry_days > 0) {
        earned_at = end - Days{(*config)->earning.expiry_days};
    } else {
        const int months = static_cast<int>(today.year) * 12 + static_cast<int>(today.month) - 1 -
                           (*config)->earning.expiry_months;
        const std::chrono::sys_days first{
            std::chrono::year{months / 12} /
            std::chrono::month{static_cast<unsigned>(months % 12) + 1} / 1};
        earned_at = std::chrono::time_point_cast<std::chrono::seconds>(first) -
                    std::chrono::minutes{offset} + std::chrono::hours{12};
    }
    clock.set(earned_at);
    auto expiring = enroll_named(engine, program, kNamed[2]);
    if (!expiring) return expiring.error();
    if (auto sold = sell(engine, program, *expiring, "DE-1",
                         {BasketLine{"CS-5020", "cosmetics", 2, Money{68000}, Money{}}});
        !sold)
        return sold.error();
    add(kNamed[2], *expiring);

    // No PIN: a regular shopper with a purchase two weeks ago.
    clock.set(end - Days{14});
    auto no_pin = enroll_named(engine, program, kNamed[3]);
    if (!no_pin) return no_pin.error();
    if (auto sold = sell(engine, program, *no_pin, "DP-1",
                         {BasketLine{"TS-1001", "apparel", 2, Money{19900}, Money{}}});
        !sold)
        return sold.error();
    add(kNamed[3], *no_pin);
    out.back().has_pin = false;

    // Brand new: joined an hour ago (today, unless the day is younger than that).
    clock.set(std::max(end - std::chrono::hours{1}, local_midnight(end, offset)));
    auto fresh = enroll_named(engine, program, kNamed[4]);
    if (!fresh) return fresh.error();
    add(kNamed[4], *fresh);

    clock.set(end);
    // Return windows that have passed release their points, as the nightly run would have.
    if (auto due = engine.ledger().run_due(end); !due) return due.error();
    for (const auto& m : out)
        if (m.has_pin)
            if (auto pinned = engine.members().set_pin(m.id, kNamedDemoPin); !pinned)
                return pinned.error();
    // Made-up history, like create_demo_data's: nothing of it is for headquarters.
    if (auto cleared = guarded([&]() -> Result<void> {
            engine_database(engine).exec("DELETE FROM outbox");
            return {};
        });
        !cleared)
        return cleared.error();
    return out;
}

Result<void> create_demo_staff(Engine& engine) {
    if (auto manager = engine.staff().set_pin(kDemoStaffManager, "Demo manager", StaffRole::manager,
                                              kDemoStaffManagerPin, "demo");
        !manager)
        return manager.error();
    return engine.staff().set_pin(kDemoStaffCashier, "Demo cashier", StaffRole::cashier,
                                  kDemoStaffCashierPin, "demo");
}

std::vector<NamedDemoMember> find_named_demo_members(Engine& engine, const std::string& program) {
    std::vector<NamedDemoMember> out;
    for (const auto& spec : kNamed) {
        auto member = engine.members().lookup_any(program, spec.phone);
        if (!member) continue;
        out.push_back(NamedDemoMember{spec.state, spec.name, spec.phone, spec.card, member->has_pin,
                                      member->id});
    }
    return out;
}

}  // namespace loyalty
