#include "loyalty/program_config.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "config_file.hpp"
#include "json_numbers.hpp"
#include "loyalty/insight.hpp"
#include "loyalty/json_limits.hpp"

namespace loyalty {

using nlohmann::json;

namespace {

// Reads an optional field, keeping the default when absent; a wrong type is an
// error naming the field.
template <class T>
void read(const json& obj, const char* key, T& out) {
    if (auto it = obj.find(key); it != obj.end() && !it->is_null()) {
        try {
            if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>)
                out = whole_number<T>(obj, key);
            else
                out = it->get<T>();
        } catch (const json::type_error& e) {
            throw std::invalid_argument(std::string(key) + " has the wrong type (" + e.what() +
                                        ")");
        }
    }
}

Rounding parse_rounding(const std::string& s) {
    if (s == "floor") return Rounding::floor;
    if (s == "nearest") return Rounding::nearest;
    if (s == "ceil") return Rounding::ceil;
    throw std::invalid_argument("earning.rounding must be floor, nearest or ceil, not '" + s + "'");
}

const char* rounding_name(Rounding r) {
    switch (r) {
        case Rounding::floor:
            return "floor";
        case Rounding::nearest:
            return "nearest";
        case Rounding::ceil:
            return "ceil";
    }
    return "floor";
}

void require(bool condition, const std::string& message) {
    if (!condition) throw std::invalid_argument(message);
}

EarningRules parse_earning(const json& j) {
    EarningRules e;
    read(j, "points_per_unit", e.points_per_unit);
    read(j, "unit_minor", e.unit_minor);
    if (auto it = j.find("rounding"); it != j.end())
        e.rounding = parse_rounding(it->get<std::string>());
    std::int64_t min_spend = 0;
    read(j, "min_spend_minor", min_spend);
    e.min_spend = Money{min_spend};
    read(j, "daily_cap", e.daily_cap);
    read(j, "excluded_categories", e.excluded_categories);
    read(j, "excluded_skus", e.excluded_skus);
    read(j, "birthday_month_percent", e.birthday_month_percent);
    read(j, "return_window_days", e.return_window_days);
    read(j, "expiry_months", e.expiry_months);
    read(j, "expiry_days", e.expiry_days);
    require(!(j.contains("expiry_months") && j.contains("expiry_days")),
            "earning: give expiry_months or expiry_days, not both");
    read(j, "claim_window_days", e.claim_window_days);
    for (const auto& m : j.value("multipliers", json::array())) {
        LineMultiplier lm;
        if (m.contains("category")) lm.category = m.at("category").get<std::string>();
        if (m.contains("sku")) lm.sku = m.at("sku").get<std::string>();
        lm.percent = whole_number<int>(m, "percent");
        require(lm.category.has_value() != lm.sku.has_value(),
                "earning.multipliers: each entry names exactly one of category or sku");
        require(lm.percent >= 0 && lm.percent <= 10000,
                "earning.multipliers: percent must be 0..10000");
        e.multipliers.push_back(std::move(lm));
    }
    for (const auto& w : j.value("windows", json::array())) {
        EarnWindow ew;
        ew.name = w.value("name", std::string("window"));
        if (w.contains("from")) ew.from_date = w.at("from").get<std::string>();
        if (w.contains("to")) ew.to_date = w.at("to").get<std::string>();
        read(w, "weekdays", ew.weekdays);
        read(w, "from_hour", ew.from_hour);
        read(w, "to_hour", ew.to_hour);
        ew.percent = whole_number<int>(w, "percent");
        for (int d : ew.weekdays)
            require(d >= 1 && d <= 7, "earning.windows: weekdays are 1 (Monday) to 7");
        require(ew.from_hour >= 0 && ew.from_hour < ew.to_hour && ew.to_hour <= 24,
                "earning.windows: hours need 0 <= from_hour < to_hour <= 24");
        require(ew.percent >= 0 && ew.percent <= 10000,
                "earning.windows: percent must be 0..10000");
        e.windows.push_back(std::move(ew));
    }
    require(e.points_per_unit >= 0, "earning.points_per_unit must not be negative");
    require(e.unit_minor > 0, "earning.unit_minor must be positive");
    require(e.daily_cap >= 0, "earning.daily_cap must not be negative");
    require(e.return_window_days >= 0, "earning.return_window_days must not be negative");
    require(e.expiry_months > 0, "earning.expiry_months must be positive");
    require(!j.contains("expiry_days") || (e.expiry_days > 0 && e.expiry_days <= 36600),
            "earning.expiry_days must be 1..36600");
    require(e.claim_window_days >= 0, "earning.claim_window_days must not be negative");
    require(e.birthday_month_percent >= 0 && e.birthday_month_percent <= 10000,
            "earning.birthday_month_percent must be 0..10000");
    return e;
}

TierPolicy parse_tiers(const json& j) {
    TierPolicy t;
    const std::string basis = j.value("basis", std::string("spend"));
    require(basis == "spend" || basis == "points", "tiers.basis must be spend or points");
    t.basis = basis == "spend" ? TierBasis::spend : TierBasis::points;
    read(j, "window_days", t.window_days);
    read(j, "grace_days", t.grace_days);
    const std::string downgrade = j.value("downgrade", std::string("review"));
    require(downgrade == "review" || downgrade == "immediate" || downgrade == "never",
            "tiers.downgrade must be review, immediate or never, not '" + downgrade + "'");
    t.downgrade = downgrade == "review"      ? TierDowngrade::review
                  : downgrade == "immediate" ? TierDowngrade::immediate
                                             : TierDowngrade::never;
    for (const auto& l : j.at("levels")) {
        TierLevel level;
        level.code = l.at("code").get<std::string>();
        level.name = l.value("name", level.code);
        read(l, "threshold", level.threshold);
        read(l, "multiplier_percent", level.multiplier_percent);
        read(l, "discount_percent", level.discount_percent);
        read(l, "member_prices", level.member_prices);
        if (l.contains("birthday_gift"))
            level.birthday_gift = l.at("birthday_gift").get<std::string>();
        read(l, "parking_minutes", level.parking_minutes);
        require(level.discount_percent >= 0 && level.discount_percent < 100,
                "tier " + level.code + ": discount_percent must be 0..99");
        require(level.multiplier_percent >= 0 && level.multiplier_percent <= 10000,
                "tier " + level.code + ": multiplier_percent must be 0..10000");
        t.levels.push_back(std::move(level));
    }
    require(!t.levels.empty(), "tiers.levels must name at least one tier");
    require(t.levels.front().threshold == 0,
            "the first tier must have threshold 0 (every member has a tier)");
    for (std::size_t i = 1; i < t.levels.size(); ++i)
        require(t.levels[i].threshold > t.levels[i - 1].threshold,
                "tier thresholds must be strictly ascending");
    require(t.window_days > 0 && t.grace_days >= 0,
            "tiers.window_days must be positive, grace_days not negative");
    return t;
}

RfmConfig parse_rfm(const json& j) {
    RfmConfig r;
    read(j, "recency_days", r.recency_days);
    read(j, "frequency", r.frequency);
    read(j, "monetary_minor", r.monetary_minor);
    read(j, "weight_r", r.weight_r);
    read(j, "weight_f", r.weight_f);
    read(j, "weight_m", r.weight_m);
    read(j, "window_days", r.window_days);
    require(r.recency_days.size() == 4 && r.frequency.size() == 4 && r.monetary_minor.size() == 4,
            "rfm bins need exactly four thresholds each (five scores)");
    require(std::is_sorted(r.recency_days.begin(), r.recency_days.end()) &&
                std::is_sorted(r.frequency.begin(), r.frequency.end()) &&
                std::is_sorted(r.monetary_minor.begin(), r.monetary_minor.end()),
            "rfm bins must be ascending");
    return r;
}

ProgramConfig parse(const json& j) {
    ProgramConfig c;
    c.code = j.at("code").get<std::string>();
    c.name = j.value("name", c.code);
    read(j, "kind", c.kind);
    read(j, "currency", c.currency);
    read(j, "default_country_code", c.default_country_code);
    read(j, "utc_offset_minutes", c.utc_offset_minutes);
    read(j, "stores", c.stores);
    require(!c.code.empty(), "program code must not be empty");
    require(c.kind == "mall" || c.kind == "brand", "program kind must be mall or brand");
    c.earning = parse_earning(j.value("earning", json::object()));
    c.tiers = parse_tiers(j.at("tiers"));
    if (j.contains("rfm")) c.rfm = parse_rfm(j.at("rfm"));
    if (j.contains("points_payment")) {
        const auto& p = j.at("points_payment");
        read(p, "points", c.points_payment.points);
        std::int64_t value = c.points_payment.value.minor;
        read(p, "value_minor", value);
        c.points_payment.value = Money{value};
        read(p, "max_percent_of_basket", c.points_payment.max_percent_of_basket);
        require(c.points_payment.points > 0 && value > 0,
                "points_payment needs positive points and value_minor");
        require(c.points_payment.max_percent_of_basket >= 0 &&
                    c.points_payment.max_percent_of_basket <= 100,
                "points_payment.max_percent_of_basket must be 0..100");
    }
    for (const auto& r : j.value("rewards", json::array())) {
        RewardDefinition rd;
        rd.code = r.at("code").get<std::string>();
        rd.name = r.value("name", rd.code);
        rd.points_cost = whole_number<Points>(r, "points_cost");
        read(r, "value_minor", rd.value.minor);
        read(r, "valid_days", rd.valid_days);
        if (r.contains("stock")) rd.stock = whole_number<std::int64_t>(r, "stock");
        require(rd.points_cost > 0, "reward " + rd.code + ": points_cost must be positive");
        require(rd.valid_days > 0, "reward " + rd.code + ": valid_days must be positive");
        c.rewards.push_back(std::move(rd));
    }
    for (const auto& r : j.value("tag_rules", json::array())) {
        TagRule rule{r.at("tag").get<std::string>(), r.at("filter").dump()};
        auto filter = parse_member_filter(rule.filter_json);
        require(filter.ok(),
                "tag rule " + rule.tag + ": " + (filter.ok() ? "" : filter.error().message));
        c.tag_rules.push_back(std::move(rule));
    }
    for (const auto& level : c.tiers.levels)
        if (level.birthday_gift) {
            const bool known = std::any_of(c.rewards.begin(), c.rewards.end(), [&](const auto& r) {
                return r.code == *level.birthday_gift;
            });
            require(known, "tier " + level.code + ": birthday_gift names unknown reward " +
                               *level.birthday_gift);
        }
    return c;
}

}  // namespace

