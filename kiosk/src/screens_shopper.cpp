// Shopper screens: attract, identify, member home, rewards, enroll, link, claim, rating.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdio>

#include "fast_fill.hpp"
#include "photo_view.hpp"
#include "qr_view.hpp"
#include "receipt_photo.hpp"
#include "screens.hpp"

namespace loyalty::kiosk {

namespace {

void press_digit(void* k, char d) {
    static_cast<KioskController*>(k)->keypad_press(d);
}
void erase_digit(void* k) {
    static_cast<KioskController*>(k)->keypad_erase();
}

// The current message; with `reserve_lines`, always that much height, so what follows
// does not jump when a message appears.
void notice(ScreenContext& c, int reserve_lines = 0) {
    const float top = ImGui::GetCursorPosY();
    const float reserved = static_cast<float>(reserve_lines) * c.ui.atlas().body->FontSize * 1.25f;
    struct Keep {
        float top, reserved;
        ~Keep() {
            if (ImGui::GetCursorPosY() < top + reserved) ImGui::SetCursorPosY(top + reserved);
        }
    } keep{top, reserved};
    const auto& n = c.k.state().notice;
    if (n.key.empty()) return;
    auto text = c.ui.tr(n.key);
    if (!n.args.empty()) {
        // Whole numbers are points: shown as everywhere else, thousands separated. A USB
        // stick's label or a file name is shown as it is, digits or not.
        const bool verbatim = n.key == "notice.exported_usb";
        std::vector<std::string> args;
        for (const auto& a : n.args)
            args.push_back(!verbatim && !a.empty() && a.size() <= 18 &&
                                   a.find_first_not_of("0123456789") == std::string::npos
                               ? grouped(std::stoll(a))
                               : a);
        text = c.ui.trf(n.key, args);
    } else if (n.key == "notice.claimed")
        text = c.ui.trf(n.key, {n.detail});
    else if (n.key == "notice.exported" || n.key == "notice.backup_done")
        text = c.ui.trf(n.key, {n.detail});
    c.ui.text(text, c.ui.atlas().body, n.error ? colors::error : colors::ok, c.width);
}

// Two buttons side by side across the width.
int two_buttons(ScreenContext& c, const std::string& id_a, const std::string& a,
                const std::string& id_b, const std::string& b, bool a_primary = false,
                bool b_primary = true) {
    const float w = (c.width - c.ui.gap()) / 2;
    int tapped = -1;
    if (c.ui.button(id_a, a, ImVec2(w, c.ui.touch()), a_primary)) tapped = 0;
    ImGui::SameLine(0, c.ui.gap());
    if (c.ui.button(id_b, b, ImVec2(w, c.ui.touch()), b_primary)) tapped = 1;
    return tapped;
}

std::string masked_digits(const std::string& typed, bool hide) {
    if (typed.empty()) return "_";
    if (!hide) return typed;
    std::string dots;
    for (std::size_t i = 0; i < typed.size(); ++i) dots += i ? " *" : "*";
    return dots;
}

// A secondary way on from a keypad screen ("forgot your PIN?", "send the code again").
struct KeypadExtra {
    const char* id = nullptr;
    const char* label_key = nullptr;
    void (KioskController::*action)() = nullptr;
};

// What a keypad screen's Back does and shows when it is not the plain one: a step back, and
// the typed digits as what they mean ("¥128.50" for 12850).
struct KeypadCustom {
    void (KioskController::*back)() = nullptr;
    std::string shown;
};

// `back` (none: the session ends, as on the sign-in keypads).
void keypad_screen(ScreenContext& c, const std::string& title_key, bool hide, const std::string& id,
                   void (KioskController::*submit)(), Screen back = Screen::attract,
                   KeypadExtra extra = {}, const KeypadCustom& custom = {}) {
    auto& ui = c.ui;
    const bool wide = !ui.portrait();  // landscape: the keypad goes to the right
    const float col = wide ? (c.width - ui.gap()) / 2 : c.width;
    const float pad_w = std::min(col, 900.0f * ui.unit());
    const float key_h = 150.0f * ui.unit();
    ScreenContext left{c.ui, c.k, col, c.height, c.anim};
    ImGui::BeginGroup();
    ui.text(ui.tr(title_key), ui.atlas().large, colors::text, col);
    ui.spacing(ui.gap());
    ui.text(custom.shown.empty() ? masked_digits(c.k.state().keypad, hide) : custom.shown,
            ui.atlas().title, colors::accent);
    ui.spacing(ui.gap());
    if (!wide) {
        ImGui::SetCursorPosX(ImGui::GetCursorPosX() + (col - pad_w) / 2);  // centred upright
        draw_keypad(ui, id, pad_w, key_h, press_digit, erase_digit, &c.k);
        ui.spacing(ui.gap());
    }
    notice(left, 2);  // "wrong PIN" appears without moving the buttons
    switch (two_buttons(left, id + ".back", ui.tr("button.back"), id + ".ok", ui.tr("button.ok"))) {
        case 0:
            if (custom.back)
                (c.k.*custom.back)();
            else if (back == Screen::attract)
                c.k.end_session();
            else
                c.k.go(back);
            break;
        case 1:
            (c.k.*submit)();
            break;
        default:
            break;
    }
    if (extra.id) {
        ui.spacing(ui.gap());
        if (ui.button(extra.id, ui.tr(extra.label_key), ImVec2(col, ui.touch())))
            (c.k.*extra.action)();
    }
    ImGui::EndGroup();
    if (wide) {
        ImGui::SameLine(0, ui.gap());
        ImGui::BeginGroup();
        draw_keypad(ui, id, pad_w, key_h, press_digit, erase_digit, &c.k);
        ImGui::EndGroup();
    }
}

void attract(ScreenContext& c) {
    auto& ui = c.ui;
    const float u = ui.unit();
    ui.spacing(ui.portrait() ? 80 * u : 20 * u);
    ui.text_centered(ui.tr("attract.title"), ui.atlas().title, c.width, colors::text);
    ui.spacing(ui.gap());
    ui.text_centered(ui.tr("attract.subtitle"), ui.atlas().body, c.width, colors::muted);
    // The idle animation: a ring that breathes. Cheap to draw, redrawn a few times a second.
    const float ring = (ui.portrait() ? 180.0f : 110.0f) * u;
    ui.spacing(ui.gap());
    const auto at = ImGui::GetCursorScreenPos();
    ImGui::Dummy(ImVec2(c.width, ring * 2.3f));
    ui.record("attract.ring", "", false);
    const ImVec2 centre(at.x + c.width / 2, at.y + ring * 1.15f);
    const float pulse = 0.5f + 0.5f * std::sin(c.anim * 6.2831853f);
    auto* dl = ImGui::GetWindowDrawList();
    fast_circle(dl, centre, ring * (0.78f + 0.12f * pulse), IM_COL32(70, 66, 60, 255));
    fast_circle(dl, centre, ring * 0.78f, colors::accent, ring * 0.78f - 6 * u);
    fast_rect(dl, ImVec2(centre.x - ring * 0.45f, centre.y - ring * 0.3f),
              ImVec2(centre.x + ring * 0.45f, centre.y + ring * 0.3f), colors::accent, 14 * u);
    ui.spacing(ui.gap());
    notice(c);
    if (!ui.portrait()) {
        switch (two_buttons(c, "attract.phone", ui.tr("attract.use_phone"), "attract.enroll",
                            ui.tr("attract.join"))) {
            case 0:
                c.k.go(Screen::phone_entry);
                break;
            case 1:
                c.k.start_enroll();
                break;
            default:
                break;
        }
        return;
    }
    const float w = std::min(c.width, 860.0f * u);
    ImGui::SetCursorPosX(ImGui::GetCursorPosX() + (c.width - w) / 2);
    const float x = ImGui::GetCursorPosX();
    if (ui.button("attract.phone", ui.tr("attract.use_phone"), ImVec2(w, ui.touch())))
        c.k.go(Screen::phone_entry);
    ImGui::SetCursorPosX(x);
    if (ui.button("attract.enroll", ui.tr("attract.join"), ImVec2(w, ui.touch()), true))
        c.k.start_enroll();
}

// What campaigns left for this visit, on a highlighted card. Its panel is drawn
// behind the texts and not recorded: the texts inside are the widgets.
void messages_card(ScreenContext& c, float width) {
    auto& ui = c.ui;
    const auto& list = c.k.state().kiosk_messages;
    const auto& refusals = c.k.state().claim_refusals;
    if (list.empty() && refusals.empty()) return;
    const float u = ui.unit();
    const float pad = 24 * u;
    const float inner = width - 2 * pad;
    const auto title = ui.tr("home.messages");
    std::vector<std::string> texts;  // each in the shopper's language, when given per language
    // A receipt claim a manager turned down comes first, with the reason: the shopper's points.
    for (const auto& r : refusals)
        texts.push_back(
            r.reversed
                ? ui.trf("home.claim_reversed", {name_in(r.shop_name, r.shop_names, ui.language()),
                                                 r.receipt, yuan(r.amount)})
                : ui.trf("home.claim_refused",
                         {name_in(r.shop_name, r.shop_names, ui.language()), r.receipt,
                          yuan(r.amount), local_text_in(r.note, ui.language())}));
    for (const auto& m : list) texts.push_back(local_text_in(m, ui.language()));
    const std::size_t shown = std::min<std::size_t>(texts.size(), 3);  // the actions stay on screen
    // Measure first so the panel can go under the text (ImGui draws in order).
    auto height = [&](const std::string& t, ImFont* f) {
        ui.atlas().require(t, f);
        return f->CalcTextSizeA(f->FontSize, FLT_MAX, inner, t.c_str()).y;
    };
    float h = 2 * pad + height(title, ui.atlas().small);
    for (std::size_t i = 0; i < shown; ++i)
        h += ImGui::GetStyle().ItemSpacing.y + height(texts[i], ui.atlas().body);
    const auto at = ImGui::GetCursorScreenPos();
    auto* dl = ImGui::GetWindowDrawList();
    fast_rect(dl, at, ImVec2(at.x + width, at.y + h), colors::accent, 18 * u);
    fast_rect(dl, ImVec2(at.x + 6 * u, at.y + 6 * u),
              ImVec2(at.x + width - 6 * u, at.y + h - 6 * u), colors::panel, 14 * u);
    ImGui::SetCursorScreenPos(ImVec2(at.x + pad, at.y + pad));
    const float x = ImGui::GetCursorPosX() - pad;
    ui.text(title, ui.atlas().small, colors::accent, inner);
    for (std::size_t i = 0; i < shown; ++i) {
        ImGui::SetCursorPosX(x + pad);
        ui.text(texts[i], ui.atlas().body, colors::text, inner);
    }
    ImGui::SetCursorScreenPos(ImVec2(at.x, at.y + h));
    ImGui::Dummy(ImVec2(width, 1));
}

void member_home(ScreenContext& c) {
    auto& ui = c.ui;
    const auto& s = c.k.state();
    if (!s.member) return;
    const auto& m = *s.member;
    const float u = ui.unit();
    const bool wide = !ui.portrait();
    const float col = wide ? (c.width - ui.gap()) * 0.58f : c.width;

    ImGui::BeginGroup();
    ui.text(ui.trf("home.hello", {m.masked_name.empty() ? ui.tr("home.member") : m.masked_name}),
            ui.atlas().large);
    ui.text(m.masked_phone, ui.atlas().body, colors::muted);
    ui.text(ui.trf("home.tier", {name_in(m.tier_name, m.tier_names, ui.language())}),
            ui.atlas().large, colors::accent);
    ui.spacing(ui.gap() / 2);
    // A member of several programs the kiosk knows: whose points are whose.
    ui.text(m.other_cards.empty()
                ? ui.tr("home.available")
                : ui.trf("home.available_in",
                         {name_in(m.program_name, m.program_names, ui.language())}),
            ui.atlas().body, colors::muted);
    ui.text(grouped(m.available), ui.atlas().title, colors::text);
    // Every store's balance; when headquarters has not sent it lately, since when.
    if (!m.balance_as_of.empty())
        ui.text(ui.trf("home.as_of", {m.balance_as_of}), ui.atlas().body, colors::accent, col);
    else if (m.balance_unconfirmed)
        ui.text(ui.tr("home.unconfirmed"), ui.atlas().body, colors::accent, col);
    ui.text(ui.trf("home.pending", {grouped(m.pending)}), ui.atlas().body, colors::muted);
    if (m.expiring_30d > 0)
        ui.text(ui.trf("home.expiring", {grouped(m.expiring_30d)}), ui.atlas().body, colors::error);
    if (m.stored_value && m.stored_value->total().minor > 0)
        ui.text(m.stored_value->bonus.minor > 0
                    ? ui.trf("home.stored_value_bonus",
                             {yuan(m.stored_value->total()), yuan(m.stored_value->bonus)})
                    : ui.trf("home.stored_value", {yuan(m.stored_value->total())}),
                ui.atlas().body, colors::text, col);
    for (const auto& card : m.other_cards)
        ui.text(ui.trf("home.other_card",
                       {name_in(card.program_name, card.program_names, ui.language()),
                        name_in(card.tier_name, card.tier_names, ui.language()),
                        grouped(card.available)}),
                ui.atlas().body, colors::accent, col);
    ui.spacing(ui.gap() / 2);
    if (m.next_tier_name) {
        const float fraction = m.next_threshold > 0
                                   ? std::clamp(static_cast<float>(m.qualifying) /
                                                    static_cast<float>(m.next_threshold),
                                                0.0f, 1.0f)
                                   : 1.0f;
        const auto at = ImGui::GetCursorScreenPos();
        ImGui::Dummy(ImVec2(col, 36 * u));
        ui.record("home.progress", "", false);
        auto* dl = ImGui::GetWindowDrawList();
        fast_rect(dl, at, ImVec2(at.x + col, at.y + 36 * u), colors::panel, 18 * u);
        if (fraction > 0)
            fast_rect(dl, at, ImVec2(at.x + std::max(36 * u, col * fraction), at.y + 36 * u),
                      colors::accent, 18 * u);
        const auto to_go = std::max<std::int64_t>(0, m.next_threshold - m.qualifying);
        ui.text(ui.trf(m.tier_by_points ? "home.next_tier_points" : "home.next_tier",
                       {m.tier_by_points ? grouped(to_go) : yuan(Money{to_go}),
                        name_in(*m.next_tier_name, m.next_tier_names, ui.language())}),
                ui.atlas().body, colors::text, col);
        ui.text(
            ui.trf("home.unlocks", {std::to_string(m.next_multiplier_percent / 100.0).substr(0, 3),
                                    std::to_string(m.next_discount_percent),
                                    std::to_string(m.next_parking_minutes)}),
            ui.atlas().small, colors::muted, col);
    } else {
        ui.text(ui.tr("home.top_tier"), ui.atlas().body, colors::accent, col);
    }
    ui.spacing(ui.gap() / 2);
    // The wallet: each coupon with its QR for the till, two taps from the card.
    if (m.coupons.empty())
        ui.text(ui.trf("home.coupons", {"0"}), ui.atlas().body);
    else if (ui.button(
                 "home.wallet",
                 ui.trf("home.coupons", {grouped(static_cast<std::int64_t>(m.coupons.size()))}) +
                     "  ›",
                 ImVec2(col, ui.touch() * 0.8f)))
        c.k.open_wallet();
    // Under it the first coupons at a glance; landscape has room for two (one beside another
    // program's card).
    const std::size_t glance = wide ? (m.other_cards.empty() ? 2 : 1) : 3;
    for (std::size_t i = 0; i < std::min<std::size_t>(m.coupons.size(), glance); ++i) {
        const auto& coupon = m.coupons[i];
        // An amount coupon's title says its value; other kinds say what they do (9折, 满300减50).
        const auto label = coupon.benefit.kind == BenefitKind::amount
                               ? std::string()
                               : " · " + benefit_label(coupon.benefit, ui.language());
        ui.text("• " + name_in(coupon.title, coupon.titles, ui.language()) + label + "  " +
                    ui.trf("home.until", {coupon.expires}),
                ui.atlas().small, colors::muted, col);
    }
    ImGui::EndGroup();

    // The actions keep to the right-hand column; SameLine counts from the window's
    // edge, not from inside its padding (the progress bar ran under the buttons).
    if (wide)
        ImGui::SameLine(ImGui::GetStyle().WindowPadding.x + col + ui.gap());
    else
        ui.spacing(ui.gap());
    ImGui::BeginGroup();
    // A mall's Parking is a fifth action: upright three a row, sideways Link and Done share the
    // last row, so the actions keep their two (four) rows under a message card.
    const int per_row = s.parking_offered ? 3 : 2;
    const float bw =
        wide ? c.width - col - ui.gap()
             : (c.width - static_cast<float>(per_row - 1) * ui.gap()) / static_cast<float>(per_row);
    const bool pair = wide && s.parking_offered;
    const float last_w = pair ? (bw - ui.gap()) / 2 : bw;
    int n = 0;
    auto next = [&] {
        if (!wide && (n++ % per_row) != 0) ImGui::SameLine(0, ui.gap());
    };
    messages_card(c, wide ? bw : c.width);
    notice(c);
    if (s.pending_card_uid) {
        if (ui.button("home.link_pending", ui.tr("home.link_pending"),
                      ImVec2(wide ? bw : c.width, ui.touch()), true))
            c.k.link_pending_card();
    }
    next();
    if (ui.button("home.rewards", ui.tr("home.rewards"), ImVec2(bw, ui.touch()), true))
        c.k.open_rewards();
    next();
    if (ui.button("home.claim", ui.tr("home.claim"), ImVec2(bw, ui.touch()))) c.k.start_claim();
    if (s.parking_offered) {  // a mall's car park: free minutes by tier, hours for points
        next();
        if (ui.button("home.parking", ui.tr("home.parking"), ImVec2(bw, ui.touch())))
            c.k.open_parking();
    }
    next();
    if (ui.button("home.link", ui.tr("home.link"), ImVec2(last_w, ui.touch())))
        c.k.start_link_card();
    if (pair)
        ImGui::SameLine(0, ui.gap());
    else
        next();
    if (ui.button("home.done", ui.tr("button.done"), ImVec2(last_w, ui.touch()))) c.k.done();
    ImGui::EndGroup();
}

void rewards(ScreenContext& c) {
    auto& ui = c.ui;
    const auto& s = c.k.state();
    ui.text(ui.tr("rewards.title"), ui.atlas().large);
    if (s.member)
        ui.text(ui.trf("rewards.balance", {grouped(s.member->available)}), ui.atlas().body,
                colors::muted);
    ui.spacing(ui.gap() / 2);
    const auto list = s.rewards;  // a tap may change the state while we draw
    // One column while the list fits above the back button, two when it would not (a
    // landscape screen holds four full-width rows).
    const float row = ui.touch() + ImGui::GetStyle().ItemSpacing.y;
    const float room = ImGui::GetContentRegionAvail().y - 2 * row - ui.gap();
    const int columns = static_cast<float>(list.size()) * row > room ? 2 : 1;
    const float w = columns == 1 ? c.width : (c.width - ui.gap()) / 2;
    for (std::size_t i = 0; i < list.size(); ++i) {
        const auto& r = list[i];
        if (columns == 2 && i % 2 == 1) ImGui::SameLine(0, ui.gap());
        // One the member cannot afford says how far away it is, not just greyed out.
        const Points short_by = s.member ? r.cost - s.member->available : 0;
        const auto label =
            name_in(r.name, r.names, ui.language()) + "   " +
            (!r.affordable && short_by > 0 ? ui.trf("rewards.short_by", {grouped(short_by)})
                                           : ui.trf("rewards.cost", {grouped(r.cost)}));
        if (ui.button("rewards." + r.code, label, ImVec2(w, ui.touch()), false, r.affordable))
            c.k.choose_reward(r);
    }
    if (list.empty()) ui.text(ui.tr("rewards.none"), ui.atlas().body, colors::muted);
    ui.spacing(ui.gap() / 2);
    notice(c);
    if (ui.button("rewards.back", ui.tr("button.back"), ImVec2(c.width, ui.touch())))
        c.k.go(Screen::member_home);
}

void redeem_confirm(ScreenContext& c) {
    auto& ui = c.ui;
    const auto& s = c.k.state();
    if (!s.chosen_reward || !s.member) return;
    ui.text(ui.tr("redeem.title"), ui.atlas().large);
    ui.spacing(ui.gap());
    ui.text(name_in(s.chosen_reward->name, s.chosen_reward->names, ui.language()), ui.atlas().large,
            colors::accent, c.width);
    ui.text(ui.trf("redeem.cost", {grouped(s.chosen_reward->cost),
                                   grouped(s.member->available - s.chosen_reward->cost)}),
            ui.atlas().body, colors::text, c.width);
    ui.spacing(ui.gap());
    notice(c);
    switch (two_buttons(c, "redeem.cancel", ui.tr("button.cancel"), "redeem.confirm",
                        ui.tr("redeem.confirm"))) {
        case 0:
            c.k.go(Screen::rewards);
            break;
        case 1:
            c.k.confirm_redeem();
            break;
        default:
            break;
    }
}

// What a coupon does and asks, in one line: "9折 · 满¥300.00可用 · 有效期至 2026-12-31".
std::string coupon_terms(Ui& ui, const CouponView& coupon) {
    std::string terms = coupon.benefit.kind == BenefitKind::amount
                            ? yuan(coupon.value)
                            : benefit_label(coupon.benefit, ui.language());
    if (coupon.benefit.min_spend.minor > 0)
        terms += " · " + ui.trf("coupon.min_spend", {yuan(coupon.benefit.min_spend)});
    return terms + " · " + ui.trf("home.until", {coupon.expires});
}

void coupon(ScreenContext& c) {
    auto& ui = c.ui;
    const auto& s = c.k.state();
    if (!s.last_coupon) return;
    const auto& shown = *s.last_coupon;
    // Landscape: the QR on the left, the words and buttons beside it.
    const bool wide = !ui.portrait();
    const float side = (wide ? 400.0f : 420.0f) * ui.unit();
    const float col = wide ? c.width - side - ui.gap() : c.width;
    ScreenContext right{c.ui, c.k, col, c.height, c.anim};
    ui.text(ui.tr(s.coupon_from_wallet ? "wallet.title" : "coupon.title"), ui.atlas().large);
    ui.text(name_in(shown.title, shown.titles, ui.language()), ui.atlas().large, colors::accent,
            c.width);
    // The till scans the coupon off the screen; the code beside it can be typed in. Upright,
    // the QR sits in the middle of the screen.
    if (!wide) ImGui::SetCursorPosX(ImGui::GetCursorPosX() + (c.width - side) / 2);
    draw_qr(ui, "coupon.qr", shown.code, side);
    if (wide) ImGui::SameLine(0, ui.gap());
    ImGui::BeginGroup();
    ui.text(shown.code, ui.atlas().large, colors::text);
    ui.text(coupon_terms(ui, shown), ui.atlas().body, colors::muted, col);
    ui.text(ui.tr("coupon.hint"), ui.atlas().body, colors::muted, col);
    notice(right);
    const auto back_id = s.coupon_from_wallet ? "coupon.wallet" : "coupon.home";
    const auto back_label = ui.tr(s.coupon_from_wallet ? "button.back" : "button.home");
    const auto back = [&] {
        if (s.coupon_from_wallet && s.member && s.member->coupons.size() > 1)
            c.k.go(Screen::wallet);
        else
            c.k.go(Screen::member_home);
    };
    if (c.k.has_printer()) {
        switch (two_buttons(right, "coupon.print", ui.tr("coupon.print"), back_id, back_label)) {
            case 0:
                c.k.print_coupon();
                break;
            case 1:
                back();
                break;
            default:
                break;
        }
    } else if (ui.button(back_id, back_label, ImVec2(col, ui.touch()), true)) {
        back();
    }
    ImGui::EndGroup();
}

void wallet(ScreenContext& c) {
    auto& ui = c.ui;
    const auto& s = c.k.state();
    if (!s.member) return;
    ui.text(ui.tr("wallet.title"), ui.atlas().large);
    ui.text(ui.tr("wallet.hint"), ui.atlas().body, colors::muted, c.width);
    ui.spacing(ui.gap() / 2);
    const auto coupons = s.member->coupons;  // a tap may change the state while we draw
    // As many rows as fit above the back button; the soonest to expire come first.
    const float row = ui.touch() + ImGui::GetStyle().ItemSpacing.y;
    float room = ImGui::GetContentRegionAvail().y - row - ui.gap();
    // When they do not all fit, the "N more" line below them needs its room too.
    if (static_cast<float>(coupons.size()) * row > room) room -= ui.atlas().small->FontSize * 1.5f;
    const auto fits = static_cast<std::size_t>(std::max(1.0f, room / row));
    for (std::size_t i = 0; i < std::min(coupons.size(), fits); ++i) {
        const auto& coupon = coupons[i];
        if (ui.button("wallet." + std::to_string(i),
                      name_in(coupon.title, coupon.titles, ui.language()) + "   " +
                          coupon_terms(ui, coupon),
                      ImVec2(c.width, ui.touch())))
            c.k.show_coupon(coupon);
    }
    if (coupons.size() > fits)
        ui.text(ui.trf("wallet.more", {grouped(static_cast<std::int64_t>(coupons.size() - fits))}),
                ui.atlas().small, colors::muted, c.width);
    ui.spacing(ui.gap() / 2);
    if (ui.button("wallet.back", ui.tr("button.back"), ImVec2(c.width, ui.touch())))
        c.k.go(Screen::member_home);
}

void unknown_card(ScreenContext& c) {
    auto& ui = c.ui;
    ui.text(ui.tr("unknown.title"), ui.atlas().large, colors::text, c.width);
    ui.text(ui.tr("unknown.body"), ui.atlas().body, colors::muted, c.width);
    ui.spacing(ui.gap());
    if (ui.button("unknown.enroll", ui.tr("unknown.enroll"), ImVec2(c.width, ui.touch()), true)) {
        auto card = c.k.state().pending_card_uid;
        c.k.start_enroll();
        c.k.state().pending_card_uid = card;
    }
    if (ui.button("unknown.link", ui.tr("unknown.link"), ImVec2(c.width, ui.touch()))) {
        auto card = c.k.state().pending_card_uid;
        c.k.go(Screen::phone_entry);
        c.k.state().pending_card_uid = card;
    }
    if (ui.button("unknown.back", ui.tr("button.back"), ImVec2(c.width, ui.touch())))
        c.k.end_session();
}

void enroll(ScreenContext& c) {
    auto& ui = c.ui;
    auto& s = c.k.state();
    const bool wide = !ui.portrait();
    const float col = wide ? (c.width - ui.gap()) / 2 : c.width;
    ImGui::BeginGroup();
    ui.text(ui.tr("enroll.title"), ui.atlas().large, colors::text, col);
    ui.text(ui.tr("enroll.phone"), ui.atlas().body, colors::muted);
    ui.text(masked_digits(s.keypad, false), ui.atlas().large, colors::accent);
    const float enroll_pad_w = std::min(col, 820.0f * ui.unit());
    if (!wide) ImGui::SetCursorPosX(ImGui::GetCursorPosX() + (col - enroll_pad_w) / 2);
    draw_keypad(ui, "enroll", enroll_pad_w, (wide ? 120.0f : 100.0f) * ui.unit(), press_digit,
                erase_digit, &c.k);
    ImGui::EndGroup();
    if (wide) ImGui::SameLine(0, ui.gap());
    ImGui::BeginGroup();
    // The terms to read sit beside the boxes that accept them, as tall as both.
    const float terms_w = col * 0.28f;
    const float box_w = col - terms_w - ui.gap();
    ImGui::BeginGroup();
    if (ui.checkbox("enroll.privacy", ui.tr("enroll.privacy"), s.consent_privacy,
                    ImVec2(box_w, ui.touch())))
        c.k.toggle_privacy_consent();
    if (ui.checkbox("enroll.marketing", ui.tr("enroll.marketing"), s.consent_marketing,
                    ImVec2(box_w, ui.touch())))
        c.k.toggle_marketing_consent();
    ImGui::EndGroup();
    const float boxes_h = ImGui::GetItemRectSize().y;
    ImGui::SameLine(0, ui.gap());
    if (ui.button("enroll.terms", ui.tr("enroll.read_terms"), ImVec2(terms_w, boxes_h)))
        c.k.open_terms();
    // Birthday month, optional: a stepper rather than twelve buttons.
    const float step_w = ui.touch() * 1.2f;
    if (ui.button("enroll.month_down", "-", ImVec2(step_w, ui.touch())))
        s.birthday_month = (s.birthday_month + 12) % 13;
    ImGui::SameLine(0, ui.gap());
    if (ui.button("enroll.month_up", "+", ImVec2(step_w, ui.touch())))
        s.birthday_month = (s.birthday_month + 1) % 13;
    ImGui::SameLine(0, ui.gap());
    ImGui::BeginGroup();
    ui.text(s.birthday_month == 0 ? ui.tr("enroll.birthday_none")
                                  : ui.trf("enroll.birthday", {std::to_string(s.birthday_month)}),
            ui.atlas().body, colors::text, col - 2 * step_w - 2 * ui.gap());
    ImGui::EndGroup();
    // Room for a two-line message whether or not there is one: the buttons stay put. Wrapped
    // to this column (landscape cut it at the screen's edge).
    ScreenContext column{c.ui, c.k, col, c.height, c.anim};
    notice(column, 2);
    const float w = (col - ui.gap()) / 2;
    if (ui.button("enroll.cancel", ui.tr("button.cancel"), ImVec2(w, ui.touch())))
        c.k.end_session();
    ImGui::SameLine(0, ui.gap());
    // The phone is already a member's: the same place offers signing in with it instead.
    if (s.notice.key == "error.phone_taken") {
        if (ui.button("enroll.login", ui.tr("enroll.login_instead"), ImVec2(w, ui.touch()), true))
            c.k.login_instead();
    } else if (ui.button("enroll.submit", ui.tr("enroll.submit"), ImVec2(w, ui.touch()), true)) {
        c.k.submit_enroll();
    }
    ImGui::EndGroup();
}

// The terms a shopper agrees to by joining, from the program file, in their language.
void terms(ScreenContext& c) {
    auto& ui = c.ui;
    const auto& s = c.k.state();
    const auto lang = ui.language();
    const auto privacy =
        s.terms ? name_in(s.terms->privacy, s.terms->privacy_by_lang, lang) : std::string();
    const auto marketing =
        s.terms ? name_in(s.terms->marketing, s.terms->marketing_by_lang, lang) : std::string();
    ui.text(ui.tr("terms.privacy"), ui.atlas().large, colors::text, c.width);
    ui.text(privacy.empty() ? ui.tr("terms.none") : privacy, ui.atlas().body, colors::text,
            c.width);
    ui.spacing(ui.gap());
    ui.text(ui.tr("terms.marketing"), ui.atlas().large, colors::text, c.width);
    ui.text(marketing.empty() ? ui.tr("terms.none") : marketing, ui.atlas().body, colors::text,
            c.width);
    ui.spacing(ui.gap());
    if (ui.button("terms.back", ui.tr("button.back"), ImVec2(c.width, ui.touch()), true))
        c.k.close_terms();
}

void enroll_done(ScreenContext& c) {
    auto& ui = c.ui;
    const auto& s = c.k.state();
    ui.text(ui.tr("enroll.welcome"), ui.atlas().title, colors::accent, c.width);
    ui.spacing(ui.gap());
    ui.text(ui.tr("enroll.card"), ui.atlas().body, colors::muted);
    draw_qr(ui, "enroll.card_qr", s.new_card_number, (ui.portrait() ? 420.0f : 300.0f) * ui.unit());
    ui.text(s.new_card_number, ui.atlas().large, colors::text);
    ui.text(ui.tr("enroll.card_hint"), ui.atlas().body, colors::muted, c.width);
    ui.spacing(ui.gap());
    // Phone sign-in next time needs a PIN: offered here, never required.
    switch (two_buttons(c, "enroll.set_pin", ui.tr("pin_set.offer"), "enroll.continue",
                        ui.tr("button.continue"))) {
        case 0:
            c.k.start_set_pin();
            break;
        case 1:
            c.k.go(Screen::member_home);
            break;
        default:
            break;
    }
}

void waiting(ScreenContext& c, const std::string& title, const std::string& body,
             const std::string& id) {
    auto& ui = c.ui;
    ui.text(ui.tr(title), ui.atlas().large, colors::text, c.width);
    ui.spacing(ui.gap());
    ui.text(ui.tr(body), ui.atlas().body, colors::muted, c.width);
    ui.spacing(ui.gap());
    notice(c);
    if (ui.button(id, ui.tr("button.cancel"), ImVec2(c.width, ui.touch())))
        c.k.go(Screen::member_home);
}

// A mall receipt read from its QR: what it says, the shop to pick when it did not say (an
// e-invoice names no shop), then submit.
void claim_confirm(ScreenContext& c) {
    auto& ui = c.ui;
    const auto& s = c.k.state();
    if (!s.claim_draft || !s.mall_claims) return;
    const auto& r = s.claim_draft->receipt;
    const auto* shop = r.shop ? s.mall_claims->shop(*r.shop) : nullptr;
    ui.text(ui.tr("claim.confirm_title"), ui.atlas().large, colors::text, c.width);
    ui.spacing(ui.gap());
    const std::pair<const char*, std::string> rows[] = {
        {"claim.shop",
         shop ? name_in(shop->name, shop->names, ui.language()) : ui.tr("claim.shop_none")},
        {"claim.receipt", r.receipt},
        {"claim.amount", yuan(r.amount)},
        {"claim.date", r.date.empty() ? "-" : r.date},
    };
    // A photographed receipt: its photo beside the figures, so the shopper can compare them.
    const auto& draft = *s.claim_draft;
    const bool photo = draft.photo_pixels != nullptr;
    const float rows_w = photo ? c.width * 0.6f : c.width;
    ImGui::BeginGroup();
    for (const auto& [label, value] : rows)
        ui.text(ui.tr(label) + "  " + value, ui.atlas().body, colors::text, rows_w);
    ImGui::EndGroup();
    if (photo) {
        ImGui::SameLine(0, ui.gap());
        const float side = c.width - rows_w - ui.gap();
        draw_photo(ui, "claim.photo_preview", draft.photo_pixels,
                   ImVec2(side, side * (ui.portrait() ? 1.2f : 0.6f)));
    }
    // What the shopper changed from what the photo reads: said now, not after submitting.
    if (draft.ocr && !ocr_disagreement(r, *draft.ocr).empty())
        ui.text(ui.tr("claim.photo_differs"), ui.atlas().small, colors::accent, c.width);
    ui.spacing(ui.gap());
    if (!shop) {
        // The mall's tenants by name in the shopper's language: two a row upright, four on a
        // landscape screen, so Cancel and Submit stay on screen below them.
        ui.text(ui.tr("claim.pick_shop"), ui.atlas().body, colors::muted, c.width);
        const int per_row = ui.portrait() ? 2 : 4;
        const float w =
            (c.width - static_cast<float>(per_row - 1) * ui.gap()) / static_cast<float>(per_row);
        int i = 0;
        for (const auto& choice : s.mall_claims->shops) {
            if (i++ % per_row) ImGui::SameLine(0, ui.gap());
            if (ui.button("claim.shop." + choice.code,
                          name_in(choice.name, choice.names, ui.language()), ImVec2(w, ui.touch())))
                c.k.pick_claim_shop(choice.code);
        }
        ui.spacing(ui.gap());
    }
    notice(c, 2);
    switch (two_buttons(c, "claim.cancel_form", ui.tr("button.cancel"), "claim.submit",
                        ui.tr("claim.submit"))) {
        case 0:
            c.k.cancel_claim();
            break;
        case 1:
            c.k.submit_claim();
            break;
        default:
            break;
    }
}

// The receipt typed, a keypad step a field; the figures shown as they will be read.
void claim_entry(ScreenContext& c) {
    const auto& s = c.k.state();
    static const char* titles[] = {"claim.type_shop", "claim.type_receipt", "claim.type_amount",
                                   "claim.type_date"};
    const int step = std::clamp(s.claim_step, 0, 3);
    KeypadCustom custom{&KioskController::back_claim_step, {}};
    const auto& typed = s.keypad;
    if (step == 0 && s.mall_claims && !typed.empty())
        if (const auto* shop = s.mall_claims->shop(typed))
            custom.shown = typed + "  " + name_in(shop->name, shop->names, c.ui.language());
    if (step == 2)  // as a card terminal shows it: the last two digits are jiao and fen
        custom.shown = yuan(Money{typed.empty() || typed.size() > 12 ? 0 : std::stoll(typed)});
    if (step == 3 && typed.size() > 4)
        custom.shown = typed.substr(0, 4) + "-" + typed.substr(4, 2) +
                       (typed.size() > 6 ? "-" + typed.substr(6) : "");
    keypad_screen(c, titles[step], false, "claim_entry", &KioskController::submit_claim_step,
                  Screen::claim, {}, custom);
}

void rating(ScreenContext& c) {
    auto& ui = c.ui;
    ui.text_centered(ui.tr("rating.title"), ui.atlas().large, c.width);
    ui.spacing(ui.gap());
    const float w = (c.width - 4 * ui.gap()) / 5;
    ImGui::PushFont(ui.atlas().large);
    for (int i = 1; i <= 5; ++i) {
        if (i > 1) ImGui::SameLine(0, ui.gap());
        if (ui.button("rating." + std::to_string(i), std::to_string(i),
                      ImVec2(w, ui.touch() * 1.3f), i == 5))
            c.k.rate(i);
    }
    ImGui::PopFont();
    ui.text_centered(ui.tr("rating.scale"), ui.atlas().small, c.width, colors::muted);
    ui.spacing(ui.gap());
    if (ui.button("rating.skip", ui.tr("rating.skip"), ImVec2(c.width, ui.touch())))
        c.k.end_session();
}

void thanks(ScreenContext& c) {
    auto& ui = c.ui;
    ui.spacing(200 * ui.unit());
    ui.text_centered(ui.tr("thanks.title"), ui.atlas().title, c.width, colors::accent);
    // Points a rating campaign gave arrive from the engine a moment later.
    if (c.k.state().rating_points > 0) {
        ui.spacing(ui.gap());
        ui.text_centered(ui.trf("thanks.points", {grouped(c.k.state().rating_points)}),
                         ui.atlas().large, c.width, colors::ok);
    }
    ui.spacing(ui.gap());
    if (ui.button("thanks.ok", ui.tr("button.ok"), ImVec2(c.width, ui.touch()))) c.k.end_session();
}

// The kiosk's name: its program's, in the shopper's language ("悦城购物中心 会员自助").
std::string kiosk_name(ScreenContext& c) {
    const auto& s = c.k.state();
    return c.ui.trf("app.name", {name_in(s.program_name, s.program_names, c.ui.language())});
}

}  // namespace

void draw_manager_screen(ScreenContext& c);
void draw_parking_screen(ScreenContext& c);
void draw_claim_photo_button(ScreenContext& c);
void draw_photo_reading(ScreenContext& c);
void draw_manager_pin(ScreenContext& c) {
    keypad_screen(c, "manager.pin", true, "manager", &KioskController::submit_manager_pin);
}
void draw_notice(ScreenContext& c) {
    notice(c);
}

void draw_top_bar(ScreenContext& c) {
    auto& ui = c.ui;
    const float lang_w = 260 * ui.unit();
    const float manager_w = 200 * ui.unit();
    const auto screen = c.k.state().screen;
    ImGui::BeginGroup();
    if (screen == Screen::attract) {
        // The manager holds a finger on the kiosk's name (kManagerHold): no button for a
        // shopper to find, and so no wrong PINs from shoppers locking the manager out.
        auto* font = ui.atlas().large;
        const auto name = kiosk_name(c);
        ui.atlas().require(name, font);
        const auto at = ImGui::GetCursorScreenPos();
        const auto size = font->CalcTextSizeA(font->FontSize, FLT_MAX, 0, name.c_str());
        ImGui::InvisibleButton("manager.open", ImVec2(size.x, std::max(size.y, ui.touch() * 0.8f)));
        if (ImGui::IsItemActivated()) c.k.manager_corner_pressed();
        if (ImGui::IsItemDeactivated()) c.k.manager_corner_released();
        ui.record("manager.open", name, true);
        ImGui::GetWindowDrawList()->AddText(font, font->FontSize, at, colors::accent, name.c_str());
    } else {
        ui.text(kiosk_name(c), ui.atlas().large, colors::accent);
    }
    ImGui::EndGroup();
    ImGui::SameLine(c.width - lang_w - manager_w - ui.gap() + ImGui::GetStyle().WindowPadding.x);
    if (c.k.manager_signed_in() &&
        (screen == Screen::manager_closing || screen == Screen::manager_health)) {
        // Where the manager came in: the way to close the kiosk, behind the manager's PIN
        // (confirmed next).
        if (ui.button("manager.quit", ui.tr("manager.quit"), ImVec2(manager_w, ui.touch() * 0.8f)))
            c.k.ask_quit();
    } else {
        ImGui::Dummy(ImVec2(manager_w, ui.touch() * 0.8f));
    }
    ImGui::SameLine(0, ui.gap());
    if (ui.button("lang", ui.tr("lang.other"), ImVec2(lang_w, ui.touch() * 0.8f)))
        c.k.toggle_language();
    // Shoppers are told when headquarters is out of reach: what they see is this store's word.
    const auto& s = c.k.state();
    const bool manager = screen == Screen::manager_pin || screen == Screen::manager_closing ||
                         screen == Screen::manager_health || screen == Screen::manager_claims ||
                         screen == Screen::manager_quit_confirm;
    if (s.offline && !manager)
        ui.banner("offline.banner",
                  s.offline_as_of.empty() ? ui.tr("offline.banner_never")
                                          : ui.trf("offline.banner", {s.offline_as_of}),
                  c.width);
}

void draw_out_of_service(ScreenContext& c) {
    auto& ui = c.ui;
    ui.spacing(c.height * 0.25f);
    for (const auto* lang : {"zh-CN", "en"}) {
        ui.text_centered(ui.tr_in(lang, "out_of_service.title"), ui.atlas().title, c.width,
                         colors::error);
        ui.text_centered(ui.tr_in(lang, "out_of_service.ask_staff"), ui.atlas().large, c.width);
        ui.spacing(ui.gap() * 2);
    }
    // For the staff member called over: what is wrong, as the journal has it.
    ui.text(c.k.state().out_of_service, ui.atlas().small, colors::muted, c.width);
}

void draw_screen(ScreenContext& c) {
    switch (c.k.state().screen) {
        case Screen::attract:
            attract(c);
            break;
        case Screen::phone_entry:
            keypad_screen(c, "phone.title", false, "phone", &KioskController::submit_phone);
            break;
        case Screen::pin_entry:
            keypad_screen(c, "pin.title", true, "pin", &KioskController::submit_pin,
                          Screen::attract,
                          KeypadExtra{"pin.forgot", "pin.forgot", &KioskController::forgot_pin});
            break;
        case Screen::sms_code:
            keypad_screen(
                c, "sms.title", false, "sms", &KioskController::submit_sms_code,
                c.k.state().sms_purpose == "enroll" ? Screen::enroll : Screen::pin_entry,
                KeypadExtra{"sms.resend", "sms.resend", &KioskController::resend_sms_code});
            break;
        case Screen::set_pin:
            keypad_screen(c, c.k.state().first_pin.empty() ? "pin_set.title" : "pin_set.again",
                          true, "set_pin", &KioskController::submit_new_pin, Screen::member_home);
            break;
        case Screen::unknown_card:
            unknown_card(c);
            break;
        case Screen::member_home:
            member_home(c);
            break;
        case Screen::rewards:
            rewards(c);
            break;
        case Screen::redeem_confirm:
            redeem_confirm(c);
            break;
        case Screen::coupon:
            coupon(c);
            break;
        case Screen::wallet:
            wallet(c);
            break;
        case Screen::enroll:
            enroll(c);
            break;
        case Screen::terms:
            terms(c);
            break;
        case Screen::enroll_done:
            enroll_done(c);
            break;
        case Screen::link_card:
            waiting(c, "link.title", "link.body", "link.cancel");
            break;
        case Screen::claim:
            if (c.k.state().reading_photo) {
                draw_photo_reading(c);
                break;
            }
            waiting(c, "claim.title", "claim.body", "claim.cancel");
            // A mall takes receipts of any shop: one without a QR code is typed in, or
            // photographed and read.
            if (c.k.state().mall_claims &&
                c.ui.button("claim.type", c.ui.tr("claim.type"), ImVec2(c.width, c.ui.touch())))
                c.k.start_typed_claim();
            draw_claim_photo_button(c);
            break;
        case Screen::claim_confirm:
            claim_confirm(c);
            break;
        case Screen::claim_entry:
            claim_entry(c);
            break;
        case Screen::rating:
            rating(c);
            break;
        case Screen::thanks:
            thanks(c);
            break;
        case Screen::manager_pin:
            draw_manager_pin(c);
            break;
        case Screen::manager_closing:
        case Screen::manager_health:
        case Screen::manager_claims:
        case Screen::manager_quit_confirm:
            draw_manager_screen(c);
            break;
        case Screen::parking:
        case Screen::parking_plate:
        case Screen::parking_done:
            draw_parking_screen(c);
            break;
    }
}

}  // namespace loyalty::kiosk
