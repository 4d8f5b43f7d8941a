#pragma once
// Satisfaction ratings (1 to 5) given after a visit, at the kiosk: anonymous, or by
// a member who signed in. Both kinds are one record; a member's also runs the
// program's rating campaigns. The day report counts and averages them.
#include <optional>
#include <string>

#include "loyalty/campaigns.hpp"
#include "loyalty/result.hpp"

namespace loyalty {

struct EngineContext;

class Ratings {
  public:
    explicit Ratings(EngineContext& ctx) : ctx_(ctx) {}

    // Keeps the rating under this engine's store and terminal. With a member (an active
    // member of the program), in the same transaction: the "rating.given" event and the
    // rating campaigns, whose outcome is returned (empty for an anonymous rating).
    // Errc::invalid_argument for a score outside 1..5 or a member of another program,
    // Errc::not_found for an unknown program or no such active member.
    Result<CampaignOutcome> record(const std::string& program, std::optional<MemberId> member,
                                   int score);

  private:
    EngineContext& ctx_;
};

}  // namespace loyalty
