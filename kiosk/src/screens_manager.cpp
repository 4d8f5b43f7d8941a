// The manager's closing mode: end-of-day report with a chart, health and backup.
#include <algorithm>
#include <cstdio>

#include "device_names.hpp"
#include "fast_fill.hpp"
#include "screens.hpp"

namespace loyalty::kiosk {

void draw_notice(ScreenContext& c);
void draw_claim_review(ScreenContext& c);

namespace {

// One decimal, rounded down: 108 of 109 is 99.0%, never 100%.
std::string percent(std::int64_t part, std::int64_t whole) {
    const std::int64_t tenths = whole > 0 ? mul_div(part, 1000, whole) : 0;
    char out[32];
    std::snprintf(out, sizeof out, "%lld.%lld%%", static_cast<long long>(tenths / 10),
                  static_cast<long long>(tenths % 10));
    return out;
}

void row(ScreenContext& c, const std::string& label, const std::string& value,
         ImFont* font = nullptr, ImU32 value_color = colors::text) {
    auto& ui = c.ui;
    if (!font) font = ui.atlas().body;
    ImGui::BeginGroup();
    ui.text(label, font, colors::muted);
    ImGui::EndGroup();
    ImGui::SameLine(c.width * 0.6f);
    ImGui::BeginGroup();
    ui.text(value, font, value_color);
    ImGui::EndGroup();
}

// "812 KB", "1.4 MB", "2.1 GB": one decimal from megabytes on.
std::string human_size(std::int64_t bytes) {
    if (bytes < 1000 * 1000) return grouped((bytes + 999) / 1000) + " KB";
    const char* units[] = {"MB", "GB", "TB"};
    double value = static_cast<double>(bytes) / 1e6;
    int unit = 0;
    for (; value >= 1000 && unit < 2; ++unit) value /= 1000;
    char out[32];
    std::snprintf(out, sizeof out, "%.1f %s", value, units[unit]);
    return out;
}

// Horizontal bars, one per tier, drawn straight into the window.
void bar_chart(ScreenContext& c, const std::vector<TierCount>& tiers) {
    auto& ui = c.ui;
    std::int64_t most = 1;
    for (const auto& t : tiers) most = std::max(most, t.members);
    const float label_w = c.width * 0.35f;
    const float bar_h = 44 * ui.unit();
    for (const auto& t : tiers) {
        ImGui::BeginGroup();
        ui.text(name_in(t.name, t.names, ui.language()), ui.atlas().small, colors::muted);
        ImGui::EndGroup();
        ImGui::SameLine(label_w);
        const auto at = ImGui::GetCursorScreenPos();
        const float w = (c.width - label_w - 200 * ui.unit()) * static_cast<float>(t.members) /
                        static_cast<float>(most);
        ImGui::Dummy(ImVec2(c.width - label_w, bar_h));
        ui.record("chart.bar", grouped(t.members), false);
        auto* dl = ImGui::GetWindowDrawList();
        fast_rect(dl, at, ImVec2(at.x + std::max(2.0f, w), at.y + bar_h), colors::accent,
                  6 * ui.unit());
        ImGui::PushFont(ui.atlas().small);
        dl->AddText(ImVec2(at.x + std::max(2.0f, w) + 12 * ui.unit(), at.y + 4 * ui.unit()),
                    colors::text, grouped(t.members).c_str());
        ImGui::PopFont();
    }
}

// The day's trade by local hour, two column charts side by side over the hours with trade
// (at least 09:00-21:00): sales with the members' part in the accent colour, and points
// issued (green) beside points redeemed (red).
void hour_charts(ScreenContext& c, const std::vector<DayReport::Hour>& hours) {
    auto& ui = c.ui;
    if (hours.size() != 24) return;
    std::size_t lo = 9, hi = 21;
    for (std::size_t h = 0; h < 24; ++h)
        if (hours[h].sales > 0 || hours[h].issued > 0 || hours[h].redeemed > 0) {
            lo = std::min(lo, h);
            hi = std::max(hi, h);
        }
    std::int64_t most_sales = 1, most_points = 1;
    for (const auto& h : hours) {
        most_sales = std::max(most_sales, h.sales);
        most_points = std::max({most_points, h.issued, h.redeemed});
    }
    const float chart_w = (c.width - ui.gap()) / 2;
    const float chart_h = (ui.portrait() ? 130.0f : 90.0f) * ui.unit();
    const float slot = chart_w / static_cast<float>(hi - lo + 1);
    auto* small = ui.atlas().small;
    auto* dl = ImGui::GetWindowDrawList();
    const auto height_of = [&](std::int64_t v, std::int64_t most) {
        return chart_h * static_cast<float>(v) / static_cast<float>(most);
    };
    // One chart: its title, its columns (draw(hour, left, base) per hour, which says what it
    // drew), the hours below; recorded as `id` with every hour's figures.
    const auto chart = [&](const std::string& id, const std::string& title, auto&& draw) {
        ImGui::BeginGroup();
        ui.text(title, small, colors::muted, chart_w);
        const auto at = ImGui::GetCursorScreenPos();
        std::string figures;
        for (std::size_t h = lo; h <= hi; ++h) {
            const auto drawn = draw(h, at.x + slot * static_cast<float>(h - lo), at.y + chart_h);
            if (!drawn.empty()) figures += (figures.empty() ? "" : " ") + drawn;
        }
        // Every third hour, or every sixth where three would crowd the labels.
        const float label_w = small->CalcTextSizeA(small->FontSize, FLT_MAX, 0, "00:00").x;
        const std::size_t step = slot * 3 >= label_w * 1.4f ? 3 : 6;
        for (std::size_t h = lo; h <= hi; h += step) {
            const auto label = std::to_string(h) + ":00";
            const float x = slot * static_cast<float>(h - lo);
            // Within the chart only: the next chart's hours start right after it.
            if (x + small->CalcTextSizeA(small->FontSize, FLT_MAX, 0, label.c_str()).x > chart_w)
                break;
            dl->AddText(small, small->FontSize, ImVec2(at.x + x, at.y + chart_h + 2), colors::muted,
                        label.c_str());
        }
        ImGui::Dummy(ImVec2(chart_w, chart_h + small->FontSize + 4));
        ui.record(id, figures, false);
        ImGui::EndGroup();
    };
    chart("chart.hour_sales", ui.tr("closing.by_hour_sales"),
          [&](std::size_t h, float left, float base) -> std::string {
              const auto& x = hours[h];
              if (x.sales == 0) return {};
              const float l = left + slot * 0.15f, r = left + slot * 0.85f;
              fast_rect(dl, ImVec2(l, base - height_of(x.sales, most_sales)), ImVec2(r, base),
                        colors::muted, 0);
              fast_rect(dl, ImVec2(l, base - height_of(x.member_sales, most_sales)),
                        ImVec2(r, base), colors::accent, 0);
              return std::to_string(h) + ":" + std::to_string(x.sales) + "/" +
                     std::to_string(x.member_sales);
          });
    ImGui::SameLine(0, ui.gap());
    chart("chart.hour_points", ui.tr("closing.by_hour_points"),
          [&](std::size_t h, float left, float base) -> std::string {
              const auto& x = hours[h];
              if (x.issued == 0 && x.redeemed == 0) return {};
              const float l = left + slot * 0.1f, mid = left + slot * 0.5f;
              if (x.issued > 0)
                  fast_rect(dl, ImVec2(l, base - height_of(x.issued, most_points)),
                            ImVec2(mid, base), colors::ok, 0);
              if (x.redeemed > 0)
                  fast_rect(dl, ImVec2(mid, base - height_of(x.redeemed, most_points)),
                            ImVec2(mid + slot * 0.4f, base), colors::error, 0);
              return std::to_string(h) + ":" + std::to_string(x.issued) + "/" +
                     std::to_string(x.redeemed);
          });
}

// A mall's receipt claims waiting for the manager, with how many: the way to the queue, right
// of the report's title (the report fills a landscape screen to its last row).
void claims_entry(ScreenContext& c) {
    auto& ui = c.ui;
    const auto& s = c.k.state();
    const auto waiting = s.review ? s.review->claims.size() : 0;
    if (!s.mall_claims && waiting == 0) return;
    const float w = std::min(c.width * 0.5f, 560 * ui.unit());
    ImGui::SameLine(ImGui::GetStyle().WindowPadding.x + c.width - w);
    if (ui.button("closing.claims",
                  ui.trf("review.title", {grouped(static_cast<std::int64_t>(waiting))}),
                  ImVec2(w, ui.touch() * 0.6f), waiting > 0))
        c.k.open_claim_review();
}

void closing(ScreenContext& c) {
    auto& ui = c.ui;
    const auto& s = c.k.state();
    ui.text(ui.tr("closing.title"), ui.atlas().large);
    claims_entry(c);
    if (!s.report) return;
    const auto& r = *s.report;
    ui.text(r.day, ui.atlas().body, colors::muted);
    // Landscape: figures on the left, the chart and the top members on the right.
    const bool wide = !ui.portrait();
    const float col = wide ? (c.width - ui.gap()) / 2 : c.width;
    ScreenContext half{c.ui, c.k, col, c.height, c.anim};
    ImFont* font = wide ? ui.atlas().body : ui.atlas().small;
    const auto share = percent(r.member_sales_net.minor, r.sales_net.minor);
    char avg[32];
    std::snprintf(avg, sizeof avg, "%.1f (%lld)", r.average_rating,
                  static_cast<long long>(r.ratings));
    // Stored value: three rows, in the left column upright and under the chart when wide
    // (the left column is full there); the right column's rows are then in the small font,
    // so the buttons stay on a 1080-pixel screen.
    ImFont* side_font = wide ? ui.atlas().small : font;
    const auto stored_value_rows = [&, font = side_font] {
        const auto& sv = r.stored_value;
        if (sv.top_up_count > 0 || sv.spent_principal.minor + sv.spent_bonus.minor > 0 ||
            sv.liability_principal.minor + sv.liability_bonus.minor > 0) {
            Money topped;
            for (const auto& [tender, amount] : sv.top_ups_by_tender) topped += amount;
            row(half, ui.tr("closing.sv_top_ups"),
                yuan(topped) + " (" + grouped(sv.top_up_count) + ")", font);
            row(half, ui.tr("closing.sv_spent"), yuan(sv.spent_principal + sv.spent_bonus), font);
            row(half, ui.tr("closing.sv_liability"),
                yuan(sv.liability_principal + sv.liability_bonus), font);
        }
    };
    ImGui::BeginGroup();
    row(half, ui.tr("closing.member_sales"),
        yuan(r.member_sales_net) + " (" + grouped(r.member_sales) + ")", font);
    row(half, ui.tr("closing.all_sales"), yuan(r.sales_net) + " (" + grouped(r.sales) + ")", font);
    row(half, ui.tr("closing.member_share"), share, font);
    row(half, ui.tr("closing.issued"), grouped(r.issued), font);
    row(half, ui.tr("closing.redeemed"), grouped(r.redeemed), font);
    row(half, ui.tr("closing.expired"), grouped(r.expired), font);
    row(half, ui.tr("closing.liability"),
        grouped(r.liability) + " (" + yuan(r.liability_value) + ")", font);
    if (!wide) stored_value_rows();
    row(half, ui.tr("closing.enrollments"), grouped(r.enrollments), font);
    row(half, ui.tr("closing.rating"), avg, font);
    ImGui::EndGroup();
    if (wide) {
        ImGui::SameLine(0, ui.gap());
        // The figures may run wider than half: the right column takes what is left.
        half.width =
            std::min(col, c.width + ImGui::GetStyle().WindowPadding.x - ImGui::GetCursorPosX());
    }
    ImGui::BeginGroup();
    // One chart at a time (a 1080-pixel landscape screen has room for one): today's trade by
    // hour first, the tier mix a tap away.
    {
        const float tab_w = (half.width - ui.gap()) / 2;
        auto& state = c.k.state();
        if (ui.button("closing.chart_hours", ui.tr("closing.chart_hours"),
                      ImVec2(tab_w, ui.touch() * 0.6f), !state.closing_shows_tiers))
            state.closing_shows_tiers = false;
        ImGui::SameLine(0, ui.gap());
        if (ui.button("closing.chart_tiers", ui.tr("closing.chart_tiers"),
                      ImVec2(tab_w, ui.touch() * 0.6f), state.closing_shows_tiers))
            state.closing_shows_tiers = true;
    }
    if (s.closing_shows_tiers)
        bar_chart(half, r.tiers);
    else
        hour_charts(half, r.hours);
    if (!r.top.empty()) {
        ui.text(ui.tr("closing.top"), ui.atlas().body);
        for (std::size_t i = 0; i < std::min<std::size_t>(r.top.size(), 3); ++i)
            row(half, r.top[i].masked_name, yuan(r.top[i].spend), side_font);
    }
    if (wide) stored_value_rows();
    ImGui::EndGroup();
    ui.spacing(ui.gap() / 2);
    draw_notice(c);
    const float w = (c.width - 3 * ui.gap()) / 4;
    // The report refreshes on the way in (and from Health), so the row has room for printing.
    if (c.k.has_printer()) {
        if (ui.button("closing.print", ui.tr("closing.print"), ImVec2(w, ui.touch())))
            c.k.print_closing();
    } else if (ui.button("closing.refresh", ui.tr("closing.refresh"), ImVec2(w, ui.touch()))) {
        c.k.refresh_closing();
    }
    ImGui::SameLine(0, ui.gap());
    if (ui.button("closing.export", ui.tr("closing.export"), ImVec2(w, ui.touch())))
        c.k.export_closing();
    ImGui::SameLine(0, ui.gap());
    if (ui.button("closing.health", ui.tr("health.title"), ImVec2(w, ui.touch())))
        c.k.refresh_health();
    ImGui::SameLine(0, ui.gap());
    if (ui.button("manager.exit", ui.tr("manager.exit"), ImVec2(w, ui.touch()), true))
        c.k.end_session();
}

void health(ScreenContext& c) {
    auto& ui = c.ui;
    const auto& s = c.k.state();
    ui.text(ui.tr("health.title"), ui.atlas().large);
    if (s.health) {
        const auto& h = *s.health;
        row(c, ui.tr("health.backlog"), grouped(h.outbox_backlog));
        row(c, ui.tr("health.oldest"),
            h.oldest_pending.empty() ? ui.tr("health.none") : h.oldest_pending);
        // Never reached the hub, or never backed up: the rows a manager must not miss.
        row(c, ui.tr("health.hub"),
            h.last_hub_contact.empty() ? ui.tr("health.never") : h.last_hub_contact, nullptr,
            h.last_hub_contact.empty() ? colors::error : colors::text);
        row(c, ui.tr("health.db_size"), human_size(h.db_bytes));
        row(c, ui.tr("health.last_backup"),
            h.last_backup.empty() ? ui.tr("health.none") : h.last_backup_time, nullptr,
            h.last_backup.empty() ? colors::error : colors::text);
        row(c, ui.tr("health.integrity"),
            h.integrity.empty() ? ui.tr("health.not_run") : h.integrity);
        row(c, ui.tr("health.dropped"), grouped(static_cast<std::int64_t>(h.scans_dropped)));
        ui.text(ui.tr("health.devices"), ui.atlas().body);
        if (h.devices.empty()) ui.text(ui.tr("health.no_devices"), ui.atlas().small, colors::muted);
        for (const auto& d : h.devices) {
            const auto scanned =
                d.last_seen.empty() ? std::string{} : d.last_seen + "  x" + grouped(d.scans);
            if (d.state.empty()) {
                row(c, device_name(d.source, ui.language()),
                    scanned.empty() ? ui.tr("health.attached") : scanned);
                continue;
            }
            // A camera: its state first ("摄像头 /dev/video0 · 已连接"), then what it has seen.
            const bool down = d.state == "failed" || d.state == "disconnected";
            row(c, device_name(d.source, ui.language()) + " · " + ui.tr("health.camera." + d.state),
                scanned.empty() ? ui.tr("health.camera.no_scan") : scanned, nullptr,
                down ? colors::error : colors::text);
            ui.text(ui.trf("health.camera.frames", {grouped(d.frames), grouped(d.decoded)}) +
                        (d.error.empty() ? "" : "  " + ui.tr("health.camera.last_error") + d.error),
                    ui.atlas().small, colors::muted, c.width);
        }
    }
    ui.spacing(ui.gap() / 2);
    draw_notice(c);
    const float w = (c.width - 3 * ui.gap()) / 4;
    if (ui.button("health.backup", ui.tr("health.backup"), ImVec2(w, ui.touch())))
        c.k.run_backup_now();
    ImGui::SameLine(0, ui.gap());
    if (ui.button("health.integrity", ui.tr("health.check"), ImVec2(w, ui.touch())))
        c.k.run_integrity_check();
    ImGui::SameLine(0, ui.gap());
    if (ui.button("health.closing", ui.tr("closing.title"), ImVec2(w, ui.touch())))
        c.k.refresh_closing();
    ImGui::SameLine(0, ui.gap());
    if (ui.button("manager.exit", ui.tr("manager.exit"), ImVec2(w, ui.touch()), true))
        c.k.end_session();
}

void quit_confirm(ScreenContext& c) {
    auto& ui = c.ui;
    ui.text(ui.tr("quit.title"), ui.atlas().large, colors::text, c.width);
    ui.text(ui.tr("quit.body"), ui.atlas().body, colors::muted, c.width);
    ui.spacing(ui.gap());
    const float w = (c.width - ui.gap()) / 2;
    if (ui.button("quit.cancel", ui.tr("button.back"), ImVec2(w, ui.touch()))) c.k.cancel_quit();
    ImGui::SameLine(0, ui.gap());
    if (ui.button("quit.confirm", ui.tr("quit.confirm"), ImVec2(w, ui.touch()), true))
        c.k.confirm_quit();
}

}  // namespace

void draw_manager_screen(ScreenContext& c) {
    switch (c.k.state().screen) {
        case Screen::manager_health:
            health(c);
            break;
        case Screen::manager_quit_confirm:
            quit_confirm(c);
            break;
        case Screen::manager_claims:
            draw_claim_review(c);
            break;
        default:
            closing(c);
            break;
    }
}

}  // namespace loyalty::kiosk
