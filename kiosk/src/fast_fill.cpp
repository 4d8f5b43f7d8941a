#include "fast_fill.hpp"

#include <cmath>
#include <deque>
#include <vector>

namespace loyalty::kiosk {

namespace {

struct Shape {
    bool circle = false;
    ImVec2 a, b;  // rect: min, max; circle: centre, (radius, inner radius)
    ImU32 color = 0;
    float rounding = 0;
    std::vector<std::uint8_t> modules;  // a QR code's, row by row
    int n = 0;
};

SDL_Renderer* g_renderer = nullptr;
std::deque<Shape> g_shapes;  // stable addresses until the frame is drawn
std::vector<SDL_Rect> g_spans;

void span(int x0, int x1, int y) {
    if (x1 > x0) g_spans.push_back(SDL_Rect{x0, y, x1 - x0, 1});
}

void draw(const ImDrawList*, const ImDrawCmd* cmd) {
    if (!g_renderer) return;
    const auto& s = *static_cast<const Shape*>(cmd->UserCallbackData);
    const SDL_Rect clip{static_cast<int>(cmd->ClipRect.x), static_cast<int>(cmd->ClipRect.y),
                        static_cast<int>(cmd->ClipRect.z - cmd->ClipRect.x),
                        static_cast<int>(cmd->ClipRect.w - cmd->ClipRect.y)};
    SDL_RenderSetClipRect(g_renderer, &clip);
    const auto alpha = static_cast<Uint8>((s.color >> IM_COL32_A_SHIFT) & 0xFF);
    SDL_SetRenderDrawBlendMode(g_renderer, alpha == 255 ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND);
    SDL_SetRenderDrawColor(g_renderer, static_cast<Uint8>(s.color >> IM_COL32_R_SHIFT),
                           static_cast<Uint8>(s.color >> IM_COL32_G_SHIFT),
                           static_cast<Uint8>(s.color >> IM_COL32_B_SHIFT), alpha);
    g_spans.clear();
    if (s.n > 0) {
        // White square with a four-module quiet zone, then the dark modules.
        const float side = s.b.x;
        const float m = side / static_cast<float>(s.n + 8);
        const SDL_Rect square{static_cast<int>(s.a.x), static_cast<int>(s.a.y),
                              static_cast<int>(side), static_cast<int>(side)};
        SDL_SetRenderDrawBlendMode(g_renderer, SDL_BLENDMODE_NONE);
        SDL_SetRenderDrawColor(g_renderer, 255, 255, 255, 255);
        SDL_RenderFillRect(g_renderer, &square);
        for (int y = 0; y < s.n; ++y)
            for (int x = 0; x < s.n; ++x)
                if (s.modules[static_cast<std::size_t>(y * s.n + x)]) {
                    const int x0 = static_cast<int>(s.a.x + m * static_cast<float>(x + 4));
                    const int y0 = static_cast<int>(s.a.y + m * static_cast<float>(y + 4));
                    g_spans.push_back(SDL_Rect{
                        x0, y0, static_cast<int>(s.a.x + m * static_cast<float>(x + 5)) - x0,
                        static_cast<int>(s.a.y + m * static_cast<float>(y + 5)) - y0});
                }
        SDL_SetRenderDrawColor(g_renderer, 0, 0, 0, 255);
        SDL_RenderFillRects(g_renderer, g_spans.data(), static_cast<int>(g_spans.size()));
    } else if (s.circle) {
        const float r = s.b.x, inner = s.b.y;
        const int cx = static_cast<int>(std::lround(s.a.x)),
                  cy = static_cast<int>(std::lround(s.a.y));
        for (int dy = -static_cast<int>(r); dy < static_cast<int>(r); ++dy) {
            const float y = static_cast<float>(dy) + 0.5f;
            const int half = static_cast<int>(std::sqrt(std::max(0.0f, r * r - y * y)));
            const int hole =
                std::fabs(y) < inner ? static_cast<int>(std::sqrt(inner * inner - y * y)) : 0;
            if (hole > 0) {
                span(cx - half, cx - hole, cy + dy);
                span(cx + hole, cx + half, cy + dy);
            } else {
                span(cx - half, cx + half, cy + dy);
            }
        }
        SDL_RenderFillRects(g_renderer, g_spans.data(), static_cast<int>(g_spans.size()));
    } else {
        const int x0 = static_cast<int>(s.a.x), y0 = static_cast<int>(s.a.y);
        const int x1 = static_cast<int>(s.b.x), y1 = static_cast<int>(s.b.y);
        const int r = std::min(static_cast<int>(s.rounding), std::min(x1 - x0, y1 - y0) / 2);
        // Rounded corners as one-pixel spans; the middle as one rectangle.
        for (int i = 0; i < r; ++i) {
            const float dy = static_cast<float>(r - i) - 0.5f;
            const int inset =
                r -
                static_cast<int>(std::sqrt(std::max(0.0f, static_cast<float>(r * r) - dy * dy)));
            span(x0 + inset, x1 - inset, y0 + i);
            span(x0 + inset, x1 - inset, y1 - 1 - i);
        }
        if (y1 - y0 - 2 * r > 0) g_spans.push_back(SDL_Rect{x0, y0 + r, x1 - x0, y1 - y0 - 2 * r});
        SDL_RenderFillRects(g_renderer, g_spans.data(), static_cast<int>(g_spans.size()));
    }
    SDL_SetRenderDrawBlendMode(g_renderer, SDL_BLENDMODE_BLEND);
}

}  // namespace

void fast_fill_use_renderer(SDL_Renderer* renderer) {
    g_renderer = renderer;
}
void fast_fill_begin_frame() {
    g_shapes.clear();
}

void fast_rect(ImDrawList* list, ImVec2 min, ImVec2 max, ImU32 color, float rounding) {
    g_shapes.push_back(Shape{false, min, max, color, rounding, {}, 0});
    list->AddCallback(draw, &g_shapes.back());
}

void fast_modules(ImDrawList* list, ImVec2 min, float side,
                  const std::vector<std::uint8_t>& modules, int n) {
    g_shapes.push_back(Shape{false, min, ImVec2(side, side), IM_COL32_WHITE, 0, modules, n});
    list->AddCallback(draw, &g_shapes.back());
}

void fast_circle(ImDrawList* list, ImVec2 centre, float radius, ImU32 color, float inner_radius) {
    g_shapes.push_back(Shape{true, centre, ImVec2(radius, inner_radius), color, 0, {}, 0});
    list->AddCallback(draw, &g_shapes.back());
}

}  // namespace loyalty::kiosk
