#pragma once
// Touch-sized widgets over Dear ImGui that also record where they were drawn:
// scripts tap widgets by id, tests check that nothing overlaps, and every
// string drawn passes by the glyph atlas so new characters get rasterised.
#include <imgui.h>

#include <string>
#include <string_view>
#include <vector>

#include "glyph_atlas.hpp"
#include "i18n.hpp"

namespace loyalty::kiosk {

struct WidgetRect {
    std::string id;    // buttons: a stable id; text: "text"
    std::string text;  // what it says (for the state dump)
    float x = 0, y = 0, w = 0, h = 0;
    bool interactive = false;
};

namespace colors {
constexpr ImU32 background = IM_COL32(24, 32, 48, 255);
constexpr ImU32 panel = IM_COL32(36, 48, 70, 255);
constexpr ImU32 accent = IM_COL32(214, 170, 70, 255);
constexpr ImU32 text = IM_COL32(240, 240, 245, 255);
constexpr ImU32 muted = IM_COL32(160, 170, 190, 255);
constexpr ImU32 error = IM_COL32(240, 110, 100, 255);
constexpr ImU32 ok = IM_COL32(120, 210, 140, 255);
}  // namespace colors

class Ui {
  public:
    Ui(GlyphAtlas& atlas, const Translations& translations) : atlas_(atlas), tr_(translations) {}

    void begin_frame(float width, float height, const std::string& lang);
    float unit() const { return unit_; }
    float width() const { return width_; }
    float height() const { return height_; }
    bool portrait() const { return height_ >= width_; }
    float touch() const { return 120.0f * unit_; }  // a finger-sized height
    float gap() const { return 24.0f * unit_; }

    std::string tr(const std::string& key) const { return tr_.get(lang_, key); }
    // In a given language: screens no one can switch (out of service) say it in both.
    std::string tr_in(const std::string& lang, const std::string& key) const {
        return tr_.get(lang, key);
    }
    const std::string& language() const { return lang_; }
    std::string trf(const std::string& key, const std::vector<std::string>& args) const {
        return tr_.format(lang_, key, args);
    }

    // A button of the given size at the cursor; returns true when tapped.
    bool button(const std::string& id, const std::string& label, ImVec2 size, bool primary = false,
                bool enabled = true);
    // A tick box with its label, the whole row a touch target; true when tapped.
    bool checkbox(const std::string& id, const std::string& label, bool on, ImVec2 size);
    // Text at the cursor in a font and colour, optionally wrapped to a width, or centred in it.
    void text(const std::string& s, ImFont* font, ImU32 color = colors::text, float wrap_width = 0);
    void text_centered(const std::string& s, ImFont* font, float width, ImU32 color = colors::text);
    // A full-width strip of body text on a warning colour (the offline notice), recorded as `id`.
    void banner(const std::string& id, const std::string& s, float width);
    // Vertical space between blocks.
    void spacing(float h) { ImGui::Dummy(ImVec2(1, h)); }

    void record(const std::string& id, const std::string& text, bool interactive);
    const std::vector<WidgetRect>& widgets() const { return widgets_; }
    std::vector<std::string> texts() const;

    GlyphAtlas& atlas() { return atlas_; }

  private:
    GlyphAtlas& atlas_;
    const Translations& tr_;
    std::string lang_;
    float unit_ = 1, width_ = 0, height_ = 0;
    std::vector<WidgetRect> widgets_;
};

// Digits for phone numbers and PINs: 3x4 keys, each a touch target.
void draw_keypad(Ui& ui, const std::string& id, float width, float key_height,
                 void (*press)(void*, char), void (*erase)(void*), void* user);

}  // namespace loyalty::kiosk
