// The parking screens (停车缴费): a plate chosen or typed, today's free minutes and hours bought
// with points, then what was credited to which plate.
#include <algorithm>
#include <cfloat>

#include "screens.hpp"

namespace loyalty::kiosk {

void draw_notice(ScreenContext& c);

namespace {

// The current message, always `lines` lines high so the buttons under it do not jump.
void notice_lines(ScreenContext& c, float width, int lines) {
    const float top = ImGui::GetCursorPosY();
    ScreenContext column{c.ui, c.k, width, c.height, c.anim};
    draw_notice(column);
    const float reserved = static_cast<float>(lines) * c.ui.atlas().body->FontSize * 1.25f;
    if (ImGui::GetCursorPosY() < top + reserved) {
        ImGui::SetCursorPosY(top + reserved);
        ImGui::Dummy(ImVec2(1, 1));
    }
}

// A label vertically centred beside buttons of height h, in a box of width w.
void centred_label(Ui& ui, const std::string& s, ImFont* font, float w, float h, ImU32 color) {
    ui.atlas().require(s, font);
    const auto size = font->CalcTextSizeA(font->FontSize, FLT_MAX, 0, s.c_str());
    const auto at = ImGui::GetCursorPos();
    ImGui::SetCursorPos(
        ImVec2(at.x + std::max(0.0f, (w - size.x) / 2), at.y + std::max(0.0f, (h - size.y) / 2)));
    ui.text(s, font, color);
    ImGui::SetCursorPos(at);
    ImGui::Dummy(ImVec2(w, h));
}

// The member's plates to pick (the chosen one highlighted), the way to add one and to remove
// the chosen one.
void plates_block(ScreenContext& c, float width) {
    auto& ui = c.ui;
    const auto& p = *c.k.state().parking;
    const auto& plates = p.today.plates;
    ui.text(ui.trf("parking.plates", {std::to_string(kMaxPlatesPerMember)}), ui.atlas().body,
            colors::muted, width);
    if (plates.empty()) ui.text(ui.tr("parking.no_plates"), ui.atlas().body, colors::accent, width);
    const int per_row = ui.portrait() ? 3 : 2;
    const float gap = ui.gap() / 2;
    const float w = (width - static_cast<float>(per_row - 1) * gap) / static_cast<float>(per_row);
    const float h = ui.touch() * 0.9f;
    int i = 0;
    ImGui::PushFont(ui.atlas().large);
    for (std::size_t n = 0; n < plates.size(); ++n) {
        if (i++ % per_row) ImGui::SameLine(0, gap);
        if (ui.button("parking.plate." + std::to_string(n), plate_display(plates[n]), ImVec2(w, h),
                      plates[n] == p.plate))
            c.k.choose_plate(plates[n]);
    }
    ImGui::PopFont();
    const bool room = static_cast<int>(plates.size()) < kMaxPlatesPerMember;
    if (room) {
        if (i++ % per_row) ImGui::SameLine(0, gap);
        if (ui.button("parking.add", ui.tr("parking.add"), ImVec2(w, h), plates.empty()))
            c.k.start_plate_entry();
    }
    if (!p.plate.empty()) {
        ui.spacing(gap / 2);
        if (ui.button("parking.remove", ui.trf("parking.remove", {plate_display(p.plate)}),
                      ImVec2(width, ui.touch() * 0.65f)))
            c.k.remove_plate();
    }
}

// Today's free minutes of the member's tier, used or not.
void free_block(ScreenContext& c, float width) {
    auto& ui = c.ui;
    const auto& s = c.k.state();
    const auto& t = s.parking->today;
    if (t.tier_free_minutes <= 0) {
        ui.text(ui.tr("parking.free_none"), ui.atlas().body, colors::muted, width);
        return;
    }
    const auto tier =
        s.member ? name_in(s.member->tier_name, s.member->tier_names, ui.language()) : t.tier;
    ui.text(ui.trf("parking.free", {tier, std::to_string(t.tier_free_minutes)}), ui.atlas().body,
            colors::text, width);
    if (t.free_minutes_left)
        ui.text(ui.tr("parking.free_left"), ui.atlas().body, colors::ok, width);
    else
        ui.text(ui.trf("parking.free_used", {std::to_string(t.free_minutes_credited)}),
                ui.atlas().body, colors::muted, width);
}

// Hours bought with points: a stepper from 0 to what may be bought, its cost and the balance
// after; off, with the reason, offline or when nothing may be bought.
void hours_block(ScreenContext& c, float width) {
    auto& ui = c.ui;
    const auto& p = *c.k.state().parking;
    const auto& t = p.today;
    if (t.points_per_hour <= 0) {
        ui.text(ui.tr("parking.not_sold"), ui.atlas().body, colors::muted, width);
        return;
    }
    ui.text(ui.trf("parking.buy", {grouped(t.points_per_hour)}), ui.atlas().body, colors::text,
            width);
    const bool enabled = !p.offline && t.hours_buyable > 0;
    // Why the stepper is off, said where it is.
    if (p.offline)
        ui.text(ui.tr("parking.offline"), ui.atlas().body, colors::error, width);
    else if (t.hours_cap_left && *t.hours_cap_left == 0)
        ui.text(ui.tr("parking.cap_reached"), ui.atlas().body, colors::error, width);
    else if (t.hours_buyable == 0)
        ui.text(ui.trf("parking.too_few_points", {grouped(t.points_per_hour)}), ui.atlas().body,
                colors::error, width);
    else if (t.hours_cap_left)
        ui.text(ui.trf("parking.cap", {std::to_string(*t.hours_cap_left)}), ui.atlas().small,
                colors::muted, width);
    const float step_w = ui.touch() * 1.2f;
    const float h = ui.touch();
    const int hours = enabled ? p.hours : 0;
    ImGui::PushFont(ui.atlas().title);  // the signs big enough to read from a step back
    if (ui.button("parking.hours.less", "-", ImVec2(step_w, h), false, enabled && hours > 0))
        c.k.parking_hours(-1);
    ImGui::PopFont();
    ImGui::SameLine(0, ui.gap());
    ImGui::BeginGroup();
    centred_label(ui, ui.trf("parking.hours", {std::to_string(hours)}), ui.atlas().large,
                  width - 2 * step_w - 2 * ui.gap(), h, enabled ? colors::text : colors::muted);
    ImGui::EndGroup();
    ImGui::SameLine(0, ui.gap());
    ImGui::PushFont(ui.atlas().title);
    if (ui.button("parking.hours.more", "+", ImVec2(step_w, h), false,
                  enabled && hours < t.hours_buyable))
        c.k.parking_hours(1);
    ImGui::PopFont();
    if (enabled) {
        const Points cost = t.points_per_hour * hours;
        ui.text(ui.trf("parking.cost", {grouped(cost), grouped(t.available - cost)}),
                ui.atlas().body, hours > 0 ? colors::accent : colors::muted, width);
    }
}

void parking(ScreenContext& c) {
    auto& ui = c.ui;
    const auto& s = c.k.state();
    if (!s.parking) return;
    const auto& p = *s.parking;
    const bool wide = !ui.portrait();
    const float left = wide ? (c.width - ui.gap()) * 0.5f : c.width;
    const float right = wide ? c.width - left - ui.gap() : c.width;

    ImGui::BeginGroup();
    ui.text(ui.tr("parking.title"), ui.atlas().large, colors::text, left);
    ui.spacing(ui.gap() / 2);
    plates_block(c, left);
    ImGui::EndGroup();
    if (wide)
        ImGui::SameLine(ImGui::GetStyle().WindowPadding.x + left + ui.gap());
    else
        ui.spacing(ui.gap());
    ImGui::BeginGroup();
    free_block(c, right);
    ui.spacing(ui.gap() / 2);
    hours_block(c, right);
    ui.spacing(ui.gap() / 2);
    // What the credit will be, or why there is nothing to credit.
    const int hours = p.offline ? 0 : p.hours;
    const int minutes = (p.today.free_minutes_left ? p.today.tier_free_minutes : 0) + hours * 60;
    if (p.plate.empty())
        ui.text(ui.tr("error.parking_pick_plate"), ui.atlas().body, colors::muted, right);
    else if (minutes > 0)
        ui.text(ui.trf("parking.summary", {plate_display(p.plate), std::to_string(minutes)}),
                ui.atlas().large, colors::accent, right);
    else
        ui.text(ui.tr(!p.offline && p.today.hours_buyable > 0 ? "parking.summary_hours"
                                                              : "parking.summary_nothing"),
                ui.atlas().body, colors::muted, right);
    notice_lines(c, right, 2);
    const float w = (right - ui.gap()) / 2;
    if (ui.button("parking.back", ui.tr("button.back"), ImVec2(w, ui.touch())))
        c.k.go(Screen::member_home);
    ImGui::SameLine(0, ui.gap());
    if (ui.button("parking.confirm", ui.tr("parking.confirm"), ImVec2(w, ui.touch()), true,
                  !p.plate.empty() && minutes > 0 && !s.busy))
        c.k.confirm_parking();
    ImGui::EndGroup();
}

// A row of keys of one width from the cursor's x; `ids` and labels side by side.
template <typename Press>
void key_row(Ui& ui, const std::string& prefix, const std::vector<std::string>& keys, float key_w,
             float key_h, float gap, Press press) {
    for (std::size_t i = 0; i < keys.size(); ++i) {
        if (i) ImGui::SameLine(0, gap);
        if (ui.button(prefix + keys[i], keys[i], ImVec2(key_w, key_h))) press(keys[i]);
    }
}

// The plate keyboard: the common provinces and "more" on top, then the letters and digits (no
// I or O: plates never use them) or, after "more", every province.
void plate_keyboard(ScreenContext& c, float width, float key_h) {
    auto& ui = c.ui;
    const auto& p = *c.k.state().parking;
    const float gap = 12 * ui.unit();
    const float key_w = (width - 9 * gap) / 10;
    ImGui::PushFont(ui.atlas().large);
    const float x0 = ImGui::GetCursorPosX();
    std::vector<std::string> common(std::begin(kCommonProvinces), std::end(kCommonProvinces));
    // Ten provinces and the "more" key (as wide as two, so its word fits) share the row.
    const float prov_w = (width - 10 * gap) / 12;
    key_row(ui, "plate.prov.", common, prov_w, key_h, gap,
            [&](const std::string& k) { c.k.plate_province(k); });
    ImGui::SameLine(0, gap);
    ImGui::PushFont(ui.atlas().body);
    if (ui.button("plate.more", ui.tr(p.all_provinces ? "plate.letters" : "plate.more"),
                  ImVec2(width - 10 * (prov_w + gap), key_h), p.all_provinces))
        c.k.toggle_all_provinces();
    ImGui::PopFont();
    ui.spacing(gap / 2);
    if (p.all_provinces) {
        std::vector<std::string> all(std::begin(kAllProvinces), std::end(kAllProvinces));
        // Four rows of ten, as the letters: nothing below moves when the area switches.
        for (std::size_t row = 0; row * 10 < all.size(); ++row) {
            ImGui::SetCursorPosX(x0);
            std::vector<std::string> keys(
                all.begin() + static_cast<std::ptrdiff_t>(row * 10),
                all.begin() + static_cast<std::ptrdiff_t>(std::min(all.size(), row * 10 + 10)));
            // "plate.all." so a script's tap on a common province finds one widget only.
            key_row(ui, "plate.all.", keys, key_w, key_h, gap,
                    [&](const std::string& k) { c.k.plate_province(k); });
        }
    } else {
        static const char* rows[] = {"1234567890", "QWERTYUP", "ASDFGHJKL", "ZXCVBNM"};
        for (const auto* row : rows) {
            std::vector<std::string> keys;
            for (const char* k = row; *k; ++k) keys.emplace_back(1, *k);
            // Rows of fewer keys centred, as on a phone's keyboard.
            const float used = static_cast<float>(keys.size()) * (key_w + gap) - gap;
            ImGui::SetCursorPosX(x0 + (row == rows[3] ? 0 : (width - used) / 2));
            key_row(ui, "plate.key.", keys, key_w, key_h, gap,
                    [&](const std::string& k) { c.k.plate_key(k[0]); });
            if (row == rows[3]) {
                ImGui::SameLine(0, gap);
                ImGui::PushFont(ui.atlas().body);
                if (ui.button("plate.key.erase", ui.tr("keypad.erase"),
                              ImVec2(width - used - gap, key_h)))
                    c.k.plate_erase();
                ImGui::PopFont();
            }
        }
    }
    ImGui::PopFont();
}

void parking_plate(ScreenContext& c) {
    auto& ui = c.ui;
    const auto& s = c.k.state();
    if (!s.parking) return;
    const auto& p = *s.parking;
    const bool wide = !ui.portrait();
    const float left = wide ? (c.width - ui.gap()) * 0.36f : c.width;
    const float right = wide ? c.width - left - ui.gap() : c.width;
    const float key_h = (wide ? 118.0f : 112.0f) * ui.unit();

    ImGui::BeginGroup();
    ui.text(ui.tr("plate.title"), ui.atlas().large, colors::text, left);
    ui.spacing(ui.gap() / 2);
    // As typed, read like a plate: "粤B·D12345"; a place for the province until it is chosen.
    const auto typed = p.typed_province + p.typed_rest;
    std::string shown = p.typed_province.empty() ? "_" + p.typed_rest : plate_display(typed);
    if (p.typed_rest.empty()) shown += " _";
    ui.text(shown, ui.atlas().title, colors::accent, left);
    ui.text(ui.tr("plate.hint"), ui.atlas().small, colors::muted, left);
    ui.spacing(ui.gap() / 2);
    if (!wide) {
        plate_keyboard(c, right, key_h);
        ui.spacing(ui.gap() / 2);
    }
    notice_lines(c, left, 2);
    const float w = (left - ui.gap()) / 2;
    if (ui.button("plate.cancel", ui.tr("button.cancel"), ImVec2(w, ui.touch())))
        c.k.cancel_plate_entry();
    ImGui::SameLine(0, ui.gap());
    if (ui.button("plate.save", ui.tr("plate.save"), ImVec2(w, ui.touch()), true,
                  !p.typed_province.empty() && !s.busy))
        c.k.save_plate();
    ImGui::EndGroup();
    if (wide) {
        ImGui::SameLine(ImGui::GetStyle().WindowPadding.x + left + ui.gap());
        ImGui::BeginGroup();
        plate_keyboard(c, right, key_h);
        ImGui::EndGroup();
    }
}

// What the credit got: the plate and its minutes, the free and bought parts, the points left.
void parking_done(ScreenContext& c) {
    auto& ui = c.ui;
    const auto& s = c.k.state();
    if (!s.parking || !s.parking->last) return;
    const auto& p = *s.parking;
    const auto& credit = p.last->credit;
    ui.spacing(ui.gap());
    ui.text(ui.trf("parking.done_title",
                   {plate_display(credit.plate), std::to_string(credit.minutes())}),
            ui.atlas().title, colors::ok, c.width);
    ui.spacing(ui.gap());
    if (credit.free_minutes > 0)
        ui.text(ui.trf("parking.done_free", {std::to_string(credit.free_minutes)}),
                ui.atlas().large, colors::text, c.width);
    if (credit.bought_hours > 0)
        ui.text(ui.trf("parking.done_hours",
                       {std::to_string(credit.bought_hours), grouped(credit.points)}),
                ui.atlas().large, colors::text, c.width);
    ui.text(ui.trf("parking.done_balance", {grouped(p.last->available_after)}), ui.atlas().body,
            colors::muted, c.width);
    ui.spacing(ui.gap());
    ui.text(ui.tr(p.last_offline ? "parking.done_hint_offline" : "parking.done_hint"),
            ui.atlas().body, colors::muted, c.width);
    ui.spacing(ui.gap());
    const float w = (c.width - ui.gap()) / 2;
    if (ui.button("parking.again", ui.tr("parking.again"), ImVec2(w, ui.touch())))
        c.k.open_parking();
    ImGui::SameLine(0, ui.gap());
    if (ui.button("parking.home", ui.tr("button.home"), ImVec2(w, ui.touch()), true))
        c.k.go(Screen::member_home);
}

}  // namespace

void draw_parking_screen(ScreenContext& c) {
    switch (c.k.state().screen) {
        case Screen::parking:
            parking(c);
            break;
        case Screen::parking_plate:
            parking_plate(c);
            break;
        case Screen::parking_done:
            parking_done(c);
            break;
        default:
            break;
    }
}

}  // namespace loyalty::kiosk
