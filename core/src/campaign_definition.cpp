// Campaign definitions: parsing and validation. Every refusal says which field
// is wrong and why, because the reader is a marketing manager or the hub's log.
#include "campaign_definition.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "json_numbers.hpp"
#include "loyalty/json_limits.hpp"

namespace loyalty {

using nlohmann::json;

namespace {

struct Invalid {
    std::string reason;
};

void only_known(const json& j, const char* what, std::initializer_list<const char*> known) {
    for (const auto& [key, value] : j.items()) {
        if (std::none_of(known.begin(), known.end(), [&](const char* k) { return key == k; }))
            throw Invalid{std::string(what) + ": unknown field '" + key + "'"};
    }
}

const json& field(const json& j, const char* name, const char* what) {
    auto it = j.find(name);
    if (it == j.end()) throw Invalid{std::string(what) + ": '" + name + "' is required"};
    return *it;
}

std::int64_t integer(const json& j, const char* name, std::int64_t fallback, std::int64_t min,
                     std::int64_t max, const char* what) {
    auto it = j.find(name);
    if (it == j.end()) return fallback;
    const auto exact = exact_integer<std::int64_t>(*it);
    if (!exact)
        throw Invalid{std::string(what) + ": '" + name +
                      "' must be a whole number (money in minor units)"};
    const auto v = *exact;
    if (v < min || v > max)
        throw Invalid{std::string(what) + ": '" + name + "' must be between " +
                      std::to_string(min) + " and " + std::to_string(max)};
    return v;
}

std::string text(const json& j, const char* name, const char* what, bool required = true) {
    auto it = j.find(name);
    if (it == j.end()) {
        if (required) throw Invalid{std::string(what) + ": '" + name + "' is required"};
        return {};
    }
    if (!it->is_string() || (required && it->get<std::string>().empty()))
        throw Invalid{std::string(what) + ": '" + name + "' must be a non-empty string"};
    return it->get<std::string>();
}

bool flag(const json& j, const char* name, bool fallback, const char* what) {
    auto it = j.find(name);
    if (it == j.end()) return fallback;
    if (!it->is_boolean())
        throw Invalid{std::string(what) + ": '" + name + "' must be true or false"};
    return it->get<bool>();
}

std::vector<std::string> strings(const json& j, const char* name, const char* what) {
    auto it = j.find(name);
    if (it == j.end()) return {};
    std::vector<std::string> out;
    if (it->is_string()) {
        out.push_back(it->get<std::string>());
    } else if (it->is_array()) {
        for (const auto& v : *it) {
            if (!v.is_string())
                throw Invalid{std::string(what) + ": '" + name + "' must list strings"};
            out.push_back(v.get<std::string>());
        }
    } else {
        throw Invalid{std::string(what) + ": '" + name + "' must be a string or a list of strings"};
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

Timestamp date(const std::string& s, int utc_offset_minutes, const char* name) {
    int y = 0;
    unsigned m = 0, d = 0;
    char tail = 0;
    if (s.size() != 10 || std::sscanf(s.c_str(), "%4d-%2u-%2u%c", &y, &m, &d, &tail) != 3)
        throw Invalid{std::string(name) + " must be a date YYYY-MM-DD, not '" + s + "'"};
    using namespace std::chrono;
    const year_month_day ymd{year{y}, month{m}, day{d}};
    if (!ymd.ok()) throw Invalid{std::string(name) + ": " + s + " is not a calendar date"};
    return parse_local_date(s.c_str(), utc_offset_minutes);
}

void check_tiers(const std::vector<std::string>& tiers, const ProgramConfig& config,
                 const char* what) {
    for (const auto& t : tiers)
        if (!config.tier(t))
            throw Invalid{std::string(what) + ": program " + config.code + " has no tier '" + t +
                          "'"};
}

void parse_trigger(const json& t, CampaignDefinition& c, const ProgramConfig& config) {
    if (!t.is_object()) throw Invalid{"trigger must be an object with a 'type'"};
    const auto type = text(t, "type", "trigger");
    const auto trigger = campaign_trigger_from_string(type);
    if (!trigger) throw Invalid{"trigger: unknown type '" + type + "'"};
    c.trigger = *trigger;
    constexpr std::int64_t kBig = 1'000'000'000'000;
    switch (c.trigger) {
        case CampaignTrigger::purchase:
            only_known(t, "trigger",
                       {"type", "min_spend_minor", "categories", "category", "skus", "sku",
                        "in_birthday_month", "stack_with_birthday_percent"});
            c.min_spend = Money{integer(t, "min_spend_minor", 0, 0, kBig, "trigger")};
            c.categories = strings(t, "categories", "trigger");
            for (auto& s : strings(t, "category", "trigger")) c.categories.push_back(s);
            c.skus = strings(t, "skus", "trigger");
            for (auto& s : strings(t, "sku", "trigger")) c.skus.push_back(s);
            std::sort(c.categories.begin(), c.categories.end());
            std::sort(c.skus.begin(), c.skus.end());
            c.in_birthday_month = flag(t, "in_birthday_month", false, "trigger");
            c.stack_with_birthday_percent =
                flag(t, "stack_with_birthday_percent", false, "trigger");
            break;
        case CampaignTrigger::visit_after_absence:
            only_known(t, "trigger", {"type", "days", "min_spend_minor"});
            c.absent_days = static_cast<int>(integer(t, "days", 0, 1, 3650, "trigger"));
            if (!t.contains("days"))
                throw Invalid{"trigger: 'days' away is required for visit_after_absence"};
            c.min_spend = Money{integer(t, "min_spend_minor", 0, 0, kBig, "trigger")};
            break;
        case CampaignTrigger::tier_upgraded:
        case CampaignTrigger::tier_downgrade_warning:
            only_known(t, "trigger", {"type", "tiers"});
            c.to_tiers = strings(t, "tiers", "trigger");
            check_tiers(c.to_tiers, config, "trigger");
            break;
        case CampaignTrigger::birthday: {
            only_known(t, "trigger", {"type", "on"});
            const auto on = t.value("on", std::string("month"));
            if (on != "day" && on != "month")
                throw Invalid{"trigger: birthday 'on' is \"day\" or \"month\""};
            c.birthday_on_day = on == "day";
            break;
        }
        case CampaignTrigger::points_expiring:
            only_known(t, "trigger", {"type", "days_before", "min_points"});
            c.days_before = static_cast<int>(integer(t, "days_before", 30, 1, 366, "trigger"));
            c.min_points = integer(t, "min_points", 1, 1, kBig, "trigger");
            break;
        case CampaignTrigger::coupon_expiring:
        case CampaignTrigger::tier_expiring:
            only_known(t, "trigger", {"type", "days_before"});
            c.days_before = static_cast<int>(integer(t, "days_before", 30, 1, 366, "trigger"));
            break;
        case CampaignTrigger::rating_given:
            only_known(t, "trigger", {"type", "min_score", "max_score"});
            c.rating_min = static_cast<int>(integer(t, "min_score", 1, 1, 5, "trigger"));
            c.rating_max = static_cast<int>(integer(t, "max_score", 5, 1, 5, "trigger"));
            if (c.rating_min > c.rating_max) throw Invalid{"trigger: min_score is above max_score"};
            break;
        case CampaignTrigger::enrollment:
        case CampaignTrigger::card_linked:
            only_known(t, "trigger", {"type"});
            break;
    }
}

void parse_filter(const json& f, CampaignDefinition& c, const ProgramConfig& config) {
    if (!f.is_object()) throw Invalid{"filter must be an object"};
    json rest = f;
    if (auto it = rest.find("segment"); it != rest.end()) {
        if (!it->is_string() || it->get<std::string>().empty())
            throw Invalid{"filter: 'segment' must name a saved segment"};
        c.segment = it->get<std::string>();
        rest.erase("segment");
    }
    auto parsed = parse_member_filter(rest.dump());
    if (!parsed)
        throw Invalid{"filter: " +
                      parsed.error().message.substr(parsed.error().message.find(':') + 2)};
    c.filter = std::move(parsed.value());
    check_tiers(c.filter.tiers, config, "filter");
    c.filter_uses_window =
        c.filter.min_spend || c.filter.max_spend || c.filter.min_visits || c.filter.max_visits;
    c.filter_uses_tags =
        !c.filter.tags_all.empty() || !c.filter.tags_any.empty() || !c.filter.tags_none.empty();
}

CampaignAction parse_action(const json& a, const ProgramConfig& config, std::size_t index) {
    const auto where = "action " + std::to_string(index + 1);
    const char* what = where.c_str();
    if (!a.is_object()) throw Invalid{where + " must be an object with a 'type'"};
    const auto type = text(a, "type", what);
    CampaignAction action;
    if (type == "bonus_points") {
        only_known(a, what, {"type", "points", "percent_of_earned"});
        action.kind = CampaignActionKind::bonus_points;
        action.points = integer(a, "points", 0, 0, 10'000'000, what);
        action.percent_of_earned =
            static_cast<int>(integer(a, "percent_of_earned", 0, 0, 10'000, what));
        if (action.points == 0 && action.percent_of_earned == 0)
            throw Invalid{where +
                          ": bonus_points needs 'points' or 'percent_of_earned' above zero"};
    } else if (type == "coupon") {
        only_known(a, what,
                   {"type", "reward", "title", "value_minor", "min_spend_minor", "valid_days"});
        action.kind = CampaignActionKind::coupon;
        if (a.contains("reward")) {
            const auto code = text(a, "reward", what);
            const RewardDefinition* reward = nullptr;
            for (const auto& r : config.rewards)
                if (r.code == code) reward = &r;
            if (!reward)
                throw Invalid{where + ": program " + config.code + " has no reward '" + code + "'"};
            action.text = reward->name;
            action.value = reward->value;
            action.valid_days = reward->valid_days;
        }
        if (a.contains("title")) action.text = text(a, "title", what);
        if (action.text.empty())
            throw Invalid{where + ": a coupon needs a 'title' or a 'reward' code"};
        action.value = Money{integer(a, "value_minor", action.value.minor, 0, 100'000'000, what)};
        action.min_spend = Money{integer(a, "min_spend_minor", 0, 0, 100'000'000, what)};
        action.valid_days =
            static_cast<int>(integer(a, "valid_days", action.valid_days, 1, 3650, what));
    } else if (type == "add_tag" || type == "remove_tag") {
        only_known(a, what, {"type", "tag"});
        action.kind =
            type == "add_tag" ? CampaignActionKind::add_tag : CampaignActionKind::remove_tag;
        action.text = text(a, "tag", what);
        if (action.text.size() > 64) throw Invalid{where + ": a tag is at most 64 bytes"};
    } else if (type == "kiosk_message" || type == "receipt_line") {
        only_known(a, what, {"type", "text"});
        action.kind = type == "kiosk_message" ? CampaignActionKind::kiosk_message
                                              : CampaignActionKind::receipt_line;
        // One text, or one per language ({"zh-CN": "...", "en": "..."}): a kiosk message keeps
        // them all and the kiosk shows the shopper's (local_text_in); a receipt prints them all.
        if (const auto t = a.find("text"); t != a.end() && t->is_object()) {
            if (t->empty()) throw Invalid{where + ": text needs at least one language"};
            std::string all;
            for (const auto& [lang, value] : t->items()) {
                if (!value.is_string() || value.get<std::string>().empty() || lang.size() > 16)
                    throw Invalid{where + ": text." + lang + " must be a non-empty string"};
                if (value.get<std::string>().size() > 400)
                    throw Invalid{where + ": each text is at most 400 bytes"};
                all += (all.empty() ? "" : " / ") + value.get<std::string>();
            }
            action.text =
                action.kind == CampaignActionKind::kiosk_message ? t->dump() : std::move(all);
            if (t->size() > 4) throw Invalid{where + ": text in at most 4 languages"};
        } else {
            action.text = text(a, "text", what);
            if (action.text.size() > 400) throw Invalid{where + ": the text is at most 400 bytes"};
        }
    } else if (type == "hub_event") {
        only_known(a, what, {"type", "channel", "template"});
        action.kind = CampaignActionKind::hub_event;
        action.text = text(a, "channel", what);
        if (action.text != "sms" && action.text != "push" && action.text != "wechat")
            throw Invalid{where + ": channel is sms, push or wechat"};
        action.hub_template = text(a, "template", what);
    } else {
        throw Invalid{where + ": unknown type '" + type + "'"};
    }
    return action;
}

void parse_limits(const json& l, CampaignDefinition& c) {
    if (!l.is_object()) throw Invalid{"limits must be an object"};
    only_known(l, "limits", {"once_per_member", "per_member", "budget_points", "budget_coupons"});
    c.limits.once_per_member = flag(l, "once_per_member", false, "limits");
    if (auto it = l.find("per_member"); it != l.end()) {
        if (!it->is_object())
            throw Invalid{"limits: per_member is {\"count\": N, \"period_days\": D}"};
        only_known(*it, "limits.per_member", {"count", "period_days"});
        c.limits.per_member_count =
            static_cast<int>(integer(*it, "count", 0, 1, 1000, "limits.per_member"));
        c.limits.per_member_period_days =
            static_cast<int>(integer(*it, "period_days", 0, 1, 3650, "limits.per_member"));
        if (!it->contains("count") || !it->contains("period_days"))
            throw Invalid{"limits: per_member needs both 'count' and 'period_days'"};
    }
    if (l.contains("budget_points"))
        c.limits.budget_points = integer(l, "budget_points", 0, 0, 1'000'000'000'000, "limits");
    if (l.contains("budget_coupons"))
        c.limits.budget_coupons = integer(l, "budget_coupons", 0, 0, 100'000'000, "limits");
}

}  // namespace

Points CampaignDefinition::points_for(Points earned) const {
    Points total = 0;
    for (const auto& a : actions)
        if (a.kind == CampaignActionKind::bonus_points)
            total += a.points + earned * a.percent_of_earned / 100;
    return total;
}

std::int64_t CampaignDefinition::coupons_per_firing() const {
    return std::count_if(actions.begin(), actions.end(), [](const CampaignAction& a) {
        return a.kind == CampaignActionKind::coupon;
    });
}

Result<CampaignDocument> parse_campaign_document(const std::string& json_text) {
    if (auto refused = json_nesting_refusal(json_text))
        return make_error(Errc::invalid_argument, "campaign file: " + *refused);
    json j;
    try {
        j = json::parse(json_text);
    } catch (const json::exception& e) {
        return make_error(Errc::invalid_argument,
                          std::string("campaign file is not valid JSON: ") + e.what());
    }
    if (!j.is_object())
        return make_error(Errc::invalid_argument, "campaign file must be a JSON object");
    const auto schema = j.find("schema");
    if (schema == j.end() || !schema->is_number_integer())
        return make_error(Errc::invalid_argument, "campaign file needs \"schema\": " +
                                                      std::to_string(kCampaignSchemaVersion));
    if (schema->get<std::int64_t>() != kCampaignSchemaVersion)
        return make_error(Errc::invalid_argument,
                          "campaign file schema " + std::to_string(schema->get<std::int64_t>()) +
                              " is not supported (this terminal reads schema " +
                              std::to_string(kCampaignSchemaVersion) + ")");
    const auto program = j.find("program");
    if (program == j.end() || !program->is_string() || program->get<std::string>().empty())
        return make_error(Errc::invalid_argument, "campaign file must name its \"program\"");
    const auto list = j.find("campaigns");
    if (list == j.end() || !list->is_array())
        return make_error(Errc::invalid_argument, "campaign file needs a \"campaigns\" list");
    for (const auto& [key, value] : j.items())
        if (key != "schema" && key != "program" && key != "campaigns")
            return make_error(Errc::invalid_argument, "campaign file: unknown field '" + key + "'");
    CampaignDocument doc;
    doc.program = program->get<std::string>();
    for (const auto& c : *list) doc.campaigns.push_back(c);
    return doc;
}

Result<CampaignDefinition> parse_campaign_definition(const json& j, const ProgramConfig& config) {
    try {
        if (!j.is_object()) throw Invalid{"a campaign must be a JSON object"};
        only_known(j, "campaign",
                   {"code", "version", "name", "enabled", "active_from", "active_until", "priority",
                    "exclusive", "trigger", "filter", "actions", "limits"});
        CampaignDefinition c;
        c.code = text(j, "code", "campaign");
        if (c.code.size() > 64) throw Invalid{"campaign: 'code' is at most 64 bytes"};
        if (!j.contains("version"))
            throw Invalid{"campaign: 'version' is required (a whole number from 1)"};
        c.version = static_cast<int>(integer(j, "version", 0, 1, 1'000'000'000, "campaign"));
        c.name = text(j, "name", "campaign", false);
        if (c.name.empty()) c.name = c.code;
        c.enabled = flag(j, "enabled", true, "campaign");
        if (j.contains("active_from"))
            c.active_from =
                date(text(j, "active_from", "campaign"), config.utc_offset_minutes, "active_from");
        if (j.contains("active_until"))
            c.active_until = date(text(j, "active_until", "campaign"), config.utc_offset_minutes,
                                  "active_until") +
                             Days{1};
        if (c.active_from && c.active_until && *c.active_until <= *c.active_from)
            throw Invalid{"campaign: active_until is before active_from"};
        c.priority = static_cast<int>(integer(j, "priority", 0, -1000, 1000, "campaign"));
        c.exclusive = flag(j, "exclusive", false, "campaign");
        parse_trigger(field(j, "trigger", "campaign"), c, config);
        if (j.contains("filter")) parse_filter(j.at("filter"), c, config);
        const auto& actions = field(j, "actions", "campaign");
        if (!actions.is_array() || actions.empty())
            throw Invalid{"campaign: 'actions' must list at least one action"};
        for (std::size_t i = 0; i < actions.size(); ++i)
            c.actions.push_back(parse_action(actions[i], config, i));
        const bool share_of_earned =
            std::any_of(c.actions.begin(), c.actions.end(),
                        [](const CampaignAction& a) { return a.percent_of_earned > 0; });
        if (share_of_earned && c.trigger != CampaignTrigger::purchase &&
            c.trigger != CampaignTrigger::visit_after_absence)
            throw Invalid{"campaign: percent_of_earned needs a purchase trigger"};
        if (j.contains("limits")) parse_limits(j.at("limits"), c);
        return c;
    } catch (const Invalid& e) {
        return make_error(Errc::invalid_argument, e.reason);
    } catch (const json::exception& e) {
        return make_error(Errc::invalid_argument, std::string("campaign: ") + e.what());
    }
}

std::optional<std::string> duplicate_birthday_benefit(const CampaignDefinition& c,
                                                      const ProgramConfig& config) {
    const bool share_of_earned =
        std::any_of(c.actions.begin(), c.actions.end(),
                    [](const CampaignAction& a) { return a.percent_of_earned > 0; });
    if (!share_of_earned || !c.in_birthday_month || c.stack_with_birthday_percent ||
        config.earning.birthday_month_percent == 100)
        return std::nullopt;
    return "campaign: a birthday-month share of earned points, while the program already "
           "multiplies birthday-month points (birthday_month_percent = " +
           std::to_string(config.earning.birthday_month_percent) +
           "): the member would get both. Drop one, or set the trigger's "
           "\"stack_with_birthday_percent\": true to give both";
}

}  // namespace loyalty
