#include "glyph_atlas.hpp"

#include <chrono>
#include <fstream>
#include <iterator>

namespace loyalty::kiosk {

namespace {

// Decodes one UTF-8 sequence; malformed bytes become U+FFFD and advance by one.
std::uint32_t next_codepoint(std::string_view s, std::size_t& i) {
    const auto c = static_cast<unsigned char>(s[i]);
    int extra = c < 0x80           ? 0
                : (c >> 5) == 0x6  ? 1
                : (c >> 4) == 0xE  ? 2
                : (c >> 3) == 0x1E ? 3
                                   : -1;
    if (extra < 0 || i + static_cast<std::size_t>(extra) >= s.size() + (extra == 0 ? 1 : 0)) {
        ++i;
        return 0xFFFD;
    }
    std::uint32_t cp = extra == 0 ? c : c & (0x3F >> extra);
    for (int k = 1; k <= extra; ++k) {
        const auto cc = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
        if ((cc & 0xC0) != 0x80) {
            ++i;
            return 0xFFFD;
        }
        cp = (cp << 6) | (cc & 0x3F);
    }
    i += static_cast<std::size_t>(extra) + 1;
    return cp;
}

}  // namespace

bool GlyphAtlas::load_font_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) return false;
    font_data_.resize(static_cast<std::size_t>(in.tellg()));
    in.seekg(0);
    in.read(reinterpret_cast<char*>(font_data_.data()),
            static_cast<std::streamsize>(font_data_.size()));
    if (!in) return false;
    // Digits and the symbols of figures in every size; printable ASCII in all but the title.
    for (int slot = 0; slot < kSizes; ++slot) {
        add("0123456789 ,.-+:*%/()<>_?", slot);
        for (unsigned c : {0x00B7u, 0x2022u, 0x00A5u, 0xFFFDu})
            codepoints_[slot].insert(static_cast<ImWchar>(c));
        if (slot == 3) continue;
        for (unsigned c = 0x20; c < 0x7F; ++c) codepoints_[slot].insert(static_cast<ImWchar>(c));
    }
    dirty_ = true;
    return !font_data_.empty();
}

void GlyphAtlas::set_unit(float unit) {
    if (unit != unit_) {
        unit_ = unit;
        dirty_ = true;
    }
}

int GlyphAtlas::slot_of(const ImFont* font) const {
    if (font == small) return 0;
    if (font == large) return 2;
    if (font == title) return 3;
    return 1;
}

bool GlyphAtlas::add(std::string_view utf8, int slot) {
    bool added = false;
    for (std::size_t i = 0; i < utf8.size();) {
        const auto cp = next_codepoint(utf8, i);
        if (cp < 0x20 || cp > 0xFFFF) continue;  // ImWchar is 16-bit in Debian's build
        if (codepoints_[slot].insert(static_cast<ImWchar>(cp)).second) added = true;
    }
    if (added) dirty_ = true;
    return added;
}

bool GlyphAtlas::require(std::string_view utf8, const ImFont* font) {
    return add(utf8, slot_of(font));
}

void GlyphAtlas::seed(std::string_view utf8) {
    for (int slot = 0; slot < 3; ++slot) add(utf8, slot);
}

void GlyphAtlas::rebuild() {
    const auto started = std::chrono::steady_clock::now();
    for (int slot = 0; slot < kSizes; ++slot) {
        ImFontGlyphRangesBuilder builder;
        for (auto cp : codepoints_[slot]) builder.AddChar(cp);
        ranges_[slot].clear();
        builder.BuildRanges(&ranges_[slot]);
    }
    auto& fonts = *ImGui::GetIO().Fonts;
    fonts.Clear();
    ImFontConfig config;
    config.FontDataOwnedByAtlas = false;  // one copy of the font file, kept by us
    config.OversampleH = 1;               // CJK at these sizes needs no horizontal oversampling
    config.OversampleV = 1;
    config.PixelSnapH = true;
    auto make = [&](float px, int slot) {
        return fonts.AddFontFromMemoryTTF(font_data_.data(), static_cast<int>(font_data_.size()),
                                          px, &config, ranges_[slot].Data);
    };
    body = make(38.0f * unit_, 1);  // first: ImGui's default font
    small = make(28.0f * unit_, 0);
    large = make(54.0f * unit_, 2);
    title = make(84.0f * unit_, 3);
    fonts.Build();
    dirty_ = false;
    ++builds_;
    last_build_ms_ =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
            .count();
}

int GlyphAtlas::atlas_width() const {
    return ImGui::GetIO().Fonts->TexWidth;
}
int GlyphAtlas::atlas_height() const {
    return ImGui::GetIO().Fonts->TexHeight;
}

}  // namespace loyalty::kiosk
