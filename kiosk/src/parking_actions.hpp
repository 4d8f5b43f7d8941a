#pragma once
// Parking at the kiosk (停车缴费), the engine side: run on the engine worker like the other
// intents' work. Hours bought with points are cleared with headquarters first, as a reward's
// points are (TerminalHub::clear_spend, auth "parking/{terminal}/{credit id}", captured by the
// credit's event); offline the tier's free minutes only.
#include <optional>
#include <string>
#include <vector>

#include "kiosk_actions.hpp"
#include "parking_view.hpp"

namespace loyalty::kiosk {

// Whether the kiosk offers parking for the program: hours sold for points, or a tier with
// free minutes.
bool parking_offered(Engine& engine, const std::string& program);

// Today's free minutes, hours and the member's plates; `offline` when the member hub is out of
// reach now (the buy-hours control is then off, with the reason).
struct ParkingLoad {
    std::optional<ParkingToday> today;
    bool offline = false;
    Notice refused{};
};
ParkingLoad load_parking(Engine& engine, const KioskConfig& config, MemberId member,
                         sync::TerminalHub* hub);

// A plate saved on the member or removed: the member's plates after it, or why not.
struct PlateChange {
    std::optional<std::vector<std::string>> plates;
    Notice refused{};
};
PlateChange add_member_plate(Engine& engine, MemberId member, const std::string& typed);
PlateChange remove_member_plate(Engine& engine, MemberId member, const std::string& plate);

struct ParkingBooking {
    std::optional<ParkingOutcome> outcome;
    // Headquarters did not answer: hours were refused (nothing booked), free minutes only.
    bool offline = false;
    Notice refused{};
};
// Books the credit (Parking::credit). With `hub` and hours to buy, their points are cleared
// with headquarters first; no answer (or the offline limit): refused as offline. The hold goes
// back when the credit then fails.
ParkingBooking credit_parking(Engine& engine, const KioskConfig& config,
                              const ParkingCreditRequest& request, sync::TerminalHub* hub);

// What the shopper reads when the engine refuses a plate or a credit: the rule that did.
// `today` (when known) gives the figures a refusal names.
Notice parking_refusal_notice(const Error& error, const ParkingToday* today = nullptr);

}  // namespace loyalty::kiosk
