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
void draw_screen(ScreenContext& c);

}  // namespace loyalty::kiosk
