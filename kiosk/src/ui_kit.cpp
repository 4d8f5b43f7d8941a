#include "ui_kit.hpp"

#include <algorithm>
#include <cfloat>

#include "fast_fill.hpp"

namespace loyalty::kiosk {

void Ui::begin_frame(float width, float height, const std::string& lang) {
    width_ = width;
    height_ = height;
    unit_ = std::min(width, height) / 1080.0f;
    lang_ = lang;
    widgets_.clear();
}

void Ui::record(const std::string& id, const std::string& text, bool interactive) {
    const auto min = ImGui::GetItemRectMin();
    const auto max = ImGui::GetItemRectMax();
    widgets_.push_back(
        WidgetRect{id, text, min.x, min.y, max.x - min.x, max.y - min.y, interactive});
}

std::vector<std::string> Ui::texts() const {
    std::vector<std::string> out;
    for (const auto& w : widgets_)
        if (!w.text.empty()) out.push_back(w.text);
    return out;
}

bool Ui::button(const std::string& id, const std::string& label, ImVec2 size, bool primary,
                bool enabled) {
    atlas_.require(label, ImGui::GetFont());
    ImGui::PushID(id.c_str());
    const auto at = ImGui::GetCursorScreenPos();
    const bool pressed = ImGui::InvisibleButton("b", size) && enabled;
    const bool held = ImGui::IsItemActive();
    ImGui::PopID();
    ImU32 fill = primary ? (held ? IM_COL32(178, 140, 51, 255) : IM_COL32(214, 170, 70, 255))
                         : (held ? IM_COL32(41, 56, 87, 255) : IM_COL32(51, 71, 107, 255));
    if (!enabled) fill = IM_COL32(44, 54, 72, 255);
    auto* dl = ImGui::GetWindowDrawList();
    fast_rect(dl, at, ImVec2(at.x + size.x, at.y + size.y), fill, 18.0f * unit_);
    // The label, centred; clipped to the button if a translation runs long.
    auto* font = ImGui::GetFont();
    const float px = ImGui::GetFontSize();
    const float wrap = size.x - 24.0f * unit_;
    const auto text_size = font->CalcTextSizeA(px, FLT_MAX, wrap, label.c_str());
    const ImVec2 pos(at.x + std::max(12.0f * unit_, (size.x - text_size.x) / 2),
                     at.y + (size.y - text_size.y) / 2);
    const ImU32 ink = !enabled ? colors::muted : primary ? IM_COL32(20, 26, 40, 255) : colors::text;
    const ImVec4 clip(at.x, at.y, at.x + size.x, at.y + size.y);
    dl->AddText(font, px, pos, ink, label.c_str(), nullptr, wrap, &clip);
    record(id, label, true);
    return pressed;
}

bool Ui::checkbox(const std::string& id, const std::string& label, bool on, ImVec2 size) {
    // A button with no text of its own, then a drawn box (and tick) and the label beside it:
    // glyphs like "[x]" or U+2611 read as code or are missing from the font.
    const auto at = ImGui::GetCursorScreenPos();
    const bool tapped = button(id, "", size, false);
    widgets_.back().text = (on ? "[x] " : "[ ] ") + label;  // the state dump says which
    auto* dl = ImGui::GetWindowDrawList();
    const float box = std::min(size.y * 0.5f, 56.0f * unit_);
    const ImVec2 b0(at.x + 24.0f * unit_, at.y + (size.y - box) / 2);
    const ImVec2 b1(b0.x + box, b0.y + box);
    if (on) {
        fast_rect(dl, b0, b1, IM_COL32(214, 170, 70, 255), 8.0f * unit_);
        const ImVec2 tick[3] = {ImVec2(b0.x + box * 0.22f, b0.y + box * 0.52f),
                                ImVec2(b0.x + box * 0.43f, b0.y + box * 0.74f),
                                ImVec2(b0.x + box * 0.80f, b0.y + box * 0.28f)};
        dl->AddPolyline(tick, 3, IM_COL32(20, 26, 40, 255), 0, 6.0f * unit_);
    } else {
        dl->AddRect(b0, b1, colors::text, 8.0f * unit_, 0, 3.0f * unit_);
    }
    auto* font = ImGui::GetFont();
    atlas_.require(label, font);
    const float px = ImGui::GetFontSize();
    const float left = b1.x + 24.0f * unit_;
    const float wrap = at.x + size.x - left - 12.0f * unit_;
    const auto text_size = font->CalcTextSizeA(px, FLT_MAX, wrap, label.c_str());
    const ImVec4 clip(at.x, at.y, at.x + size.x, at.y + size.y);
    dl->AddText(font, px, ImVec2(left, at.y + (size.y - text_size.y) / 2), colors::text,
                label.c_str(), nullptr, wrap, &clip);
    return tapped;
}

void Ui::text(const std::string& s, ImFont* font, ImU32 color, float wrap_width) {
    atlas_.require(s, font);
    ImGui::PushFont(font);
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::ColorConvertU32ToFloat4(color));
    if (wrap_width > 0) ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + wrap_width);
    ImGui::TextUnformatted(s.c_str());
    if (wrap_width > 0) ImGui::PopTextWrapPos();
    ImGui::PopStyleColor();
    ImGui::PopFont();
    record("text", s, false);
}

