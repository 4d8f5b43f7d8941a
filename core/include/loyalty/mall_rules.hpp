#pragma once
// What a mall program (ProgramConfig::kind "mall") adds: the shops whose receipts earn the
// mall's points at the self-service points kiosk (自助积分机), the rules for those claims, and
// parking bought with points. Program data, like the rest of the program.
#include <string>
#include <vector>

#include "loyalty/local_names.hpp"
#include "loyalty/money.hpp"

namespace loyalty {

// A tenant of the mall. Most tenants run their own tills: their receipts come to the kiosk as
// an e-invoice QR, a QR in the shop's own format (`receipt_formats`), or typed on the keypad.
struct MallShop {
    std::string code;  // digits, typed on the kiosk keypad: the unit number ("1023")
    std::string name;  // in the program's own language; every language's in `names`
    LocalNames names{};
    // A claim earns as one basket line of this category at the program's earning rate, so the
    // program's category multipliers and exclusions apply ("dining" at 2x).
    std::string category;
    Money min_amount{1};
    Money max_amount{};  // 0: no upper bound
    // The shop's own receipt QR formats: literal text with the fields {receipt}, {amount}
    // (yuan, "128.50" or "128"), {amount_fen}, {date} (20261201 or 2026-12-01) and {*}
    // (anything); e.g. "UQ|{receipt}|{amount}|{date}". Two fields never touch.
    std::vector<std::string> receipt_formats{};
};

struct ReceiptClaimRules {
    int window_days = 7;      // a receipt is claimable this many days after its date
    int daily_claims = 0;     // claims per member per local day; 0: no cap
    Points daily_points = 0;  // points per member per local day from claims; 0: no cap
    Money review_above{};     // a claim above this amount waits for a manager; 0: never
    bool e_invoices = true;   // the national e-invoice QR (电子发票 / 数电票) is accepted
    std::vector<MallShop> shops{};

    const MallShop* shop(const std::string& code) const {
        for (const auto& s : shops)
            if (s.code == code) return &s;
        return nullptr;
    }
};

// Parking: each tier's free minutes a day are TierLevel::parking_minutes; more hours may be
// bought with points.
struct ParkingRules {
    Points points_per_hour = 0;  // 0: hours are not sold for points
    int max_bought_hours = 0;    // per member per local day; 0: no cap
};

}  // namespace loyalty
