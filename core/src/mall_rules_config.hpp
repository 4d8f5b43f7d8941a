#pragma once
// Private to core: a mall program's [receipt_claims] and [parking] sections, read and written
// as JSON (the program file's TOML arrives here as JSON too).
#include <nlohmann/json.hpp>

#include "loyalty/program_config.hpp"

namespace loyalty {

// Reads both sections from the whole program object into `config`; std::invalid_argument
// naming the field.
void parse_mall_rules(const nlohmann::json& program, ProgramConfig& config);
// Adds the sections to the program's JSON when they say anything.
void write_mall_rules(const ProgramConfig& config, nlohmann::json& program);

}  // namespace loyalty
