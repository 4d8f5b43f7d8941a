#include "results.hpp"

#include <algorithm>

#include "json_writer.hpp"
#include "loyalty/coupon_benefits.hpp"

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

json enrollment_json(const Enrollment& e, const ProgramConfig& program,
                     const std::optional<std::string>& phone, bool linked) {
    const auto& m = e.member;
    return json{{"member", m.uid},
                {"name", mask_name(m.display_name)},
                {"phone", phone ? json(mask_phone(*phone)) : json(nullptr)},
                {"card_number", e.card_number},
                {"card", e.physical_card ? json(*e.physical_card) : json(nullptr)},
                {"tier", m.tier_code},
                {"tier_name", tier_name(program, m.tier_code)},
                {"points_available", m.points_available},
                {"replayed", e.replayed},
                {"linked", linked}};
}

namespace {

void write_coupon(JsonWriter& w, const Coupon& c) {
    w.field("code", c.code)
        .field("title", c.title)
        .field("value", c.value.minor)
        .field("min_spend", c.min_spend.minor)
        .field("kind", benefit_kind_name(c.benefit.kind))
        .field("label_zh", benefit_label(c.benefit, "zh"))
        .field("label_en", benefit_label(c.benefit, "en"))
        .field("expires_at", format_iso8601(c.expires_at));
}

std::string points_note(const Quote& q, const std::optional<Member>& member,
                        const ProgramConfig& program) {
    if (!member) return "points need an identified member";
    const auto& rate = program.points_payment;
    const auto steps = std::to_string(rate.points) + " points pay " + format_money(rate.value);
    if (q.max_points_payable < q.available / rate.points * rate.points)
        return steps + "; at most " + std::to_string(rate.max_percent_of_basket) +
               "% of this basket";
    return steps + "; the whole balance can be used";
}

}  // namespace

void write_sv_payments(JsonWriter& w, const std::vector<SvPaymentLine>& payments,
                       bool with_balance) {
    w.key("stored_value").begin_array();
    for (const auto& p : payments) {
        w.begin_object()
            .field("source", p.source)
            .field("principal", p.principal.minor)
            .field("bonus", p.bonus.minor);
        if (with_balance) w.field("balance_after", p.balance_after.minor);
        w.end_object();
    }
    w.end_array();
}

std::string quote_text(const Quote& q, const std::optional<Member>& member,
                       const std::vector<Coupon>& usable, const std::vector<std::string>& applied,
                       const ProgramConfig& program, const std::optional<SvBalance>& sv_balance) {
    JsonWriter w;
    w.begin_object();
    if (member) {
        w.field("member", member->uid).field("tier", member->tier_code);
    } else {
        w.key("member").null().key("tier").null();
    }
    w.key("lines").begin_array();
    for (const auto& l : q.basket.lines)
        w.begin_object()
            .field("line_no", l.line_no)
            .field("sku", l.line.sku)
            .field("category", l.line.category)
            .field("quantity", l.line.quantity)
            .field("unit_price", l.line.unit_price.minor)
            .field("member_unit_price", l.member_unit_price.minor)
            .field("member_discount", l.member_discount.minor)
            .field("net", l.net.minor)
            .field("earns", l.earns)
            .field("multiplier_percent", l.multiplier_percent)
            .field("reason", l.reason)
            .end_object();
    w.end_array()
        .field("gross", q.basket.gross.minor)
        .field("net", q.basket.net.minor)
        .field("eligible", q.basket.eligible.minor)
        .field("coupon_value", q.coupon_value.minor)
        .field("points_to_pay", q.points_to_pay)
        .field("points_value", q.points_value.minor)
        .field("to_pay", q.to_pay.minor)
        .field("points_earned", q.earn.points)
        .strings("earn_reasons", q.earn.reasons)
        .field("points_available", q.available)
        .field("max_points_payable", q.max_points_payable)
        .field("points_note", points_note(q, member, program))
        .field("sv_value", q.sv_value.minor)
        .field("sv_bonus", q.sv_bonus.minor);
    write_sv_payments(w, q.sv_payments, false);
    if (sv_balance)
        w.key("stored_value_balance")
            .begin_object()
            .field("principal", sv_balance->principal.minor)
            .field("bonus", sv_balance->bonus.minor)
            .end_object();
    else
        w.key("stored_value_balance").null();
    w.key("coupons_usable").begin_array();
    for (const auto& c : usable) {
        const bool in_basket = std::find(applied.begin(), applied.end(), c.code) != applied.end();
        const auto off = benefit_off(c.benefit, q.basket);
        w.begin_object();
        write_coupon(w, c);
        w.field("applies", off.ok())
            .field("reason", in_basket  ? std::string("applied to this basket")
                             : off.ok() ? "can be used on this basket: " + off->reason + " -" +
                                              format_money(off->off)
                                        : off.error().message)
            .end_object();
    }
    w.end_array().strings("notes", q.notes).end_object();
    return w.take();
}

