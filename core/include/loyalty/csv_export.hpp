#pragma once
// CSV exports for head office (RFC 4180 quoting, UTF-8).
#include <ostream>
#include <string>

#include "loyalty/engine.hpp"

namespace loyalty {

std::string csv_field(const std::string& value);
// Names and phones are masked ("王*明", "+86 139****0007") unless `unmasked`: an export leaves
// the store on a stick or in a mail, and only a manager takes the real ones (loyalty-admin
// export --unmasked checks the manager and audits it). The ledger holds neither.
Result<std::int64_t> export_members_csv(Engine& engine, const std::string& program,
                                        std::ostream& out, bool unmasked = false);
Result<std::int64_t> export_ledger_csv(Engine& engine, const std::string& program,
                                       std::ostream& out);

}  // namespace loyalty
