#pragma once
// Private to core: where the engine hands events to campaigns, inside the
// transaction of the change.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "loyalty/campaigns.hpp"
#include "loyalty/earning.hpp"

namespace loyalty {

struct EngineContext;

// From Sales::commit, once the sale, its points and any tier move are written.
// `previous_visit` is the member's last visit before this sale.
CampaignOutcome campaigns_on_purchase(EngineContext& ctx, const std::string& program,
                                      MemberId member, const std::string& reference,
                                      const std::string& store, const PricedBasket& basket,
                                      Points earned, std::optional<Timestamp> previous_visit);

// From Sales::refund: takes back the bonus points purchase campaigns gave for
// the sale, in the proportion of its money refunded so far (refunded / net),
// as a refund takes back the sale's own points. Returns the points taken back;
// points already spent are not taken (the member's balance never goes negative).
Points campaigns_on_refund(EngineContext& ctx, MemberId member, const std::string& sale_reference,
                           Money refunded_after, Money net, const std::string& refund_key);

// From EngineContext::emit, for every domain event: the ones that are triggers
// (member.enrolled, tier.changed upwards, tier.downgrade_warning, a physical
// card issued, a card identity linked) run the campaigns.
void campaigns_on_domain_event(EngineContext& ctx, const std::string& type,
                               const std::string& program, const nlohmann::json& payload);

}  // namespace loyalty
