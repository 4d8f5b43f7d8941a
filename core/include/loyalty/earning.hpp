#pragma once
// Pricing a basket for a member and computing the points it earns: pure
// functions over the program's rules, shared by quote and commit.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "loyalty/clock.hpp"
#include "loyalty/money.hpp"
#include "loyalty/program_config.hpp"

namespace loyalty {

struct BasketLine {
    std::string sku;
    std::string category;
    std::int64_t quantity = 1;
    Money unit_price;
    Money discount;  // line discount the till already gave
};

struct PricedLine {
    int line_no = 0;
    BasketLine line;
    Money member_unit_price;  // the tier's member price, or the shelf price
    Money member_discount;    // the tier's discount percent on this line
    Money net;                // what this line costs the member
    bool earns = true;        // false for excluded categories and SKUs
    int multiplier_percent = 100;
    std::string reason;  // "member price", "Gold 5% off", "excluded: tobacco"...
};

struct PricedBasket {
    std::vector<PricedLine> lines;
    Money gross;     // shelf prices x quantities
    Money net;       // after member prices and discounts
    Money eligible;  // net of lines that earn points
};

// Member price and tier discount apply when `tier` is given (a member sale).
Result<PricedBasket> price_basket(const ProgramConfig& program, const TierLevel* tier,
                                  const std::vector<BasketLine>& lines);

struct EarnInputs {
    Timestamp at;
    bool birthday_month = false;
    Points earned_today = 0;         // for the daily cap
    Money non_cash;                  // coupons + points + stored-value bonus: earn nothing
    std::string store{};             // for store-scoped windows and extras
    bool first_purchase = false;     // the member has never bought before
    bool first_visit_today = false;  // the member's first sale of the local day
    std::vector<std::string> enabled_extras{};  // extras turned on by the sale's promo codes
};

struct EarnedExtra {
    std::string name;
    Points points = 0;
};

struct EarnResult {
    Points points = 0;      // what the sale earns: rate and multipliers, plus extras, capped
    Points base = 0;        // of which the plain rate alone (x1, on the cash share): a receipt
                            // shows it apart from what multipliers, extras and caps made of it
    Points before_cap = 0;  // rate and multipliers plus extras before any cap
    std::vector<std::string> reasons;
    std::vector<EarnedExtra> extras{};
    // The reasons as one line, for the ledger entry: "1 pt per ¥1; Gold ×1.5; Weekend ×2".
    std::string summary() const;
};

// A percentage multiplier as people say it: 150 -> "×1.5", 200 -> "×2".
std::string times(int percent);

// The points multiplier of one line: a SKU's multiplier wins over its category's.
int line_multiplier_percent(const EarningRules& rules, const BasketLine& line);

// The points of the plain rate on `eligible` of a basket of `net`, `non_cash` of it paid with
// coupons, points or bonus money: no multiplier, extra or cap, rounded as compute_earn rounds.
// 0 where compute_earn earns nothing (nothing eligible, below the minimum spend).
Points base_points(const EarningRules& rules, Money eligible, Money net, Money non_cash);

EarnResult compute_earn(const ProgramConfig& program, const TierLevel& tier,
                        const PricedBasket& basket, const EarnInputs& inputs);

}  // namespace loyalty
