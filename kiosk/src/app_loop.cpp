// The event loop: it sleeps until input, a scan or an engine result arrives (or the
// attract animation is due), applies them and draws a frame only when something changed.
#include <SDL.h>
#include <imgui.h>

#include <algorithm>

#include "app_impl.hpp"
#include "service_notify.hpp"

namespace loyalty::kiosk {

namespace {

// The attract screen's ring breathes over three seconds, drawn twice a second:
// slow enough to cost about one percent of a core on the software renderer.
constexpr int kAnimationFrameMs = 500;
constexpr int kSpinnerFrameMs = 100;  // the second or so a receipt photo takes to read

}  // namespace

void AppImpl::wake() {
    SDL_Event e{};
    e.type = wake_event;
    SDL_PushEvent(&e);
    {
        std::lock_guard lock(wake_mutex);
        woken = true;
    }
    wake_cv.notify_one();
}

bool AppImpl::wait_event(SDL_Event& e, int timeout_ms) {
    if (!driver_waits) {
        // SDL's offscreen driver cannot block: SDL_WaitEventTimeout would poll every
        // millisecond. Nothing but our own threads produce events there, and they
        // all call wake(), so sleep on that instead.
        std::unique_lock lock(wake_mutex);
        wake_cv.wait_for(lock, std::chrono::milliseconds{timeout_ms}, [&] { return woken; });
        woken = false;
        lock.unlock();
        return SDL_PollEvent(&e) != 0;
    }
    return SDL_WaitEventTimeout(&e, timeout_ms) != 0;
}

bool AppImpl::handle_event(const SDL_Event& e) {
    auto& io = ImGui::GetIO();
    switch (e.type) {
        case SDL_QUIT:
            // The desktop asks the app to quit (the window manager's close, Alt+F4, a logout).
            // A locked kiosk stays: only the manager's Close ends it.
            if (options.locked) {
                SDL_Log("kiosk: close request ignored (locked; the manager closes the kiosk)");
                needs_frame = true;  // whatever the window manager did, the kiosk is drawn again
                return true;
            }
            quit = true;
            return true;
        case SDL_MOUSEMOTION:
            io.MousePos = ImVec2(static_cast<float>(e.motion.x), static_cast<float>(e.motion.y));
            return mouse_down;  // hover alone changes nothing on a touch screen
        case SDL_MOUSEBUTTONDOWN:
            if (e.button.button != SDL_BUTTON_LEFT) return false;
            io.MousePos = ImVec2(static_cast<float>(e.button.x), static_cast<float>(e.button.y));
            mouse_down = true;
            pressed_latch = true;
            controller->touched(now());
            return true;
        case SDL_MOUSEBUTTONUP:
            if (e.button.button != SDL_BUTTON_LEFT) return false;
            io.MousePos = ImVec2(static_cast<float>(e.button.x), static_cast<float>(e.button.y));
            mouse_down = false;
            return true;
        case SDL_WINDOWEVENT:
            if (e.window.event == SDL_WINDOWEVENT_CLOSE) {
                if (!options.locked) quit = true;
                return true;
            }
            return e.window.event == SDL_WINDOWEVENT_SIZE_CHANGED ||
                   e.window.event == SDL_WINDOWEVENT_EXPOSED;
        case SDL_KEYDOWN:
            controller->touched(now());
            // Alt+F4 reaches the app itself when the keyboard is grabbed: a close request like any
            // other.
            if (e.key.keysym.sym == SDLK_F4 && (e.key.keysym.mod & KMOD_ALT) != 0) {
                if (!options.locked) quit = true;
                return false;
            }
            return demo_key(e.key.keysym.sym);
        default:
            return e.type == wake_event;
    }
}

bool AppImpl::drain_inputs() {
    bool changed = false;
    std::vector<devices::ScanEvent> got;
    {
        std::lock_guard lock(inbox_mutex);
        got.swap(inbox);
    }
    // The UI may take scans straight from the queue too; the pump is there to wake it.
    while (auto s = scans.try_pop()) got.push_back(std::move(*s));
    for (const auto& s : got) {
        controller->touched(now());
        controller->on_scan(s);
        changed = true;
    }
    controller->set_scans_dropped(scans.dropped());
    if (controller->apply_updates()) changed = true;
    if (controller->check_idle(now())) changed = true;
    controller->check_link(now());
    return changed;
}

bool AppImpl::animating() const {
    // The attract ring, and the spinner while a receipt photo is read.
    return options.animate &&
           (controller->state().screen == Screen::attract || controller->state().reading_photo);
}

bool AppImpl::scans_pending() {
    std::lock_guard lock(inbox_mutex);
    return !inbox.empty();
}

bool App::step(std::chrono::milliseconds max_wait) {
    auto& a = *impl_;
    bool dirty = a.needs_frame;
    int wait = static_cast<int>(max_wait.count());
    const int frame_ms = a.controller->state().reading_photo ? kSpinnerFrameMs : kAnimationFrameMs;
    if (a.animating()) wait = std::min(wait, frame_ms);
    if (a.controller->state().screen != Screen::attract || a.controller->state().member)
        wait = std::min<int>(wait, static_cast<int>(a.controller->until_idle(a.now()).count()) + 1);
    if (dirty || a.pressed_latch) wait = 0;
    SDL_Event e;
    if (a.wait_event(e, std::max(0, wait))) {
        dirty |= a.handle_event(e);
        while (SDL_PollEvent(&e)) dirty |= a.handle_event(e);
    }
    dirty |= a.drain_inputs();
    if (a.controller->quit_requested()) a.quit = true;
    if (a.animating() && steady_now() - a.last_frame_at >= std::chrono::milliseconds{frame_ms - 10})
        dirty = true;
    if (!dirty) return false;
    a.needs_frame = false;
    a.render(nullptr);
    return true;
}

int App::run() {
    auto& a = *impl_;
    a.needs_frame = true;
    ServiceNotifier service;
    step(std::chrono::milliseconds{0});  // the attract screen is on the display
    service.ready();
    // step() returns at least once a second, so a UI thread that stops turning stops the pings.
    while (!quit_requested() && !(a.options.stop && a.options.stop->load())) {
        step(std::chrono::milliseconds{1000});
        service.alive();
    }
    return 0;
}

}  // namespace loyalty::kiosk
