#pragma once
// CSV exports for head office (RFC 4180 quoting, UTF-8).
#include <ostream>
#include <string>

#include "loyalty/engine.hpp"

namespace loyalty {

std::string csv_field(const std::string& value);
Result<std::int64_t> export_members_csv(Engine& engine, const std::string& program,
                                        std::ostream& out);
Result<std::int64_t> export_ledger_csv(Engine& engine, const std::string& program,
                                       std::ostream& out);

}  // namespace loyalty
