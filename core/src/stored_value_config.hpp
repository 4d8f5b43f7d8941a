#pragma once
// Private to core: the program's [stored_value] section, read and written as JSON.
#include <nlohmann/json.hpp>

#include "loyalty/program_config.hpp"

namespace loyalty {

// Reads the section into config.stored_value (rewards and tiers already read, so a
// top-up rule's coupon and tier are checked); std::invalid_argument naming the field.
void parse_stored_value(const nlohmann::json& section, ProgramConfig& config);
nlohmann::json stored_value_json(const StoredValueRules& rules);

}  // namespace loyalty
