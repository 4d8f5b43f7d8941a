// One frame: the style for the screen's size, the glyph atlas rebuilt between frames
// when new characters appear, the screen and the demo panel laid out, then drawn.
#include <SDL.h>
#include <imgui.h>
#include <imgui_impl_sdlrenderer.h>

#include <algorithm>
#include <cmath>

#include "app_impl.hpp"
#include "fast_fill.hpp"
#include "photo_view.hpp"

namespace loyalty::kiosk {

namespace {

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

}  // namespace

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
        photo_view_begin_frame();
        ImGui::NewFrame();
        draw(static_cast<float>(w), static_cast<float>(h));
        ImGui::Render();
        if (!atlas.dirty()) break;
        // A character was missing: this frame showed '?', so draw it again instead of presenting
        // it.
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
    const auto fixed = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                       ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoScrollWithMouse |
                       ImGuiWindowFlags_NoBringToFrontOnFocus | ImGuiWindowFlags_NoBackground;
    ImGui::Begin("kiosk", nullptr, fixed);
    ImGui::PushFont(atlas.body);
    const bool portrait = h >= w;
    float main_w = w, main_h = h;
    if (demo) {
        if (portrait)
            main_h = std::floor(h * 0.77f);
        else
            main_w = std::floor(w * 0.72f);
    }
    const float pad = 48 * u;
    ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(pad, pad));
    ImGui::BeginChild("main", ImVec2(main_w, main_h), false,
                      fixed | ImGuiWindowFlags_AlwaysUseWindowPadding);
    ScreenContext context{
        ui, *controller, main_w - 2 * pad, main_h - 2 * pad,
        options.animate
            ? std::fmod(std::chrono::duration<float>(steady_now() - started).count() / 3.0f, 1.0f)
            : 0.25f};
    if (!controller->state().out_of_service.empty()) {
        draw_out_of_service(context);
    } else {
        draw_top_bar(context);
        ImGui::Dummy(ImVec2(1, 12 * u));
        draw_screen(context);
    }
    ImGui::EndChild();
    if (demo) {
        if (!portrait) ImGui::SameLine(0, 0);
        const float dw = portrait ? w : w - main_w;
        const float dh = portrait ? h - main_h : h;
        panel_rect = SDL_Rect{static_cast<int>(portrait ? 0 : main_w),
                              static_cast<int>(portrait ? main_h : 0), static_cast<int>(dw),
                              static_cast<int>(dh)};
        ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(28 * u, 20 * u));
        ImGui::BeginChild("demo", ImVec2(dw, dh), false,
                          fixed | ImGuiWindowFlags_AlwaysUseWindowPadding);
        draw_demo_panel(dw - 56 * u, portrait);
        ImGui::EndChild();
        ImGui::PopStyleVar();
    }
    ImGui::PopStyleVar();
    ImGui::PopFont();
    ImGui::End();
}

}  // namespace loyalty::kiosk
