#pragma once
// Private to core: the campaigns in force, compiled once per program and indexed
// by trigger, so evaluating an event touches only the campaigns it can fire.
// A generation number in the database tells every process sharing the file
// (kiosk and till) when to recompile.
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "campaign_definition.hpp"

namespace loyalty {

struct CompiledCampaign {
    std::int64_t row_id = 0;
    CampaignDefinition def;
    std::optional<MemberFilter> segment;  // the saved segment's filter, resolved at load
    // def.categories and def.skus as numbers (CompiledProgram's dictionaries), sorted:
    // a purchase is checked against two hundred campaigns, and comparing numbers per
    // basket line is what keeps that cheap.
    std::vector<std::uint32_t> category_ids, sku_ids;
};

inline constexpr std::size_t kTriggerCount = 11;

struct CompiledProgram {
    std::int64_t program_id = 0;
    std::int64_t generation = -1;
    // Per trigger, in firing order: priority high to low, then code.
    std::array<std::vector<CompiledCampaign>, kTriggerCount> by_trigger;
    // Every category and SKU some campaign names, numbered.
    std::unordered_map<std::string, std::uint32_t> category_ids, sku_ids;
    const std::vector<CompiledCampaign>& for_trigger(CampaignTrigger t) const {
        return by_trigger[static_cast<std::size_t>(t)];
    }
};

struct CampaignCache {
    std::map<std::string, CompiledProgram, std::less<>> programs;
};

}  // namespace loyalty
