#pragma once
// What the hub benchmarks share: their program, the wall clock, and a hub on PostgreSQL
// with the program and `members` members (uids 00000000-0000-4000-8000-<12 digits>,
// phones +86139<8 digits>, 1,000 points each, ids 1.. in that order), written in bulk
// as the SQLite benchmarks write theirs.
#include <cstdint>
#include <string>

#include "loyalty/clock.hpp"
#include "loyalty/program_config.hpp"

namespace loyalty::bench {

// The demo program (assets/config/demo-program.toml) as program BENCH, open to any store.
ProgramConfig bench_program();
const SystemClock& system_clock();

// A hub of `members` members of `program`, each with a phone and a past sale (its ledger
// entry, its points lot, the hub's dedupe row), vacuumed, analysed and checkpointed: a hub
// in its steady state, not a new database in its first minute.
void fill_postgres_hub(const std::string& uri, const ProgramConfig& program, std::int64_t members);

}  // namespace loyalty::bench
