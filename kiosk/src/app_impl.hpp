#pragma once
// The app's private parts, shared by the files that each do one of its jobs:
// app.cpp (the App, put together), app_config.cpp (settings), app_display.cpp
// (window, renderer, ImGui), app_wiring.cpp (controller, devices, scan pump),
// app_loop.cpp (events), app_frame.cpp (frames), demo_panel.cpp (--demo),
// app_driver.cpp (scripted taps, screenshots) and app_state.cpp (PNG, state dump).
#include <SDL.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "demo_reader.hpp"
#include "glyph_atlas.hpp"
#include "i18n.hpp"
#include "kiosk_controller.hpp"
#include "loyalty/devices/camera_runner.hpp"
#include "loyalty/devices/device_manager.hpp"
#include "loyalty/kiosk/app.hpp"
#include "screens.hpp"
#include "ui_kit.hpp"

namespace loyalty::kiosk {

inline std::chrono::steady_clock::time_point steady_now() {
    return std::chrono::steady_clock::now();
}

struct AppImpl {
    ~AppImpl();

    std::chrono::steady_clock::time_point now() const;
    void wake();
    bool wait_event(SDL_Event& e, int timeout_ms);
    bool handle_event(const SDL_Event& e);
    bool demo_key(SDL_Keycode key);
    bool drain_inputs();
    bool animating() const;
    bool scans_pending();
    void render(std::vector<unsigned char>* capture, int* w = nullptr, int* h = nullptr);
    void draw(float w, float h);
    void draw_demo_panel(float width, bool portrait);
    void show_to_camera(std::size_t member);  // the demo camera films a phone showing its code

    AppOptions options;
    Translations translations;
    GlyphAtlas atlas;
    Ui ui{atlas, translations};
    devices::ScanQueue scans;
    std::unique_ptr<KioskController> controller;
    std::unique_ptr<DemoReader> demo;
    std::unique_ptr<devices::DeviceManager> device_manager;
    std::unique_ptr<devices::CameraRunner> camera;

    SDL_Window* window = nullptr;
    SDL_Renderer* renderer = nullptr;
    bool sdl_ready = false;
    bool imgui_ready = false;
    Uint32 wake_event = 0;
    bool driver_waits = true;  // false under the offscreen driver
    std::mutex wake_mutex;
    std::condition_variable wake_cv;
    bool woken = false;

    std::thread pump;
    std::atomic<bool> stop_pump{false};
    std::mutex inbox_mutex;
    std::vector<devices::ScanEvent> inbox;

    bool quit = false;
    bool needs_frame = true;
    bool mouse_down = false;
    bool pressed_latch = false;  // a press and release between two frames still clicks
    std::chrono::seconds idle_offset{0};
    std::chrono::steady_clock::time_point started;
    std::chrono::steady_clock::time_point last_frame_at;
    std::uint64_t frames = 0;
    SDL_Rect panel_rect{0, 0, 0, 0};  // the demo reader's panel, filled before ImGui draws
    std::function<void(const std::string&)> present_hook;
};

// The kiosk's settings from the options: program, store and terminal checked, trusted keys read.
Result<KioskConfig> kiosk_config_from(const AppOptions& options);
// Translations, font, SDL window and renderer, ImGui: everything needed to draw.
Result<void> open_display(AppImpl& a);
// The controller and its engine worker, the demo reader, the printer, the devices, the scan pump.
void start_kiosk(AppImpl& a, KioskConfig config);

Result<void> write_png(const std::filesystem::path& path, const std::vector<unsigned char>& rgba,
                       int w, int h);

}  // namespace loyalty::kiosk
