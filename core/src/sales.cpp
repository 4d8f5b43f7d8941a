#include "loyalty/sales.hpp"

#include <algorithm>
#include <limits>

#include "campaign_hooks.hpp"
#include "engine_context.hpp"
#include "json_text.hpp"
#include "loyalty/checked_math.hpp"
#include "loyalty/coupon_benefits.hpp"
#include "member_rows.hpp"
#include "sale_stored_value.hpp"
#include "tier_upgrade.hpp"

namespace loyalty {

using nlohmann::json;

namespace {

struct SaleKey {
    std::string program, store, terminal, receipt;
    std::string text() const { return program + "/" + store + "/" + terminal + "/" + receipt; }
};

SaleKey key_of(const EngineContext& ctx, const std::string& program, const std::string& store,
               const std::string& terminal, const std::string& receipt) {
    return SaleKey{program, store.empty() ? ctx.origin.store : store,
                   terminal.empty() ? ctx.origin.terminal : terminal, receipt};
}

// Everything quote and commit both need: computed once, from the same inputs.
struct Priced {
    const CachedProgram* program = nullptr;
    std::optional<Member> member;
    Quote quote;
    std::vector<PlannedSvPayment> sv{};
};

Points earned_today(EngineContext& ctx, MemberId member, const ProgramConfig& config,
                    Timestamp now) {
    auto st = ctx.db->prepare(
        "SELECT coalesce(sum(points_earned), 0) FROM sales WHERE member_id = ? AND occurred_at >= "
        "?");
    st.bind_all(member, to_unix(local_midnight(now, config.utc_offset_minutes)));
    st.step();
    const auto points = st.int64(0);
    return points;
}

bool has_sale_since(EngineContext& ctx, MemberId member, Timestamp since) {
    return ctx.db
        ->prepare(
            "SELECT 1 FROM sales WHERE member_id = ? AND occurred_at >= ? AND status != 'voided' "
            "LIMIT 1")
        .bind_all(member, to_unix(since))
        .scalar<std::int64_t>()
        .has_value();
}

// Amount-off coupons add up; a percent, gift, buy X get Y or threshold benefit is worked
// out on the whole basket, so two of them would give the same goods away twice (two 9折
// coupons taking 20%, two gift coupons freeing one gift): one per order.
Result<void> only_one_special(Quote& q, const CouponBenefit& b, const std::string& what) {
    if (b.kind == BenefitKind::amount) return {};
    if (!q.special_benefit.empty())
        return make_error(Errc::invalid_argument, what + " cannot be combined with " +
                                                      q.special_benefit +
                                                      ": one discount other than an amount off "
                                                      "per order");
    q.special_benefit = what;
    return {};
}

// The sale's promo codes: each known, in its dates and limits; a reward's benefit goes
// with the coupons (it earns nothing), an extra's name is turned on for compute_earn.
Result<void> apply_promo_codes(EngineContext& ctx, const CachedProgram& program,
                               const SaleRequest& request, Quote& q,
                               std::vector<std::string>& enabled_extras) {
    const auto& config = program.config;
    std::vector<const PromoCode*> seen;
    for (const auto& typed : request.promo_codes) {
        const auto* promo = config.promo_code(typed);
        if (!promo) return make_error(Errc::not_found, "unknown promo code " + typed);
        if (std::find(seen.begin(), seen.end(), promo) != seen.end())
            return make_error(Errc::invalid_argument,
                              "promo code " + promo->code + " is listed twice");
        seen.push_back(promo);
        const auto now = ctx.now();
        const auto offset = config.utc_offset_minutes;
        if ((promo->from_date && now < parse_local_date(promo->from_date->c_str(), offset)) ||
            (promo->to_date && now >= parse_local_date(promo->to_date->c_str(), offset) + Days{1}))
            return make_error(Errc::expired, "promo code " + promo->code + " is valid " +
                                                 promo->from_date.value_or("") + " to " +
                                                 promo->to_date.value_or(""));
        if (promo->per_member_limit > 0 && !request.member)
            return make_error(Errc::invalid_argument,
                              "promo code " + promo->code + " needs an identified member");
        if (promo->max_uses > 0) {
            const auto used = ctx.db
                                  ->prepare(
                                      "SELECT count(*) FROM promo_code_uses WHERE program_id = ? "
                                      "AND code = ?")
                                  .bind_all(program.id, promo->code)
                                  .scalar<std::int64_t>()
                                  .value_or(0);
            if (used >= promo->max_uses)
                return make_error(Errc::limit_exceeded,
                                  "promo code " + promo->code + " is used up (" +
                                      std::to_string(promo->max_uses) + " uses)");
        }
        if (promo->per_member_limit > 0) {
            const auto used = ctx.db
                                  ->prepare(
                                      "SELECT count(*) FROM promo_code_uses WHERE program_id = ? "
                                      "AND code = ? AND member_id = ?")
                                  .bind_all(program.id, promo->code, *request.member)
                                  .scalar<std::int64_t>()
                                  .value_or(0);
            if (used >= promo->per_member_limit)
                return make_error(Errc::limit_exceeded,
                                  "promo code " + promo->code + " may be used " +
                                      std::to_string(promo->per_member_limit) +
                                      " times per member; this member has used it up");
        }
        if (promo->reward) {
            const auto& benefit = config.reward(*promo->reward)->benefit;
            if (auto one = only_one_special(q, benefit, "promo code " + promo->code); !one)
                return one.error();
            auto off = benefit_off(benefit, q.basket);
            if (!off)
                return make_error(off.error().code,
                                  "promo code " + promo->code + " " + off.error().message);
            q.coupon_value = std::min(q.coupon_value + off->off, q.basket.net);
            q.notes.push_back("promo code " + promo->code + ": " + off->reason + " -" +
                              format_money(off->off));
        }
        if (promo->extra) {
            enabled_extras.push_back(*promo->extra);
            q.notes.push_back("promo code " + promo->code + ": " + *promo->extra);
        }
    }
    return {};
}

Result<Priced> price(EngineContext& ctx, const SaleRequest& request) {
    Priced p;
    p.program = ctx.program(request.program);
    if (!p.program) return make_error(Errc::not_found, "unknown program " + request.program);
    const auto& config = p.program->config;
    const TierLevel* tier = nullptr;
    if (request.member) {
        p.member = load_member(ctx, *request.member);
        if (!p.member || p.member->program != request.program)
            return make_error(Errc::not_found, "no member " + std::to_string(*request.member) +
                                                   " in " + request.program);
        if (p.member->status != "active")
            return make_error(Errc::blocked, "member account is " + p.member->status);
        tier = config.tier(p.member->tier_code);
        if (!tier) tier = &config.entry_tier();
    } else if (request.points_to_pay != 0 || !request.coupons.empty()) {
        return make_error(Errc::invalid_argument, "points and coupons need an identified member");
    }
    auto basket = price_basket(config, tier, request.lines);
    if (!basket) return basket.error();
    auto& q = p.quote;
    q.basket = std::move(basket.value());

    std::vector<std::string> seen;
    for (const auto& code : request.coupons) {
        if (std::find(seen.begin(), seen.end(), code) != seen.end())
            return make_error(Errc::invalid_argument, "coupon " + code + " is listed twice");
        seen.push_back(code);
        auto coupon = ctx.rewards.validate(code, *request.member, q.basket.net);
        if (!coupon) return coupon.error();
        if (auto one = only_one_special(q, coupon->benefit, "coupon " + code); !one)
            return one.error();
        auto off = benefit_off(coupon->benefit, q.basket);
        if (!off) return make_error(off.error().code, "coupon " + code + " " + off.error().message);
        q.coupon_value = std::min(q.coupon_value + off->off, q.basket.net);
        q.notes.push_back("coupon " + code + ": " + off->reason + " -" + format_money(off->off));
    }
    std::vector<std::string> enabled_extras;
    if (auto promos = apply_promo_codes(ctx, *p.program, request, q, enabled_extras); !promos)
        return promos.error();
    q.coupon_value = std::min(q.coupon_value, q.basket.net);
    const Money after_coupons = q.basket.net - q.coupon_value;

    if (p.member) {
        const auto& rate = config.points_payment;
        q.available = p.member->points_available;
        const auto max_value = mul_div(after_coupons.minor, rate.max_percent_of_basket, 100);
        // A cap beyond 64 bits is no cap at all: the balance bounds it below anyway.
        const Points max_by_basket = checked_mul(max_value / rate.value.minor, rate.points)
                                         .value_or(std::numeric_limits<Points>::max());
        const Points max_by_balance = q.available / rate.points * rate.points;
        q.max_points_payable = std::min(max_by_basket, max_by_balance);
        if (rate.max_points_per_bill > 0)
            q.max_points_payable = std::min(q.max_points_payable,
                                            rate.max_points_per_bill / rate.points * rate.points);
        if (after_coupons < rate.min_bill) q.max_points_payable = 0;
        if (request.points_to_pay < 0)
            return make_error(Errc::invalid_argument, "points to pay must not be negative");
        // The balance is judged before the step: a member with 50 points asking to pay 50
        // is short of points, and being told about steps of 100 sends the cashier astray.
        if (request.points_to_pay > q.available)
            return make_error(Errc::insufficient_points,
                              points_short(q.available, request.points_to_pay));
        if (request.points_to_pay % rate.points != 0) {
            if (q.available < rate.points)
                return make_error(Errc::insufficient_points,
                                  points_short(q.available, rate.points) +
                                      " (points are spent in steps of " +
                                      std::to_string(rate.points) + ")");
            return make_error(Errc::invalid_argument, "points are spent in steps of " +
                                                          std::to_string(rate.points) + ": " +
                                                          std::to_string(request.points_to_pay) +
                                                          " is not one (the member has " +
                                                          std::to_string(q.available) + ")");
        }
        if (request.points_to_pay > 0 && after_coupons < rate.min_bill)
            return make_error(Errc::limit_exceeded, "points pay only bills of " +
                                                        format_money(rate.min_bill) + " or more");
        if (request.points_to_pay > q.max_points_payable)
            return make_error(Errc::limit_exceeded, "at most " +
                                                        std::to_string(q.max_points_payable) +
                                                        " points may pay for this basket");
        q.points_to_pay = request.points_to_pay;
        q.points_value = Money{request.points_to_pay / rate.points * rate.value.minor};
    }
    auto sv = plan_sv_payments(ctx, *p.program, request, p.member, q.basket,
                               after_coupons - q.points_value);
    if (!sv) return sv.error();
    p.sv = std::move(sv.value());
    for (const auto& pay : p.sv) {
        q.sv_value += pay.line.principal + pay.line.bonus;
        q.sv_bonus += pay.line.bonus;
        q.sv_payments.push_back(pay.line);
    }

    if (p.member) {
        const auto now = ctx.now();
        const auto today = local_date(now, config.utc_offset_minutes);
        EarnInputs inputs;
        inputs.at = now;
        inputs.birthday_month = p.member->birthday_month &&
                                static_cast<unsigned>(*p.member->birthday_month) == today.month;
        // The sum of today's sales matters only under a daily cap; it grows with the
        // member's visits of the day, so it is not read when there is no cap.
        if (config.earning.daily_cap > 0)
            inputs.earned_today = earned_today(ctx, p.member->id, config, now);
        inputs.store = request.store.empty() ? ctx.origin.store : request.store;
        inputs.enabled_extras = std::move(enabled_extras);
        // Read only when a rule asks: each is a query per sale.
        for (const auto& x : config.earning.extras) {
            if (x.kind == ExtraKind::first_purchase)
                inputs.first_purchase = !has_sale_since(ctx, p.member->id, Timestamp{});
            if (x.kind == ExtraKind::per_visit)
                inputs.first_visit_today = !has_sale_since(
                    ctx, p.member->id, local_midnight(now, config.utc_offset_minutes));
        }
        // Points are earned on real tender and stored value's principal: never on coupons,
        // points or bonus money.
        inputs.non_cash = q.coupon_value + q.points_value + q.sv_bonus;
        q.earn = compute_earn(config, *tier, q.basket, inputs);
    }
    q.to_pay = after_coupons - q.points_value - q.sv_value;
    return p;
}

std::vector<EarnedExtra> bonuses_of(const CampaignOutcome& offers) {
    std::vector<EarnedExtra> out;
    for (const auto& f : offers.fired)
        if (f.points > 0) out.push_back({f.name, f.points});
    return out;
}

// The hash of what was asked, to tell a replay from another sale under the same
// receipt: the text of {"c":coupons,"l":lines,"m":member,"p":points} as nlohmann
// dumps it (stored fingerprints must keep matching).
std::string fingerprint(const SaleRequest& r) {
    JsonText t;
    t.begin_object().field("c", r.coupons).key("l").begin_array();
    for (const auto& l : r.lines)
        t.begin_array()
            .value(l.sku)
            .value(l.category)
            .value(l.quantity)
            .value(l.unit_price.minor)
            .value(l.discount.minor)
            .end_array();
    t.end_array().field("m", r.member ? *r.member : 0).field("p", r.points_to_pay);
    if (!r.promo_codes.empty()) {  // absent before promo codes; "spring15" is SPRING15
        std::vector<std::string> codes;
        for (const auto& code : r.promo_codes) codes.push_back(promo_code_key(code));
        t.field("pc", codes);
    }
    if (!r.stored_value.empty()) {  // absent before stored value
        t.key("sv").begin_array();
        for (const auto& tender : r.stored_value)
            t.begin_array().value(tender.card.value_or("")).value(tender.amount.minor).end_array();
        t.end_array();
    }
    t.end_object();
    return hex_digest(t.str());
}

// A sale as committed, for a replay: the same figures, and (with its key) the same
// reasons and campaign bonuses, so a till reprinting after a crash prints the same receipt.
SaleResult result_from_row(EngineContext& ctx, std::int64_t sale_id, const SaleKey* key) {
    auto st = ctx.db->prepare(
        "SELECT member_id, gross_minor, net_minor, coupon_minor, points_paid, points_paid_minor, "
        "points_earned "
        "FROM sales WHERE id = ?");
    st.bind(1, sale_id);
    st.step();
    SaleResult r;
    r.sale_id = sale_id;
    r.replayed = true;
    const auto member = st.optional_int64(0);
    r.gross = Money{st.int64(1)};
    r.net = Money{st.int64(2)};
    r.coupon_value = Money{st.int64(3)};
    r.points_paid = st.int64(4);
    r.points_value = Money{st.int64(5)};
    r.earned = st.int64(6);
    r.sv_payments = sv_payments_of(ctx, sale_id);
    for (const auto& pay : r.sv_payments) r.sv_value += pay.principal + pay.bonus;
    r.to_pay = r.net - r.coupon_value - r.points_value - r.sv_value;
    if (member) {
        const auto m = load_member(ctx, *member);
        r.available_after = m->points_available;
        r.pending_after = m->points_pending;
        r.tier = m->tier_code;
    }
    if (member && key) {
        const auto text = key->text();
        const auto reason =
            ctx.db->prepare("SELECT reason FROM ledger_entries WHERE idempotency_key = ?")
                .bind_all("sale-earn:" + text)
                .one([](const Statement& row) { return row.text(0); });
        constexpr std::string_view kPurchase = "purchase: ";
        if (reason)
            r.earn_summary =
                reason->rfind(kPurchase, 0) == 0 ? reason->substr(kPurchase.size()) : *reason;
        // The plain rate's part again from the sale's own lines, as the commit worked it out.
        if (r.earned > 0)
            if (const auto* program =
                    ctx.program_by_id(ctx.db->prepare("SELECT program_id FROM sales WHERE id = ?")
                                          .bind_all(sale_id)
                                          .scalar<std::int64_t>()
                                          .value_or(0))) {
                const Money eligible{
                    ctx.db
                        ->prepare("SELECT coalesce(sum(net_minor), 0) FROM sale_lines "
                                  "WHERE sale_id = ? AND eligible != 0")
                        .bind_all(sale_id)
                        .scalar<std::int64_t>()
                        .value_or(0)};
                Money non_cash = r.coupon_value + r.points_value;
                for (const auto& pay : r.sv_payments) non_cash += pay.bonus;
                r.earned_base = base_points(program->config.earning, eligible, r.net, non_cash);
            }
        auto fired = ctx.db->prepare(
            "SELECT coalesce((SELECT json_extract(c.definition_json, '$.name') FROM campaigns c "
            "WHERE c.program_id = f.program_id AND c.code = f.campaign_code AND c.version = "
            "f.campaign_version), f.campaign_code), f.points FROM campaign_firings f "
            "WHERE f.member_id = ? AND f.event_ref = ? AND f.points > 0 ORDER BY f.id");
        fired.bind_all(*member, "sale:" + text);
        while (fired.step()) {
            r.campaign_bonuses.push_back({fired.text(0), fired.int64(1)});
            r.campaign_points += fired.int64(1);
        }
    }
    return r;
}

// The sale.committed event, keys in nlohmann's order (see json_text.hpp).
struct SaleEvent {
    std::int64_t sale_id = 0;
    const SaleKey* key = nullptr;
    const SaleRequest* request = nullptr;
    const Quote* quote = nullptr;
    const Member* member = nullptr;  // with what it has after the sale:
    Balance balance;
    std::string tier;
};

std::string sale_event_json(const SaleEvent& e) {
    const auto& q = *e.quote;
    JsonText t;
    t.begin_object();
    if (e.member) t.field("available", e.balance.available);
    t.field("cashier", e.request->cashier)
        .field("coupons", e.request->coupons)
        .field("gross", q.basket.gross.minor);
    t.key("lines").begin_array();
    for (const auto& l : q.basket.lines)
        t.begin_object()
            .field("category", l.line.category)
            .field("discount", l.line.discount.minor)
            .field("earns", l.earns)
            .field("net", l.net.minor)
            .field("quantity", l.line.quantity)
            .field("sku", l.line.sku)
            .field("unit_price", l.line.unit_price.minor)
            .end_object();
    t.end_array();
    if (e.member) t.field("member", e.member->id).field("member_uid", e.member->uid);
    t.field("net", q.basket.net.minor);
    if (e.member) t.field("pending", e.balance.pending);
    t.field("points_earned", q.earn.points)
        .field("points_paid", q.points_to_pay)
        .field("receipt", e.key->receipt)
        .field("sale_id", e.sale_id)
        .field("store", e.key->store);
    if (!q.sv_payments.empty()) {  // absent without stored value, as before it existed
        t.key("stored_value").begin_array();
        for (const auto& pay : q.sv_payments) {
            t.begin_object().field("bonus", pay.bonus.minor);
            if (pay.source != "member") t.field("card", pay.source);
            t.field("principal", pay.principal.minor).end_object();
        }
        t.end_array();
    }
    t.field("terminal", e.key->terminal);
    if (e.member) t.field("tier", e.tier);
    t.end_object();
    return t.take();
}

}  // namespace

Result<Quote> Sales::quote(const SaleRequest& request) {
    return guarded([&]() -> Result<Quote> {
        auto priced = price(ctx_, request);
        if (!priced) return priced.error();
        return std::move(priced->quote);
    });
}

Result<SaleResult> Sales::commit(const SaleRequest& request) {
    return guarded([&]() -> Result<SaleResult> {
        if (request.receipt.empty())
            return make_error(Errc::invalid_argument, "a sale needs its receipt number");
        const auto key =
            key_of(ctx_, request.program, request.store, request.terminal, request.receipt);
        const auto* program = ctx_.program(request.program);
        if (!program) return make_error(Errc::not_found, "unknown program " + request.program);
        const auto print = fingerprint(request);
        auto& db = *ctx_.db;
        Transaction tx(db);
        auto existing = db.prepare(
            "SELECT id, fingerprint FROM sales WHERE program_id = ? AND store = ? AND terminal = ? "
            "AND receipt = ?");
        existing.bind_all(program->id, key.store, key.terminal, key.receipt);
        if (existing.step()) {
            const auto id = existing.int64(0);
            const bool same = existing.text(1) == print;
            if (!same)
                return make_error(Errc::conflict, "receipt " + key.receipt +
                                                      " was already committed with other content");
            return result_from_row(ctx_, id, &key);  // the same sale again: nothing changes
        }
        auto priced = price(ctx_, request);
        if (!priced) return priced.error();
        const auto& q = priced->quote;
        const auto now = ctx_.now();
        db.prepare(
              "INSERT INTO sales(program_id, store, terminal, receipt, member_id, occurred_at, "
              "gross_minor, net_minor, "
              "coupon_minor, points_paid, points_paid_minor, points_earned, fingerprint, cashier, "
              "sv_minor) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .bind_all(program->id, key.store, key.terminal, key.receipt, request.member,
                      to_unix(now), q.basket.gross.minor, q.basket.net.minor, q.coupon_value.minor,
                      q.points_to_pay, q.points_value.minor, q.earn.points, print, request.cashier,
                      q.sv_value.minor)
            .run();
        const auto sale_id = db.last_insert_rowid();
        book_sv_payments(ctx_,
                         SvBooking{sale_id, key.text(), key.store, key.terminal, request.cashier},
                         priced->sv);
        for (const auto& l : q.basket.lines)
            db.prepare(
                  "INSERT INTO sale_lines(sale_id, line_no, sku, category, quantity, unit_price, "
                  "member_price, "
                  "discount_minor, net_minor, eligible) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
                .bind_all(sale_id, l.line_no, l.line.sku, l.line.category, l.line.quantity,
                          l.line.unit_price.minor, l.member_unit_price.minor,
                          (l.line.discount + l.member_discount).minor, l.net.minor, l.earns ? 1 : 0)
                .run();

        for (const auto& typed : request.promo_codes)
            db.prepare(
                  "INSERT INTO promo_code_uses(program_id, code, member_id, sale_id, used_at) "
                  "VALUES (?, ?, ?, ?, ?)")
                .bind_all(program->id, program->config.promo_code(typed)->code, request.member,
                          sale_id, to_unix(now))
                .run();
        SaleResult result;
        result.sale_id = sale_id;
        result.gross = q.basket.gross;
        result.net = q.basket.net;
        result.coupon_value = q.coupon_value;
        result.points_value = q.points_value;
        result.to_pay = q.to_pay;
        result.points_paid = q.points_to_pay;
        result.earned = q.earn.points;
        result.sv_value = q.sv_value;
        for (const auto& pay : priced->sv) result.sv_payments.push_back(pay.line);
        SaleEvent event{sale_id, &key, &request, &q, nullptr, {}, {}};
        if (const auto& member = priced->member) {
            const auto ref = "receipt:" + key.text();
            if (q.points_to_pay > 0) {
                auto paid = ctx_.ledger.debit(Debit{member->id, LedgerKind::redeem, q.points_to_pay,
                                                    "paid with points", ref,
                                                    "sale-pay:" + key.text(), std::nullopt});
                if (!paid) return paid.error();
            }
            for (const auto& code : request.coupons) {
                db.prepare(
                      "UPDATE coupons SET status = 'used', used_at = ?, used_receipt = ? "
                      "WHERE code = ? AND status = 'issued'")
                    .bind_all(to_unix(now), key.text(), code)
                    .run();
                if (db.changes() != 1)
                    return make_error(Errc::already_used, "coupon " + code + " was used meanwhile");
            }
            if (q.earn.points > 0) {
                const auto& rules = program->config.earning;
                ctx_.ledger.credit(Credit{
                    member->id, LedgerKind::earn, q.earn.points, rules.return_window_days > 0,
                    now + Days{rules.return_window_days},
                    ctx_.ledger.expiry_for(request.program, now), "purchase: " + q.earn.summary(),
                    ref, "sale-earn:" + key.text(), std::nullopt});
            }
            db.prepare("UPDATE members SET last_visit_at = ? WHERE id = ?")
                .bind_all(to_unix(now), member->id)
                .run();
            result.tier_change = upgrade_if_qualified(ctx_, *member, now);
            auto offers =
                campaigns_on_purchase(ctx_, request.program, member->id, key.text(), key.store,
                                      q.basket, q.earn.points, member->last_visit_at);
            result.campaign_points = offers.bonus_points;
            result.receipt_lines = std::move(offers.receipt_lines);
            result.earn_summary = q.earn.summary();
            result.earned_base = q.earn.base;
            result.campaign_bonuses = bonuses_of(offers);
            const auto balance = ctx_.ledger.balance(member->id);
            result.available_after = balance.available;
            result.pending_after = balance.pending;
            result.tier = result.tier_change ? result.tier_change->to : member->tier_code;
            event.member = &*member;
            event.balance = balance;
            event.tier = result.tier;
        }
        ctx_.emit_text("sale.committed", request.program, sale_event_json(event));
        tx.commit();
        return result;
    });
}

Result<RefundResult> Sales::refund(const RefundRequest& request) {
    return guarded([&]() -> Result<RefundResult> {
        if (request.refund_ref.empty())
            return make_error(Errc::invalid_argument, "a refund needs its refund slip number");
        const auto key =
            key_of(ctx_, request.program, request.store, request.terminal, request.receipt);
        const auto* program = ctx_.program(request.program);
        if (!program) return make_error(Errc::not_found, "unknown program " + request.program);
        auto& db = *ctx_.db;
        Transaction tx(db);
        auto sale = db.prepare(
            "SELECT id, member_id, net_minor, points_paid, points_earned, refunded_minor, "
            "points_reversed, "
            "points_restored, status FROM sales WHERE program_id = ? AND store = ? AND terminal = "
            "? AND receipt = ?");
        sale.bind_all(program->id, key.store, key.terminal, key.receipt);
        if (!sale.step()) return make_error(Errc::not_found, "no sale with receipt " + key.receipt);
        const auto sale_id = sale.int64(0);
        const auto member = sale.optional_int64(1);
        const Money net{sale.int64(2)};
        const Points points_paid = sale.int64(3), earned = sale.int64(4);
        const Money refunded_before{sale.int64(5)};
        const Points reversed_before = sale.int64(6), restored_before = sale.int64(7);
        if (request.void_sale && !request.lines.empty())
            return make_error(Errc::invalid_argument,
                              "a void takes back the whole sale, not lines of it");

        auto prior = db.prepare(
            "SELECT amount_minor, points_reversed, points_restored, points_shortfall, "
            "sv_principal_restored, sv_bonus_restored FROM refunds "
            "WHERE sale_id = ? AND refund_ref = ?");
        prior.bind_all(sale_id, request.refund_ref);
        if (prior.step()) {
            RefundResult r{true,
                           Money{prior.int64(0)},
                           prior.int64(1),
                           prior.int64(2),
                           prior.int64(3),
                           0,
                           0,
                           Money{prior.int64(4)},
                           Money{prior.int64(5)}};
            if (member) r.available_after = ctx_.ledger.balance(*member).available;
            return r;
        }

        if (request.void_sale && refunded_before.minor > 0)
            return make_error(Errc::exceeds_sale, "receipt " + key.receipt +
                                                      " was refunded already; it cannot be voided");
        struct Line {
            int line_no;
            std::int64_t quantity, refunded;
            Money net;
            bool eligible;
        };
        std::vector<Line> lines;
        auto ls = db.prepare(
            "SELECT line_no, quantity, refunded_qty, net_minor, eligible FROM sale_lines WHERE "
            "sale_id = ? ORDER BY line_no");
        ls.bind(1, sale_id);
        while (ls.step())
            lines.push_back(Line{static_cast<int>(ls.int64(0)), ls.int64(1), ls.int64(2),
                                 Money{ls.int64(3)}, ls.int64(4) != 0});
        std::map<int, std::int64_t> returning;
        if (request.lines.empty()) {
            for (const auto& l : lines)
                if (l.quantity > l.refunded) returning[l.line_no] = l.quantity - l.refunded;
        } else {
            for (const auto& r : request.lines) {
                if (r.quantity <= 0)
                    return make_error(Errc::invalid_argument, "refund quantities must be positive");
                const auto sold = std::find_if(lines.begin(), lines.end(), [&](const Line& l) {
                    return l.line_no == r.line_no;
                });
                if (sold == lines.end())
                    return make_error(Errc::invalid_argument,
                                      "line " + std::to_string(r.line_no) + " is not on the sale");
                // Compared as what is left, never as a sum: a quantity near INT64_MAX must not
                // wrap.
                auto& asked = returning[r.line_no];
                if (r.quantity > sold->quantity - sold->refunded - asked)
                    return make_error(Errc::exceeds_sale,
                                      "line " + std::to_string(r.line_no) +
                                          ": refund is larger than what was sold");
                asked += r.quantity;
            }
        }
        if (returning.empty())
            return make_error(Errc::exceeds_sale, "the sale is already fully refunded");
        // A line's refunded share is net x (refunded qty / qty), computed cumulatively so
        // that refunding the last unit leaves no rounding remainder behind.
        Money amount, eligible_after, eligible_total;
        for (auto& l : lines) {
            const auto share = [&](std::int64_t qty) {
                return Money{mul_div(l.net.minor, qty, l.quantity)};
            };
            std::int64_t qty = 0;
            if (auto it = returning.find(l.line_no); it != returning.end()) {
                qty = it->second;
                returning.erase(it);
                if (qty > l.quantity - l.refunded)
                    return make_error(Errc::exceeds_sale,
                                      "line " + std::to_string(l.line_no) +
                                          ": refund is larger than what was sold");
            }
            amount += share(l.refunded + qty) - share(l.refunded);
            if (l.eligible) {
                eligible_total += l.net;
                eligible_after += share(l.refunded + qty);
            }
            l.refunded += qty;
        }
        if (!returning.empty())
            return make_error(
                Errc::invalid_argument,
                "line " + std::to_string(returning.begin()->first) + " is not on the sale");

        const Money refunded_after = refunded_before + amount;
        const Points reverse_target =
            eligible_total.minor > 0 ? mul_div(earned, eligible_after.minor, eligible_total.minor)
                                     : 0;
        const Points restore_target =
            net.minor > 0 ? mul_div(points_paid, refunded_after.minor, net.minor) : 0;
        RefundResult result;
        result.amount = amount;
        const auto ref = "receipt:" + key.text();
        const auto refund_key = key.text() + "/refund/" + request.refund_ref;
        if (member) {
            const Points to_reverse = reverse_target - reversed_before;
            if (to_reverse > 0) {
                const auto earn_entry = ctx_.ledger.find_by_key("sale-earn:" + key.text());
                result.shortfall = ctx_.ledger.reverse_earn(
                    *member, earn_entry ? earn_entry->id : 0, to_reverse,
                    "refund " + request.refund_ref, ref, "refund-reverse:" + refund_key);
                result.reversed = to_reverse - result.shortfall;
            }
            const Points to_restore = restore_target - restored_before;
            if (to_restore > 0) {
                const auto pay_entry = ctx_.ledger.find_by_key("sale-pay:" + key.text());
                if (pay_entry)
                    result.restored = ctx_.ledger.restore_debit(*member, pay_entry->id, to_restore,
                                                                "refund " + request.refund_ref, ref,
                                                                "refund-restore:" + refund_key);
            }
            result.campaign_reversed =
                campaigns_on_refund(ctx_, *member, key.text(), refunded_after, net, refund_key);
            result.available_after = ctx_.ledger.balance(*member).available;
        }
        const auto sv_back = restore_sv_payments(
            ctx_, SvBooking{sale_id, key.text(), key.store, key.terminal, std::nullopt},
            request.refund_ref, refunded_after, net);
        result.sv_principal_restored = sv_back.principal;
        result.sv_bonus_restored = sv_back.bonus;
        bool fully = true;
        for (const auto& l : lines) {
            db.prepare("UPDATE sale_lines SET refunded_qty = ? WHERE sale_id = ? AND line_no = ?")
                .bind_all(l.refunded, sale_id, l.line_no)
                .run();
            fully = fully && l.refunded == l.quantity;
        }
        db.prepare(
              "UPDATE sales SET refunded_minor = ?, points_reversed = ?, points_restored = ?, "
              "status = ? WHERE id = ?")
            .bind_all(refunded_after.minor, reverse_target, restored_before + result.restored,
                      fully ? (request.void_sale ? "voided" : "refunded") : "partially_refunded",
                      sale_id)
            .run();
        if (member) follow_qualifying_down(ctx_, *member, ctx_.now());  // downgrade = immediate
        db.prepare(
              "INSERT INTO refunds(sale_id, refund_ref, occurred_at, amount_minor, "
              "points_reversed, points_restored, "
              "points_shortfall, sv_principal_restored, sv_bonus_restored) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .bind_all(sale_id, request.refund_ref, to_unix(ctx_.now()), amount.minor,
                      result.reversed, result.restored, result.shortfall,
                      result.sv_principal_restored.minor, result.sv_bonus_restored.minor)
            .run();
        json event{{"sale_id", sale_id},
                   {"store", key.store},
                   {"terminal", key.terminal},
                   {"receipt", key.receipt},
                   {"refund_ref", request.refund_ref},
                   {"amount", amount.minor},
                   {"points_reversed", result.reversed},
                   {"points_restored", result.restored},
                   {"points_shortfall", result.shortfall},
                   {"campaign_points_reversed", result.campaign_reversed},
                   {"voided", request.void_sale}};
        if (sv_back.principal.minor > 0 || sv_back.bonus.minor > 0)
            event["stored_value"] = {{"principal", sv_back.principal.minor},
                                     {"bonus", sv_back.bonus.minor}};
        if (member) {
            event["member"] = *member;
            event["available"] = result.available_after;
        }
        ctx_.emit("sale.refunded", request.program, event);
        tx.commit();
        return result;
    });
}

Result<SaleResult> Sales::claim(const ClaimRequest& request) {
    return guarded([&]() -> Result<SaleResult> {
        const auto key =
            key_of(ctx_, request.program, request.store, request.terminal, request.receipt);
        const auto* program = ctx_.program(request.program);
        if (!program) return make_error(Errc::not_found, "unknown program " + request.program);
        auto member = load_member(ctx_, request.member);
        if (!member || member->program != request.program || member->status != "active")
            return make_error(
                Errc::not_found,
                "no active member " + std::to_string(request.member) + " in " + request.program);
        auto& db = *ctx_.db;
        Transaction tx(db);
        auto sale = db.prepare(
            "SELECT id, member_id, occurred_at, net_minor, refunded_minor, status FROM sales "
            "WHERE program_id = ? AND store = ? AND terminal = ? AND receipt = ?");
        sale.bind_all(program->id, key.store, key.terminal, key.receipt);
        if (!sale.step())
            return make_error(Errc::not_found, "no sale with receipt " + key.receipt + " here yet");
        const auto sale_id = sale.int64(0);
        const auto owner = sale.optional_int64(1);
        const auto sold_at = from_unix(sale.int64(2));
        const auto status = sale.text(5);
        if (owner)
            return make_error(Errc::already_used,
                              "the points for receipt " + key.receipt + " were already claimed");
        if (status == "refunded" || status == "voided")
            return make_error(Errc::conflict, "receipt " + key.receipt + " was " + status);
        const auto& config = program->config;
        const auto now = ctx_.now();
        if (now > sold_at + Days{config.earning.claim_window_days})
            return make_error(Errc::expired, "receipts can be claimed for " +
                                                 std::to_string(config.earning.claim_window_days) +
                                                 " days after the sale");
        // Points on what was paid for the goods still kept, as the till priced them.
        PricedBasket basket;
        auto ls = db.prepare(
            "SELECT line_no, sku, category, quantity, refunded_qty, net_minor, eligible FROM "
            "sale_lines WHERE sale_id = ?");
        ls.bind(1, sale_id);
        while (ls.step()) {
            PricedLine l;
            l.line_no = static_cast<int>(ls.int64(0));
            l.line = BasketLine{ls.text(1), ls.text(2), ls.int64(3), Money{}, Money{}};
            const auto kept = ls.int64(3) - ls.int64(4);
            l.net = Money{mul_div(ls.int64(5), kept, ls.int64(3))};
            l.earns = ls.int64(6) != 0;
            l.multiplier_percent = line_multiplier_percent(config.earning, l.line);
            basket.net += l.net;
            if (l.earns) basket.eligible += l.net;
            basket.lines.push_back(std::move(l));
        }
        const auto* tier = config.tier(member->tier_code);
        EarnInputs inputs;
        inputs.at = sold_at;
        inputs.store = key.store;
        inputs.birthday_month =
            member->birthday_month && static_cast<unsigned>(*member->birthday_month) ==
                                          local_date(sold_at, config.utc_offset_minutes).month;
        const auto earn = compute_earn(config, tier ? *tier : config.entry_tier(), basket, inputs);
        const auto ref = "receipt:" + key.text();
        if (earn.points > 0) {
            // Pending until the sale's own return window ends; keyed like a till earn so refunds
            // find it.
            const auto release = sold_at + Days{config.earning.return_window_days};
            ctx_.ledger.credit(Credit{member->id, LedgerKind::earn, earn.points, release > now,
                                      release, ctx_.ledger.expiry_for(request.program, now),
                                      "receipt claimed: " + earn.summary(), ref,
                                      "sale-earn:" + key.text(), std::nullopt});
        }
        db.prepare("UPDATE sales SET member_id = ?, points_earned = ? WHERE id = ?")
            .bind_all(member->id, earn.points, sale_id)
            .run();
        db.prepare(
              "UPDATE members SET last_visit_at = max(coalesce(last_visit_at, 0), ?) WHERE id = ?")
            .bind_all(to_unix(sold_at), member->id)
            .run();
        // A claimed receipt is the member's purchase: its campaigns run now, once (same reference
        // as at the till).
        auto offers = campaigns_on_purchase(ctx_, request.program, member->id, key.text(),
                                            key.store, basket, earn.points, member->last_visit_at);
        SaleResult result = result_from_row(ctx_, sale_id, nullptr);
        result.replayed = false;
        result.earned = earn.points;
        result.campaign_points = offers.bonus_points;
        result.receipt_lines = std::move(offers.receipt_lines);
        result.earn_summary = earn.summary();
        result.earned_base = earn.base;
        result.campaign_bonuses = bonuses_of(offers);
        result.tier_change = ctx_.tiers.upgrade_if_qualified(member->id, now);
        if (result.tier_change) result.tier = result.tier_change->to;
        ctx_.emit("sale.claimed", request.program,
                  json{{"sale_id", sale_id},
                       {"store", key.store},
                       {"terminal", key.terminal},
                       {"receipt", key.receipt},
                       {"member", member->id},
                       {"points_earned", earn.points},
                       {"available", result.available_after},
                       {"pending", result.pending_after}});
        tx.commit();
        return result;
    });
}

Result<bool> Sales::booked(const std::string& program, const std::string& store,
                           const std::string& terminal, const std::string& receipt) {
    return guarded([&]() -> Result<bool> {
        return ctx_.db
            ->prepare(
                "SELECT 1 FROM sales s JOIN programs p ON p.id = s.program_id "
                "WHERE p.code = ? AND s.store = ? AND s.terminal = ? AND s.receipt = ?")
            .bind_all(program, store, terminal, receipt)
            .scalar<std::int64_t>()
            .has_value();
    });
}

Result<std::optional<LastSale>> Sales::last_of_terminal(const std::string& program,
                                                        const std::string& store,
                                                        const std::string& terminal) {
    return guarded([&]() -> Result<std::optional<LastSale>> {
        return ctx_.db
            ->prepare(
                "SELECT s.receipt, s.status FROM sales s JOIN programs p ON p.id = s.program_id "
                "WHERE p.code = ? AND s.store = ? AND s.terminal = ? ORDER BY s.id DESC LIMIT 1")
            .bind_all(program, store, terminal)
            .one([](const Statement& row) {
                return LastSale{row.text(0), row.text(1)};
            });
    });
}

}  // namespace loyalty
