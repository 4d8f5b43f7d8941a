// The app shell: SDL window and renderer, Dear ImGui frames, the event loop
// that sleeps until input, a scan or an engine result arrives.
#include "loyalty/kiosk/app.hpp"

#include <SDL.h>
#include <imgui.h>
#include <imgui_impl_sdlrenderer.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <thread>

#include "app_impl.hpp"
#include "fast_fill.hpp"
#include "loyalty/devices/usb_printer.hpp"
#include "service_notify.hpp"

namespace loyalty::kiosk {

namespace {

std::chrono::steady_clock::time_point steady_now() { return std::chrono::steady_clock::now(); }

// The attract screen's ring breathes over three seconds, drawn twice a second:
// slow enough to cost about one percent of a core on the software renderer.
constexpr int kAnimationFrameMs = 500;

void apply_style(float u) {
    auto& style = ImGui::GetStyle();
    style.WindowPadding = ImVec2(0, 0);
    style.WindowBorderSize = 0;
    style.ChildBorderSize = 0;
    style.FramePadding = ImVec2(16 * u, 12 * u);
    style.ItemSpacing = ImVec2(24 * u, 18 * u);
    style.FrameRounding = 18 * u;
    style.ChildRounding = 0;
    style.GrabRounding = 12 * u;
    // Flat shapes: anti-aliased fringes double the triangles the software renderer fills.
    style.AntiAliasedFill = false;
    style.AntiAliasedLines = false;
    style.AntiAliasedLinesUseTex = false;
    style.Colors[ImGuiCol_WindowBg] = ImGui::ColorConvertU32ToFloat4(colors::background);
    style.Colors[ImGuiCol_ChildBg] = ImVec4(0, 0, 0, 0);
    style.Colors[ImGuiCol_FrameBg] = ImGui::ColorConvertU32ToFloat4(colors::panel);
    style.Colors[ImGuiCol_Text] = ImGui::ColorConvertU32ToFloat4(colors::text);
}

// Program, store and terminal: codes the link agent and the hub accept.
bool is_code(const std::string& s) {
    if (s.empty() || s.size() > 32) return false;
    for (char c : s)
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return false;
    return true;
}

Result<void> check_code(const char* what, const std::string& value) {
    if (value.empty())
        return make_error(Errc::invalid_argument, std::string("no ") + what + " code: give --" + what + " CODE, or " +
                                                      what + " = \"CODE\" in the --config file");
    if (!is_code(value))
        return make_error(Errc::invalid_argument, std::string(what) + " code '" + value +
                                                      "' is not valid: 1 to 32 letters, digits, '_' or '-'");
    return {};
}

}  // namespace

AppImpl::~AppImpl() {
    stop_pump = true;
    if (pump.joinable()) pump.join();
    device_manager.reset();  // no more scans
    // The engine worker first: a task still running may hold the demo reader.
    controller.reset();
    demo.reset();
    if (imgui_ready) {
        ImGui_ImplSDLRenderer_Shutdown();
        ImGui::DestroyContext();
    }
    if (renderer) SDL_DestroyRenderer(renderer);
    if (window) SDL_DestroyWindow(window);
    if (sdl_ready) SDL_Quit();
}

std::chrono::steady_clock::time_point AppImpl::now() const { return steady_now() + idle_offset; }

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

Result<std::unique_ptr<App>> App::create(const AppOptions& options) {
    // Who the kiosk is, before any window opens: a missing store code is one clear line.
    for (const auto& [what, value] : {std::pair{"program", &options.program}, std::pair{"store", &options.store},
                                      std::pair{"terminal", &options.terminal}})
        if (auto ok = check_code(what, *value); !ok) return ok.error();
    std::unique_ptr<App> app(new App());
    app->impl_ = std::make_unique<AppImpl>();
    auto& a = *app->impl_;
    a.options = options;
    const auto started = steady_now();

    if (auto loaded = a.translations.load(options.assets / "i18n", {"zh-CN", "en"}); !loaded) return loaded.error();
    if (!a.atlas.load_font_file(options.font))
        return make_error(Errc::not_found, "cannot read the CJK font " + options.font.string());

    if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0) return make_error(Errc::display, std::string("SDL: ") + SDL_GetError());
    a.sdl_ready = true;
    a.wake_event = SDL_RegisterEvents(1);
    const char* driver = SDL_GetCurrentVideoDriver();
    // No display: SDL falls back to offscreen (asked for or not) or dummy.
    const bool offscreen = driver && (std::string(driver) == "offscreen" || std::string(driver) == "dummy");
    a.driver_waits = !offscreen;
    if (offscreen || options.software_renderer) {
        // Without these SDL backs a software window with a GL context (Mesa llvmpipe): slower to
        // start, ten times the memory, not faster to draw. Read when the window is made.
        SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
        SDL_SetHint(SDL_HINT_RENDER_DRIVER, "software");
    }
    Uint32 flags = SDL_WINDOW_SHOWN | SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI;
    // Full screen only on a real display: headless (scripts, tests, benchmarks) the size asked for is the frame.
    const bool fullscreen = options.fullscreen && !offscreen;
    if (options.locked) {
        // Keys go to the kiosk, not the desktop (X11 grabs the keyboard, Wayland inhibits the
        // compositor's shortcuts where it supports it); a lost focus does not minimise the window.
        SDL_SetHint(SDL_HINT_GRAB_KEYBOARD, "1");
        SDL_SetHint(SDL_HINT_VIDEO_MINIMIZE_ON_FOCUS_LOSS, "0");
        SDL_SetHint(SDL_HINT_ALLOW_ALT_TAB_WHILE_GRABBED, "0");
        SDL_SetHint(SDL_HINT_WINDOWS_NO_CLOSE_ON_ALT_F4, "1");
        if (fullscreen) flags |= SDL_WINDOW_ALWAYS_ON_TOP;
    }
    int width = options.width, height = options.height;
    SDL_Rect usable{};
    if (!offscreen && !fullscreen && SDL_GetDisplayUsableBounds(0, &usable) == 0 && usable.w > 0 && usable.h > 0 &&
        (width > usable.w || height > usable.h)) {
        // A 1080x1920 kiosk on a desktop screen: same shape, scaled to fit; the layout follows the window.
        const double scale = 0.95 * std::min(static_cast<double>(usable.w) / width, static_cast<double>(usable.h) / height);
        width = static_cast<int>(width * scale);
        height = static_cast<int>(height * scale);
    }
    if (fullscreen) flags |= SDL_WINDOW_FULLSCREEN_DESKTOP;
    a.window = SDL_CreateWindow("OMO loyalty kiosk", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, width, height, flags);
    if (!a.window) return make_error(Errc::display, std::string("SDL window: ") + SDL_GetError());
    if (options.locked && fullscreen) {
        SDL_SetWindowGrab(a.window, SDL_TRUE);
        SDL_SetWindowKeyboardGrab(a.window, SDL_TRUE);
        SDL_ShowCursor(SDL_DISABLE);  // a touch screen: no pointer to chase
    }
    const Uint32 render_flags = offscreen || options.software_renderer ? SDL_RENDERER_SOFTWARE : 0;
    a.renderer = SDL_CreateRenderer(a.window, -1, render_flags);
    if (!a.renderer) return make_error(Errc::display, std::string("SDL renderer: ") + SDL_GetError());

    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    auto& io = ImGui::GetIO();
    io.IniFilename = nullptr;  // a kiosk keeps no layout state between runs
    io.LogFilename = nullptr;
    ImGui_ImplSDLRenderer_Init(a.renderer);
    fast_fill_use_renderer(a.renderer);
    a.imgui_ready = true;
    a.atlas.seed(a.translations.all_text());

