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
const EarnWindow* open_window(const ProgramConfig& program, Timestamp at) {
    using namespace std::chrono;
    const auto offset = program.utc_offset_minutes;
    const auto local = at + minutes{offset};
    const auto day = floor<days>(local);
    const int hour = static_cast<int>(duration_cast<hours>(local - day).count());
    const unsigned iso_weekday = weekday{day}.iso_encoding();
    const EarnWindow* best = nullptr;
    for (const auto& w : program.earning.windows) {
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
        if (tier) {
            if (auto it = tier->member_prices.find(line.sku);
                it != tier->member_prices.end() && it->second < line.unit_price.minor) {
                priced.member_unit_price = Money{it->second};
                reasons.push_back(tier->name + " member price");
            }
        }
        const Money shelf = line.unit_price * line.quantity;
        const Money after_member_price = priced.member_unit_price * line.quantity;
        if (line.discount > after_member_price)
            return make_error(Errc::invalid_argument, where + "discount is larger than the line");
        Money subtotal = after_member_price - line.discount;
        if (tier && tier->discount_percent > 0 && priced.member_unit_price == line.unit_price) {
            // The tier discount does not stack on a member price; half-up to the minor unit.
            priced.member_discount = Money{(subtotal.minor * tier->discount_percent + 50) / 100};
            subtotal -= priced.member_discount;
            reasons.push_back(tier->name + " " + std::to_string(tier->discount_percent) + "% off");
        }
        priced.net = subtotal;
        const auto& rules = program.earning;
        if (contains(rules.excluded_categories, line.category) ||
            contains(rules.excluded_skus, line.sku)) {
            priced.earns = false;
            reasons.push_back("earns no points (" +
                              (contains(rules.excluded_skus, line.sku) ? line.sku : line.category) +
                              ")");
        } else {
            priced.multiplier_percent = line_multiplier_percent(rules, line);
            if (priced.multiplier_percent != 100)
                reasons.push_back("points x" + std::to_string(priced.multiplier_percent) + "%");
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
    // Points = sum(line net x line %) x cash share x tier % x window % x birthday % x rate,
    // computed exactly and rounded once for the whole sale.
    Wide weighted = 0;
    for (const auto& line : basket.lines)
        if (line.earns) weighted += static_cast<Wide>(line.net.minor) * line.multiplier_percent;
    Wide numerator = weighted;
    Wide denominator = 100;
    if (inputs.non_cash.minor > 0 && basket.net.minor > 0) {
        const auto cash = std::max<std::int64_t>(0, basket.net.minor - inputs.non_cash.minor);
        numerator = numerator * cash / basket.net.minor;  // coupons and points earn nothing
        result.reasons.push_back("paid " + format_money(inputs.non_cash) +
                                 " with coupons or points: no points on it");
    }
    numerator *= tier.multiplier_percent;
    denominator *= 100;
    if (tier.multiplier_percent != 100)
        result.reasons.push_back(tier.name + " x" + std::to_string(tier.multiplier_percent) + "%");
    int window_percent = 100;
    if (const auto* w = open_window(program, inputs.at)) {
        window_percent = w->percent;
        result.reasons.push_back(w->name + " x" + std::to_string(w->percent) + "%");
    }
    numerator *= window_percent;
    denominator *= 100;
    const int birthday_percent = inputs.birthday_month ? rules.birthday_month_percent : 100;
    if (birthday_percent != 100)
        result.reasons.push_back("birthday month x" + std::to_string(birthday_percent) + "%");
    numerator *= birthday_percent;
    denominator *= 100;
    numerator *= rules.points_per_unit;
    denominator *= rules.unit_minor;
    result.before_cap = round_points(numerator, denominator, rules.rounding);
    result.points = result.before_cap;
    result.reasons.insert(result.reasons.begin(),
                          std::to_string(rules.points_per_unit) + " pt per " +
                              format_money(Money{rules.unit_minor}) + " " + program.currency);
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
