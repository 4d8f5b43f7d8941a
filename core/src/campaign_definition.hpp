#pragma once
// Private to core: one campaign definition, parsed and validated from JSON, in
// the form evaluation wants (sorted category lists, times as timestamps).
//
// A campaign document:
//   {"schema": 1, "program": "DEMO", "campaigns": [ {
//      "code": "shoes-500", "version": 2, "name": "...", "enabled": true,
//      "active_from": "2026-03-01", "active_until": "2026-03-31",   (local dates, inclusive)
//      "priority": 10, "exclusive": false,
//      "trigger": {"type": "purchase", "min_spend_minor": 50000, "categories": ["shoes"]},
//      "filter": {"tiers": ["gold"], "segment": "vip", ... MemberFilter keys ...},
//      "actions": [{"type": "bonus_points", "points": 200}, ...],
//      "limits": {"once_per_member": true, "per_member": {"count": 2, "period_days": 30},
//                 "budget_points": 100000, "budget_coupons": 500} } ]}
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "loyalty/campaigns.hpp"
#include "loyalty/insight.hpp"
#include "loyalty/program_config.hpp"

namespace loyalty {

inline constexpr int kCampaignSchemaVersion = 1;

enum class CampaignActionKind {
    bonus_points,
    coupon,
    add_tag,
    remove_tag,
    kiosk_message,
    receipt_line,
    hub_event
};

struct CampaignAction {
    CampaignActionKind kind = CampaignActionKind::bonus_points;
    Points points = 0;          // bonus_points: a fixed number...
    int percent_of_earned = 0;  // ...and/or a share of the sale's earned points (100 = double)
    std::string text;           // title (coupon), tag, message text, hub channel
    Money value;                // coupon
    Money min_spend;            // coupon
    int valid_days = 30;        // coupon
    std::string hub_template;   // hub_event: what the hub sends (SMS/push template)
};

struct CampaignLimits {
    bool once_per_member = false;
    int per_member_count = 0;  // 0: no per-period limit
    int per_member_period_days = 0;
    std::optional<Points> budget_points;
    std::optional<std::int64_t> budget_coupons;
};

struct CampaignDefinition {
    std::string code;
    int version = 0;
    std::string name;
    bool enabled = true;
    std::optional<Timestamp> active_from;   // inclusive
    std::optional<Timestamp> active_until;  // exclusive (the day after the inclusive date)
    int priority = 0;
    bool exclusive = false;

    CampaignTrigger trigger = CampaignTrigger::purchase;
    // trigger conditions
    Money min_spend;  // over the matching lines (all lines when no category/SKU is named)
    std::vector<std::string> categories;  // any of; sorted
    std::vector<std::string> skus;        // any of; sorted
    bool in_birthday_month = false;       // purchase
    // A birthday-month share of earned points on top of the program's own birthday
    // multiplier: refused unless the merchant says both are meant (two named benefits).
    bool stack_with_birthday_percent = false;
    int absent_days = 0;                 // visit_after_absence
    std::vector<std::string> to_tiers;   // tier_upgraded / downgrade warning: any of
    bool birthday_on_day = false;        // birthday: the day (true) or the month
    int days_before = 30;                // points_, coupon_ and tier_expiring
    Points min_points = 1;               // points_expiring
    int rating_min = 1, rating_max = 5;  // rating_given

    MemberFilter filter;
    std::optional<std::string> segment;  // a saved segment the member must also match
    bool filter_uses_window = false;     // spend/visit conditions need the sales window
    bool filter_uses_tags = false;

    std::vector<CampaignAction> actions;
    CampaignLimits limits;

    // The most points one firing can award given the sale's earned points.
    Points points_for(Points earned) const;
    std::int64_t coupons_per_firing() const;
};

struct CampaignDocument {
    std::string program;
    std::vector<nlohmann::json> campaigns;
};

// A malformed document (not JSON, unknown schema, no program, no campaign list)
// is an error and nothing in it is installed.
Result<CampaignDocument> parse_campaign_document(const std::string& json_text);
// Validates one campaign against its program (reward codes, tier codes) and
// compiles it; the error message is the reason a manager reads.
// The sale's earned points already carry the program's birthday multiplier; a campaign
// giving a share of them in the birthday month applies the same benefit twice (double
// points becoming quadruple). Refused when a campaign file is loaded; a definition stored
// before keeps running as it was loaded (nothing stops without a word).
std::optional<std::string> duplicate_birthday_benefit(const CampaignDefinition& c,
                                                      const ProgramConfig& config);

Result<CampaignDefinition> parse_campaign_definition(const nlohmann::json& j,
                                                     const ProgramConfig& config);

}  // namespace loyalty
