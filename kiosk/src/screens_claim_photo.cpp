// The claim screen's way to photograph a receipt: the button (or why it cannot be used), and
// the second or so while the photo is read.
#include <cmath>

#include "fast_fill.hpp"
#include "screens.hpp"

namespace loyalty::kiosk {

void draw_claim_photo_button(ScreenContext& c) {
    auto& ui = c.ui;
    if (!c.k.has_camera() || !c.k.state().mall_claims) return;  // no camera: no button
    const auto problem = c.k.photo_problem();
    ui.spacing(ui.gap() / 2);
    ui.text(ui.tr("claim.photo_hint"), ui.atlas().small, colors::muted, c.width);
    if (ui.button("claim.photo", ui.tr("claim.photo"), ImVec2(c.width, ui.touch()), true,
                  problem.empty()))
        c.k.photograph_receipt();
    if (!problem.empty()) ui.text(ui.tr(problem), ui.atlas().small, colors::error, c.width);
}

void draw_photo_reading(ScreenContext& c) {
    auto& ui = c.ui;
    const float u = ui.unit();
    ui.spacing(ui.gap() * 2);
    ui.text_centered(ui.tr("claim.photo_reading"), ui.atlas().large, c.width, colors::text);
    ui.spacing(ui.gap());
    // Eight dots round a circle, one lit, going round once a second.
    const float r = 90 * u;
    const auto at = ImGui::GetCursorScreenPos();
    ImGui::Dummy(ImVec2(c.width, 2 * r + 40 * u));
    ui.record("claim.photo_spinner", "", false);
    const ImVec2 centre(at.x + c.width / 2, at.y + r + 20 * u);
    const int lit = static_cast<int>(c.anim * 3 * 8) % 8;
    auto* dl = ImGui::GetWindowDrawList();
    for (int i = 0; i < 8; ++i) {
        const float angle = static_cast<float>(i) * 3.14159265f / 4;
        const ImVec2 dot(centre.x + r * std::sin(angle), centre.y - r * std::cos(angle));
        fast_circle(dl, dot, (i == lit ? 18.0f : 12.0f) * u,
                    i == lit ? colors::accent : colors::panel);
    }
    ui.spacing(ui.gap());
    ui.text_centered(ui.tr("claim.photo_wait"), ui.atlas().body, c.width, colors::muted);
}

}  // namespace loyalty::kiosk
