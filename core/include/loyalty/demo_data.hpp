#pragma once
// Demo and benchmark data: a program's members with believable purchase
// histories, made through the engine itself so every invariant holds.
#include <cstdint>
#include <vector>

#include "loyalty/engine.hpp"

namespace loyalty {

struct DemoOptions {
    int members = 10000;
    int max_sales_per_member = 8;
    int history_days = 540;
    unsigned seed = 20261123;
};

struct DemoSummary {
    std::int64_t members = 0;
    std::int64_t sales = 0;
    std::int64_t refunds = 0;
    std::int64_t redemptions = 0;
    std::int64_t top_ups = 0;  // stored value, when the program takes it
};

// Walks `clock` back over the history and returns it to `end` afterwards.
// The demo history is treated as already synced: its outbox is cleared.
Result<DemoSummary> create_demo_data(Engine& engine, ManualClock& clock, Timestamp end,
                                     const std::string& program, const DemoOptions& options);

// Many members fast (rows straight into the tables, no history): for
// benchmarks at a million members. Card numbers are "8" + 15-digit index.
Result<std::int64_t> create_bulk_members(Engine& engine, const std::string& program,
                                         std::int64_t count);
std::string bulk_card_number(std::int64_t index);

// The members a demo terminal puts on its simulated reader: the program's active
// members with the most available points (ties: the earliest), at most `count`.
std::vector<MemberId> demo_showcase_members(Engine& engine, const std::string& program, int count);

}  // namespace loyalty
