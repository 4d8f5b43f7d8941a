// The closing report as files for head office: CSV figures and an HTML page
// with the same tier chart, written beside the target and renamed into place.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "kiosk_actions.hpp"

namespace loyalty::kiosk {

namespace {

Result<std::filesystem::path> write_atomically(const std::filesystem::path& path,
                                               const std::string& content) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    const auto tmp = path.string() + ".partial";
    // Written, flushed to the device (a USB stick is pulled out right after), then renamed:
    // a full or removed stick is an error on screen, never "exported" over a cut file.
    const auto failed = [&](const std::string& why) {
        std::filesystem::remove(tmp, ec);
        return make_error(Errc::file_io, "cannot write " + path.string() + ": " + why);
    };
    {
        std::ofstream out(tmp, std::ios::binary);
        out << content;
        out.close();
        if (!out) return failed("write failed");
    }
    if (const int fd = ::open(tmp.c_str(), O_RDONLY); fd >= 0) {
        const bool synced = ::fsync(fd) == 0;
        ::close(fd);
        if (!synced) return failed("the device did not take the data");
    }
    std::filesystem::rename(tmp, path, ec);
    if (ec) return failed(ec.message());
    if (const int dir = ::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY); dir >= 0) {
        (void)::fsync(dir);  // the rename itself on the device
        ::close(dir);
    }
    return path;
}

std::string html_escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '&':
                out += "&amp;";
                break;
            case '"':
                out += "&quot;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

std::string rating(const ClosingReport& r) {
    char avg[32];
    std::snprintf(avg, sizeof avg, "%.2f", r.average_rating);
    return avg;
}

}  // namespace

Result<std::filesystem::path> export_closing_csv(const ClosingReport& r,
                                                 const std::filesystem::path& dir) {
    std::ostringstream out;
    // The byte order mark tells Excel the file is UTF-8; without it the tier names are garbled.
    out << "\xEF\xBB\xBF"
        << "figure,value\n"
        << "day," << r.day << "\n"
        << "sales," << r.sales << "\n"
        << "sales_net," << format_money(r.sales_net) << "\n"
        << "member_sales," << r.member_sales << "\n"
        << "member_sales_net," << format_money(r.member_sales_net) << "\n"
        << "points_issued," << r.issued << "\n"
        << "points_redeemed," << r.redeemed << "\n"
        << "points_expired," << r.expired << "\n"
        << "points_liability," << r.liability << "\n"
        << "points_liability_value," << format_money(r.liability_value) << "\n"
        << "enrollments," << r.enrollments << "\n"
        << "ratings," << r.ratings << "\n"
        << "average_rating," << rating(r) << "\n";
    const auto& sv = r.stored_value;
    for (const auto& [tender, amount] : sv.top_ups_by_tender)
        out << "sv_top_ups_" << tender << "," << format_money(amount) << "\n";
    out << "sv_bonus_given," << format_money(sv.bonus_given) << "\n"
        << "sv_spent_principal," << format_money(sv.spent_principal) << "\n"
        << "sv_spent_bonus," << format_money(sv.spent_bonus) << "\n"
        << "sv_refunded_to_balances," << format_money(sv.refunded_to_balance) << "\n"
        << "sv_top_ups_refunded," << format_money(sv.top_ups_refunded) << "\n"
        << "sv_liability_principal," << format_money(sv.liability_principal) << "\n"
        << "sv_liability_bonus," << format_money(sv.liability_bonus) << "\n";
    for (const auto& t : r.tiers) out << "\"tier:" << t.name << "\"," << t.members << "\n";
    // The day's trade by local hour, for head office's own charts.
    for (std::size_t h = 0; h < r.hours.size(); ++h) {
        const auto& x = r.hours[h];
        if (x.sales == 0 && x.issued == 0 && x.redeemed == 0) continue;
        char label[32];
        std::snprintf(label, sizeof label, "hour_%02zu", h);
        out << label << "_sales," << x.sales << "\n"
            << label << "_member_sales," << x.member_sales << "\n"
            << label << "_sales_net," << format_money(x.sales_net) << "\n"
            << label << "_points_issued," << x.issued << "\n"
            << label << "_points_redeemed," << x.redeemed << "\n";
    }
    return write_atomically(dir / ("closing-" + r.day + ".csv"), out.str());
}

