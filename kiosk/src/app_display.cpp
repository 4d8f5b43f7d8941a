// The display: translations and the CJK font, the SDL window (full screen and locked
// for a store, a plain window for development, the frame alone when headless), the
// software or accelerated renderer, and Dear ImGui over it.
#include <SDL.h>
#include <imgui.h>
#include <imgui_impl_sdlrenderer.h>

#include <algorithm>

#include "app_impl.hpp"
#include "fast_fill.hpp"
#include "photo_view.hpp"

namespace loyalty::kiosk {

Result<void> open_display(AppImpl& a) {
    const auto& options = a.options;
    if (auto loaded = a.translations.load(options.assets / "i18n", {"zh-CN", "en"}); !loaded)
        return loaded.error();
    if (!a.atlas.load_font_file(options.font))
        return make_error(Errc::not_found, "cannot read the CJK font " + options.font.string());

    if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0)
        return make_error(Errc::display, std::string("SDL: ") + SDL_GetError());
    a.sdl_ready = true;
    a.wake_event = SDL_RegisterEvents(1);
    const char* driver = SDL_GetCurrentVideoDriver();
    // No display: SDL falls back to offscreen (asked for or not) or dummy.
    const bool offscreen =
        driver && (std::string(driver) == "offscreen" || std::string(driver) == "dummy");
    a.driver_waits = !offscreen;
    if (offscreen || options.software_renderer) {
        // Without these SDL backs a software window with a GL context (Mesa llvmpipe): slower to
        // start, ten times the memory, not faster to draw. Read when the window is made.
        SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
        SDL_SetHint(SDL_HINT_RENDER_DRIVER, "software");
    }
    Uint32 flags = SDL_WINDOW_SHOWN | SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI;
    // Full screen only on a real display: headless (scripts, tests, benchmarks) the size asked for
    // is the frame.
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
    if (!offscreen && !fullscreen && SDL_GetDisplayUsableBounds(0, &usable) == 0 && usable.w > 0 &&
        usable.h > 0 && (width > usable.w || height > usable.h)) {
        // A 1080x1920 kiosk on a desktop screen: same shape, scaled to fit; the layout follows the
        // window.
        const double scale = 0.95 * std::min(static_cast<double>(usable.w) / width,
                                             static_cast<double>(usable.h) / height);
        width = static_cast<int>(width * scale);
        height = static_cast<int>(height * scale);
    }
    if (fullscreen) flags |= SDL_WINDOW_FULLSCREEN_DESKTOP;
    a.window = SDL_CreateWindow("OMO loyalty kiosk", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED,
                                width, height, flags);
    if (!a.window) return make_error(Errc::display, std::string("SDL window: ") + SDL_GetError());
    if (options.locked && fullscreen) {
        SDL_SetWindowGrab(a.window, SDL_TRUE);
        SDL_SetWindowKeyboardGrab(a.window, SDL_TRUE);
        SDL_ShowCursor(SDL_DISABLE);  // a touch screen: no pointer to chase
    }
    const Uint32 render_flags = offscreen || options.software_renderer ? SDL_RENDERER_SOFTWARE : 0;
    a.renderer = SDL_CreateRenderer(a.window, -1, render_flags);
    if (!a.renderer)
        return make_error(Errc::display, std::string("SDL renderer: ") + SDL_GetError());

    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    auto& io = ImGui::GetIO();
    io.IniFilename = nullptr;  // a kiosk keeps no layout state between runs
    io.LogFilename = nullptr;
    ImGui_ImplSDLRenderer_Init(a.renderer);
    fast_fill_use_renderer(a.renderer);
    photo_view_use_renderer(a.renderer);
    a.imgui_ready = true;
    a.atlas.seed(a.translations.all_text());
    return {};
}

}  // namespace loyalty::kiosk
