#include "loyalty/earning.hpp"

#include <algorithm>
#include <chrono>

#include "loyalty/checked_math.hpp"

namespace loyalty {

namespace {

__extension__ using Wide =
    __int128;  // products of amounts and several percentages overflow 64 bits

bool contains(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

Points round_points(Wide numerator, Wide denominator, Rounding rounding) {
    if (numerator <= 0) return 0;
    switch (rounding) {
        case Rounding::floor:
            return static_cast<Points>(numerator / denominator);
        case Rounding::ceil:
            return static_cast<Points>((numerator + denominator - 1) / denominator);
        case Rounding::nearest:
            return static_cast<Points>((2 * numerator + denominator) / (2 * denominator));
    }
    return 0;
}

// The highest-percent window open at `at`; windows do not stack.
const EarnWindow* open_window(const ProgramConfig& program, Timestamp at,
                              const std::string& store) {
    using namespace std::chrono;
    const auto offset = program.utc_offset_minutes;
    const auto local = at + minutes{offset};
    const auto day = floor<days>(local);
    const int hour = static_cast<int>(duration_cast<hours>(local - day).count());
    const unsigned iso_weekday = weekday{day}.iso_encoding();
    const EarnWindow* best = nullptr;
    for (const auto& w : program.earning.windows) {
        if (!w.stores.empty() && !contains(w.stores, store)) continue;
        if (w.from_date && at < parse_local_date(w.from_date->c_str(), offset)) continue;
        if (w.to_date && at >= parse_local_date(w.to_date->c_str(), offset) + days{1}) continue;
        if (!w.weekdays.empty() &&
            !std::count(w.weekdays.begin(), w.weekdays.end(), static_cast<int>(iso_weekday)))
            continue;
        if (hour < w.from_hour || hour >= w.to_hour) continue;
        if (!best || w.percent > best->percent) best = &w;
    }
    return best;
}

// "¥1" for a whole yuan, otherwise the amount and currency ("0.50 CNY", "1.00 EUR").
std::string rate_unit(Money unit, const std::string& currency) {
    if (currency == "CNY" && unit.minor % 100 == 0) return "¥" + std::to_string(unit.minor / 100);
    return format_money(unit) + " " + currency;
}

}  // namespace

int line_multiplier_percent(const EarningRules& rules, const BasketLine& line) {
    std::optional<int> by_sku, by_category;
    for (const auto& m : rules.multipliers) {
        if (m.sku && *m.sku == line.sku) by_sku = std::max(by_sku.value_or(0), m.percent);
        if (m.category && *m.category == line.category)
            by_category = std::max(by_category.value_or(0), m.percent);
    }
    return by_sku.value_or(by_category.value_or(100));
}

Result<PricedBasket> price_basket(const ProgramConfig& program, const TierLevel* tier,
                                  const std::vector<BasketLine>& lines) {
    if (lines.empty())
        return make_error(Errc::invalid_argument, "a basket needs at least one line");
    // With at most kMaxBasketLines lines of at most 100,000 x 10^10 fen each, no sum below
    // can overflow 64 bits (10^3 x 10^15 = 10^18 < 9.2 x 10^18).
    if (lines.size() > kMaxBasketLines)
        return make_error(Errc::invalid_argument,
                          "a basket has at most " + std::to_string(kMaxBasketLines) + " lines");
    PricedBasket basket;
    int line_no = 0;
    for (const auto& line : lines) {
        ++line_no;
        const auto where = "line " + std::to_string(line_no) + ": ";
        if (line.sku.empty()) return make_error(Errc::invalid_argument, where + "SKU is missing");
        if (line.quantity <= 0)
            return make_error(Errc::invalid_argument, where + "quantity must be positive");
        if (line.quantity > 100000)
            return make_error(Errc::invalid_argument, where + "quantity is implausibly large");
        if (line.unit_price.minor < 0)
            return make_error(Errc::invalid_argument, where + "unit price must not be negative");
        if (line.unit_price.minor > 100'000'000'00)
            return make_error(Errc::invalid_argument, where + "unit price is implausibly large");
        if (line.discount.minor < 0)
            return make_error(Errc::invalid_argument, where + "discount must not be negative");

        PricedLine priced;
        priced.line_no = line_no;
        priced.line = line;
        priced.member_unit_price = line.unit_price;
        std::vector<std::string> reasons;
        const Money shelf = line.unit_price * line.quantity;
        if (line.discount > shelf)
            return make_error(Errc::invalid_argument, where + "discount is larger than the line");
        // The tier's discount on what the till left after its own discount, half up to the fen.
        const auto tier_off = [&](Money before) {
            return Money{(before.minor * tier->discount_percent + 50) / 100};
        };
        Money subtotal = shelf - line.discount;
        std::optional<Money> member_price;
        if (tier)
            if (auto it = tier->member_prices.find(line.sku);
                it != tier->member_prices.end() && it->second < line.unit_price.minor)
                member_price = Money{it->second};
        const bool has_discount = tier && tier->discount_percent > 0;
        // A member price and the tier discount never stack; the member pays the lower of the
        // two unless the program keeps the member price always.
        const Money with_discount = has_discount ? subtotal - tier_off(subtotal) : subtotal;
        const bool member_price_wins =
            member_price && *member_price * line.quantity >= line.discount &&
            (program.tiers.member_price_always || !has_discount ||
             *member_price * line.quantity - line.discount <= with_discount);
        if (member_price_wins) {
            priced.member_unit_price = *member_price;
            subtotal = *member_price * line.quantity - line.discount;
            reasons.push_back(all_names(tier->name, tier->names) + " member price");
        } else if (has_discount) {
            priced.member_discount = tier_off(subtotal);
            subtotal -= priced.member_discount;
            reasons.push_back(all_names(tier->name, tier->names) + " " +
                              std::to_string(tier->discount_percent) + "% off" +
                              (member_price ? " (better than the member price)" : ""));
        }
        priced.net = subtotal;
        const auto& rules = program.earning;
        const bool included = (rules.included_categories.empty() && rules.included_skus.empty()) ||
                              contains(rules.included_categories, line.category) ||
                              contains(rules.included_skus, line.sku);
        if (contains(rules.excluded_categories, line.category) ||
            contains(rules.excluded_skus, line.sku)) {
            priced.earns = false;
            reasons.push_back("earns no points (" +
                              (contains(rules.excluded_skus, line.sku) ? line.sku : line.category) +
                              ")");
        } else if (!included) {
            priced.earns = false;
            reasons.push_back("earns no points (not on the earning list)");
        } else {
            priced.multiplier_percent = line_multiplier_percent(rules, line);
            if (priced.multiplier_percent != 100)
                reasons.push_back("points " + times(priced.multiplier_percent));
        }
        for (std::size_t i = 0; i < reasons.size(); ++i)
            priced.reason += (i ? "; " : "") + reasons[i];
        basket.gross += shelf;
        basket.net += priced.net;
        if (priced.earns) basket.eligible += priced.net;
        basket.lines.push_back(std::move(priced));
    }
    return basket;
}

std::string EarnResult::summary() const {
    std::string out;
    for (const auto& r : reasons) out += (out.empty() ? "" : "; ") + r;
    return out;
}

std::string times(int percent) {
    std::string s = "×" + std::to_string(percent / 100);
    if (const int rest = percent % 100; rest != 0) {
        auto decimals = std::to_string(100 + rest).substr(1);  // "05", "50"
        if (decimals.back() == '0') decimals.pop_back();
        s += "." + decimals;
    }
    return s;
}

Points base_points(const EarningRules& rules, Money eligible, Money net, Money non_cash) {
    if (eligible.minor <= 0 || eligible < rules.min_spend) return 0;
    // The same steps as compute_earn with every multiplier at x1, so the two agree.
    Wide numerator = static_cast<Wide>(eligible.minor) * 100;
    if (non_cash.minor > 0 && net.minor > 0) {
        const auto cash = std::max<std::int64_t>(0, net.minor - non_cash.minor);
        numerator = numerator * cash / net.minor;
    }
    return round_points(numerator * rules.points_per_unit,
                        static_cast<Wide>(100) * rules.unit_minor, rules.rounding);
}

EarnResult compute_earn(const ProgramConfig& program, const TierLevel& tier,
                        const PricedBasket& basket, const EarnInputs& inputs) {
    EarnResult result;
    const auto& rules = program.earning;
    if (basket.eligible.minor <= 0) {
        result.reasons.push_back("nothing in the basket earns points");
        return result;
    }
    if (basket.eligible < rules.min_spend) {
        result.reasons.push_back("below the minimum spend of " + format_money(rules.min_spend));
        return result;
    }
    result.reasons.push_back(std::to_string(rules.points_per_unit) + " pt per " +
                             rate_unit(Money{rules.unit_minor}, program.currency));
    result.base = base_points(rules, basket.eligible, basket.net, inputs.non_cash);
    // The sale-wide multipliers, each named.
    struct Named {
        std::string name;
        int percent;
    };
    std::vector<Named> sale_wide;
    if (tier.multiplier_percent != 100)
        sale_wide.push_back({all_names(tier.name, tier.names), tier.multiplier_percent});
    if (const auto* w = open_window(program, inputs.at, inputs.store))
        if (w->percent != 100) sale_wide.push_back({w->name, w->percent});
    if (inputs.birthday_month && rules.birthday_month_percent != 100)
        sale_wide.push_back({"birthday month", rules.birthday_month_percent});

    // Points = sum(line net x line %) x cash share x sale-wide % x rate, computed exactly and
    // rounded once for the whole sale. Under "highest" each line takes the highest of its own
    // and the sale-wide boosts instead of their product; a multiplier below x1 (a clearance
    // line at 50%, a line at 0%) is a reduction, not a boost, and applies in either mode.
    const bool highest = rules.multiplier_mode == MultiplierMode::highest;
    int best_sale_wide = 100;
    const Named* winner = nullptr;
    for (const auto& m : sale_wide)
        if (m.percent > best_sale_wide) {
            best_sale_wide = m.percent;
            winner = &m;
        }
    Wide weighted = 0;
    for (const auto& line : basket.lines)
        if (line.earns)
            weighted += static_cast<Wide>(line.net.minor) *
                        (highest && line.multiplier_percent >= 100
                             ? std::max(line.multiplier_percent, best_sale_wide)
                             : line.multiplier_percent);
    Wide numerator = weighted;
    Wide denominator = 100;
    if (inputs.non_cash.minor > 0 && basket.net.minor > 0) {
        const auto cash = std::max<std::int64_t>(0, basket.net.minor - inputs.non_cash.minor);
        numerator = numerator * cash / basket.net.minor;  // coupons and points earn nothing
    }
    if (highest) {
        if (winner)
            result.reasons.push_back(winner->name + " " + times(winner->percent) +
                                     " (the highest multiplier applies)");
        for (const auto& m : sale_wide)
            if (m.percent < 100) {
                numerator *= m.percent;
                denominator *= 100;
                result.reasons.push_back(m.name + " " + times(m.percent));
            }
    } else {
        for (const auto& m : sale_wide) {
            numerator *= m.percent;
            denominator *= 100;
            result.reasons.push_back(m.name + " " + times(m.percent));
        }
    }
    if (inputs.non_cash.minor > 0 && basket.net.minor > 0)
        result.reasons.push_back("none on " + format_money(inputs.non_cash) +
                                 " paid with coupons, points or bonus money");
    numerator *= rules.points_per_unit;
    denominator *= rules.unit_minor;
    Points from_rate = round_points(numerator, denominator, rules.rounding);
    result.before_cap = from_rate;
    if (rules.bill_cap > 0 && from_rate > rules.bill_cap) {
        from_rate = rules.bill_cap;
        result.reasons.push_back("capped at " + std::to_string(rules.bill_cap) + " points a bill");
    }
    result.points = from_rate;
    for (const auto& x : rules.extras) {
        if (!x.stores.empty() && !contains(x.stores, inputs.store)) continue;
        if (program.extra_needs_code(x.name) && !contains(inputs.enabled_extras, x.name)) continue;
        if (basket.eligible < x.min_spend) continue;
        Points points = 0;
        switch (x.kind) {
            case ExtraKind::per_order:
                points = x.points;
                break;
            case ExtraKind::per_visit:
                if (inputs.first_visit_today) points = x.points;
                break;
            case ExtraKind::first_purchase:
                if (inputs.first_purchase) points = x.points;
                break;
            case ExtraKind::per_item: {
                std::int64_t units = 0;
                for (const auto& l : basket.lines)
                    if (l.earns && ((x.sku && l.line.sku == *x.sku) ||
                                    (x.category && l.line.category == *x.category)))
                        units += l.line.quantity;
                points = units * x.points;  // <= 10^3 lines x 10^5 units x 10^6 points
                break;
            }
        }
        if (points <= 0) continue;
        result.extras.push_back({x.name, points});
        result.points += points;
        result.before_cap += points;
        result.reasons.push_back(x.name + " +" + std::to_string(points));
    }
    if (rules.daily_cap > 0) {
        const Points room = std::max<Points>(0, rules.daily_cap - inputs.earned_today);
        if (result.points > room) {
            result.points = room;
            result.reasons.push_back("capped at " + std::to_string(rules.daily_cap) +
                                     " points a day");
        }
    }
    return result;
}

}  // namespace loyalty
