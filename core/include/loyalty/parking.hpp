#pragma once
// Parking at a mall (停车缴费抵扣): a member saves car plates on their account, and at the
// self-service kiosk credits a plate with the free minutes of their tier (once a local day)
// and/or hours bought with points at the program's rate (ParkingRules). Each credit is
// booked once by the kiosk's credit id and leaves the event `parking.credited`, which the
// hub forwards to the car park system (cloud-link/PROTOCOL.md, "Parking credits").
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "loyalty/clock.hpp"
#include "loyalty/money.hpp"
#include "loyalty/result.hpp"

namespace loyalty {

struct EngineContext;
using MemberId = std::int64_t;

// A member keeps at most this many plates.
inline constexpr int kMaxPlatesPerMember = 5;

// A Chinese plate as typed or read, normalized: spaces, dots (·) and dashes dropped,
// full-width letters and digits made ASCII, letters upper-case ("粤b·d12345" -> "粤BD12345").
// Valid: a province character (京, 沪, 粤, ...), a letter, then 5 letters or digits (an
// ordinary plate) or 6 starting or ending with D or F (a new-energy plate); I and O are never
// used after the province's letter. nullopt when it is not such a plate.
std::optional<std::string> normalize_plate(std::string_view typed);

// What a member may still have today (the program's local day).
struct ParkingToday {
    std::string date;                   // "YYYY-MM-DD", local
    std::string tier;                   // the member's tier code
    int tier_free_minutes = 0;          // TierLevel::parking_minutes
    int free_minutes_credited = 0;      // of today's free minutes, already credited (0 or all)
    bool free_minutes_left = false;     // tier minutes > 0 and not credited today
    int hours_bought = 0;               // today
    Points points_per_hour = 0;         // 0: hours are not sold for points
    std::optional<int> hours_cap_left;  // today's cap less what was bought; none: no cap
    int hours_buyable = 0;  // what may be bought now: the cap left and the points both allow
    Points available = 0;   // the member's points that can be spent now
    std::vector<std::string> plates;  // the member's, oldest first
};

struct ParkingCreditRequest {
    std::string program;
    MemberId member = 0;
    std::string plate;          // one of the member's plates, as typed (normalized here)
    bool free_minutes = false;  // credit today's free minutes of the member's tier
    int hours = 0;              // hours to buy with points (0: none)
    // The kiosk's id for this credit (1-64 of [A-Za-z0-9_-]): the same id again is answered
    // with what it got the first time and books nothing.
    std::string credit_id;
};

struct ParkingCredit {
    std::int64_t id = 0;
    // The credit everywhere: "<store>/<terminal>/<credit_id>", what the car park receives.
    std::string uid;
    std::string credit_id;
    std::string program;
    MemberId member = 0;
    std::string plate;
    int free_minutes = 0;
    int bought_hours = 0;
    Points points = 0;  // spent on the hours
    std::string date;   // the local day it counts for
    std::string store;
    std::string terminal;
    Timestamp credited_at{};
    int minutes() const { return free_minutes + bought_hours * 60; }
};

struct ParkingOutcome {
    ParkingCredit credit;
    bool replayed = false;       // the credit id was seen before: this is what it got then
    Points available_after = 0;  // the member's points that can be spent after it
};

class Parking {
  public:
    explicit Parking(EngineContext& ctx) : ctx_(ctx) {}

    // The member's plates, oldest first. Adding one saved already changes nothing; a sixth
    // is Errc::limit_exceeded; a malformed plate Errc::invalid_argument; removing a plate
    // the member does not have Errc::not_found. Each change is an event
    // (parking.plate_added / parking.plate_removed).
    Result<std::vector<std::string>> plates(MemberId member);
    Result<std::vector<std::string>> add_plate(MemberId member, std::string_view plate);
    Result<std::vector<std::string>> remove_plate(MemberId member, std::string_view plate);

    // Today's free minutes, hours and points for the member (Errc::not_found: unknown
    // program, or no active member of it).
    Result<ParkingToday> today(const std::string& program, MemberId member);

    // Credits a plate: the tier's free minutes (once a local day) and/or hours bought with
    // points (debited as LedgerKind::redeem, keyed by the credit), one row, one event
    // parking.credited, one transaction. The same credit id again returns the first answer
    // (Errc::conflict when it asks for something else). Refusals, nothing booked:
    //   invalid_argument  no credit id, nothing asked, hours < 0 or above 24, a malformed plate,
    //                     free minutes the tier does not have, hours not sold for points here
    //   not_found         unknown program or member, a plate not saved on the member
    //   already_used      today's free minutes were credited already
    //   limit_exceeded    over the day's cap of bought hours
    //   insufficient_points  too few points for the hours (both figures said)
    Result<ParkingOutcome> credit(const ParkingCreditRequest& request);

    // The member's credits of one local day ("YYYY-MM-DD"), oldest first.
    Result<std::vector<ParkingCredit>> credits_of(MemberId member, const std::string& date);

  private:
    EngineContext& ctx_;
};

}  // namespace loyalty
