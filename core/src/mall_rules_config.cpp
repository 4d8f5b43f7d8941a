#include "mall_rules_config.hpp"

#include <algorithm>
#include <set>

#include "config_fields.hpp"
#include "loyalty/receipt_codes.hpp"

namespace loyalty {

using nlohmann::json;

namespace {

Money read_amount(const json& obj, const char* key, Money fallback, const std::string& where) {
    std::int64_t minor = fallback.minor;
    read(obj, key, minor);
    require(minor >= 0, where + key + " must not be negative");
    return Money{minor};
}

bool keypad_code(const std::string& code) {
    return !code.empty() && code.size() <= 8 &&
           std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; });
}

MallShop parse_shop(const json& s) {
    require(s.is_object(), "receipt_claims.shops: every shop is a table");
    MallShop shop;
    read(s, "code", shop.code);
    const auto where = "receipt_claims.shops " + shop.code + ": ";
    require(keypad_code(shop.code),
            "receipt_claims.shops: code must be 1 to 8 digits (typed on the keypad), not '" +
                shop.code + "'");
    read_local(s, "name", shop.name, shop.names, "");
    require(!shop.name.empty(), where + "needs a name");
    read(s, "category", shop.category);
    require(!shop.category.empty(), where + "needs a category");
    shop.min_amount = read_amount(s, "min_amount_minor", Money{1}, where);
    shop.max_amount = read_amount(s, "max_amount_minor", Money{}, where);
    require(shop.min_amount.minor > 0, where + "min_amount_minor must be positive");
    require(shop.max_amount.minor == 0 || shop.max_amount.minor >= shop.min_amount.minor,
            where + "max_amount_minor is below min_amount_minor");
    read(s, "receipt_formats", shop.receipt_formats);
    for (const auto& f : shop.receipt_formats)
        if (auto why = check_receipt_format(f))
            throw std::invalid_argument(where + "receipt format '" + f + "': " + *why);
    return shop;
}

}  // namespace

void parse_mall_rules(const json& j, ProgramConfig& c) {
    if (const auto it = j.find("receipt_claims"); it != j.end()) {
        require(it->is_object(), "receipt_claims must be a table");
        auto& r = c.receipt_claims;
        read(*it, "window_days", r.window_days);
        read(*it, "daily_claims", r.daily_claims);
        read(*it, "daily_points", r.daily_points);
        r.review_above = read_amount(*it, "review_above_minor", Money{}, "receipt_claims.");
        read(*it, "e_invoices", r.e_invoices);
        require(r.window_days >= 0 && r.window_days <= 366,
                "receipt_claims.window_days must be 0 to 366");
        require(r.daily_claims >= 0, "receipt_claims.daily_claims must not be negative");
        require(r.daily_points >= 0, "receipt_claims.daily_points must not be negative");
        if (const auto shops = it->find("shops"); shops != it->end()) {
            require(shops->is_array(), "receipt_claims.shops must be an array of tables");
            std::set<std::string> codes;
            for (const auto& s : *shops) {
                auto shop = parse_shop(s);
                require(codes.insert(shop.code).second,
                        "receipt_claims.shops: code " + shop.code + " twice");
                r.shops.push_back(std::move(shop));
            }
        }
    }
    if (const auto it = j.find("parking"); it != j.end()) {
        require(it->is_object(), "parking must be a table");
        read(*it, "points_per_hour", c.parking.points_per_hour);
        read(*it, "max_bought_hours", c.parking.max_bought_hours);
        require(c.parking.points_per_hour >= 0, "parking.points_per_hour must not be negative");
        require(c.parking.max_bought_hours >= 0, "parking.max_bought_hours must not be negative");
    }
}

void write_mall_rules(const ProgramConfig& c, json& j) {
    const auto& r = c.receipt_claims;
    const ReceiptClaimRules defaults;
    if (!r.shops.empty() || r.window_days != defaults.window_days || r.daily_claims ||
        r.daily_points || r.review_above.minor || !r.e_invoices) {
        json shops = json::array();
        for (const auto& s : r.shops)
            shops.push_back({{"code", s.code},
                             {"name", local_json(s.name, s.names)},
                             {"category", s.category},
                             {"min_amount_minor", s.min_amount.minor},
                             {"max_amount_minor", s.max_amount.minor},
                             {"receipt_formats", s.receipt_formats}});
        j["receipt_claims"] = {
            {"window_days", r.window_days},   {"daily_claims", r.daily_claims},
            {"daily_points", r.daily_points}, {"review_above_minor", r.review_above.minor},
            {"e_invoices", r.e_invoices},     {"shops", shops}};
    }
    if (c.parking.points_per_hour || c.parking.max_bought_hours)
        j["parking"] = {{"points_per_hour", c.parking.points_per_hour},
                        {"max_bought_hours", c.parking.max_bought_hours}};
}

}  // namespace loyalty
