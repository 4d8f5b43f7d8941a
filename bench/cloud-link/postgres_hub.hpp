#pragma once
// A benchmark's hub on PostgreSQL: the program and `members` members (uids
// 00000000-0000-4000-8000-<12 digits>, phones +86139<8 digits>, 1,000 points each, ids
// 1.. in that order), written in bulk as the SQLite benchmarks write theirs.
#include <cstdint>
#include <string>

#include "loyalty/program_config.hpp"

namespace loyalty::bench {

void fill_postgres_hub(const std::string& uri, const ProgramConfig& program, std::int64_t members);

}  // namespace loyalty::bench
