#pragma once
// Solid shapes drawn by SDL's rectangle fill instead of ImGui's textured
// triangles. The software renderer fills a rectangle about as fast as memset,
// but samples the font texture and blends for every pixel of a triangle; on
// big buttons that is most of a frame. The shapes go into the draw list as
// callbacks, so they keep their place between ImGui's own drawing.
#include <SDL.h>
#include <imgui.h>

#include <cstdint>
#include <vector>

namespace loyalty::kiosk {

void fast_fill_use_renderer(SDL_Renderer* renderer);
void fast_fill_begin_frame();  // forgets the last frame's shapes
void fast_rect(ImDrawList* list, ImVec2 min, ImVec2 max, ImU32 color, float rounding = 0);
// A disc, or a ring when inner_radius > 0.
void fast_circle(ImDrawList* list, ImVec2 centre, float radius, ImU32 color,
                 float inner_radius = 0);
// A square of n x n modules (1 = dark), on white with a quiet zone, `side` pixels wide.
void fast_modules(ImDrawList* list, ImVec2 min, float side,
                  const std::vector<std::uint8_t>& modules, int n);

}  // namespace loyalty::kiosk
