#include "loyalty/coupon_benefits.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "json_numbers.hpp"
#include "loyalty/earning.hpp"

namespace loyalty {

using nlohmann::json;

namespace {

__extension__ using Wide = __int128;

constexpr std::int64_t kMaxMoney = 100'000'000'00;  // what a basket line may cost at most

BenefitKind kind_named(const std::string& name, const std::string& what) {
    if (name == "amount") return BenefitKind::amount;
    if (name == "percent") return BenefitKind::percent;
    if (name == "gift") return BenefitKind::gift;
    if (name == "buy_get") return BenefitKind::buy_get;
    if (name == "threshold") return BenefitKind::threshold;
    throw std::invalid_argument(
        what + ": kind must be amount, percent, gift, buy_get or threshold, not '" + name + "'");
}

Money money_field(const json& j, const char* key, const std::string& what) {
    if (!j.contains(key)) return Money{0};
    const auto v = whole_number<std::int64_t>(j, key);
    if (v < 0 || v > kMaxMoney)
        throw std::invalid_argument(what + ": " + key + " must be 0.." + std::to_string(kMaxMoney));
    return Money{v};
}

int small_field(const json& j, const char* key, int low, int high, const std::string& what) {
    if (!j.contains(key)) return 0;
    const auto v = whole_number<std::int64_t>(j, key);
    if (v < low || v > high)
        throw std::invalid_argument(what + ": " + key + " must be " + std::to_string(low) + ".." +
                                    std::to_string(high));
    return static_cast<int>(v);
}

std::vector<std::string> names(const json& j, const char* key) {
    if (!j.contains(key)) return {};
    return j.at(key).get<std::vector<std::string>>();
}

// A benefit for the whole order leaves out what earns no points either (gift cards,
// tobacco): a 9折 code must not sell gift cards at 90% of their face value.
bool in_scope(const CouponBenefit& b, const PricedLine& priced) {
    const auto& line = priced.line;
    if (b.categories.empty() && b.skus.empty()) return priced.earns;
    return std::find(b.categories.begin(), b.categories.end(), line.category) !=
               b.categories.end() ||
           std::find(b.skus.begin(), b.skus.end(), line.sku) != b.skus.end();
}

std::string scope_text(const CouponBenefit& b) {
    std::string s;
    for (const auto* list : {&b.categories, &b.skus})
        for (const auto& n : *list) s += (s.empty() ? "" : ", ") + n;
    return s.empty() ? "the order" : s;
}

// 10% off is 9折, 15% off 85折: the price paid, in tenths, without a trailing zero.
std::string zhe(int percent_off) {
    const int paid = 100 - percent_off;
    return (paid % 10 == 0 ? std::to_string(paid / 10) : std::to_string(paid)) + "折";
}

// Whole yuan without ".00", for the Chinese labels (满300减50).
std::string yuan(Money m) {
    return m.minor % 100 == 0 ? std::to_string(m.minor / 100) : format_money(m);
}

}  // namespace

std::string benefit_kind_name(BenefitKind kind) {
    switch (kind) {
        case BenefitKind::amount:
            return "amount";
        case BenefitKind::percent:
            return "percent";
        case BenefitKind::gift:
            return "gift";
        case BenefitKind::buy_get:
            return "buy_get";
        case BenefitKind::threshold:
            return "threshold";
    }
    return "amount";
}

CouponBenefit parse_coupon_benefit(const json& j, const std::string& what) {
    CouponBenefit b;
    if (j.contains("kind")) b.kind = kind_named(j.at("kind").get<std::string>(), what);
    b.value = money_field(j, "value_minor", what);
    b.min_spend = money_field(j, "min_spend_minor", what);
    b.categories = names(j, "categories");
    b.skus = names(j, "skus");
    const auto require = [&](bool ok, const std::string& message) {
        if (!ok) throw std::invalid_argument(what + ": " + message);
    };
    switch (b.kind) {
        case BenefitKind::amount:
            require(b.categories.empty() && b.skus.empty(),
                    "an amount coupon is for the whole order (use kind = \"threshold\" with "
                    "categories for a category's spend)");
            break;
        case BenefitKind::percent:
            b.percent_off = small_field(j, "percent_off", 1, 99, what);
            require(b.percent_off > 0, "a percent coupon needs percent_off (10 = 10% off, 9折)");
            b.max_off = money_field(j, "max_off_minor", what);
            break;
        case BenefitKind::gift:
            b.gift_sku = j.value("gift_sku", std::string());
            require(!b.gift_sku.empty(), "a gift coupon names its gift_sku");
            break;
        case BenefitKind::buy_get:
            b.buy = small_field(j, "buy", 1, 1000, what);
            b.get = small_field(j, "get", 1, 1000, what);
            require(b.buy > 0 && b.get > 0,
                    "buy_get needs buy and get (buy 2 get 1: buy = 2, get = 1)");
            break;
        case BenefitKind::threshold:
            b.threshold = money_field(j, "threshold_minor", what);
            b.every = j.value("every", false);
            require(b.threshold.minor > 0 && b.value.minor > 0,
                    "a threshold coupon needs threshold_minor and value_minor (满300减50)");
            require(b.value < b.threshold, "value_minor must be below threshold_minor");
            break;
    }
    return b;
}

json coupon_benefit_json(const CouponBenefit& b) {
    json j{{"kind", benefit_kind_name(b.kind)}};
    if (b.value.minor) j["value_minor"] = b.value.minor;
    if (b.percent_off) j["percent_off"] = b.percent_off;
    if (b.max_off.minor) j["max_off_minor"] = b.max_off.minor;
    if (!b.gift_sku.empty()) j["gift_sku"] = b.gift_sku;
    if (b.buy) j["buy"] = b.buy;
    if (b.get) j["get"] = b.get;
    if (b.threshold.minor) j["threshold_minor"] = b.threshold.minor;
    if (b.every) j["every"] = true;
    if (b.min_spend.minor) j["min_spend_minor"] = b.min_spend.minor;
    if (!b.categories.empty()) j["categories"] = b.categories;
    if (!b.skus.empty()) j["skus"] = b.skus;
    return j;
}

Result<CouponBenefit> coupon_benefit_from_json(const std::string& text) {
    try {
        const auto j = json::parse(text);
        if (!j.is_object())
            return make_error(Errc::invalid_argument, "coupon benefit: not an object");
        return parse_coupon_benefit(j, "coupon benefit");
    } catch (const std::exception& e) {
        return make_error(Errc::invalid_argument, std::string("coupon benefit: ") + e.what());
    }
}

Result<BenefitOff> benefit_off(const CouponBenefit& b, const PricedBasket& basket) {
    if (basket.net < b.min_spend)
        return make_error(Errc::limit_exceeded, "needs a spend of " + format_money(b.min_spend));
    Money scope_net;
    for (const auto& l : basket.lines)
        if (in_scope(b, l)) scope_net += l.net;
    BenefitOff out;
    switch (b.kind) {
        case BenefitKind::amount:
            out.off = std::min(b.value, basket.net);
            out.reason = format_money(out.off) + " off";
            break;
        case BenefitKind::percent: {
            if (scope_net.minor <= 0)
                return make_error(Errc::limit_exceeded,
                                  "is for " + scope_text(b) + ", which is not in the basket");
            // Half up to the fen; wide, since a scope may reach 10^18 fen.
            out.off = Money{static_cast<std::int64_t>(
                (static_cast<Wide>(scope_net.minor) * b.percent_off + 50) / 100)};
            if (b.max_off.minor > 0 && out.off > b.max_off) out.off = b.max_off;
            out.reason = std::to_string(b.percent_off) + "% off " + scope_text(b);
            break;
        }
        case BenefitKind::gift: {
            // One unit free, at what the member pays for it on this basket.
            const auto it =
                std::find_if(basket.lines.begin(), basket.lines.end(),
                             [&](const PricedLine& l) { return l.line.sku == b.gift_sku; });
            if (it == basket.lines.end())
                return make_error(
                    Errc::limit_exceeded,
                    "is a free " + b.gift_sku + ": ring up one " + b.gift_sku + " first");
            out.off = Money{it->net.minor / it->line.quantity};
            out.reason = "free " + b.gift_sku;
            break;
        }
        case BenefitKind::buy_get: {
            // Every unit in scope at its own net price, cheapest first: of each group of
            // buy + get units the cheapest `get` are free, which is what a shopper expects.
            std::int64_t count = 0;
            for (const auto& l : basket.lines)
                if (in_scope(b, l)) count += l.line.quantity;
            const std::int64_t free_units = count / (b.buy + b.get) * b.get;
            if (free_units == 0)
                return make_error(Errc::limit_exceeded, "needs " + std::to_string(b.buy + b.get) +
                                                            " items of " + scope_text(b) +
                                                            " in the basket");
            std::vector<std::pair<std::int64_t, const PricedLine*>> by_price;
            for (const auto& l : basket.lines)
                if (in_scope(b, l)) by_price.emplace_back(l.net.minor / l.line.quantity, &l);
            std::sort(by_price.begin(), by_price.end(),
                      [](const auto& x, const auto& y) { return x.first < y.first; });
            std::int64_t left = free_units;
            for (const auto& [unit, line] : by_price) {
                const auto take = std::min(left, line->line.quantity);
                out.off += Money{unit * take};
                left -= take;
                if (left == 0) break;
            }
            out.reason = "buy " + std::to_string(b.buy) + " get " + std::to_string(b.get) + ": " +
                         std::to_string(free_units) + " free";
            break;
        }
        case BenefitKind::threshold: {
            if (scope_net < b.threshold)
                return make_error(Errc::limit_exceeded,
                                  "needs " + format_money(b.threshold) + " of " + scope_text(b));
            const std::int64_t steps = b.every ? scope_net.minor / b.threshold.minor : 1;
            out.off = Money{steps * b.value.minor};  // steps <= 10^18 / threshold: no overflow
            out.reason = format_money(b.value) + (b.every ? " off every " : " off ") +
                         format_money(b.threshold) +
                         (b.categories.empty() && b.skus.empty() ? "" : " of " + scope_text(b));
            break;
        }
    }
    out.off = std::min(out.off, basket.net);
    return out;
}

std::string benefit_label(const CouponBenefit& b, const std::string& language) {
    const bool zh = language.rfind("zh", 0) == 0;
    switch (b.kind) {
        case BenefitKind::amount:
            return zh ? yuan(b.value) + "元券" : format_money(b.value) + " off";
        case BenefitKind::percent:
            return zh ? zhe(b.percent_off) : std::to_string(b.percent_off) + "% off";
        case BenefitKind::gift:
            return zh ? "赠品 " + b.gift_sku : "Free " + b.gift_sku;
        case BenefitKind::buy_get:
            return zh ? "买" + std::to_string(b.buy) + "送" + std::to_string(b.get)
                      : "Buy " + std::to_string(b.buy) + " get " + std::to_string(b.get) + " free";
        case BenefitKind::threshold:
            return zh ? (b.every ? "每满" : "满") + yuan(b.threshold) + "减" + yuan(b.value)
                      : format_money(b.value) + (b.every ? " off every " : " off ") +
                            format_money(b.threshold);
    }
    return {};
}

}  // namespace loyalty
