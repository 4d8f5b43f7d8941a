#pragma once
// The CJK font holds only the glyphs the kiosk actually shows: the translations
// plus whatever names, rewards and tiers appear on screen. Rasterising the full
// Chinese range costs seconds and a gigabyte; this set costs milliseconds. When
// text with a new character is drawn, the atlas is rebuilt between frames.
#include <imgui.h>

#include <cstdint>
#include <filesystem>
#include <set>
#include <string_view>
#include <vector>

namespace loyalty::kiosk {

class GlyphAtlas {
  public:
    bool load_font_file(const std::filesystem::path& path);
    // Sizes in pixels follow the window (portrait and landscape, any resolution).
    void set_unit(float unit);
    // Notes every character of text drawn in `font`; returns true if one was new.
    // Each size holds only its own characters: the 84 px title font needs a few
    // dozen, and rasterising all of them at every size made a rebuild 2x slower.
    bool require(std::string_view utf8, const ImFont* font);
    // Characters every size but the title starts with (the translations).
    void seed(std::string_view utf8);
    bool dirty() const { return dirty_; }
    // Rebuilds ImGui's font atlas (not inside a frame); the caller re-uploads the texture.
    void rebuild();
    std::size_t glyph_count() const {
        std::size_t n = 0;
        for (const auto& set : codepoints_) n += set.size();
        return n;
    }
    int atlas_width() const;
    int atlas_height() const;
    double last_build_ms() const { return last_build_ms_; }
    int builds() const { return builds_; }

    ImFont* body = nullptr;
    ImFont* small = nullptr;
    ImFont* large = nullptr;
    ImFont* title = nullptr;

  private:
    std::vector<unsigned char> font_data_;
    static constexpr int kSizes = 4;  // small, body, large, title
    int slot_of(const ImFont* font) const;
    bool add(std::string_view utf8, int slot);
    std::set<ImWchar> codepoints_[kSizes];
    ImVector<ImWchar> ranges_[kSizes];
    float unit_ = 1.0f;
    bool dirty_ = true;
    double last_build_ms_ = 0;
    int builds_ = 0;
};

}  // namespace loyalty::kiosk