const TierLevel* ProgramConfig::tier(const std::string& tier_code) const {
    for (const auto& level : tiers.levels)
        if (level.code == tier_code) return &level;
    return nullptr;
}

Result<ProgramConfig> parse_program_config_json(const std::string& json_text) {
    if (auto refused = json_nesting_refusal(json_text))
        return make_error(Errc::invalid_argument, "program config: " + *refused);
    try {
        return parse(json::parse(json_text));
    } catch (const json::exception& e) {
        return make_error(Errc::invalid_argument, std::string("program config: ") + e.what());
    } catch (const std::invalid_argument& e) {
        return make_error(Errc::invalid_argument, std::string("program config: ") + e.what());
    }
}

Result<ProgramConfig> load_program_config_file(const std::filesystem::path& path) {
    auto text = read_config_file_as_json(path);
    if (!text) return text.error();
    return parse_program_config_json(*text);
}

std::string program_config_to_json(const ProgramConfig& c) {
    json j;
    j["code"] = c.code;
    j["name"] = c.name;
    j["kind"] = c.kind;
    j["currency"] = c.currency;
    j["default_country_code"] = c.default_country_code;
    j["utc_offset_minutes"] = c.utc_offset_minutes;
    j["stores"] = c.stores;
    const auto& e = c.earning;
    json multipliers = json::array();
    for (const auto& m : e.multipliers) {
        json mj{{"percent", m.percent}};
        if (m.category) mj["category"] = *m.category;
        if (m.sku) mj["sku"] = *m.sku;
        multipliers.push_back(mj);
    }
    json windows = json::array();
    for (const auto& w : e.windows) {
        json wj{{"name", w.name},
                {"weekdays", w.weekdays},
                {"from_hour", w.from_hour},
                {"to_hour", w.to_hour},
                {"percent", w.percent}};
        if (w.from_date) wj["from"] = *w.from_date;
        if (w.to_date) wj["to"] = *w.to_date;
        windows.push_back(wj);
    }
    j["earning"] = {{"points_per_unit", e.points_per_unit},
                    {"unit_minor", e.unit_minor},
                    {"rounding", rounding_name(e.rounding)},
                    {"min_spend_minor", e.min_spend.minor},
                    {"daily_cap", e.daily_cap},
                    {"excluded_categories", e.excluded_categories},
                    {"excluded_skus", e.excluded_skus},
                    {"multipliers", multipliers},
                    {"windows", windows},
                    {"birthday_month_percent", e.birthday_month_percent},
                    {"return_window_days", e.return_window_days},
                    {"claim_window_days", e.claim_window_days}};
    if (e.expiry_days > 0)  // one of the two: the file may not give both
        j["earning"]["expiry_days"] = e.expiry_days;
    else
        j["earning"]["expiry_months"] = e.expiry_months;
    json levels = json::array();
    for (const auto& l : c.tiers.levels) {
        json lj{{"code", l.code},
                {"name", l.name},
                {"threshold", l.threshold},
                {"multiplier_percent", l.multiplier_percent},
                {"discount_percent", l.discount_percent},
                {"member_prices", l.member_prices},
                {"parking_minutes", l.parking_minutes}};
        if (l.birthday_gift) lj["birthday_gift"] = *l.birthday_gift;
        levels.push_back(lj);
    }
    j["tiers"] = {{"basis", c.tiers.basis == TierBasis::spend ? "spend" : "points"},
                  {"window_days", c.tiers.window_days},
                  {"grace_days", c.tiers.grace_days},
                  {"downgrade", c.tiers.downgrade == TierDowngrade::review      ? "review"
                                : c.tiers.downgrade == TierDowngrade::immediate ? "immediate"
                                                                                : "never"},
                  {"levels", levels}};
    json rewards = json::array();
    for (const auto& r : c.rewards) {
        json rj{{"code", r.code},
                {"name", r.name},
                {"points_cost", r.points_cost},
                {"value_minor", r.value.minor},
                {"valid_days", r.valid_days}};
        if (r.stock) rj["stock"] = *r.stock;
        rewards.push_back(rj);
    }
    j["rewards"] = rewards;
    json tag_rules = json::array();
    for (const auto& r : c.tag_rules)
        tag_rules.push_back({{"tag", r.tag}, {"filter", json::parse(r.filter_json)}});
    j["tag_rules"] = tag_rules;
    j["points_payment"] = {{"points", c.points_payment.points},
                           {"value_minor", c.points_payment.value.minor},
                           {"max_percent_of_basket", c.points_payment.max_percent_of_basket}};
    j["rfm"] = {{"recency_days", c.rfm.recency_days},
                {"frequency", c.rfm.frequency},
                {"monetary_minor", c.rfm.monetary_minor},
                {"weight_r", c.rfm.weight_r},
                {"weight_f", c.rfm.weight_f},
                {"weight_m", c.rfm.weight_m},
                {"window_days", c.rfm.window_days}};
    return j.dump();
}

}  // namespace loyalty