    KioskConfig config;
    config.program = options.program;
    config.origin = Origin{options.store, options.terminal};
    config.manager_id = options.manager_id;
    for (const auto& k : options.trusted_keys) {
        const auto colon = k.find(':');
        if (colon == std::string::npos) return make_error(Errc::invalid_argument, "trusted key is key_id:hex, got " + k);
        if (auto added = config.trusted_keys.add_hex(k.substr(0, colon), k.substr(colon + 1)); !added)
            return added.error();
    }
    if (options.demo) config.trusted_keys.add(demo_signing_key());
    a.controller = std::make_unique<KioskController>(std::move(config), options.db, [&a] { a.wake(); },
                                                     std::chrono::seconds{options.idle_seconds});
    a.controller->state().lang = options.lang;
    if (options.demo) {
        a.demo = std::make_unique<DemoReader>(a.scans, *a.controller);
        a.demo->set_up();
    }
    auto printer_path = options.printer;
    if (printer_path.empty() && options.demo) printer_path = (options.db.parent_path() / "receipt-printer.bin").string();
    if (printer_path == "usb") a.controller->set_printer(std::make_shared<devices::UsbPrinter>());
    else if (!printer_path.empty()) a.controller->set_printer(std::make_shared<devices::PathPrinter>(printer_path));
    if (options.devices) {
        // Real readers push into the same queue as the demo reader; a kiosk without any still runs.
        auto manager = devices::DeviceManager::start(devices::default_device_profiles(), a.scans,
                                                     [](const std::string& line) { SDL_Log("devices: %s", line.c_str()); });
        if (manager) {
            a.device_manager = std::move(manager.value());
            a.controller->set_attached_devices([&a] { return a.device_manager->attached(); });
        } else {
            SDL_Log("devices: %s", manager.error().message.c_str());
        }
    }
    // Devices push from their own threads; this pump hands their scans to the UI loop.
    a.pump = std::thread([&a] {
        while (!a.stop_pump) {
            if (auto scan = a.scans.wait_pop(std::chrono::milliseconds{200})) {
                {
                    std::lock_guard lock(a.inbox_mutex);
                    a.inbox.push_back(std::move(*scan));
                }
                a.wake();
            }
        }
    });
    a.controller->touched(a.now());
    a.started = started;
    return app;
}

