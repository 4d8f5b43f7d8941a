#include "results.hpp"

#include <algorithm>

namespace loyalty::pos {

using nlohmann::json;

json coupon_json(const Coupon& c) {
    return json{{"code", c.code},
                {"title", c.title},
                {"value", c.value.minor},
                {"min_spend", c.min_spend.minor},
                {"expires_at", format_iso8601(c.expires_at)}};
}

namespace {

json coupons_json(const std::vector<Coupon>& coupons) {
    json out = json::array();
    for (const auto& c : coupons) out.push_back(coupon_json(c));
    return out;
}

std::string tier_name(const ProgramConfig& program, const std::string& code) {
    const auto* tier = program.tier(code);
    return tier ? tier->name : code;
}

}  // namespace

json member_json(const Member& m, const ProgramConfig& program, const std::string& via,
                 const std::vector<Coupon>& usable) {
    return json{{"member", m.uid},
                {"name", mask_name(m.display_name)},
                {"tier", m.tier_code},
                {"tier_name", tier_name(program, m.tier_code)},
                {"points_available", m.points_available},
                {"points_pending", m.points_pending},
                {"via", via},
                {"coupons", coupons_json(usable)}};
}

namespace {

json coupon_offers(const Quote& q, const std::vector<Coupon>& usable, const std::vector<std::string>& applied) {
    json out = json::array();
    for (const auto& c : usable) {
        auto j = coupon_json(c);
        const bool in_basket = std::find(applied.begin(), applied.end(), c.code) != applied.end();
        const bool fits = q.basket.net >= c.min_spend;
        j["applies"] = fits;
        j["reason"] = in_basket ? "applied to this basket"
                      : fits    ? "can be used on this basket"
                                : "needs a spend of " + format_money(c.min_spend);
        out.push_back(std::move(j));
    }
    return out;
}

std::string points_note(const Quote& q, const std::optional<Member>& member, const ProgramConfig& program) {
    if (!member) return "points need an identified member";
    const auto& rate = program.points_payment;
    const auto steps = std::to_string(rate.points) + " points pay " + format_money(rate.value);
    if (q.max_points_payable < q.available / rate.points * rate.points)
        return steps + "; at most " + std::to_string(rate.max_percent_of_basket) + "% of this basket";
    return steps + "; the whole balance can be used";
}

}  // namespace

json quote_json(const Quote& q, const std::optional<Member>& member, const std::vector<Coupon>& usable,
                const std::vector<std::string>& applied, const ProgramConfig& program) {
    json lines = json::array();
    for (const auto& l : q.basket.lines)
        lines.push_back(json{{"line_no", l.line_no},
                             {"sku", l.line.sku},
                             {"category", l.line.category},
                             {"quantity", l.line.quantity},
                             {"unit_price", l.line.unit_price.minor},
                             {"member_unit_price", l.member_unit_price.minor},
                             {"member_discount", l.member_discount.minor},
                             {"net", l.net.minor},
                             {"earns", l.earns},
                             {"multiplier_percent", l.multiplier_percent},
                             {"reason", l.reason}});
    return json{{"member", member ? json(member->uid) : json(nullptr)},
                {"tier", member ? json(member->tier_code) : json(nullptr)},
                {"lines", std::move(lines)},
                {"gross", q.basket.gross.minor},
                {"net", q.basket.net.minor},
                {"eligible", q.basket.eligible.minor},
                {"coupon_value", q.coupon_value.minor},
                {"points_to_pay", q.points_to_pay},
                {"points_value", q.points_value.minor},
                {"to_pay", q.to_pay.minor},
                {"points_earned", q.earn.points},
                {"earn_reasons", q.earn.reasons},
                {"points_available", q.available},
                {"max_points_payable", q.max_points_payable},
                {"points_note", points_note(q, member, program)},
                {"coupons_usable", coupon_offers(q, usable, applied)},
                {"notes", q.notes}};
}

json sale_json(const std::string& receipt, const SaleResult& s) {
    json change = nullptr;
    if (s.tier_change) change = json{{"from", s.tier_change->from}, {"to", s.tier_change->to}, {"upgrade", s.tier_change->upgrade}};
    return json{{"receipt", receipt},
                {"sale_id", s.sale_id},
                {"replayed", s.replayed},
                {"gross", s.gross.minor},
                {"net", s.net.minor},
                {"coupon_value", s.coupon_value.minor},
                {"points_paid", s.points_paid},
                {"points_value", s.points_value.minor},
                {"to_pay", s.to_pay.minor},
                {"points_earned", s.earned},
                {"points_available", s.available_after},
                {"points_pending", s.pending_after},
                {"tier", s.tier.empty() ? json(nullptr) : json(s.tier)},
                {"tier_change", std::move(change)}};
}

json refund_json(const std::string& receipt, const std::string& refund_ref, const RefundResult& r) {
    return json{{"receipt", receipt},
                {"refund_ref", refund_ref},
                {"replayed", r.replayed},
                {"amount", r.amount.minor},
                {"points_reversed", r.reversed},
                {"points_restored", r.restored},
                {"points_shortfall", r.shortfall},
                {"points_available", r.available_after}};
}

std::vector<std::string> receipt_lines(const SaleResult& sale, const std::optional<Member>& member,
                                       const ProgramConfig& program, const std::optional<TierProgress>& progress,
                                       bool has_claim_code) {
    std::vector<std::string> out;
    if (!member) {
        if (has_claim_code)
            out.push_back("扫码领取本单积分 Scan to claim this sale's points within " +
                          std::to_string(program.earning.claim_window_days) + " days");
        return out;
    }
    const auto tier = sale.tier.empty() ? member->tier_code : sale.tier;
    out.push_back("会员 Member: " + mask_name(member->display_name) + " · " + tier_name(program, tier));
    if (sale.points_paid > 0)
        out.push_back("积分抵扣 Paid with points: " + std::to_string(sale.points_paid) + " = " +
                      format_money(sale.points_value));
    std::string earned = "本次积分 Points earned: " + std::to_string(sale.earned);
    if (sale.earned > 0 && program.earning.return_window_days > 0)
        earned += " (available in " + std::to_string(program.earning.return_window_days) + " days)";
    out.push_back(earned);
    out.push_back("积分余额 Balance: " + std::to_string(sale.available_after) + " available, " +
                  std::to_string(sale.pending_after) + " pending");
    if (sale.tier_change && sale.tier_change->upgrade)
        out.push_back("恭喜升级 Welcome to " + tier_name(program, sale.tier_change->to) + "!");
    if (progress && progress->next_tier && progress->needed_for_next > 0)
        out.push_back("距 " + tier_name(program, *progress->next_tier) + " 还差 To go: " +
                      (program.tiers.basis == TierBasis::spend ? format_money(Money{progress->needed_for_next})
                                                                : std::to_string(progress->needed_for_next) + " points"));
    return out;
}

}  // namespace loyalty::pos
