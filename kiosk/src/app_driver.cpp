// Driving the app from a script, a test or a benchmark: taps on widgets by id, time
// passing without a touch, a size change, screenshots; settle() waits until the
// engine is idle and its results are on screen.
#include <imgui.h>

#include <cfloat>
#include <thread>

#include "app_impl.hpp"

namespace loyalty::kiosk {

void App::settle() {
    auto& a = *impl_;
    for (int round = 0; round < 20; ++round) {
        a.controller->worker().wait_idle();
        // A scan the pump thread holds reaches the inbox within moments.
        std::this_thread::sleep_for(std::chrono::milliseconds{3});
        const bool changed = a.drain_inputs();
        a.render(nullptr);
        a.render(nullptr);  // a tap's effects land in the frame after it
        if (!changed && !a.controller->state().busy && !a.scans_pending() && !a.atlas.dirty())
            break;
    }
}

bool App::tap(const std::string& widget_id) {
    auto& a = *impl_;
    for (const auto& w : a.ui.widgets())
        if (w.id == widget_id && w.interactive) {
            tap_at(w.x + w.w / 2, w.y + w.h / 2);
            return true;
        }
    return false;
}

bool App::hold(const std::string& widget_id, std::chrono::seconds held) {
    auto& a = *impl_;
    for (const auto& w : a.ui.widgets())
        if (w.id == widget_id && w.interactive) {
            auto& io = ImGui::GetIO();
            a.controller->touched(a.now());
            io.MousePos = ImVec2(w.x + w.w / 2, w.y + w.h / 2);
            a.mouse_down = true;
            a.pressed_latch = true;
            a.render(nullptr);  // press
            a.idle_offset += held;
            a.render(nullptr);  // still down, later
            a.mouse_down = false;
            a.render(nullptr);  // release
            io.MousePos = ImVec2(-FLT_MAX, -FLT_MAX);
            settle();
            return true;
        }
    return false;
}

void App::tap_at(float x, float y) {
    auto& a = *impl_;
    auto& io = ImGui::GetIO();
    a.controller->touched(a.now());
    io.MousePos = ImVec2(x, y);  // hover is worked out in the press frame itself
    a.mouse_down = true;
    a.pressed_latch = true;
    a.render(nullptr);  // press
    a.mouse_down = false;
    a.render(nullptr);  // release: the button fires
    io.MousePos = ImVec2(-FLT_MAX, -FLT_MAX);
    settle();
}

void App::advance_idle(std::chrono::seconds by) {
    impl_->idle_offset += by;
    settle();
}

void App::end_session() {
    impl_->controller->end_session();
    impl_->needs_frame = true;
}

void App::resize(int width, int height) {
    SDL_SetWindowSize(impl_->window, width, height);
    impl_->needs_frame = true;
    settle();
}

Result<void> App::screenshot(const std::filesystem::path& png) {
    std::vector<unsigned char> pixels;
    int w = 0, h = 0;
    impl_->render(&pixels, &w, &h);
    return write_png(png, pixels, w, h);
}

}  // namespace loyalty::kiosk
