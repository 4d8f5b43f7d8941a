#pragma once
// Campaigns: when something happens to a member (a trigger) and the member fits
// a filter, the store acts (bonus points, a coupon, a tag, a message) without
// anyone writing code. Definitions are data (JSON, see campaign_definition.hpp),
// versioned and validated on arrival; a refused definition leaves the version in
// force running. Evaluation runs inside the transaction of the change that
// triggered it, so a sale and the offers it earned commit together.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "loyalty/clock.hpp"
#include "loyalty/members.hpp"
#include "loyalty/money.hpp"
#include "loyalty/result.hpp"

namespace loyalty {

enum class CampaignTrigger {
    purchase,       // a sale committed (basket conditions: spend, categories, SKUs, birthday month)
    enrollment,     // the member joined
    tier_upgraded,  // moved up (optionally: to one of given tiers)
    tier_downgrade_warning,  // entered the grace period before moving down
    birthday,                // the birthday day or month (daily run)
    points_expiring,         // points expire within N days (daily run)
    visit_after_absence,     // a purchase after at least N days without one
    card_linked,             // a physical card issued or a card identity linked
    rating_given,            // a satisfaction rating (optionally within a score range)
    coupon_expiring,         // an issued, unused coupon expires within N days (daily run)
    tier_expiring,           // the review would move the member down within N days (daily run)
};
const char* to_string(CampaignTrigger trigger);
std::optional<CampaignTrigger> campaign_trigger_from_string(const std::string& s);

// One basket line as campaign conditions see it.
struct CampaignLine {
    std::string sku;
    std::string category;
    Money net;  // after member prices and line discounts
};

// Something that happened to one member. `reference` names the occurrence
// ("sale:S001/T01/R42"); a campaign fires at most once per member per reference,
// so replaying an event never pays twice.
struct CampaignEvent {
    CampaignTrigger trigger = CampaignTrigger::purchase;
    MemberId member = 0;
    std::string reference;
    std::string store;
    // purchase
    Money net;
    Points earned = 0;
    std::vector<CampaignLine> lines;
    std::optional<Timestamp> previous_visit;  // before this purchase
    // tier events
    std::string tier_to;
    // rating
    int rating = 0;
    // points_expiring
    Points expiring = 0;
    // coupon_expiring: the coupon's code
    std::string coupon;
    // The daily run's look-ahead this event was gathered for: only the expiry
    // campaigns whose days_before is this many days hear it.
    int within_days = 0;
};

// One campaign acting for one member, as recorded.
struct CampaignFiring {
    std::string campaign;
    int version = 0;
    MemberId member = 0;
    std::string trigger;
    std::string reference;
    Points points = 0;
    std::vector<std::string> coupons;
    std::vector<std::string> receipt_lines;
    std::vector<std::string> problems;  // actions that could not be carried out
    std::string name{};                 // the campaign's name, for receipts
};

// What an event earned the member: for the till's receipt and screen.
struct CampaignOutcome {
    std::vector<CampaignFiring> fired;
    std::vector<std::string> receipt_lines;
    Points bonus_points = 0;
};

struct CampaignRefusal {
    std::string campaign;  // the code, or "(file)" when the whole document is refused
    std::string reason;
};

struct CampaignLoadReport {
    std::vector<std::string> installed;  // "code@version"
    std::vector<std::string> unchanged;  // same version, same content: nothing to do
    std::vector<CampaignRefusal> refused;
};

// The closing report's view of one campaign.
struct CampaignReport {
    std::string code;
    int version = 0;
    std::string name;
    std::string trigger;
    std::int64_t firings = 0;
    std::int64_t members_reached = 0;
    Points points_spent = 0;  // net of points taken back by refunds
    std::int64_t coupons_issued = 0;
    std::int64_t coupons_used = 0;
    std::int64_t sales_after = 0;  // purchases by reached members after their first firing
    Money sales_after_net;
    std::optional<Points> budget_points_left;
    std::optional<std::int64_t> budget_coupons_left;
};

struct KioskMessage {
    std::int64_t id = 0;
    std::string campaign;
    std::string text;
    Timestamp created_at;
};

struct CampaignCache;

class Campaigns {
  public:
    explicit Campaigns(EngineContext& ctx);
    ~Campaigns();
    Campaigns(const Campaigns&) = delete;
    Campaigns& operator=(const Campaigns&) = delete;

    // Validates a campaign document and installs each valid, newer definition in
    // one transaction; each refused campaign keeps its version in force.
    Result<CampaignLoadReport> load(const std::string& json_text, const std::string& actor);
    // A .toml file holds the same document in TOML; anything else is read as JSON.
    // With `check_only`, reports what loading would do and changes nothing.
    Result<CampaignLoadReport> load_file(const std::filesystem::path& path,
                                         const std::string& actor, bool check_only = false);
    Result<CampaignLoadReport> check(const std::string& json_text);

    // Evaluates the event against the program's campaigns and acts, inside the
    // caller's transaction. A member without marketing consent gets nothing.
    // The hub hears of it as one "campaign.fired" event listing the campaigns.
    CampaignOutcome on_event(const std::string& program, const CampaignEvent& event);
    // The campaigns that would fire, in firing order, without acting: a preview.
    std::vector<std::string> matching(const std::string& program, const CampaignEvent& event);

    // Birthday and points-, coupon- and tier-expiring campaigns: the daily run. Returns
    // the firings.
    Result<std::int64_t> run_scheduled(const std::string& program, Timestamp now);

    // Messages waiting for the member's next kiosk visit; marks them shown when asked.
    std::vector<KioskMessage> kiosk_messages(MemberId member, bool mark_shown);
    Result<std::vector<CampaignReport>> report(const std::string& program);
    // The codes in force, with their versions ("code@version").
    std::vector<std::string> active(const std::string& program);

  private:
    friend struct CampaignRun;
    const CampaignCache& cache_for(const std::string& program);
    EngineContext& ctx_;
    std::unique_ptr<CampaignCache> cache_;
    int depth_ = 0;  // campaign actions emit events too: never re-enter
};

}  // namespace loyalty