App::~App() = default;

devices::ScanQueue& App::scans() { return impl_->scans; }

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
            return e.window.event == SDL_WINDOWEVENT_SIZE_CHANGED || e.window.event == SDL_WINDOWEVENT_EXPOSED;
        case SDL_KEYDOWN:
            controller->touched(now());
            // Alt+F4 reaches the app itself when the keyboard is grabbed: a close request like any other.
            if (e.key.keysym.sym == SDLK_F4 && (e.key.keysym.mod & KMOD_ALT) != 0) {
                if (!options.locked) quit = true;
                return false;
            }
            return demo_key(e.key.keysym.sym);
        default:
            return e.type == wake_event;
    }
}

bool AppImpl::demo_key(SDL_Keycode key) {
    if (key == SDLK_ESCAPE) {
        controller->end_session();
        return true;
    }
    if (!demo) return false;
    switch (key) {
        case SDLK_1: demo->tap_card(0); break;
        case SDLK_2: demo->tap_card(1); break;
        case SDLK_3: demo->tap_card(2); break;
        case SDLK_q: demo->show_member_code(0); break;
        case SDLK_w: demo->show_member_code(1); break;
        case SDLK_e: demo->show_member_code(2); break;
        case SDLK_u: demo->tap_unknown_card(); break;
        case SDLK_r: demo->show_new_receipt(); break;
        case SDLK_p: demo->replay_last_code(); break;
        case SDLK_x: demo->show_member_code(0, 600); break;
        case SDLK_g: demo->show_garbled_code(); break;
        case SDLK_l: controller->toggle_language(); break;
        default: return false;
    }
    return true;
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
    return changed;
}