void Ui::text_centered(const std::string& s, ImFont* font, float width, ImU32 color) {
    atlas_.require(s, font);
    ImGui::PushFont(font);
    const float w = ImGui::CalcTextSize(s.c_str()).x;
    ImGui::PopFont();
    const float x = ImGui::GetCursorPosX();
    if (w < width) ImGui::SetCursorPosX(x + (width - w) / 2);
    text(s, font, color, w < width ? 0 : width);
}

void Ui::banner(const std::string& id, const std::string& s, float width) {
    auto* font = atlas_.body;
    atlas_.require(s, font);
    const float pad = gap() / 2;
    const auto size = font->CalcTextSizeA(font->FontSize, FLT_MAX, width - 2 * pad, s.c_str());
    const auto at = ImGui::GetCursorScreenPos();
    ImGui::GetWindowDrawList()->AddRectFilled(at, ImVec2(at.x + width, at.y + size.y + 2 * pad),
                                              IM_COL32(150, 90, 20, 255), 8.0f);
    ImGui::GetWindowDrawList()->AddText(font, font->FontSize, ImVec2(at.x + pad, at.y + pad),
                                        colors::text, s.c_str(), nullptr, width - 2 * pad);
    ImGui::Dummy(ImVec2(width, size.y + 2 * pad));
    record(id, s, false);
}

void draw_keypad(Ui& ui, const std::string& id, float width, float key_height,
                 void (*press)(void*, char), void (*erase)(void*), void* user) {
    static const char* keys[] = {"1", "2", "3", "4", "5", "6", "7", "8", "9", "", "0", "<"};
    const float gap = ui.gap();
    const float key_w = (width - 2 * gap) / 3;
    const float key_h = key_height;
    ImGui::PushFont(ui.atlas().large);
    const float x0 = ImGui::GetCursorPosX();
    for (int i = 0; i < 12; ++i) {
        const int col = i % 3;
        if (col == 0)
            ImGui::SetCursorPosX(x0);
        else
            ImGui::SameLine(0, gap);
        if (keys[i][0] == '\0') {
            ImGui::Dummy(ImVec2(key_w, key_h));
        } else {
            const std::string key_id =
                id + ".key." + (keys[i][0] == '<' ? std::string("erase") : keys[i]);
            // The erase key says what it does ("<-" read as code to shoppers).
            if (ui.button(key_id, keys[i][0] == '<' ? ui.tr("keypad.erase") : keys[i],
                          ImVec2(key_w, key_h))) {
                if (keys[i][0] == '<')
                    erase(user);
                else
                    press(user, keys[i][0]);
            }
        }
    }
    ImGui::PopFont();
}

}  // namespace loyalty::kiosk
