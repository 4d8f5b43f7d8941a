#pragma once
// What a coupon takes off a basket: an amount, a percentage (9折), a free gift
// (赠品), buy X get Y, or a spend threshold (满减). Pure data and pure functions,
// shared by the reward catalogue (program files), the coupons a member holds and
// the till's pricing.
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "loyalty/money.hpp"
#include "loyalty/result.hpp"

namespace loyalty {

struct PricedBasket;  // earning.hpp

enum class BenefitKind { amount, percent, gift, buy_get, threshold };

struct CouponBenefit {
    BenefitKind kind = BenefitKind::amount;
    Money value{};           // amount: off the order; threshold: off per step
    int percent_off = 0;     // percent: 10 = 10% off (shown as 9折 in Chinese)
    Money max_off{};         // percent: at most this much off (0: no cap)
    std::string gift_sku{};  // gift: one unit of this SKU free
    int buy = 0;             // buy_get: for every `buy` units bought...
    int get = 0;             // ...the cheapest `get` further units are free
    Money threshold{};       // threshold: off `value` once the scope reaches this...
    bool every = false;      // ...or for every full `threshold` of it (50 off every 300)
    Money min_spend{};       // the order must reach this (all kinds)
    // Which lines the benefit looks at; both empty: the whole order.
    std::vector<std::string> categories{};
    std::vector<std::string> skus{};
};

std::string benefit_kind_name(BenefitKind kind);

// Reads the benefit fields of a reward (TOML/JSON), refusing what does not add up
// with a reason naming `what` (e.g. "reward OFF-10").
CouponBenefit parse_coupon_benefit(const nlohmann::json& j, const std::string& what);
// The fields that differ from an amount coupon's defaults, for storage and the wire.
nlohmann::json coupon_benefit_json(const CouponBenefit& b);
// Reads what coupon_benefit_json wrote (stored or from the hub); bad text is an error.
Result<CouponBenefit> coupon_benefit_from_json(const std::string& text);

struct BenefitOff {
    Money off;
    std::string reason;  // "10% off shoes", "buy 2 get 1: 1 free", "50.00 off every 300.00"
};

// What the benefit takes off this priced basket, or why it cannot be used on it.
Result<BenefitOff> benefit_off(const CouponBenefit& b, const PricedBasket& basket);

// The benefit as a shopper reads it: "9折" / "10% off", "满300减50" / "50.00 off 300.00".
std::string benefit_label(const CouponBenefit& b, const std::string& language);

}  // namespace loyalty