bool AppImpl::animating() const {
    return options.animate && controller->state().screen == Screen::attract;
}

bool App::step(std::chrono::milliseconds max_wait) {
    auto& a = *impl_;
    bool dirty = a.needs_frame;
    int wait = static_cast<int>(max_wait.count());
    if (a.animating()) wait = std::min(wait, kAnimationFrameMs);
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
    if (a.animating() && steady_now() - a.last_frame_at >= std::chrono::milliseconds{kAnimationFrameMs - 10}) dirty = true;
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

void App::settle() {
    auto& a = *impl_;
    for (int round = 0; round < 20; ++round) {
        a.controller->worker().wait_idle();
        // A scan the pump thread holds reaches the inbox within moments.
        std::this_thread::sleep_for(std::chrono::milliseconds{3});
        const bool changed = a.drain_inputs();
        a.render(nullptr);
        a.render(nullptr);  // a tap's effects land in the frame after it
        if (!changed && !a.controller->state().busy && !a.scans_pending() && !a.atlas.dirty()) break;
    }
}

bool AppImpl::scans_pending() {
    std::lock_guard lock(inbox_mutex);
    return !inbox.empty();
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

std::string App::screen_name() const { return to_string(impl_->controller->state().screen); }
std::uint64_t App::frames_presented() const { return impl_->frames; }
bool App::quit_requested() const { return impl_->quit || impl_->controller->quit_requested(); }
void App::on_present(std::function<void(const std::string&)> hook) { impl_->present_hook = std::move(hook); }

Result<void> App::screenshot(const std::filesystem::path& png) {
    std::vector<unsigned char> pixels;
    int w = 0, h = 0;
    impl_->render(&pixels, &w, &h);
    return write_png(png, pixels, w, h);
}

void AppImpl::render(std::vector<unsigned char>* capture, int* cw, int* ch) {
    int w = 0, h = 0;
    SDL_GetRendererOutputSize(renderer, &w, &h);
    const float unit = static_cast<float>(std::min(w, h)) / 1080.0f;
    atlas.set_unit(unit);
    auto& io = ImGui::GetIO();
    for (int attempt = 0; attempt < 3; ++attempt) {
        if (atlas.dirty()) {
            // Between frames: new characters (a name, a reward) or a new size.
            ImGui_ImplSDLRenderer_DestroyFontsTexture();
            atlas.rebuild();
            ImGui_ImplSDLRenderer_CreateFontsTexture();
        }
        apply_style(unit);
        io.DisplaySize = ImVec2(static_cast<float>(w), static_cast<float>(h));
        const auto t = steady_now();
        io.DeltaTime = std::max(1e-4f, std::chrono::duration<float>(t - last_frame_at).count());
        io.MouseDown[0] = mouse_down || pressed_latch;
        ImGui_ImplSDLRenderer_NewFrame();
        fast_fill_begin_frame();
        ImGui::NewFrame();
        draw(static_cast<float>(w), static_cast<float>(h));
        ImGui::Render();
        if (!atlas.dirty()) break;
        // A character was missing: this frame showed '?', so draw it again instead of presenting it.
    }
    pressed_latch = false;
    SDL_SetRenderDrawColor(renderer, 24, 32, 48, 255);
    SDL_RenderClear(renderer);
    if (demo) {
        SDL_SetRenderDrawColor(renderer, 36, 48, 70, 255);
        SDL_RenderFillRect(renderer, &panel_rect);
    }
    ImGui_ImplSDLRenderer_RenderDrawData(ImGui::GetDrawData());
    if (capture) {
        capture->resize(static_cast<std::size_t>(w) * static_cast<std::size_t>(h) * 4);
        SDL_RenderReadPixels(renderer, nullptr, SDL_PIXELFORMAT_RGBA32, capture->data(), w * 4);
        *cw = w;
        *ch = h;
    }
    SDL_RenderPresent(renderer);
    last_frame_at = steady_now();
    ++frames;
    if (present_hook) present_hook(to_string(controller->state().screen));
}

void AppImpl::draw(float w, float h) {
    const float u = std::min(w, h) / 1080.0f;
    ui.begin_frame(w, h, controller->state().lang);
    ImGui::SetNextWindowPos(ImVec2(0, 0));
    ImGui::SetNextWindowSize(ImVec2(w, h));
    // No window backgrounds: the renderer clears the frame and fills the demo panel as
    // plain rectangles, far cheaper than blended full-screen triangles in software.
    const auto fixed = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                       ImGuiWindowFlags_NoScrollWithMouse | ImGuiWindowFlags_NoBringToFrontOnFocus |
                       ImGuiWindowFlags_NoBackground;
    ImGui::Begin("kiosk", nullptr, fixed);
    ImGui::PushFont(atlas.body);
    const bool portrait = h >= w;
    float main_w = w, main_h = h;
    if (demo) {
        if (portrait) main_h = std::floor(h * 0.77f);
        else main_w = std::floor(w * 0.72f);
    }
    const float pad = 48 * u;
    ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(pad, pad));
    ImGui::BeginChild("main", ImVec2(main_w, main_h), false, fixed | ImGuiWindowFlags_AlwaysUseWindowPadding);
    ScreenContext context{ui, *controller, main_w - 2 * pad, main_h - 2 * pad,
                          options.animate ? std::fmod(std::chrono::duration<float>(steady_now() - started).count() / 3.0f, 1.0f)
                                          : 0.25f};
    draw_top_bar(context);
    ImGui::Dummy(ImVec2(1, 12 * u));
    draw_screen(context);
    ImGui::EndChild();
    if (demo) {
        if (!portrait) ImGui::SameLine(0, 0);
        const float dw = portrait ? w : w - main_w;
        const float dh = portrait ? h - main_h : h;
        panel_rect = SDL_Rect{static_cast<int>(portrait ? 0 : main_w), static_cast<int>(portrait ? main_h : 0),
                              static_cast<int>(dw), static_cast<int>(dh)};
        ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(28 * u, 20 * u));
        ImGui::BeginChild("demo", ImVec2(dw, dh), false, fixed | ImGuiWindowFlags_AlwaysUseWindowPadding);
        draw_demo_panel(dw - 56 * u, portrait);
        ImGui::EndChild();
        ImGui::PopStyleVar();
    }
    ImGui::PopStyleVar();
    ImGui::PopFont();
    ImGui::End();
}

