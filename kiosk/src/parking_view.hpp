#pragma once
// What the parking screens draw (停车缴费): the member's plates and today's free minutes and
// hours, the shopper's choice, and the last credit, filled in by the engine worker.
#include <optional>
#include <string>

#include "loyalty/parking.hpp"

namespace loyalty::kiosk {

// The common provinces' abbreviations, always shown above the plate keypad; the rest of the
// 31 behind "more" (the keypad area shows them instead of the letters meanwhile).
inline constexpr const char* kCommonProvinces[] = {"京", "沪", "粤", "浙", "苏",
                                                   "川", "鄂", "湘", "鲁", "闽"};
inline constexpr const char* kAllProvinces[] = {
    "京", "津", "沪", "渝", "冀", "豫", "云", "辽", "黑", "湘", "皖", "鲁", "新", "苏", "浙", "赣",
    "鄂", "桂", "甘", "晋", "蒙", "陕", "吉", "闽", "贵", "粤", "青", "藏", "川", "宁", "琼"};

struct ParkingView {
    ParkingToday today;
    std::string plate;  // the plate chosen (normalized), empty: none yet
    int hours = 0;      // hours to buy with points, 0..today.hours_buyable
    // Headquarters does not answer (or the link is down): only the tier's free minutes, no
    // hours for points, and the screen says so.
    bool offline = false;
    // The plate being typed on Screen::parking_plate: its province, then letters and digits.
    std::string typed_province;
    std::string typed_rest;
    bool all_provinces = false;  // the keypad area shows every province, not the letters
    // The id the current choice is credited under: the same on a retry or a second tap, a new
    // one for another choice (credit_for says which) and after a credit is booked.
    std::string credit_id;
    std::string credit_for;
    // The last credit booked, for the result screen.
    std::optional<ParkingOutcome> last;
    bool last_offline = false;  // booked while headquarters did not answer: the car park
                                // hears of it once the link is back
};

// "粤BD12345" as a plate is read: "粤B·D12345".
std::string plate_display(const std::string& plate);

}  // namespace loyalty::kiosk
