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

// A named demo member in one state a demo user can try at the kiosk or the till.
struct NamedDemoMember {
    std::string state;  // "near the next tier", "unused coupons"...
    std::string name;
    std::string phone;  // national, as typed at the kiosk: "13800009001"
    std::string card;   // the printed card's number
    bool has_pin = true;
    MemberId id = 0;
};

// The members of kNamedDemoPhones, one per state: close to the next tier, with unused coupons,
// with points expiring this month, without a PIN (the others' PIN is kNamedDemoPin), and
// enrolled today without a purchase. Each is made at the time its history needs on `clock`,
// which ends at `end`. Made once: a second call finds them (the phones are taken) and fails.
inline constexpr const char* kNamedDemoPin = "1234";
Result<std::vector<NamedDemoMember>> create_named_demo_members(Engine& engine, ManualClock& clock,
                                                               Timestamp end,
                                                               const std::string& program);
// The demo's staff: manager M001 (PIN 246810, the demo kiosk's manager: the kiosk then keeps
// it) and cashier C001 (PIN 135790), so manager-only commands can be tried on a demo database.
inline constexpr const char* kDemoStaffManager = "M001";
inline constexpr const char* kDemoStaffManagerPin = "246810";
inline constexpr const char* kDemoStaffCashier = "C001";
inline constexpr const char* kDemoStaffCashierPin = "135790";
Result<void> create_demo_staff(Engine& engine);

// The named demo members a database has (for walkthrough), by their phones; none in another.
std::vector<NamedDemoMember> find_named_demo_members(Engine& engine, const std::string& program);

// Many members fast (rows straight into the tables, no history): for
// benchmarks at a million members. Card numbers are "8" + 15-digit index.
Result<std::int64_t> create_bulk_members(Engine& engine, const std::string& program,
                                         std::int64_t count);
std::string bulk_card_number(std::int64_t index);

// The members a demo terminal puts on its simulated reader: the program's active
// members with the most available points (ties: the earliest), at most `count`.
std::vector<MemberId> demo_showcase_members(Engine& engine, const std::string& program, int count);

}  // namespace loyalty