void AppImpl::draw_demo_panel(float width, bool portrait) {
    const float u = ui.unit();
    const auto members = demo->members();
    ui.text(ui.tr("demo.title") + "  " + ui.trf("demo.pins", {kDemoMemberPin, kDemoManagerPin}), atlas.small,
            colors::muted, width);
    struct Item {
        std::string id, label;
        std::function<void()> act;
    };
    std::vector<Item> items;
    const std::size_t shown = std::min<std::size_t>(members.size(), 3);
    for (std::size_t i = 0; i < shown; ++i)
        items.push_back({"demo.card." + std::to_string(i), ui.trf("demo.tap", {members[i].masked_name}),
                         [this, i] { demo->tap_card(i); }});
    for (std::size_t i = 0; i < shown; ++i)
        items.push_back({"demo.qr." + std::to_string(i), ui.trf("demo.qr", {members[i].masked_name}),
                         [this, i] { demo->show_member_code(i); }});
    items.push_back({"demo.unknown", ui.tr("demo.unknown"), [this] { demo->tap_unknown_card(); }});
    items.push_back({"demo.receipt", ui.tr("demo.receipt"), [this] { demo->show_new_receipt(); }});
    items.push_back({"demo.replay", ui.tr("demo.replay"), [this] { demo->replay_last_code(); }});
    items.push_back({"demo.expired", ui.tr("demo.expired"), [this] { demo->show_member_code(0, 600); }});
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

}  // namespace loyalty::kiosk
