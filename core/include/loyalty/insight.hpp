#pragma once
// Knowing members: tags (manual and rule-based), filters and saved segments,
// and the RFM value score.
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "loyalty/clock.hpp"
#include "loyalty/members.hpp"
#include "loyalty/money.hpp"
#include "loyalty/program_config.hpp"
#include "loyalty/result.hpp"

namespace loyalty {

// R, F and M bin scores and the weighted total (the brief's 5x4 + 4x8 + 4x8 = 84).
RfmScore score_rfm(const RfmConfig& config, std::optional<std::int64_t> days_since_last_purchase,
                   std::int64_t purchases, Money spend);

// What filters look at, computed for one member at one moment.
struct MemberFacts {
    MemberId member = 0;
    std::string tier;
    std::set<std::string> tags;
    Money spend;              // over the filter's window
    std::int64_t visits = 0;  // purchases over the window
    std::optional<std::int64_t> days_since_visit;
    int rfm_score = 0;
    std::optional<std::string> home_store;
    bool marketing_consent = false;
};

// Every condition that is set must hold.
struct MemberFilter {
    std::vector<std::string> tiers;  // any of
    std::vector<std::string> tags_all;
    std::vector<std::string> tags_any;
    std::vector<std::string> tags_none;
    int window_days = 365;
    std::optional<Money> min_spend, max_spend;
    std::optional<std::int64_t> min_visits, max_visits;
    std::optional<std::int64_t> visited_within_days;
    std::optional<std::int64_t> absent_at_least_days;
    std::optional<int> rfm_min, rfm_max;
    std::optional<std::string> home_store;
    bool requires_marketing_consent = false;
};

Result<MemberFilter> parse_member_filter(const std::string& json_text);
std::string member_filter_to_json(const MemberFilter& filter);
bool matches(const MemberFilter& filter, const MemberFacts& facts);

class Insight {
  public:
    explicit Insight(EngineContext& ctx) : ctx_(ctx) {}

    Result<void> add_tag(MemberId member, const std::string& tag, const std::string& actor);
    Result<void> remove_tag(MemberId member, const std::string& tag, const std::string& actor);
    std::set<std::string> tags(MemberId member);

    MemberFacts facts(MemberId member, Timestamp now, int window_days);
    // Recomputes and stores every active member's RFM score; returns how many.
    Result<std::int64_t> recompute_rfm(const std::string& program, Timestamp now);
    // Sets the rule tag on members matching the filter and removes it from the rest.
    Result<std::int64_t> apply_tag_rule(const std::string& program, const std::string& tag,
                                        const MemberFilter& filter, Timestamp now);

    Result<void> save_segment(const std::string& program, const std::string& name,
                              const MemberFilter& filter);
    Result<std::vector<MemberId>> segment_members(const std::string& program,
                                                  const std::string& name, Timestamp now);
    std::vector<MemberId> select(const std::string& program, const MemberFilter& filter,
                                 Timestamp now);

  private:
    EngineContext& ctx_;
};

}  // namespace loyalty
