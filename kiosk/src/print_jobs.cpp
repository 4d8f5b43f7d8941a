#include "print_jobs.hpp"

#include <cstdio>

#include "loyalty/devices/escpos.hpp"

namespace loyalty::kiosk {

namespace {

// Stops at the first line the printer could not take (invalid UTF-8, an oversized QR).
struct Job {
    devices::EscPosJob job;
    Result<void> status;
    void line(const std::string& s) {
        if (status) status = job.line(s);
    }
    void row(const std::string& left, const std::string& right) {
        if (status) status = job.row(left, right, 32);
    }
};

}  // namespace

Result<std::vector<std::uint8_t>> coupon_job(const CouponView& coupon) {
    Job j;
    j.job.init().align(devices::Align::center).bold(true);
    j.line("悦享会 Joy Club");
    j.job.bold(false);
    j.line(coupon.title);
    if (j.status) j.status = j.job.qr(coupon.code);
    j.line(coupon.code);
    j.line("有效期至 valid until " + coupon.expires);
    j.line("结账时出示 Show at the till");
    j.job.feed(3).cut();
    if (!j.status) return j.status.error();
    return j.job.bytes();
}

Result<std::vector<std::uint8_t>> z_report_job(const ClosingReport& r) {
    Job j;
    j.job.init().align(devices::Align::center).bold(true).double_size(true);
    j.line("Z 日结报表");
    j.job.double_size(false).bold(false);
    j.line(r.day);
    j.job.align(devices::Align::left);
    j.row("会员销售 Members", format_money_grouped(r.member_sales_net));
    j.row("全部销售 All", format_money_grouped(r.sales_net));
    j.row("笔数 Receipts", group_thousands(r.member_sales) + "/" + group_thousands(r.sales));
    j.row("发放积分 Issued", group_thousands(r.issued));
    j.row("兑换积分 Redeemed", group_thousands(r.redeemed));
    j.row("过期积分 Expired", group_thousands(r.expired));
    j.row("积分负债 Outstanding", group_thousands(r.liability));
    j.row("  折合 Worth", format_money_grouped(r.liability_value));
    const auto& sv = r.stored_value;
    for (const auto& [tender, amount] : sv.top_ups_by_tender)
        j.row("储值充值 Top-up " + tender, format_money_grouped(amount));
    j.row("赠送金额 Bonus given", format_money_grouped(sv.bonus_given));
    j.row("储值消费 SV spent", format_money_grouped(sv.spent_principal + sv.spent_bonus));
    j.row("  本金 Principal", format_money_grouped(sv.spent_principal));
    j.row("  赠送 Bonus", format_money_grouped(sv.spent_bonus));
    j.row("储值退回 SV refunded", format_money_grouped(sv.refunded_to_balance));
    j.row("充值退款 Top-ups refunded", format_money_grouped(sv.top_ups_refunded));
    j.row("储值负债 SV outstanding",
          format_money_grouped(sv.liability_principal + sv.liability_bonus));
    j.row("新入会 New members", group_thousands(r.enrollments));
    char avg[32];
    std::snprintf(avg, sizeof avg, "%.1f (%lld)", r.average_rating,
                  static_cast<long long>(r.ratings));
    j.row("满意度 Rating", avg);
    for (const auto& t : r.tiers) j.row(t.name, group_thousands(t.members));
    j.job.feed(3).cut();
    if (!j.status) return j.status.error();
    return j.job.bytes();
}

}  // namespace loyalty::kiosk
