#include "photo_view.hpp"

#include <algorithm>
#include <deque>
#include <vector>

namespace loyalty::kiosk {

namespace {

struct Cached {
    std::weak_ptr<const PhotoPixels> pixels;
    const PhotoPixels* key = nullptr;
    SDL_Texture* texture = nullptr;
};

struct Placed {
    std::shared_ptr<const PhotoPixels> pixels;
    SDL_Rect at{};
};

SDL_Renderer* g_renderer = nullptr;
std::vector<Cached> g_cache;
std::deque<Placed> g_placed;  // this frame's photos: stable addresses for the callbacks

SDL_Texture* texture_of(const std::shared_ptr<const PhotoPixels>& pixels) {
    // Textures of photos no screen holds any more go first.
    std::erase_if(g_cache, [](Cached& c) {
        if (!c.pixels.expired()) return false;
        SDL_DestroyTexture(c.texture);
        return true;
    });
    for (const auto& c : g_cache)
        if (c.key == pixels.get()) return c.texture;
    auto* texture = SDL_CreateTexture(g_renderer, SDL_PIXELFORMAT_RGBA32, SDL_TEXTUREACCESS_STATIC,
                                      pixels->width, pixels->height);
    if (!texture) return nullptr;
    SDL_UpdateTexture(texture, nullptr, pixels->rgba.data(), pixels->width * 4);
    g_cache.push_back(Cached{pixels, pixels.get(), texture});
    return texture;
}

void draw(const ImDrawList*, const ImDrawCmd* cmd) {
    if (!g_renderer) return;
    const auto& p = *static_cast<const Placed*>(cmd->UserCallbackData);
    auto* texture = texture_of(p.pixels);
    if (!texture) return;
    const SDL_Rect clip{static_cast<int>(cmd->ClipRect.x), static_cast<int>(cmd->ClipRect.y),
                        static_cast<int>(cmd->ClipRect.z - cmd->ClipRect.x),
                        static_cast<int>(cmd->ClipRect.w - cmd->ClipRect.y)};
    SDL_RenderSetClipRect(g_renderer, &clip);
    SDL_RenderCopy(g_renderer, texture, nullptr, &p.at);
}

}  // namespace

void photo_view_use_renderer(SDL_Renderer* renderer) {
    photo_view_release();
    g_renderer = renderer;
}

void photo_view_begin_frame() {
    g_placed.clear();
}

void photo_view_release() {
    for (auto& c : g_cache) SDL_DestroyTexture(c.texture);
    g_cache.clear();
    g_placed.clear();
    g_renderer = nullptr;
}

bool draw_photo(Ui& ui, const std::string& id, const std::shared_ptr<const PhotoPixels>& photo,
                ImVec2 size) {
    const auto at = ImGui::GetCursorScreenPos();
    const bool tapped = ImGui::InvisibleButton(id.c_str(), size);
    ui.record(id, "", true);
    if (!photo || photo->width <= 0 || photo->height <= 0) return tapped;
    const float scale = std::min(size.x / static_cast<float>(photo->width),
                                 size.y / static_cast<float>(photo->height));
    const float w = static_cast<float>(photo->width) * scale;
    const float h = static_cast<float>(photo->height) * scale;
    g_placed.push_back(Placed{photo, SDL_Rect{static_cast<int>(at.x + (size.x - w) / 2),
                                              static_cast<int>(at.y + (size.y - h) / 2),
                                              static_cast<int>(w), static_cast<int>(h)}});
    ImGui::GetWindowDrawList()->AddCallback(draw, &g_placed.back());
    return tapped;
}

}  // namespace loyalty::kiosk
