// The App: what a process, a script, a test or a benchmark holds. create() puts the
// parts together (the kiosk's settings, the display, the kiosk behind it); the loop,
// the frames, the demo panel and the scripted helpers each have their own file.
#include "loyalty/kiosk/app.hpp"

#include <imgui.h>
#include <imgui_impl_sdlrenderer.h>

#include "app_impl.hpp"
#include "photo_view.hpp"

namespace loyalty::kiosk {

AppImpl::~AppImpl() {
    stop_pump = true;
    if (pump.joinable()) pump.join();
    camera.reset();  // no more scans
    device_manager.reset();
    // The engine worker first: a task still running may hold the demo reader.
    controller.reset();
    demo.reset();
    if (imgui_ready) {
        ImGui_ImplSDLRenderer_Shutdown();
        ImGui::DestroyContext();
    }
    photo_view_release();  // its textures are the renderer's
    if (renderer) SDL_DestroyRenderer(renderer);
    if (window) SDL_DestroyWindow(window);
    if (sdl_ready) SDL_Quit();
}

std::chrono::steady_clock::time_point AppImpl::now() const {
    return steady_now() + idle_offset;
}

Result<std::unique_ptr<App>> App::create(const AppOptions& options) {
    // The settings first: a missing store code is one clear line, before any window opens.
    auto config = kiosk_config_from(options);
    if (!config) return config.error();
    std::unique_ptr<App> app(new App());
    app->impl_ = std::make_unique<AppImpl>();
    auto& a = *app->impl_;
    a.options = options;
    const auto started = steady_now();
    if (auto opened = open_display(a); !opened) return opened.error();
    start_kiosk(a, std::move(*config));
    a.controller->touched(a.now());
    a.started = started;
    return app;
}

App::~App() = default;

devices::ScanQueue& App::scans() {
    return impl_->scans;
}

std::string App::screen_name() const {
    const auto& s = impl_->controller->state();
    return s.out_of_service.empty() ? to_string(s.screen) : "out_of_service";
}
std::uint64_t App::frames_presented() const {
    return impl_->frames;
}
bool App::quit_requested() const {
    return impl_->quit || impl_->controller->quit_requested();
}
void App::on_present(std::function<void(const std::string&)> hook) {
    impl_->present_hook = std::move(hook);
}

}  // namespace loyalty::kiosk
