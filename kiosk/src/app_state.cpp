// What the app shows, as data: PNG screenshots and a JSON state dump.
#include <stb_image_write.h>

#include <nlohmann/json.hpp>

#include "app_impl.hpp"

namespace loyalty::kiosk {

Result<void> write_png(const std::filesystem::path& path, const std::vector<unsigned char>& rgba,
                       int w, int h) {
    std::error_code ec;
    if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
    if (rgba.empty() || stbi_write_png(path.c_str(), w, h, 4, rgba.data(), w * 4) == 0)
        return make_error(Errc::file_io, "cannot write " + path.string());
    return {};
}

std::string App::state_json() const {
    using nlohmann::json;
    const auto& a = *impl_;
    const auto& s = a.controller->state();
    json j;
    j["screen"] = s.out_of_service.empty() ? to_string(s.screen) : "out_of_service";
    j["out_of_service"] = s.out_of_service;
    j["lang"] = s.lang;
    j["session"] = s.session;
    j["busy"] = s.busy;
    j["reading_photo"] = s.reading_photo;
    // What the keypad holds, PINs as stars: a dump may be kept as a file.
    const bool secret = s.screen == Screen::pin_entry || s.screen == Screen::set_pin ||
                        s.screen == Screen::manager_pin || s.screen == Screen::sms_code;
    j["keypad"] = secret ? std::string(s.keypad.size(), '*') : s.keypad;
    if (s.claim_draft) {
        const auto& r = s.claim_draft->receipt;
        j["claim"] = {{"shop", r.shop.value_or("")},   {"receipt", r.receipt},
                      {"amount", r.amount.minor},      {"date", r.date},
                      {"source", to_string(r.source)}, {"request_id", s.claim_draft->request_id},
                      {"photo", s.claim_draft->photo}};
    }
    j["parking_offered"] = s.parking_offered;
    if (s.parking) {
        const auto& p = *s.parking;
        const auto& t = p.today;
        j["parking"] = {{"plates", t.plates},
                        {"plate", p.plate},
                        {"hours", p.hours},
                        {"offline", p.offline},
                        {"typed", p.typed_province + p.typed_rest},
                        {"credit_id", p.credit_id},
                        {"tier_free_minutes", t.tier_free_minutes},
                        {"free_minutes_left", t.free_minutes_left},
                        {"hours_bought", t.hours_bought},
                        {"hours_buyable", t.hours_buyable},
                        {"points_per_hour", t.points_per_hour}};
        if (p.last)
            j["parking"]["last"] = {{"credit_id", p.last->credit.credit_id},
                                    {"plate", p.last->credit.plate},
                                    {"free_minutes", p.last->credit.free_minutes},
                                    {"bought_hours", p.last->credit.bought_hours},
                                    {"points", p.last->credit.points},
                                    {"minutes", p.last->credit.minutes()},
                                    {"replayed", p.last->replayed}};
    }
    j["offline"] = s.offline;
    j["offline_as_of"] = s.offline_as_of;
    j["notice"] = {{"key", s.notice.key},
                   {"detail", s.notice.detail},
                   {"error", s.notice.error},
                   {"args", s.notice.args}};
    int w = 0, h = 0;
    SDL_GetRendererOutputSize(a.renderer, &w, &h);
    j["width"] = w;
    j["height"] = h;
    if (s.member) {
        const auto& m = *s.member;
        json coupons = json::array();
        for (const auto& c : m.coupons)
            coupons.push_back({{"code", c.code}, {"title", c.title}, {"expires", c.expires}});
        j["member"] = {{"id", m.id},
                       {"uid", m.uid},
                       {"name", m.masked_name},
                       {"phone", m.masked_phone},
                       {"tier", m.tier_code},
                       {"available", m.available},
                       {"pending", m.pending},
                       {"expiring_30d", m.expiring_30d},
                       {"balance_as_of", m.balance_as_of},
                       {"balance_unconfirmed", m.balance_unconfirmed},
                       {"coupons", coupons}};
        for (const auto& card : m.other_cards)
            j["member"]["other_cards"].push_back({{"program", card.program},
                                                  {"tier", card.tier_name},
                                                  {"available", card.available}});
    } else {
        j["member"] = nullptr;
    }
    j["kiosk_messages"] = s.kiosk_messages;
    j["claim_refusals"] = json::array();
    for (const auto& r : s.claim_refusals)
        j["claim_refusals"].push_back({{"shop", r.shop_name},
                                       {"receipt", r.receipt},
                                       {"note", r.note},
                                       {"reversed", r.reversed}});
    if (s.review) {
        json claims = json::array();
        for (const auto& c : s.review->claims)
            claims.push_back({{"id", c.id},
                              {"receipt", c.receipt},
                              {"amount", c.amount.minor},
                              {"points", c.points},
                              {"member", c.member},
                              {"review_above", c.review_above.minor},
                              {"ocr_note", c.ocr_note},
                              {"photo", c.photo},
                              {"photo_shown", c.photo_pixels != nullptr}});
        j["review"] = {{"claims", claims},
                       {"page", s.review->page},
                       {"rejecting", s.review->rejecting},
                       {"enlarged", s.review->enlarged}};
    }
    j["rating"] = s.rating;
    j["rating_points"] = s.rating_points;
    if (s.last_coupon)
        j["coupon"] = {{"code", s.last_coupon->code}, {"title", s.last_coupon->title}};
    if (s.pending_card_uid) j["pending_card"] = *s.pending_card_uid;
    if (!s.new_card_number.empty()) j["new_card"] = s.new_card_number;
    j["rewards"] = json::array();
    for (const auto& r : s.rewards)
        j["rewards"].push_back({{"code", r.code}, {"cost", r.cost}, {"affordable", r.affordable}});
    if (s.report) {
        const auto& r = *s.report;
        j["report"] = {{"day", r.day},
                       {"sales", r.sales},
                       {"member_sales", r.member_sales},
                       {"issued", r.issued},
                       {"redeemed", r.redeemed},
                       {"liability", r.liability},
                       {"liability_value", r.liability_value.minor},
                       {"enrollments", r.enrollments},
                       {"ratings", r.ratings},
                       {"average_rating", r.average_rating},
                       {"exported_to", r.exported_to}};
        for (const auto& hour : r.hours)
            j["report"]["hours"].push_back({{"sales", hour.sales},
                                            {"member_sales", hour.member_sales},
                                            {"issued", hour.issued},
                                            {"redeemed", hour.redeemed}});
    }
    if (s.health) {
        const auto& h2 = *s.health;
        j["health"] = {{"outbox_backlog", h2.outbox_backlog},
                       {"oldest_pending", h2.oldest_pending},
                       {"last_hub_contact", h2.last_hub_contact},
                       {"db_bytes", h2.db_bytes},
                       {"last_backup", h2.last_backup},
                       {"last_backup_time", h2.last_backup_time},
                       {"integrity", h2.integrity},
                       {"devices", h2.devices.size()}};
    }
    j["widgets"] = json::array();
    for (const auto& wr : a.ui.widgets())
        j["widgets"].push_back({{"id", wr.id},
                                {"text", wr.text},
                                {"x", wr.x},
                                {"y", wr.y},
                                {"w", wr.w},
                                {"h", wr.h},
                                {"interactive", wr.interactive}});
    j["glyphs"] = a.atlas.glyph_count();
    j["atlas"] = {a.atlas.atlas_width(), a.atlas.atlas_height()};
    j["atlas_builds"] = a.atlas.builds();
    j["atlas_last_build_ms"] = a.atlas.last_build_ms();
    j["frames"] = a.frames;
    return j.dump(2);
}

}  // namespace loyalty::kiosk
