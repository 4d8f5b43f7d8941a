// The demo reader's panel and keys (--demo): buttons and keys that tap demo cards,
// show member and receipt codes (straight into the queue, or filmed by the demo camera),
// and switch language.
#include <imgui.h>

#include <algorithm>

#include "app_impl.hpp"
#include "loyalty/devices/frame_render.hpp"

namespace loyalty::kiosk {

void AppImpl::draw_demo_panel(float width, bool portrait) {
    const float u = ui.unit();
    const auto members = demo->members();
    ui.text(ui.tr("demo.title") + "  " + ui.trf("demo.pins", {kDemoMemberPin, kDemoManagerPin}),
            atlas.small, colors::muted, width);
    struct Item {
        std::string id, label;
        std::function<void()> act;
    };
    std::vector<Item> items;
    const std::size_t shown = std::min<std::size_t>(members.size(), 3);
    for (std::size_t i = 0; i < shown; ++i)
        items.push_back({"demo.card." + std::to_string(i),
                         ui.trf("demo.tap", {members[i].masked_name}),
                         [this, i] { demo->tap_card(i); }});
    for (std::size_t i = 0; i < shown; ++i)
        items.push_back({"demo.qr." + std::to_string(i),
                         ui.trf("demo.qr", {members[i].masked_name}),
                         [this, i] { demo->show_member_code(i); }});
    // The camera path: a fresh code filmed on a phone (rendered now, played once through the real
    // camera's decoder); the rest of the time the demo camera shows an empty counter. One button
    // (the first member's), so the panel keeps its rows.
    if (camera && shown > 0)
        items.push_back({"demo.camera.0", ui.trf("demo.camera", {members[0].masked_name}),
                         [this] { show_to_camera(0); }});
    items.push_back({"demo.unknown", ui.tr("demo.unknown"), [this] { demo->tap_unknown_card(); }});
    items.push_back({"demo.receipt", ui.tr("demo.receipt"), [this] { demo->show_new_receipt(); }});
    items.push_back({"demo.replay", ui.tr("demo.replay"), [this] { demo->replay_last_code(); }});
    items.push_back(
        {"demo.expired", ui.tr("demo.expired"), [this] { demo->show_member_code(0, 600); }});
    items.push_back({"demo.garbled", ui.tr("demo.garbled"), [this] { demo->show_garbled_code(); }});
    const int columns = portrait ? 3 : 2;
    const float gap = 16 * u;
    const float bw = (width - gap * static_cast<float>(columns - 1)) / static_cast<float>(columns);
    ImGui::PushFont(atlas.small);
    ImGui::PushStyleVar(ImGuiStyleVar_ItemSpacing, ImVec2(gap, gap));
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i % static_cast<std::size_t>(columns) != 0) ImGui::SameLine(0, gap);
        if (ui.button(items[i].id, items[i].label, ImVec2(bw, 72 * u))) items[i].act();
    }
    ImGui::PopStyleVar();
    ImGui::PopFont();
}

void AppImpl::show_to_camera(std::size_t member) {
    const auto code = demo->fresh_member_code(member);
    if (code.empty() || !camera) return;
    // Rendered on the camera's thread, not the UI's: two 1280x720 frames, about 30 ms.
    camera->play_once([code]() -> Result<std::unique_ptr<devices::FrameSource>> {
        const auto blank = devices::render_blank_frame(1280, 720, 7);
        auto phone = devices::render_phone_qr_frame(code, 1280, 720, 7);
        if (!phone) return phone.error();
        std::vector<devices::GreyImage> recording(2, blank);
        recording.insert(recording.end(), 15, *phone);  // half a second in view at 30 fps
        recording.insert(recording.end(), 2, blank);
        return std::unique_ptr<devices::FrameSource>(
            devices::RecordedFrames::from_frames(std::move(recording), {30, false}));
    });
}

bool AppImpl::demo_key(SDL_Keycode key) {
    if (key == SDLK_ESCAPE) {
        controller->end_session();
        return true;
    }
    if (!demo) return false;
    switch (key) {
        case SDLK_1:
            demo->tap_card(0);
            break;
        case SDLK_2:
            demo->tap_card(1);
            break;
        case SDLK_3:
            demo->tap_card(2);
            break;
        case SDLK_q:
            demo->show_member_code(0);
            break;
        case SDLK_w:
            demo->show_member_code(1);
            break;
        case SDLK_e:
            demo->show_member_code(2);
            break;
        case SDLK_u:
            demo->tap_unknown_card();
            break;
        case SDLK_r:
            demo->show_new_receipt();
            break;
        case SDLK_p:
            demo->replay_last_code();
            break;
        case SDLK_x:
            demo->show_member_code(0, 600);
            break;
        case SDLK_g:
            demo->show_garbled_code();
            break;
        case SDLK_c:
            show_to_camera(0);
            break;
        case SDLK_l:
            controller->toggle_language();
            break;
        default:
            return false;
    }
    return true;
}

}  // namespace loyalty::kiosk