Result<std::filesystem::path> export_closing_html(const ClosingReport& r,
                                                  const std::filesystem::path& dir) {
    std::ostringstream out;
    out << "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>Closing "
        << r.day
        << "</title>\n<style>body{font-family:sans-serif;margin:2em}td{padding:.2em "
           "1em}td+td{text-align:right}"
           "</style></head><body>\n<h1>日结报表 Closing report "
        << r.day << "</h1>\n<table>\n";
    auto row = [&](const char* label, const std::string& value) {
        out << "<tr><td>" << label << "</td><td>" << html_escape(value) << "</td></tr>\n";
    };
    row("会员销售额 Member sales",
        format_money_grouped(r.member_sales_net) + " (" + group_thousands(r.member_sales) + ")");
    row("全部销售额 All sales",
        format_money_grouped(r.sales_net) + " (" + group_thousands(r.sales) + ")");
    row("发放积分 Points issued", group_thousands(r.issued));
    row("兑换积分 Points redeemed", group_thousands(r.redeemed));
    row("过期积分 Points expired", group_thousands(r.expired));
    row("积分负债 Points outstanding",
        group_thousands(r.liability) + " (¥" + format_money_grouped(r.liability_value) + ")");
    const auto& sv = r.stored_value;
    for (const auto& [tender, amount] : sv.top_ups_by_tender)
        out << "<tr><td>储值充值 Top-ups " << html_escape(tender) << "</td><td>"
            << format_money_grouped(amount) << "</td></tr>\n";
    row("储值消费 Stored value spent (本金 principal / 赠送 bonus)",
        format_money_grouped(sv.spent_principal) + " / " + format_money_grouped(sv.spent_bonus));
    row("储值负债 Stored value outstanding (本金 / 赠送)",
        format_money_grouped(sv.liability_principal) + " / " +
            format_money_grouped(sv.liability_bonus));
    row("新入会 New members", group_thousands(r.enrollments));
    row("平均满意度 Average rating", rating(r) + " (" + group_thousands(r.ratings) + ")");
    out << "</table>\n<h2>会员等级分布 Members by tier</h2>\n";
    // The same horizontal bars as on the kiosk, as inline SVG: no scripts, prints anywhere.
    std::int64_t most = 1;
    for (const auto& t : r.tiers) most = std::max(most, t.members);
    const int bar_h = 28, label_w = 220, chart_w = 420;
    out << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << label_w + chart_w + 80
        << "\" height=\"" << static_cast<int>(r.tiers.size()) * (bar_h + 10) << "\">\n";
    int y = 0;
    for (const auto& t : r.tiers) {
        const auto w = static_cast<int>(static_cast<double>(chart_w) *
                                        static_cast<double>(t.members) / static_cast<double>(most));
        out << "<text x=\"0\" y=\"" << y + 20 << "\">" << html_escape(t.name)
            << "</text><rect class=\"bar\" x=\"" << label_w << "\" y=\"" << y << "\" width=\""
            << std::max(2, w) << "\" height=\"" << bar_h << "\" fill=\"#d6aa46\"/><text x=\""
            << label_w + std::max(2, w) + 8 << "\" y=\"" << y + 20 << "\">"
            << group_thousands(t.members) << "</text>\n";
        y += bar_h + 10;
    }
    out << "</svg>\n";
    if (!r.top.empty()) {
        out << "<h2>今日消费最多的会员 Top members today</h2>\n<table>\n";
        for (const auto& t : r.top)
            out << "<tr><td>" << html_escape(t.masked_name) << "</td><td>"
                << format_money_grouped(t.spend) << "</td></tr>\n";
        out << "</table>\n";
    }
    out << "</body></html>\n";
    return write_atomically(dir / ("closing-" + r.day + ".html"), out.str());
}

}  // namespace loyalty::kiosk
