#include "loyalty/rewards.hpp"

#include <limits>

#include "engine_context.hpp"
#include "member_rows.hpp"
#include "operations.hpp"

namespace loyalty {

using nlohmann::json;

namespace {

constexpr const char* kCouponColumns =
    "SELECT c.code, p.code, c.member_id, c.source, c.title, c.value_minor, c.min_spend_minor, "
    "c.issued_at, "
    "c.expires_at, c.status, c.used_receipt, c.benefit_json FROM coupons c JOIN programs p ON "
    "p.id = c.program_id ";

Coupon read_coupon(Statement& st) {
    Coupon c{st.text(0),
             st.text(1),
             st.int64(2),
             st.text(3),
             st.text(4),
             Money{st.int64(5)},
             Money{st.int64(6)},
             from_unix(st.int64(7)),
             from_unix(st.int64(8)),
             st.text(9),
             st.optional_text(10)};
    // Written by this engine from a validated benefit; text that no longer reads leaves
    // an amount coupon of its stored value rather than a coupon nobody can look at.
    if (const auto text = st.optional_text(11))
        if (auto benefit = coupon_benefit_from_json(*text)) c.benefit = std::move(benefit.value());
    if (c.benefit.kind == BenefitKind::amount) c.benefit.value = c.value;
    c.benefit.min_spend = c.min_spend;
    return c;
}

std::optional<std::string> stored_benefit(const CouponBenefit& b) {
    if (b.kind == BenefitKind::amount) return std::nullopt;
    return coupon_benefit_json(b).dump();
}

std::string insert_coupon(EngineContext& ctx, std::int64_t program_id, MemberId member,
                          const std::string& source, const std::string& title,
                          const CouponBenefit& benefit, int valid_days,
                          std::optional<std::int64_t> redeem_entry) {
    const auto now = ctx.now();
    const auto code = random_code(12);
    ctx.db
        ->prepare(
            "INSERT INTO coupons(code, program_id, member_id, source, title, value_minor, "
            "min_spend_minor, issued_at, "
            "expires_at, redeem_entry_id, benefit_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .bind_all(code, program_id, member, source, title, benefit.value.minor,
                  benefit.min_spend.minor, to_unix(now), to_unix(now + Days{valid_days}),
                  redeem_entry, stored_benefit(benefit))
        .run();
    return code;
}

CouponBenefit amount_off(Money value, Money min_spend) {
    CouponBenefit b;
    b.value = value;
    b.min_spend = min_spend;
    return b;
}

}  // namespace

std::vector<Reward> Rewards::catalog(const std::string& program) {
    std::vector<Reward> out;
    auto st = ctx_.db->prepare(
        "SELECT r.code, r.name, r.points_cost, r.value_minor, r.valid_days, r.stock FROM rewards r "
        "JOIN programs p ON p.id = r.program_id WHERE p.code = ? AND r.active = 1 ORDER BY "
        "r.points_cost, r.code");
    st.bind(1, program);
    while (st.step())
        out.push_back(Reward{st.text(0), st.text(1), st.int64(2), Money{st.int64(3)},
                             static_cast<int>(st.int64(4)), st.optional_int64(5)});
    return out;
}

Result<Coupon> Rewards::find(const std::string& code) {
    return guarded([&]() -> Result<Coupon> {
        auto st = ctx_.db->prepare(std::string(kCouponColumns) + "WHERE c.code = ?");
        st.bind(1, code);
        if (!st.step()) return make_error(Errc::not_found, "unknown coupon " + code);
        auto coupon = read_coupon(st);
        return coupon;
    });
}

Result<Coupon> Rewards::redeem(MemberId member_id, const std::string& reward_code,
                               const std::string& idempotency_key) {
    return guarded([&]() -> Result<Coupon> {
        if (idempotency_key.empty())
            return make_error(Errc::invalid_argument, "a redemption needs an idempotency key");
        const auto key = "redeem:" + idempotency_key;
        const auto request_hash = std::to_string(member_id) + "/" + reward_code;
        // The key is looked up under the write lock: of ten copies arriving at once, one
        // redeems and the other nine find its result, none fails on the unique key.
        auto& db = *ctx_.db;
        Transaction tx(db);
        bool conflict = false;
        if (auto done = recorded_result(ctx_, key, request_hash, conflict)) {
            if (conflict)
                return make_error(Errc::conflict, "idempotency key " + idempotency_key +
                                                      " was used for another redemption");
            return find(json::parse(*done).at("coupon").get<std::string>());
        }
        auto member = load_member(ctx_, member_id);
        if (!member || member->status != "active")
            return make_error(Errc::not_found, "no active member " + std::to_string(member_id));
        const auto* program = ctx_.program(member->program);
        auto rs = db.prepare(
            "SELECT name, points_cost, value_minor, valid_days, stock FROM rewards "
            "WHERE program_id = ? AND code = ? AND active = 1");
        rs.bind_all(program->id, reward_code);
        if (!rs.step()) return make_error(Errc::not_found, "unknown reward " + reward_code);
        const auto name = rs.text(0);
        const Points cost = rs.int64(1);
        const Money value{rs.int64(2)};
        const int valid_days = static_cast<int>(rs.int64(3));
        const auto stock = rs.optional_int64(4);
        if (stock && *stock <= 0)
            return make_error(Errc::limit_exceeded, "reward " + name + " is out of stock");
        // The catalogue row carries the price; what the coupon does is the program's.
        const RewardDefinition* definition = nullptr;
        for (const auto& r : program->config.rewards)
            if (r.code == reward_code) definition = &r;
        CouponBenefit benefit = definition ? definition->benefit : amount_off(value, Money{0});
        benefit.value = value;
        if (definition && definition->per_member_limit > 0) {
            const auto since = definition->per_member_days > 0
                                   ? to_unix(ctx_.now() - Days{definition->per_member_days})
                                   : std::numeric_limits<std::int64_t>::min();
            const auto taken =
                db.prepare(
                      "SELECT count(*) FROM coupons WHERE member_id = ? AND source = ? AND "
                      "status != 'cancelled' AND issued_at > ?")
                    .bind_all(member_id, "reward:" + reward_code, since)
                    .scalar<std::int64_t>()
                    .value_or(0);
            if (taken >= definition->per_member_limit)
                return make_error(
                    Errc::limit_exceeded,
                    "reward " + name + " is limited to " +
                        std::to_string(definition->per_member_limit) + " per member" +
                        (definition->per_member_days > 0
                             ? " every " + std::to_string(definition->per_member_days) + " days"
                             : std::string()));
        }
        auto entry = ctx_.ledger.debit(Debit{member_id, LedgerKind::redeem, cost, "reward " + name,
                                             "reward:" + reward_code, key, std::nullopt});
        if (!entry) return entry.error();
        if (stock)
            db.prepare("UPDATE rewards SET stock = stock - 1 WHERE program_id = ? AND code = ?")
                .bind_all(program->id, reward_code)
                .run();
        const auto code = insert_coupon(ctx_, program->id, member_id, "reward:" + reward_code, name,
                                        benefit, valid_days, *entry);
        record_result(ctx_, key, "redeem", request_hash, json{{"coupon", code}}.dump());
        const auto balance = ctx_.ledger.balance(member_id);
        ctx_.emit("reward.redeemed", member->program,
                  json{{"member", member_id},
                       {"reward", reward_code},
                       {"points", cost},
                       {"coupon", code},
                       // The redemption's own reference: the hub finds the points hold a
                       // terminal took for it under this request.
                       {"request", idempotency_key},
                       {"available", balance.available}});
        tx.commit();
        return find(code);
    });
}

Result<bool> Rewards::redeemed(const std::string& idempotency_key) {
    return guarded([&]() -> Result<bool> {
        bool conflict = false;
        // Any request hash: a key used at all is a redemption made.
        return recorded_result(ctx_, "redeem:" + idempotency_key, std::string(), conflict)
            .has_value();
    });
}

Result<Coupon> Rewards::grant(const CouponGrant& g) {
    return guarded([&]() -> Result<Coupon> {
        if (g.idempotency_key.empty())
            return make_error(Errc::invalid_argument, "a coupon grant needs an idempotency key");
        if (g.value.minor < 0 || g.valid_days <= 0)
            return make_error(Errc::invalid_argument, "coupon value or validity is invalid");
        const auto key = "grant:" + g.idempotency_key;
        const auto request_hash =
            std::to_string(g.member) + "/" + g.source + "/" + std::to_string(g.value.minor);
        Transaction tx(*ctx_.db);  // key check and write under one lock (see redeem)
        bool conflict = false;
        if (auto done = recorded_result(ctx_, key, request_hash, conflict)) {
            if (conflict)
                return make_error(Errc::conflict, "idempotency key " + g.idempotency_key +
                                                      " was used for another grant");
            return find(json::parse(*done).at("coupon").get<std::string>());
        }
        auto member = load_member(ctx_, g.member);
        if (!member || member->status != "active")
            return make_error(Errc::not_found, "no active member " + std::to_string(g.member));
        const auto* program = ctx_.program(member->program);
        const auto code =
            insert_coupon(ctx_, program->id, g.member, g.source, g.title,
                          amount_off(g.value, g.min_spend), g.valid_days, std::nullopt);
        record_result(ctx_, key, "grant", request_hash, json{{"coupon", code}}.dump());
        ctx_.emit("coupon.issued", member->program,
                  json{{"member", g.member},
                       {"coupon", code},
                       {"source", g.source},
                       {"value", g.value.minor}});
        tx.commit();
        return find(code);
    });
}

Result<Coupon> Rewards::accept_issued(const Coupon& c) {
    return guarded([&]() -> Result<Coupon> {
        if (c.code.empty() || c.value.minor < 0 || c.expires_at <= c.issued_at)
            return make_error(Errc::invalid_argument,
                              "coupon " + c.code + " has no code, a negative value or no validity");
        auto member = load_member(ctx_, c.member);
        if (!member || member->status != "active" || member->program != c.program)
            return make_error(Errc::not_found,
                              "no active member " + std::to_string(c.member) + " in " + c.program);
        ctx_.db
            ->prepare(
                "INSERT INTO coupons(code, program_id, member_id, source, title, value_minor, "
                "min_spend_minor, issued_at, "
                "expires_at, benefit_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(code) "
                "DO NOTHING")
            .bind_all(c.code, ctx_.program(c.program)->id, c.member, c.source, c.title,
                      c.value.minor, c.min_spend.minor, to_unix(c.issued_at), to_unix(c.expires_at),
                      stored_benefit(c.benefit))
            .run();
        return find(c.code);
    });
}

Result<CancelledCoupon> Rewards::cancel(const CouponCancellation& request) {
    return guarded([&]() -> Result<CancelledCoupon> {
        if (request.reason.empty())
            return make_error(Errc::invalid_argument,
                              "a cancellation needs a reason for the audit trail");
        if (request.actor.empty())
            return make_error(Errc::unauthorized, "a cancellation needs the manager who made it");
        auto& db = *ctx_.db;
        Transaction tx(db);
        auto coupon = find(request.code);
        if (!coupon) return coupon.error();
        const auto key = "coupon-cancel:" + request.code;
        if (coupon->status == "cancelled") {  // a repeat: the first answer again
            const auto back = ctx_.ledger.find_by_key(key);
            return CancelledCoupon{*coupon, back ? back->available_delta : 0};
        }
        if (coupon->status != "issued")
            return make_error(Errc::already_used,
                              "coupon " + request.code + " was already " + coupon->status);
        db.prepare(
              "UPDATE coupons SET status = 'cancelled', cancelled_at = ?, cancel_reason = ? "
              "WHERE code = ? AND status = 'issued'")
            .bind_all(to_unix(ctx_.now()), request.reason, request.code)
            .run();
        CancelledCoupon out{*coupon, 0};
        out.coupon.status = "cancelled";
        const auto reason = "coupon " + request.code + " cancelled: " + request.reason;
        const auto redeemed = db.prepare(
                                    "SELECT e.id, -e.available_delta FROM coupons c JOIN "
                                    "ledger_entries e ON e.id = c.redeem_entry_id WHERE c.code = ?")
                                  .bind_all(request.code)
                                  .one([](const Statement& row) {
                                      return std::pair{row.int64(0), row.int64(1)};
                                  });
        if (redeemed && redeemed->second > 0) {
            // Back into the lots the redemption took them from, with their own expiry: a
            // cancellation must not renew points that were about to expire.
            out.points_returned =
                ctx_.ledger.restore_debit(coupon->member, redeemed->first, redeemed->second, reason,
                                          "coupon:" + request.code, key);
            const auto after = ctx_.ledger.balance(coupon->member);
            // Told as an adjustment, which the hub books like any other.
            ctx_.emit("points.adjusted", coupon->program,
                      json{{"member", coupon->member},
                           {"delta", out.points_returned},
                           {"reason", reason},
                           {"actor", request.actor},
                           {"available", after.available},
                           {"pending", after.pending}});
        }
        if (coupon->source.rfind("reward:", 0) == 0)  // the unit goes back on the shelf
            db.prepare(
                  "UPDATE rewards SET stock = stock + 1 WHERE program_id = ? AND code = ? AND "
                  "stock IS NOT NULL")
                .bind_all(ctx_.program(coupon->program)->id, coupon->source.substr(7))
                .run();
        ctx_.audit.record(request.actor, "coupon.cancelled", "coupon:" + request.code,
                          json{{"member", coupon->member},
                               {"reason", request.reason},
                               {"points_returned", out.points_returned}}
                              .dump());
        tx.commit();
        return out;
    });
}

Result<Coupon> Rewards::validate(const std::string& code, MemberId member, Money net) {
    auto coupon = find(code);
    if (!coupon) return coupon;
    if (coupon->member != member)
        return make_error(Errc::not_found, "coupon " + code + " belongs to another member");
    if (coupon->status == "used")
        return make_error(Errc::already_used, "coupon " + code + " was already used");
    if (coupon->status != "issued")
        return make_error(Errc::blocked, "coupon " + code + " is " + coupon->status);
    if (coupon->expires_at <= ctx_.now())
        return make_error(Errc::expired, "coupon " + code + " has expired");
    if (net < coupon->min_spend)
        return make_error(Errc::limit_exceeded, "coupon " + code + " needs a spend of " +
                                                    format_money(coupon->min_spend));
    return coupon;
}

std::vector<Coupon> Rewards::coupons_of(MemberId member, bool usable_only) {
    std::vector<Coupon> out;
    auto st = ctx_.db->prepare(
        std::string(kCouponColumns) +
        (usable_only ? "WHERE c.member_id = ? AND c.status = 'issued' AND c.expires_at > ? "
                     : "WHERE c.member_id = ? AND ? IS NOT NULL ") +
        "ORDER BY c.expires_at");
    st.bind_all(member, to_unix(ctx_.now()));
    while (st.step()) out.push_back(read_coupon(st));
    return out;
}

Result<int> Rewards::grant_birthday_gifts(const std::string& program_code, Timestamp now) {
    return guarded([&]() -> Result<int> {
        const auto* program = ctx_.program(program_code);
        if (!program) return make_error(Errc::not_found, "unknown program " + program_code);
        const auto today = local_date(now, program->config.utc_offset_minutes);
        int granted = 0;
        for (const auto& level : program->config.tiers.levels) {
            if (!level.birthday_gift) continue;
            const RewardDefinition* gift = nullptr;
            for (const auto& r : program->config.rewards)
                if (r.code == *level.birthday_gift) gift = &r;
            auto st = ctx_.db->prepare(
                "SELECT id FROM members WHERE program_id = ? AND status = 'active' AND tier_code = "
                "? AND birthday_month = ?");
            st.bind_all(program->id, level.code, static_cast<std::int64_t>(today.month));
            std::vector<MemberId> members;
            while (st.step()) members.push_back(st.int64(0));
            for (const auto id : members) {
                const auto key =
                    "birthday:" + std::to_string(id) + ":" + std::to_string(today.year);
                bool conflict = false;
                if (recorded_result(ctx_, "grant:" + key, "", conflict)) continue;
                auto coupon = grant(CouponGrant{id, "birthday", gift->name, gift->value, Money{0},
                                                gift->valid_days, key});
                if (!coupon) return coupon.error();
                ++granted;
            }
        }
        return granted;
    });
}

}  // namespace loyalty
