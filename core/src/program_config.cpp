#include "loyalty/program_config.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "config_fields.hpp"
#include "config_file.hpp"
#include "json_numbers.hpp"
#include "loyalty/insight.hpp"
#include "loyalty/json_limits.hpp"
#include "mall_rules_config.hpp"
#include "stored_value_config.hpp"

namespace loyalty {

using nlohmann::json;

namespace {

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

ExtraKind parse_extra_kind(const std::string& s) {
    if (s == "per_order") return ExtraKind::per_order;
    if (s == "per_visit") return ExtraKind::per_visit;
    if (s == "per_item") return ExtraKind::per_item;
    if (s == "first_purchase") return ExtraKind::first_purchase;
    throw std::invalid_argument(
        "earning.extras: kind must be per_order, per_visit, per_item or first_purchase, not '" + s +
        "'");
}

const char* extra_kind_name(ExtraKind k) {
    switch (k) {
        case ExtraKind::per_order:
            return "per_order";
        case ExtraKind::per_visit:
            return "per_visit";
        case ExtraKind::per_item:
            return "per_item";
        case ExtraKind::first_purchase:
            return "first_purchase";
    }
    return "per_order";
}

EarnExtra parse_extra(const json& x) {
    EarnExtra e;
    e.kind = parse_extra_kind(x.at("kind").get<std::string>());
    e.name = x.value("name", std::string(extra_kind_name(e.kind)));
    e.points = whole_number<Points>(x, "points");
    std::int64_t min_spend = 0;
    read(x, "min_spend_minor", min_spend);
    e.min_spend = Money{min_spend};
    if (x.contains("category")) e.category = x.at("category").get<std::string>();
    if (x.contains("sku")) e.sku = x.at("sku").get<std::string>();
    read(x, "stores", e.stores);
    const auto where = "earning.extras " + e.name + ": ";
    require(e.points > 0 && e.points <= 1'000'000, where + "points must be 1..1000000");
    require(min_spend >= 0, where + "min_spend_minor must not be negative");
    require((e.kind == ExtraKind::per_item) == (e.category || e.sku),
            where + (e.kind == ExtraKind::per_item ? "per_item names a category or a sku"
                                                   : "only per_item takes a category or sku"));
    require(!(e.category && e.sku), where + "name a category or a sku, not both");
    return e;
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
    read(j, "bill_cap", e.bill_cap);
    read(j, "excluded_categories", e.excluded_categories);
    read(j, "excluded_skus", e.excluded_skus);
    read(j, "included_categories", e.included_categories);
    read(j, "included_skus", e.included_skus);
    if (auto it = j.find("multipliers_combine"); it != j.end()) {
        const auto mode = it->get<std::string>();
        require(mode == "multiply" || mode == "highest",
                "earning.multipliers_combine must be multiply or highest, not '" + mode + "'");
        e.multiplier_mode = mode == "highest" ? MultiplierMode::highest : MultiplierMode::multiply;
    }
    for (const auto& x : j.value("extras", json::array())) e.extras.push_back(parse_extra(x));
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
        read(w, "stores", ew.stores);
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
    require(e.bill_cap >= 0, "earning.bill_cap must not be negative");
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
    if (auto it = j.find("member_price"); it != j.end()) {
        const auto policy = it->get<std::string>();
        require(policy == "better" || policy == "always",
                "tiers.member_price must be better or always, not '" + policy + "'");
        t.member_price_always = policy == "always";
    }
    const std::string downgrade = j.value("downgrade", std::string("review"));
    require(downgrade == "review" || downgrade == "immediate" || downgrade == "never",
            "tiers.downgrade must be review, immediate or never, not '" + downgrade + "'");
    t.downgrade = downgrade == "review"      ? TierDowngrade::review
                  : downgrade == "immediate" ? TierDowngrade::immediate
                                             : TierDowngrade::never;
    for (const auto& l : j.at("levels")) {
        TierLevel level;
        level.code = l.at("code").get<std::string>();
        read_local(l, "name", level.name, level.names, level.code);
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
    read_local(j, "name", c.name, c.names, c.code);
    if (const auto t = j.find("terms"); t != j.end()) {
        require(t->is_object(), "terms must be a table (privacy, marketing)");
        read_local(*t, "privacy", c.terms.privacy, c.terms.privacy_by_lang, "");
        read_local(*t, "marketing", c.terms.marketing, c.terms.marketing_by_lang, "");
    }
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
        std::int64_t min_bill = 0;
        read(p, "min_bill_minor", min_bill);
        c.points_payment.min_bill = Money{min_bill};
        read(p, "max_points_per_bill", c.points_payment.max_points_per_bill);
        require(min_bill >= 0 && c.points_payment.max_points_per_bill >= 0,
                "points_payment: min_bill_minor and max_points_per_bill must not be negative");
        require(c.points_payment.max_points_per_bill == 0 ||
                    c.points_payment.max_points_per_bill >= c.points_payment.points,
                "points_payment.max_points_per_bill (" +
                    std::to_string(c.points_payment.max_points_per_bill) +
                    ") is below one redemption step of " + std::to_string(c.points_payment.points) +
                    " points: no bill could ever be paid with points");
        require(c.points_payment.points > 0 && value > 0,
                "points_payment needs positive points and value_minor");
        require(c.points_payment.max_percent_of_basket >= 0 &&
                    c.points_payment.max_percent_of_basket <= 100,
                "points_payment.max_percent_of_basket must be 0..100");
    }
    for (const auto& r : j.value("rewards", json::array())) {
        RewardDefinition rd;
        rd.code = r.at("code").get<std::string>();
        read_local(r, "name", rd.name, rd.names, rd.code);
        rd.points_cost = whole_number<Points>(r, "points_cost");
        read(r, "value_minor", rd.value.minor);
        read(r, "valid_days", rd.valid_days);
        if (r.contains("stock")) rd.stock = whole_number<std::int64_t>(r, "stock");
        rd.benefit = parse_coupon_benefit(r, "reward " + rd.code);
        rd.value = rd.benefit.value;
        read(r, "per_member_limit", rd.per_member_limit);
        read(r, "per_member_days", rd.per_member_days);
        require(
            rd.per_member_limit >= 0 && rd.per_member_days >= 0,
            "reward " + rd.code + ": per_member_limit and per_member_days must not be negative");
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
    for (const auto& pc : j.value("promo_codes", json::array())) {
        PromoCode promo;
        promo.code = promo_code_key(pc.at("code").get<std::string>());
        if (pc.contains("reward")) promo.reward = pc.at("reward").get<std::string>();
        if (pc.contains("extra")) promo.extra = pc.at("extra").get<std::string>();
        read(pc, "max_uses", promo.max_uses);
        read(pc, "per_member_limit", promo.per_member_limit);
        if (pc.contains("from")) promo.from_date = pc.at("from").get<std::string>();
        if (pc.contains("to")) promo.to_date = pc.at("to").get<std::string>();
        const auto where = "promo code " + promo.code + ": ";
        require(!promo.code.empty() && promo.code.size() <= 32, "a promo code is 1..32 characters");
        require(promo.reward.has_value() != promo.extra.has_value(),
                where + "names exactly one of reward or extra");
        require(!promo.reward || c.reward(*promo.reward),
                where + "names unknown reward " + promo.reward.value_or(""));
        require(
            !promo.extra || std::any_of(c.earning.extras.begin(), c.earning.extras.end(),
                                        [&](const EarnExtra& x) { return x.name == *promo.extra; }),
            where + "names unknown earning extra " + promo.extra.value_or(""));
        require(promo.max_uses >= 0 && promo.per_member_limit >= 0,
                where + "max_uses and per_member_limit must not be negative");
        for (const auto* d : {&promo.from_date, &promo.to_date})
            require(!*d || valid_date(**d), where + "dates are YYYY-MM-DD");
        require(!c.promo_code(promo.code), where + "is listed twice");
        c.promo_codes.push_back(std::move(promo));
    }
    for (const auto& level : c.tiers.levels)
        if (level.birthday_gift) {
            const bool known = std::any_of(c.rewards.begin(), c.rewards.end(), [&](const auto& r) {
                return r.code == *level.birthday_gift;
            });
            require(known, "tier " + level.code + ": birthday_gift names unknown reward " +
                               *level.birthday_gift);
            require(c.reward(*level.birthday_gift)->benefit.kind == BenefitKind::amount,
                    "tier " + level.code + ": birthday_gift " + *level.birthday_gift +
                        " must be an amount-off reward (a birthday coupon is an amount)");
        }
    if (j.contains("stored_value")) parse_stored_value(j.at("stored_value"), c);
    parse_mall_rules(j, c);
    return c;
}

}  // namespace

std::string promo_code_key(std::string typed) {
    for (auto& ch : typed)
        if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
    return typed;
}

const RewardDefinition* ProgramConfig::reward(const std::string& reward_code) const {
    for (const auto& r : rewards)
        if (r.code == reward_code) return &r;
    return nullptr;
}

const PromoCode* ProgramConfig::promo_code(const std::string& typed) const {
    const auto wanted = promo_code_key(typed);
    for (const auto& p : promo_codes)
        if (p.code == wanted) return &p;
    return nullptr;
}

bool ProgramConfig::extra_needs_code(const std::string& extra_name) const {
    return std::any_of(promo_codes.begin(), promo_codes.end(),
                       [&](const PromoCode& p) { return p.extra == extra_name; });
}

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
    j["name"] = local_json(c.name, c.names);
    if (!c.terms.privacy.empty() || !c.terms.marketing.empty())
        j["terms"] = {{"privacy", local_json(c.terms.privacy, c.terms.privacy_by_lang)},
                      {"marketing", local_json(c.terms.marketing, c.terms.marketing_by_lang)}};
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
        if (!w.stores.empty()) wj["stores"] = w.stores;
        if (w.from_date) wj["from"] = *w.from_date;
        if (w.to_date) wj["to"] = *w.to_date;
        windows.push_back(wj);
    }
    json extras = json::array();
    for (const auto& x : e.extras) {
        json xj{{"name", x.name},
                {"kind", extra_kind_name(x.kind)},
                {"points", x.points},
                {"min_spend_minor", x.min_spend.minor}};
        if (x.category) xj["category"] = *x.category;
        if (x.sku) xj["sku"] = *x.sku;
        if (!x.stores.empty()) xj["stores"] = x.stores;
        extras.push_back(xj);
    }
    j["earning"] = {{"points_per_unit", e.points_per_unit},
                    {"unit_minor", e.unit_minor},
                    {"rounding", rounding_name(e.rounding)},
                    {"min_spend_minor", e.min_spend.minor},
                    {"daily_cap", e.daily_cap},
                    {"bill_cap", e.bill_cap},
                    {"excluded_categories", e.excluded_categories},
                    {"excluded_skus", e.excluded_skus},
                    {"included_categories", e.included_categories},
                    {"included_skus", e.included_skus},
                    {"multipliers_combine",
                     e.multiplier_mode == MultiplierMode::highest ? "highest" : "multiply"},
                    {"extras", extras},
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
                {"name", local_json(l.name, l.names)},
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
                  {"member_price", c.tiers.member_price_always ? "always" : "better"},
                  {"downgrade", c.tiers.downgrade == TierDowngrade::review      ? "review"
                                : c.tiers.downgrade == TierDowngrade::immediate ? "immediate"
                                                                                : "never"},
                  {"levels", levels}};
    json rewards = json::array();
    for (const auto& r : c.rewards) {
        json rj = coupon_benefit_json(r.benefit);
        rj["code"] = r.code;
        rj["name"] = local_json(r.name, r.names);
        rj["points_cost"] = r.points_cost;
        rj["value_minor"] = r.value.minor;
        rj["valid_days"] = r.valid_days;
        if (r.stock) rj["stock"] = *r.stock;
        if (r.per_member_limit) rj["per_member_limit"] = r.per_member_limit;
        if (r.per_member_days) rj["per_member_days"] = r.per_member_days;
        rewards.push_back(rj);
    }
    j["rewards"] = rewards;
    json tag_rules = json::array();
    for (const auto& r : c.tag_rules)
        tag_rules.push_back({{"tag", r.tag}, {"filter", json::parse(r.filter_json)}});
    j["tag_rules"] = tag_rules;
    json promos = json::array();
    for (const auto& p : c.promo_codes) {
        json pj{
            {"code", p.code}, {"max_uses", p.max_uses}, {"per_member_limit", p.per_member_limit}};
        if (p.reward) pj["reward"] = *p.reward;
        if (p.extra) pj["extra"] = *p.extra;
        if (p.from_date) pj["from"] = *p.from_date;
        if (p.to_date) pj["to"] = *p.to_date;
        promos.push_back(pj);
    }
    j["promo_codes"] = promos;
    if (c.stored_value.enabled) j["stored_value"] = stored_value_json(c.stored_value);
    write_mall_rules(c, j);
    j["points_payment"] = {{"points", c.points_payment.points},
                           {"value_minor", c.points_payment.value.minor},
                           {"max_percent_of_basket", c.points_payment.max_percent_of_basket},
                           {"min_bill_minor", c.points_payment.min_bill.minor},
                           {"max_points_per_bill", c.points_payment.max_points_per_bill}};
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
