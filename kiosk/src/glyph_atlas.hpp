#pragma once
// The CJK font holds only the glyphs the kiosk actually shows: the translations
// plus whatever names, rewards and tiers appear on screen. Rasterising the full
// Chinese range costs seconds and a gigabyte; this set costs milliseconds. When
// text with a new character is drawn, the atlas is rebuilt between frames.
#include <cstdint>
#include <filesystem>
#include <set>
#include <string_view>
#include <vector>

#include <imgui.h>

namespace loyalty::kiosk {

class GlyphAtlas {
public:
    bool load_font_file(const std::filesystem::path& path);
    // Sizes in pixels follow the window (portrait and landscape, any resolution).
    void set_unit(float unit);
    // Notes every character of text; returns true if one was new.
    bool require(std::string_view utf8);
    bool dirty() const { return dirty_; }
    // Rebuilds ImGui's font atlas (not inside a frame); the caller re-uploads the texture.
    void rebuild();
    std::size_t glyph_count() const { return codepoints_.size(); }
    int atlas_width() const;
    int atlas_height() const;

    ImFont* body = nullptr;
    ImFont* small = nullptr;
    ImFont* large = nullptr;
    ImFont* title = nullptr;

private:
    std::vector<unsigned char> font_data_;
    std::set<ImWchar> codepoints_;
    ImVector<ImWchar> ranges_;
    float unit_ = 1.0f;
    bool dirty_ = true;
};

}  // namespace loyalty::kiosk
