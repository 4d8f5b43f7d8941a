#pragma once
// The store's figures for one local day: what the manager reads at closing,
// whether at the kiosk, from loyalty-admin or through the till.
#include <cstdint>
#include <string>
#include <vector>

#include "loyalty/clock.hpp"
#include "loyalty/money.hpp"
#include "loyalty/result.hpp"
#include "loyalty/stored_value.hpp"

namespace loyalty {

class Engine;

struct DayReport {
    std::string program;
    std::string day;                           // YYYY-MM-DD in the program's local time
    std::int64_t sales = 0, member_sales = 0;  // voided sales left out
    Money sales_net, member_sales_net;
    std::int64_t voids = 0;  // sales the cashier voided (taken back whole at the till)
    Money voided_net;
    Points issued = 0;    // earned, bonuses and positive adjustments (pending included)
    Points redeemed = 0;  // paid with points and rewards
    Points expired = 0;
    // available + pending over all active members at the end of the day (now for today),
    // and what it is worth in money at the program's point value (points paying a bill).
    Points liability = 0;
    Money liability_value{};
    std::int64_t enrollments = 0;
    std::int64_t ratings = 0;   // satisfaction ratings given (anonymous and members')
    double average_rating = 0;  // their mean score, 1 to 5 (0 without ratings): a display figure
    struct TierCount {
        std::string code, name;
        std::int64_t members = 0;
    };
    std::vector<TierCount> tiers;  // active members per tier, now
    struct TopMember {
        std::string masked_name;  // a report may be printed or mailed: never the full name
        Money spend;
    };
    std::vector<TopMember> top;  // the day's five biggest spenders
    // The day's trade by local hour (index 0 = 00:00-00:59): for the closing report's charts.
    struct Hour {
        std::int64_t sales = 0, member_sales = 0;
        Money sales_net{};
        Points issued = 0, redeemed = 0;
    };
    std::vector<Hour> hours = std::vector<Hour>(24);
    SvDaySummary stored_value{};  // top-ups by tender, spent, refunded, liability in money
};

// The report for the local day that contains `within_day`.
Result<DayReport> day_report(Engine& engine, const std::string& program, Timestamp within_day);

}  // namespace loyalty
