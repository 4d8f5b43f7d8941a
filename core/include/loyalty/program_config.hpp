#pragma once
// A program's configuration as data: currency rules, earning rules, tiers and
// their privileges, rewards, RFM bins. Loaded from TOML or JSON, validated once,
// stored with the program so every terminal applies the same version.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "loyalty/coupon_benefits.hpp"
#include "loyalty/local_names.hpp"
#include "loyalty/mall_rules.hpp"
#include "loyalty/money.hpp"
#include "loyalty/result.hpp"

namespace loyalty {

enum class Rounding { floor, nearest, ceil };

// A multiplier on the points of matching lines, in percent (200 = double points).
struct LineMultiplier {
    std::optional<std::string> category;
    std::optional<std::string> sku;
    int percent = 100;
};

// Bonus for sales inside a campaign window: dates (local, inclusive), weekdays
// (1 = Monday .. 7 = Sunday; empty = every day), hours [from, to) local.
struct EarnWindow {
    std::string name;
    std::optional<std::string> from_date;  // "YYYY-MM-DD"
    std::optional<std::string> to_date;
    std::vector<int> weekdays;
    int from_hour = 0;
    int to_hour = 24;
    int percent = 100;
    std::vector<std::string> stores{};  // empty: every store
};

// Fixed points beside the rate: per qualifying order, per visit (a member's first
// qualifying sale of the local day), per item of a SKU or category, or on a member's
// first purchase ever. Named, so the ledger and the receipt can say which gave what.
enum class ExtraKind { per_order, per_visit, per_item, first_purchase };

struct EarnExtra {
    std::string name;
    ExtraKind kind = ExtraKind::per_order;
    Points points = 0;
    Money min_spend{};                      // eligible spend the sale must reach
    std::optional<std::string> category{};  // per_item: the units that count
    std::optional<std::string> sku{};
    std::vector<std::string> stores{};  // empty: every store
};

// How the tier's, a window's, the birthday month's and a line's multipliers combine:
// all multiply (Gold 150% x weekend 200% = 300%), or only the highest applies.
enum class MultiplierMode { multiply, highest };

struct EarningRules {
    // points_per_unit points for every unit_minor of eligible spend.
    Points points_per_unit = 1;
    std::int64_t unit_minor = 100;
    Rounding rounding = Rounding::floor;  // applied once, to the sale's total
    Money min_spend{0};
    Points daily_cap = 0;  // 0 = no cap; per member per local day, over sales
    Points bill_cap = 0;   // 0 = no cap; points from one sale's rate and multipliers
    std::vector<std::string> excluded_categories;
    std::vector<std::string> excluded_skus;
    // Include-only lists: when either is set, only these categories and SKUs earn.
    std::vector<std::string> included_categories{};
    std::vector<std::string> included_skus{};
    MultiplierMode multiplier_mode = MultiplierMode::multiply;
    std::vector<EarnExtra> extras{};
    std::vector<LineMultiplier> multipliers;
    std::vector<EarnWindow> windows;
    int birthday_month_percent = 100;
    int return_window_days = 7;  // earned points stay pending this long
    int expiry_months = 24;      // a lot expires at the end of the month this many months on
    // Instead of expiry_months when positive: a lot earned on local day D expires at the
    // local midnight that ends day D + expiry_days (usable for expiry_days whole days).
    int expiry_days = 0;
    int claim_window_days = 30;  // a receipt's points can be claimed this long after the sale
};

struct TierLevel {
    std::string code;
    std::string name;            // in the program's own language; every language's in `names`
    std::int64_t threshold = 0;  // qualifying spend (minor units) or points over the window
    int multiplier_percent = 100;
    int discount_percent = 0;
    std::map<std::string, std::int64_t> member_prices;  // sku -> member price in minor units
    std::optional<std::string> birthday_gift;           // reward code given in the birthday month
    int parking_minutes = 0;
    LocalNames names{};
};

enum class TierBasis { spend, points };

// How a member who no longer qualifies moves down: at the review date after the
// grace period (review), at once with the qualifying value on each sale, refund and
// daily run (immediate), or not at all (never). A manager's floor holds in every mode.
enum class TierDowngrade { review, immediate, never };

struct TierPolicy {
    TierBasis basis = TierBasis::spend;
    // A SKU's member price and the tier's discount never stack: by default the member
    // pays the lower of the two; "always" keeps the member price even when dearer.
    bool member_price_always = false;
    int window_days = 365;
    int grace_days = 30;
    TierDowngrade downgrade = TierDowngrade::review;
    std::vector<TierLevel> levels;  // ascending thresholds; levels[0].threshold == 0
};

struct RewardDefinition {
    std::string code;
    std::string name;  // in the program's own language; every language's in `names`
    Points points_cost = 0;
    Money value{0};  // amount off when the coupon is used (kind "amount")
    int valid_days = 30;
    std::optional<std::int64_t> stock;
    CouponBenefit benefit{};   // what the coupon takes off (value is benefit.value)
    int per_member_limit = 0;  // 0: no limit; coupons of this reward one member may get...
    int per_member_days = 0;   // ...within this many days (0: ever)
    LocalNames names{};
};

// Paying part of a basket with points: `points` points are worth `value`.
struct PointsPayment {
    Points points = 100;
    Money value{100};
    int max_percent_of_basket = 50;
    Money min_bill{};                // bills below this cannot be paid with points
    Points max_points_per_bill = 0;  // 0: only the percentage caps it
};

// A code typed or scanned at the till (a flyer's "SPRING10"): it applies a reward's
// benefit to the sale without points, or turns on an earning extra that only counts
// with its code. Single-use (max_uses = 1) or multi-use with a total and a per-member
// limit, within optional dates.
struct PromoCode {
    std::string code;                        // matched without regard to letter case
    std::optional<std::string> reward{};     // a reward code: its benefit, free
    std::optional<std::string> extra{};      // an earning extra's name: on with this code only
    std::int64_t max_uses = 0;               // 0: no total limit
    int per_member_limit = 0;                // 0: no limit; > 0 needs an identified member
    std::optional<std::string> from_date{};  // "YYYY-MM-DD", local, inclusive
    std::optional<std::string> to_date{};
};

// A promo code as it is stored and counted: letters upper-cased ("spring15" is SPRING15).
std::string promo_code_key(std::string typed);

// Stored value (stored_value.hpp). A top-up rule: top up at least `min_amount` and get
// bonus money, points, a coupon (a reward's, free) and/or a tier; the best rule the
// amount reaches applies, once per top-up.
struct TopUpRule {
    std::string name;
    Money min_amount{};
    Money bonus{};
    Points points = 0;
    std::optional<std::string> coupon{};  // a reward code
    std::optional<std::string> tier{};    // lifted to at least this tier
    std::optional<std::string> from_date{};
    std::optional<std::string> to_date{};
    std::vector<std::string> stores{};  // empty: every store
};

// The order in which a payment draws on principal (money paid in) and bonus.
enum class DeductionOrder { bonus_first, principal_first, proportional };

// Defaults are the limits for single-purpose prepaid value in China (单用途商业预付卡):
// a registered balance at most 5,000 yuan, a bearer card at most 1,000 yuan and valid
// at least 3 years; registered balances never expire.
struct StoredValueRules {
    bool enabled = false;
    DeductionOrder order = DeductionOrder::bonus_first;
    Money max_bonus_per_bill{};                   // 0: no cap on a bill's bonus part
    std::vector<std::string> bonus_categories{};  // empty: bonus pays for every category
    Money member_balance_limit{500000};
    Money bearer_card_limit{100000};
    int bearer_valid_years = 3;
    Money offline_limit{};  // per member and day while the hub does not answer; 0: none
    Money pin_above{};      // a registered payment above this needs PIN or fresh QR; 0: never
    std::vector<std::string> tenders{"cash", "wechat", "alipay", "bank_card"};
    std::vector<TopUpRule> top_ups{};
};

// Bins are thresholds, ascending; a value reaching bin i scores i + 2 (so
// reaching none scores 1 and reaching all four scores 5). Recency is the other
// way round: within recency_days[0] scores 5.
struct RfmConfig {
    std::vector<int> recency_days{30, 90, 180, 365};
    std::vector<std::int64_t> frequency{2, 3, 4, 5};
    std::vector<std::int64_t> monetary_minor{500000, 1000000, 2000000, 5000000};
    int weight_r = 4;
    int weight_f = 8;
    int weight_m = 8;
    int window_days = 365;
};

// A tag the nightly run keeps on exactly the members matching a filter
// (the filter is a MemberFilter in JSON, see insight.hpp).
struct TagRule {
    std::string tag;
    std::string filter_json;
};

// What a shopper agrees to when joining, to read on screen before ticking the boxes:
// per language, as names are (local_names.hpp).
struct JoinTerms {
    std::string privacy;
    LocalNames privacy_by_lang{};
    std::string marketing;
    LocalNames marketing_by_lang{};
};

struct ProgramConfig {
    std::string code;
    std::string name;
    LocalNames names{};
    std::string kind = "brand";  // mall | brand
    std::string currency = "CNY";
    std::string default_country_code = "86";
    int utc_offset_minutes = 480;
    EarningRules earning;
    TierPolicy tiers;
    std::vector<RewardDefinition> rewards;
    PointsPayment points_payment;
    RfmConfig rfm;
    std::vector<TagRule> tag_rules;
    std::vector<std::string> stores;
    std::vector<PromoCode> promo_codes{};
    StoredValueRules stored_value{};
    JoinTerms terms{};
    ReceiptClaimRules receipt_claims{};  // a mall's: receipts of its shops (mall_rules.hpp)
    ParkingRules parking{};

    const TierLevel* tier(const std::string& code) const;
    const RewardDefinition* reward(const std::string& code) const;
    // The promo code typed, in any letter case; nullptr when the program has none such.
    const PromoCode* promo_code(const std::string& typed) const;
    // Whether an earning extra only counts with a promo code naming it.
    bool extra_needs_code(const std::string& extra_name) const;
    const TierLevel& entry_tier() const { return tiers.levels.front(); }
};

Result<ProgramConfig> parse_program_config_json(const std::string& json_text);
Result<ProgramConfig> load_program_config_file(
    const std::filesystem::path& path);  // .toml or .json
std::string program_config_to_json(const ProgramConfig& config);

}  // namespace loyalty
