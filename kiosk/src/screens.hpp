#pragma once
// One function per screen: each draws its screen from the state and sends
// intents to the controller, and nothing else.
#include "kiosk_controller.hpp"
#include "ui_kit.hpp"

namespace loyalty::kiosk {

struct ScreenContext {
    Ui& ui;
    KioskController& k;
    float width;   // content width
    float height;  // content height
    float anim;    // 0..1, the attract screen's idle animation
};

void draw_top_bar(ScreenContext& c);

// Amounts and counts as a shopper or manager reads them: "¥1,234.50", "12,345".
inline std::string yuan(Money m) {
    return "¥" + format_money_grouped(m);
}
inline std::string grouped(std::int64_t n) {
    return group_thousands(n);
}

void draw_screen(ScreenContext& c);
// Instead of every other screen while the kiosk cannot serve (UiState::out_of_service).
void draw_out_of_service(ScreenContext& c);

}  // namespace loyalty::kiosk
