#pragma once
// A receipt photo on screen: its pixels (decoded off the UI thread) become an SDL texture the
// first time they are drawn, kept while the pixels live. Drawn, like fast_fill's shapes, by a
// draw-list callback in its place between ImGui's own drawing.
#include <SDL.h>

#include <memory>
#include <string>

#include "kiosk_state.hpp"
#include "ui_kit.hpp"

namespace loyalty::kiosk {

void photo_view_use_renderer(SDL_Renderer* renderer);
void photo_view_begin_frame();  // forgets the last frame's placements
// Every texture destroyed: before the renderer goes.
void photo_view_release();

// The photo fitted into a box of `size` at the cursor (its aspect kept, centred), recorded as
// `id`; true when tapped.
bool draw_photo(Ui& ui, const std::string& id, const std::shared_ptr<const PhotoPixels>& photo,
                ImVec2 size);

}  // namespace loyalty::kiosk