std::string sale_text(const std::string& receipt, const SaleResult& s,
                      const std::vector<std::string>& receipt_lines, const std::string& cashier,
                      const std::optional<std::string>& receipt_qr) {
    JsonWriter w;
    w.begin_object()
        .field("receipt", receipt)
        .field("sale_id", s.sale_id)
        .field("replayed", s.replayed)
        .field("gross", s.gross.minor)
        .field("net", s.net.minor)
        .field("coupon_value", s.coupon_value.minor)
        .field("points_paid", s.points_paid)
        .field("points_value", s.points_value.minor)
        .field("sv_value", s.sv_value.minor)
        .field("to_pay", s.to_pay.minor)
        .field("points_earned", s.earned)
        .field("points_campaign", s.campaign_points)
        .field("earn_summary", s.earn_summary);
    write_sv_payments(w, s.sv_payments, true);
    w.key("campaign_bonuses").begin_array();
    for (const auto& b : s.campaign_bonuses)
        w.begin_object().field("name", b.name).field("points", b.points).end_object();
    w.end_array()
        .field("points_available", s.available_after)
        .field("points_pending", s.pending_after);
    if (s.tier.empty())
        w.key("tier").null();
    else
        w.field("tier", s.tier);
    if (s.tier_change)
        w.key("tier_change")
            .begin_object()
            .field("from", s.tier_change->from)
            .field("to", s.tier_change->to)
            .field("upgrade", s.tier_change->upgrade)
            .end_object();
    else
        w.key("tier_change").null();
    w.strings("receipt_lines", receipt_lines).field("cashier", cashier);
    if (receipt_qr)
        w.field("receipt_qr", *receipt_qr);
    else
        w.key("receipt_qr").null();
    return w.end_object().take();
}

json refund_json(const std::string& receipt, const std::string& refund_ref, const RefundResult& r) {
    return json{{"receipt", receipt},
                {"refund_ref", refund_ref},
                {"replayed", r.replayed},
                {"amount", r.amount.minor},
                {"points_reversed", r.reversed},
                {"points_restored", r.restored},
                {"points_shortfall", r.shortfall},
                {"points_available", r.available_after},
                {"sv_principal_restored", r.sv_principal_restored.minor},
                {"sv_bonus_restored", r.sv_bonus_restored.minor}};
}

namespace {

// A gift card on a receipt: its last four digits, the rest starred (a bearer card is cash).
std::string mask_card(const std::string& number) {
    return number.size() <= 4 ? number : "****" + number.substr(number.size() - 4);
}

}  // namespace

std::vector<std::string> receipt_lines(const SaleResult& sale, const std::optional<Member>& member,
                                       const ProgramConfig& program,
                                       const std::optional<TierProgress>& progress,
                                       bool has_claim_code) {
    std::vector<std::string> out;
    // Amounts as the shopper reads them: "¥1,234.50", not the machines' "1234.50".
    const auto money = [&](Money m) { return format_money_for_people(m, program.currency); };
    for (const auto& p : sale.sv_payments)
        out.push_back((p.source == "member" ? std::string("储值支付 Paid from balance: ")
                                            : "礼品卡 Gift card " + mask_card(p.source) + ": ") +
                      money(p.principal + p.bonus) +
                      (p.bonus.minor > 0 ? " (赠送 bonus " + money(p.bonus) + ")" : "") +
                      " · 余额 left " + money(p.balance_after));
    if (!member) {
        if (has_claim_code)
            out.push_back("扫码领取本单积分 Scan to claim this sale's points within " +
                          std::to_string(program.earning.claim_window_days) + " days");
        return out;
    }
    const auto tier = sale.tier.empty() ? member->tier_code : sale.tier;
    out.push_back("会员 Member: " + mask_name(member->display_name) + " · " +
                  tier_name(program, tier));
    const auto points = [](Points n) { return group_thousands(n); };
    if (sale.points_paid > 0)
        out.push_back("积分抵扣 Paid with points: " + points(sale.points_paid) + " = " +
                      money(sale.points_value));
    // Every point of the sale by reason: the earning line names the rate and its multipliers,
    // then the plain rate's part and what multipliers, extras and caps added (or took), then
    // each campaign's bonus, and their total when there is more than one part.
    std::string earned = "本次积分 Points earned: " + points(sale.earned);
    if (sale.earned > 0 && !sale.earn_summary.empty()) earned += " (" + sale.earn_summary + ")";
    out.push_back(earned);
    // The plain rate's part, where something changed it (a sale capped to nothing has none).
    const Points base = sale.earned > 0 ? sale.earned_base : 0;
    if (base > 0 && base != sale.earned) {
        out.push_back("  基础积分 Base rate: " + points(base));
        const Points more = sale.earned - base;
        out.push_back("  倍数与加赠 Multipliers and extras: " + std::string(more > 0 ? "+" : "") +
                      points(more));
    }
    for (const auto& bonus : sale.campaign_bonuses)
        out.push_back("活动积分 Bonus: +" + points(bonus.points) + " " + bonus.name);
    const Points total = sale.earned + sale.campaign_points;
    if (!sale.campaign_bonuses.empty() || (base > 0 && base != sale.earned))
        out.push_back("合计 Total points: " + points(total));
    if (total > 0 && program.earning.return_window_days > 0)
        out.push_back("积分" + std::to_string(program.earning.return_window_days) +
                      "天后可用 Available in " +
                      std::to_string(program.earning.return_window_days) + " days");
    out.push_back("积分余额 Balance: " + points(sale.available_after) + " available, " +
                  points(sale.pending_after) + " pending");
    if (sale.tier_change && sale.tier_change->upgrade)
        out.push_back("恭喜升级 Welcome to " + tier_name(program, sale.tier_change->to) + "!");
    if (progress && progress->next_tier && progress->needed_for_next > 0)
        out.push_back("距 " + tier_name(program, *progress->next_tier) + " 还差 To go: " +
                      (program.tiers.basis == TierBasis::spend
                           ? money(Money{progress->needed_for_next})
                           : points(progress->needed_for_next) + " points"));
    return out;
}

}  // namespace loyalty::pos
