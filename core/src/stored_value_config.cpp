#include "stored_value_config.hpp"

#include <algorithm>

#include "config_fields.hpp"

namespace loyalty {

using nlohmann::json;

namespace {

DeductionOrder parse_order(const std::string& s) {
    if (s == "bonus_first") return DeductionOrder::bonus_first;
    if (s == "principal_first") return DeductionOrder::principal_first;
    if (s == "proportional") return DeductionOrder::proportional;
    throw std::invalid_argument(
        "stored_value.deduction_order must be bonus_first, principal_first or proportional, "
        "not '" +
        s + "'");
}

const char* order_name(DeductionOrder o) {
    switch (o) {
        case DeductionOrder::bonus_first:
            return "bonus_first";
        case DeductionOrder::principal_first:
            return "principal_first";
        case DeductionOrder::proportional:
            return "proportional";
    }
    return "bonus_first";
}

Money read_money(const json& obj, const char* key, Money fallback) {
    std::int64_t minor = fallback.minor;
    read(obj, key, minor);
    require(minor >= 0, std::string("stored_value.") + key + " must not be negative");
    return Money{minor};
}

TopUpRule parse_rule(const json& r, const ProgramConfig& config) {
    TopUpRule rule;
    rule.name = r.at("name").get<std::string>();
    rule.min_amount = Money{whole_number<std::int64_t>(r, "min_amount_minor")};
    rule.bonus = read_money(r, "bonus_minor", Money{});
    read(r, "points", rule.points);
    if (r.contains("coupon")) rule.coupon = r.at("coupon").get<std::string>();
    if (r.contains("tier")) rule.tier = r.at("tier").get<std::string>();
    if (r.contains("from")) rule.from_date = r.at("from").get<std::string>();
    if (r.contains("to")) rule.to_date = r.at("to").get<std::string>();
    read(r, "stores", rule.stores);
    const auto where = "stored_value.top_ups " + rule.name + ": ";
    require(!rule.name.empty(), "stored_value.top_ups: every rule needs a name");
    require(rule.min_amount.minor > 0, where + "min_amount_minor must be positive");
    require(rule.points >= 0, where + "points must not be negative");
    require(rule.bonus.minor > 0 || rule.points > 0 || rule.coupon || rule.tier,
            where + "gives nothing (bonus_minor, points, coupon or tier)");
    require(!rule.coupon || config.reward(*rule.coupon),
            where + "names unknown reward " + rule.coupon.value_or(""));
    require(!rule.tier || config.tier(*rule.tier),
            where + "names unknown tier " + rule.tier.value_or(""));
    for (const auto* d : {&rule.from_date, &rule.to_date})
        require(!*d || valid_date(**d), where + "dates are YYYY-MM-DD");
    return rule;
}

}  // namespace

void parse_stored_value(const json& section, ProgramConfig& config) {
    auto& sv = config.stored_value;
    sv.enabled = true;
    read(section, "enabled", sv.enabled);
    if (section.contains("deduction_order"))
        sv.order = parse_order(section.at("deduction_order").get<std::string>());
    sv.max_bonus_per_bill = read_money(section, "max_bonus_per_bill_minor", sv.max_bonus_per_bill);
    read(section, "bonus_categories", sv.bonus_categories);
    sv.member_balance_limit =
        read_money(section, "member_balance_limit_minor", sv.member_balance_limit);
    sv.bearer_card_limit = read_money(section, "bearer_card_limit_minor", sv.bearer_card_limit);
    read(section, "bearer_valid_years", sv.bearer_valid_years);
    sv.offline_limit = read_money(section, "offline_limit_minor", sv.offline_limit);
    sv.pin_above = read_money(section, "pin_above_minor", sv.pin_above);
    read(section, "tenders", sv.tenders);
    require(sv.member_balance_limit.minor > 0 && sv.bearer_card_limit.minor > 0,
            "stored_value: balance limits must be positive");
    require(sv.bearer_valid_years >= 1 && sv.bearer_valid_years <= 100,
            "stored_value.bearer_valid_years must be 1..100");
    require(!sv.tenders.empty(), "stored_value.tenders must name at least one tender");
    for (const auto& r : section.value("top_ups", json::array())) {
        auto rule = parse_rule(r, config);
        const bool twice = std::any_of(sv.top_ups.begin(), sv.top_ups.end(),
                                       [&](const TopUpRule& t) { return t.name == rule.name; });
        require(!twice, "stored_value.top_ups " + rule.name + " is listed twice");
        sv.top_ups.push_back(std::move(rule));
    }
}

json stored_value_json(const StoredValueRules& sv) {
    json rules = json::array();
    for (const auto& r : sv.top_ups) {
        json rj{{"name", r.name},
                {"min_amount_minor", r.min_amount.minor},
                {"bonus_minor", r.bonus.minor},
                {"points", r.points},
                {"stores", r.stores}};
        if (r.coupon) rj["coupon"] = *r.coupon;
        if (r.tier) rj["tier"] = *r.tier;
        if (r.from_date) rj["from"] = *r.from_date;
        if (r.to_date) rj["to"] = *r.to_date;
        rules.push_back(rj);
    }
    return {{"enabled", sv.enabled},
            {"deduction_order", order_name(sv.order)},
            {"max_bonus_per_bill_minor", sv.max_bonus_per_bill.minor},
            {"bonus_categories", sv.bonus_categories},
            {"member_balance_limit_minor", sv.member_balance_limit.minor},
            {"bearer_card_limit_minor", sv.bearer_card_limit.minor},
            {"bearer_valid_years", sv.bearer_valid_years},
            {"offline_limit_minor", sv.offline_limit.minor},
            {"pin_above_minor", sv.pin_above.minor},
            {"tenders", sv.tenders},
            {"top_ups", rules}};
}

}  // namespace loyalty
