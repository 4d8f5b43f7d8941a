#pragma once
// A code shown as a QR on screen (a coupon, a new member's electronic card),
// encoded with ZXing-cpp and drawn as SDL rectangles.
#include <string>

#include "ui_kit.hpp"

namespace loyalty::kiosk {

void draw_qr(Ui& ui, const std::string& id, const std::string& text, float side);

}  // namespace loyalty::kiosk
