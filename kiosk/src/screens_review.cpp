// The manager's receipt-claim review: the claims waiting, a page at a time, each with its shop,
// receipt, amount, date, masked member, why it waits and its photo; approve, or reject with a
// reason from a short list, which the member reads at the next visit.
#include <algorithm>
#include <cfloat>
#include <nlohmann/json.hpp>

#include "fast_fill.hpp"
#include "photo_view.hpp"
#include "screens.hpp"

namespace loyalty::kiosk {

void draw_notice(ScreenContext& c);

namespace {

// The reasons a manager picks from, as translation keys; each is stored in every language.
constexpr const char* kReasons[] = {"review.reason.amount", "review.reason.unreadable",
                                    "review.reason.not_mall", "review.reason.duplicate"};

// The reason as the member will read it, in the language of their next visit (local_text_in).
std::string stored_reason(const Ui& ui, const std::string& key) {
    nlohmann::json texts = nlohmann::json::object();
    for (const auto* lang : {"zh-CN", "en"}) texts[lang] = ui.tr_in(lang, key);
    return texts.dump();
}

// What OCR read ("amount=99.00; receipt=A0017; date=2026-12-04", as the kiosk writes it) with
// the claim form's labels in the manager's language; any other note as it is.
std::string ocr_read(const Ui& ui, const std::string& note) {
    std::string out;
    std::size_t at = 0;
    while (at < note.size()) {
        auto end = note.find("; ", at);
        if (end == std::string::npos) end = note.size();
        const auto part = note.substr(at, end - at);
        at = end + 2;
        const auto eq = part.find('=');
        if (eq == std::string::npos) return note;
        const auto key = part.substr(0, eq), value = part.substr(eq + 1);
        std::string label;
        if (key == "amount")
            label = ui.tr("claim.amount") + " ¥" + value;
        else if (key == "receipt")
            label = ui.tr("claim.receipt") + " " + value;
        else if (key == "date")
            label = ui.tr("claim.date") + " " + value;
        else
            return note;
        out += (out.empty() ? "" : " · ") + label;
    }
    return out.empty() ? note : out;
}

// A claim's lines of text as the card shows them: what, which receipt and whose, why it waits.
struct Line {
    std::string text;
    ImFont* font;
    ImU32 color;
};
std::vector<Line> card_lines(Ui& ui, const ReviewClaimView& v) {
    std::vector<Line> lines{
        {"#" + std::to_string(v.id) + "  " + name_in(v.shop_name, v.shop_names, ui.language()) +
             "  " + yuan(v.amount),
         ui.atlas().body, colors::text},
        {ui.tr("claim.receipt") + " " + v.receipt + " · " + v.date, ui.atlas().small,
         colors::muted},
        {v.member, ui.atlas().small, colors::muted},
        {ui.trf("review.points", {grouped(v.points)}), ui.atlas().small, colors::muted}};
    if (v.review_above.minor > 0)
        lines.push_back(
            {ui.trf("review.above", {yuan(v.review_above)}), ui.atlas().small, colors::accent});
    if (!v.ocr_note.empty())
        lines.push_back(
            {ui.trf("review.ocr", {ocr_read(ui, v.ocr_note)}), ui.atlas().small, colors::error});
    return lines;
}

// The card's parts across the width: the photo, the text, the buttons (stacked on the right).
struct CardLayout {
    float pad, photo_w, text_w, button_w, line_gap;
};
CardLayout card_layout(const ScreenContext& c) {
    const float u = c.ui.unit();
    CardLayout l{};
    l.pad = 20 * u;
    l.photo_w = std::min(c.width * 0.2f, 300 * u);
    l.button_w = std::min(c.width * 0.22f, 280 * u);
    l.text_w = c.width - 2 * l.pad - l.photo_w - l.button_w - 2 * c.ui.gap();
    l.line_gap = 6 * u;
    return l;
}

// The card's height for its text, and at least what its photo and two buttons need.
float card_height(ScreenContext& c, const ReviewClaimView& v) {
    auto& ui = c.ui;
    const auto l = card_layout(c);
    float h = 0;
    for (const auto& line : card_lines(ui, v)) {
        ui.atlas().require(line.text, line.font);
        h += line.font->CalcTextSizeA(line.font->FontSize, FLT_MAX, l.text_w, line.text.c_str()).y +
             l.line_gap;
    }
    return std::max(h - l.line_gap, 2 * ui.touch() * 0.6f + ui.gap() / 2) + 2 * l.pad;
}

// One claim on a panel `h` high: the photo on the left (a tap shows it large), the figures and
// why it waits, then Approve and Reject on the right unless `decide` is false.
void claim_card(ScreenContext& c, const ReviewClaimView& v, float h, bool decide) {
    auto& ui = c.ui;
    const float u = ui.unit();
    const auto l = card_layout(c);
    const auto at = ImGui::GetCursorScreenPos();
    auto* dl = ImGui::GetWindowDrawList();
    fast_rect(dl, at, ImVec2(at.x + c.width, at.y + h), colors::panel, 18 * u);
    const float x = ImGui::GetCursorPosX();
    const float y = ImGui::GetCursorPosY();
    ImGui::SetCursorPos(ImVec2(x + l.pad, y + l.pad));
    const auto id = std::to_string(v.id);
    const ImVec2 box(l.photo_w, h - 2 * l.pad);
    const auto p0 = ImGui::GetCursorScreenPos();
    if (!v.photo_pixels)  // none, or still decoding: say which
        fast_rect(dl, p0, ImVec2(p0.x + box.x, p0.y + box.y), colors::background, 10 * u);
    if (!v.photo.empty()) {
        if (!v.photo_pixels) c.k.want_review_photo(v.id);
        if (draw_photo(ui, "review.photo." + id, v.photo_pixels, box) && v.photo_pixels)
            c.k.enlarge_review_photo(v.id);
    } else {
        ImGui::Dummy(box);
        ui.record("review.no_photo." + id, ui.tr("review.no_photo"), false);
    }
    if (!v.photo_pixels) {
        const auto label = ui.tr(v.photo.empty() ? "review.no_photo" : "review.photo");
        auto* font = ui.atlas().small;
        ui.atlas().require(label, font);
        dl->AddText(font, font->FontSize, ImVec2(p0.x + 12 * u, p0.y + 12 * u), colors::muted,
                    label.c_str(), nullptr, box.x - 24 * u);
    }
    const float tx = x + l.pad + l.photo_w + ui.gap();
    ImGui::SetCursorPos(ImVec2(tx, y + l.pad));
    ImGui::BeginGroup();
    ImGui::PushStyleVar(ImGuiStyleVar_ItemSpacing, ImVec2(ui.gap(), l.line_gap));
    for (const auto& line : card_lines(ui, v)) ui.text(line.text, line.font, line.color, l.text_w);
    ImGui::PopStyleVar();
    ImGui::EndGroup();
    if (decide) {
        const float bh = ui.touch() * 0.6f;
        const float bx = x + c.width - l.pad - l.button_w;
        ImGui::SetCursorPos(ImVec2(bx, y + l.pad));
        if (ui.button("review.approve." + id, ui.tr("review.approve"), ImVec2(l.button_w, bh),
                      true))
            c.k.approve_claim(v.id);
        ImGui::SetCursorPos(ImVec2(bx, y + l.pad + bh + ui.gap() / 2));
        if (ui.button("review.reject." + id, ui.tr("review.reject"), ImVec2(l.button_w, bh)))
            c.k.ask_reject_claim(v.id);
    }
    ImGui::SetCursorPos(ImVec2(x, y + h));
    ImGui::Dummy(ImVec2(c.width, 1));
}

const ReviewClaimView* find(const ClaimReview& r, std::int64_t id) {
    for (const auto& v : r.claims)
        if (v.id == id) return &v;
    return nullptr;
}

}  // namespace

void draw_claim_review(ScreenContext& c) {
    auto& ui = c.ui;
    const auto& s = c.k.state();
    if (!s.review) return;
    const auto& r = *s.review;
    const float top = ImGui::GetStyle().WindowPadding.y;
    const float bottom = top + c.height;  // the content's lower edge, in window coordinates
    const float notice_h = ui.atlas().body->FontSize * 1.25f;  // one line: a decision's answer
    const float buttons_y = bottom - ui.touch();
    const float list_end = buttons_y - notice_h - ui.gap();
    ui.text(ui.trf("review.title", {grouped(static_cast<std::int64_t>(r.claims.size()))}),
            ui.atlas().large, colors::text, c.width);

    const auto* rejecting = r.rejecting ? find(r, r.rejecting) : nullptr;
    const auto* enlarged = r.enlarged ? find(r, r.enlarged) : nullptr;
    std::size_t pages = 1;
    if (enlarged && enlarged->photo_pixels) {
        const float h = std::max(ui.touch(), list_end - ImGui::GetCursorPosY());
        draw_photo(ui, "review.photo_large", enlarged->photo_pixels, ImVec2(c.width, h));
    } else if (rejecting) {
        claim_card(c, *rejecting, card_height(c, *rejecting), false);
        ui.spacing(ui.gap() / 2);
        ui.text(ui.tr("review.pick_reason"), ui.atlas().body, colors::muted, c.width);
        // Two a row upright, the four in one row on a landscape screen (Back stays on it).
        const int per_row = ui.portrait() ? 2 : 4;
        const float w =
            (c.width - static_cast<float>(per_row - 1) * ui.gap()) / static_cast<float>(per_row);
        int i = 0;
        for (const auto* key : kReasons) {
            if (i++ % per_row) ImGui::SameLine(0, ui.gap());
            const std::string reason = key;
            if (ui.button(reason, ui.tr(reason), ImVec2(w, ui.touch())))
                c.k.reject_claim(rejecting->id, stored_reason(ui, reason));
        }
    } else if (r.claims.empty()) {
        ui.spacing(ui.gap());
        ui.text(ui.tr("review.none"), ui.atlas().body, colors::muted, c.width);
    } else {
        // Every card as tall as the tallest, as many a page as fit.
        float card_h = 0;
        for (const auto& v : r.claims) card_h = std::max(card_h, card_height(c, v));
        const float room = list_end - ImGui::GetCursorPosY();
        const float step = card_h + ui.gap() / 2;
        const auto per_page =
            static_cast<std::size_t>(std::max(1.0f, (room + ui.gap() / 2) / step));
        pages = (r.claims.size() + per_page - 1) / per_page;
        const std::size_t page = std::min(r.page, pages - 1);
        const float y0 = ImGui::GetCursorPosY();
        const auto last = std::min(r.claims.size(), (page + 1) * per_page);
        for (std::size_t i = page * per_page; i < last; ++i) {
            ImGui::SetCursorPosY(y0 + static_cast<float>(i - page * per_page) * step);
            claim_card(c, r.claims[i], card_h, true);
        }
    }

    ImGui::SetCursorPosY(std::max(ImGui::GetCursorPosY(), list_end));
    draw_notice(c);
    ImGui::SetCursorPosY(std::max(ImGui::GetCursorPosY(), buttons_y));
    if (enlarged || rejecting) {
        if (ui.button("review.back", ui.tr("button.back"), ImVec2(c.width, ui.touch()))) {
            c.k.enlarge_review_photo(0);
            c.k.ask_reject_claim(0);
        }
        return;
    }
    // Previous and next only when there is more than a page; the report is always a tap away.
    const float w = (c.width - 2 * ui.gap()) / 3;
    const std::size_t page = std::min(r.page, pages - 1);
    if (pages > 1) {
        if (ui.button("review.prev", ui.tr("review.prev"), ImVec2(w, ui.touch()), false, page > 0))
            c.k.review_page(page - 1);
        ImGui::SameLine(0, ui.gap());
        if (ui.button("review.next",
                      ui.trf("review.next", {std::to_string(page + 1), std::to_string(pages)}),
                      ImVec2(w, ui.touch()), false, page + 1 < pages))
            c.k.review_page(page + 1);
        ImGui::SameLine(0, ui.gap());
    } else {
        ImGui::Dummy(ImVec2(2 * w + ui.gap(), ui.touch()));
        ImGui::SameLine(0, ui.gap());
    }
    if (ui.button("review.closing", ui.tr("closing.title"), ImVec2(w, ui.touch())))
        c.k.refresh_closing();
}

}  // namespace loyalty::kiosk
