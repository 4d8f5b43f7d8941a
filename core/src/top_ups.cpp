// Top-ups (stored_value.hpp): money the till took, credited once per request id with the
// best top-up rule's bonus, points, coupon and tier; and a top-up refunded as cash, which
// takes back what the rule gave.
#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "loyalty/checked_math.hpp"
#include "loyalty/stored_value.hpp"
#include "member_rows.hpp"
#include "sv_accounts.hpp"

namespace loyalty {

using nlohmann::json;

namespace {

json balance_json(const SvBalance& b) {
    json j{{"principal", b.principal.minor}, {"bonus", b.bonus.minor}};
    if (b.expires_at) j["expires_at"] = to_unix(*b.expires_at);
    return j;
}

SvBalance balance_from(const json& j) {
    SvBalance b;
    b.principal = Money{j.at("principal").get<std::int64_t>()};
    b.bonus = Money{j.at("bonus").get<std::int64_t>()};
    if (j.contains("expires_at")) b.expires_at = from_unix(j.at("expires_at").get<std::int64_t>());
    return b;
}

json top_up_json(const TopUpResult& r) {
    json j{{"request_id", r.request_id},
           {"amount", r.amount.minor},
           {"bonus", r.bonus.minor},
           {"points", r.points},
           {"coupons", r.coupons},
           {"rule", r.rule},
           {"balance", balance_json(r.balance)}};
    if (r.tier) j["tier"] = *r.tier;
    return j;
}

// What the rule changed that a refund must undo: kept with the top-up, not in its answer.
struct RuleExtras {
    std::optional<std::string> tier_before;
};

TopUpResult top_up_from(const json& j) {
    TopUpResult r;
    r.replayed = true;
    r.request_id = j.at("request_id").get<std::string>();
    r.amount = Money{j.at("amount").get<std::int64_t>()};
    r.bonus = Money{j.at("bonus").get<std::int64_t>()};
    r.points = j.at("points").get<Points>();
    r.coupons = j.at("coupons").get<std::vector<std::string>>();
    r.rule = j.at("rule").get<std::string>();
    r.balance = balance_from(j.at("balance"));
    if (j.contains("tier")) r.tier = j.at("tier").get<std::string>();
    return r;
}

json refund_json(const TopUpRefundResult& r) {
    return {{"principal_debited", r.principal_debited.minor},
            {"bonus_uncovered", r.bonus_uncovered.minor},
            {"coupons_cancelled", r.coupons_cancelled},
            {"tier_reverted", r.tier_reverted},
            {"bonus_taken_back", r.bonus_taken_back.minor},
            {"bonus_short", r.bonus_short.minor},
            {"cash_out", r.cash_out.minor},
            {"points_taken_back", r.points_taken_back},
            {"points_short", r.points_short},
            {"balance", balance_json(r.balance)}};
}

TopUpRefundResult refund_from(const json& j) {
    TopUpRefundResult r;
    r.replayed = true;
    r.principal_debited = Money{j.at("principal_debited").get<std::int64_t>()};
    r.bonus_taken_back = Money{j.at("bonus_taken_back").get<std::int64_t>()};
    r.bonus_short = Money{j.at("bonus_short").get<std::int64_t>()};
    r.bonus_uncovered = Money{j.at("bonus_uncovered").get<std::int64_t>()};
    r.coupons_cancelled = j.at("coupons_cancelled").get<int>();
    r.tier_reverted = j.at("tier_reverted").get<bool>();
    r.cash_out = Money{j.at("cash_out").get<std::int64_t>()};
    r.points_taken_back = j.at("points_taken_back").get<Points>();
    r.points_short = j.at("points_short").get<Points>();
    r.balance = balance_from(j.at("balance"));
    return r;
}

// The best rule the amount reaches, in force today at this store; nullptr when none.
const TopUpRule* applicable_rule(const ProgramConfig& config, Money amount, Timestamp now,
                                 const std::string& store) {
    const TopUpRule* best = nullptr;
    const auto offset = config.utc_offset_minutes;
    for (const auto& r : config.stored_value.top_ups) {
        if (amount < r.min_amount) continue;
        if (r.from_date && now < parse_local_date(r.from_date->c_str(), offset)) continue;
        if (r.to_date && now >= parse_local_date(r.to_date->c_str(), offset) + Days{1}) continue;
        if (!r.stores.empty() &&
            std::find(r.stores.begin(), r.stores.end(), store) == r.stores.end())
            continue;
        if (!best || r.min_amount > best->min_amount) best = &r;
    }
    return best;
}

int level_of(const ProgramConfig& config, const std::string& tier) {
    for (std::size_t i = 0; i < config.tiers.levels.size(); ++i)
        if (config.tiers.levels[i].code == tier) return static_cast<int>(i);
    return -1;
}

// What a top-up rule gives beyond bonus money: points, a coupon, a tier. Inside the
// top-up's transaction; each keyed by the top-up, so nothing is given twice.
void give_rule_extras(EngineContext& ctx, const TopUpRule& rule, const Member& member,
                      const std::string& key, const std::string& actor, TopUpResult& result,
                      RuleExtras& extras) {
    const auto& config = ctx.program(member.program)->config;
    const auto now = ctx.now();
    if (rule.points > 0) {
        ctx.ledger.credit(Credit{member.id, LedgerKind::bonus, rule.points, false, now,
                                 ctx.ledger.expiry_for(member.program, now), "top-up: " + rule.name,
                                 key, key + ":points", actor});
        result.points = rule.points;
    }
    if (rule.coupon) {
        const auto* reward = config.reward(*rule.coupon);
        auto coupon = ctx.rewards.grant(CouponGrant{member.id, "top_up:" + rule.name, reward->name,
                                                    reward->value, Money{0}, reward->valid_days,
                                                    key + ":coupon"});
        if (!coupon) throw OperationAborted(coupon.error());
        result.coupons.push_back(coupon->code);
    }
    if (rule.tier && level_of(config, *rule.tier) > level_of(config, member.tier_code)) {
        auto moved = ctx.tiers.set_by_manager(
            ManualTier{member.id, *rule.tier, "top-up rule " + rule.name, actor, false});
        if (!moved) throw OperationAborted(moved.error());
        result.tier = *rule.tier;
        extras.tier_before = member.tier_code;
    }
}

}  // namespace

Result<TopUpResult> StoredValue::top_up(const TopUpRequest& request) {
    return guarded([&]() -> Result<TopUpResult> {
        const auto* program = ctx_.program(request.program);
        if (!program) return make_error(Errc::not_found, "unknown program " + request.program);
        const auto& rules = program->config.stored_value;
        if (!rules.enabled)
            return make_error(Errc::invalid_argument,
                              "program " + request.program + " takes no stored value");
        if (request.request_id.empty())
            return make_error(Errc::invalid_argument, "a top-up needs its request id");
        if (request.member.has_value() == request.card.has_value())
            return make_error(Errc::invalid_argument,
                              "a top-up is for a member or for a gift card, exactly one");
        if (request.amount.minor <= 0)
            return make_error(Errc::invalid_argument, "a top-up amount must be positive");
        if (std::find(rules.tenders.begin(), rules.tenders.end(), request.tender) ==
            rules.tenders.end())
            return make_error(Errc::invalid_argument,
                              "tender '" + request.tender + "' is not taken for top-ups here");
        if (request.card && !gift_card_number_valid(*request.card))
            return make_error(Errc::invalid_argument,
                              "gift card number " + *request.card + " is not valid (check digit)");
        const auto store = request.store.empty() ? ctx_.origin.store : request.store;
        const auto terminal = request.terminal.empty() ? ctx_.origin.terminal : request.terminal;
        auto& db = *ctx_.db;
        Transaction tx(db);
        // Looked up under the write lock: of ten copies at once one credits, nine replay.
        auto prior = db.prepare(
            "SELECT result_json, tender, amount_minor, account_id FROM sv_top_ups "
            "WHERE program_id = ? AND request_id = ?");
        prior.bind_all(program->id, request.request_id);
        if (prior.step()) {
            auto replay = top_up_from(json::parse(prior.text(0)));
            const auto account = prior.int64(3);
            const auto same_holder = request.member
                                         ? find_member_account(ctx_, program->id, *request.member)
                                         : find_card_account(ctx_, program->id, *request.card);
            if (prior.text(1) != request.tender || prior.int64(2) != request.amount.minor ||
                !same_holder || same_holder->id != account)
                return make_error(Errc::conflict, "top-up request " + request.request_id +
                                                      " was used for another top-up");
            return replay;
        }

        std::optional<Member> member;
        SvAccount account;
        Money limit = rules.member_balance_limit;
        std::string limited = "the member's balance";
        const auto now = ctx_.now();
        if (request.member) {
            member = load_member(ctx_, *request.member);
            if (!member || member->program != request.program)
                return make_error(Errc::not_found, "no member " + std::to_string(*request.member) +
                                                       " in " + request.program);
            if (member->status != "active")
                return make_error(Errc::blocked, "member account is " + member->status);
            account = member_account(ctx_, program->id, member->id);
        } else {
            limit = rules.bearer_card_limit;
            limited = "gift card " + *request.card;
            account = card_account(ctx_, *program, *request.card);
            if (account.balance.expires_at && now >= *account.balance.expires_at)
                return make_error(Errc::expired, "gift card " + *request.card + " has expired");
        }
        if (account.balance.status != "active")
            return make_error(Errc::blocked, account.holder() + " is blocked");

        // Bonus money and extras are for registered members: a bearer card is cash.
        const TopUpRule* rule =
            member ? applicable_rule(program->config, request.amount, now, store) : nullptr;
        TopUpResult result;
        result.request_id = request.request_id;
        result.amount = request.amount;
        result.bonus = rule ? rule->bonus : Money{};
        result.rule = rule ? rule->name : "";
        // Checked: an amount near INT64_MAX must be refused, never wrap below the limit.
        auto after = checked_add(account.balance.total().minor, request.amount.minor);
        if (after) after = checked_add(*after, result.bonus.minor);
        if (!after || Money{*after} > limit)
            return make_error(Errc::limit_exceeded,
                              after ? limit_refusal(limited, Money{*after}, limit)
                                    : limited + " would pass its limit of " + format_money(limit));

        const auto key = "sv-top-up:" + request.program + ":" + request.request_id;
        post_sv_entry(ctx_, SvPosting{account.id, "top_up", request.amount, result.bonus,
                                      request.tender, "top-up:" + request.request_id,
                                      rule ? "top-up rule " + rule->name : "top-up", key, store,
                                      terminal, request.cashier});
        RuleExtras extras;
        if (rule && member)
            give_rule_extras(ctx_, *rule, *member, key, request.cashier.value_or("till"), result,
                             extras);
        result.balance = (member ? find_member_account(ctx_, program->id, member->id)
                                 : find_card_account(ctx_, program->id, *request.card))
                             ->balance;
        db.prepare(
              "INSERT INTO sv_top_ups(program_id, request_id, account_id, amount_minor, "
              "bonus_minor, points, rule, tender, store, terminal, occurred_at, result_json) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .bind_all(program->id, request.request_id, account.id, request.amount.minor,
                      result.bonus.minor, result.points, result.rule, request.tender, store,
                      terminal, to_unix(now),
                      [&] {
                          auto kept = top_up_json(result);
                          if (extras.tier_before) kept["tier_before"] = *extras.tier_before;
                          return kept.dump();
                      }())
            .run();
        json event{{"request", request.request_id},
                   {"amount", request.amount.minor},
                   {"bonus", result.bonus.minor},
                   {"points", result.points},
                   {"tender", request.tender},
                   {"rule", result.rule},
                   {"store", store},
                   {"terminal", terminal},
                   {"principal", result.balance.principal.minor},
                   {"bonus_balance", result.balance.bonus.minor}};
        if (member)
            event["member"] = member->id;
        else
            event["card"] = *request.card;
        ctx_.emit("stored_value.topped_up", request.program, event);
        tx.commit();
        return result;
    });
}

Result<TopUpRefundResult> StoredValue::refund_top_up(const TopUpRefundRequest& request) {
    return guarded([&]() -> Result<TopUpRefundResult> {
        const auto* program = ctx_.program(request.program);
        if (!program) return make_error(Errc::not_found, "unknown program " + request.program);
        if (request.refund_request_id.empty())
            return make_error(Errc::invalid_argument, "a top-up refund needs its request id");
        if (!request.dry_run && request.actor.empty())
            return make_error(Errc::unauthorized, "a top-up refund needs a manager");
        auto& db = *ctx_.db;
        Transaction tx(db);
        auto st = db.prepare(
            "SELECT t.account_id, t.amount_minor, t.bonus_minor, t.points, t.refund_request_id, "
            "t.refund_json, a.member_id, t.result_json FROM sv_top_ups t JOIN sv_accounts a "
            "ON a.id = t.account_id WHERE t.program_id = ? AND t.request_id = ?");
        st.bind_all(program->id, request.top_up_request_id);
        if (!st.step())
            return make_error(Errc::not_found, "no top-up " + request.top_up_request_id);
        const auto account_id = st.int64(0);
        const Money amount{st.int64(1)}, bonus_given{st.int64(2)};
        const Points points_given = st.int64(3);
        const auto member = st.optional_int64(6);
        if (auto done = st.optional_text(4)) {
            if (*done != request.refund_request_id)
                return make_error(Errc::already_used, "top-up " + request.top_up_request_id +
                                                          " was refunded already (refund " + *done +
                                                          ")");
            return refund_from(json::parse(*st.optional_text(5)));
        }
        const auto held = ctx_.db
                              ->prepare(
                                  "SELECT principal_minor, bonus_minor FROM sv_accounts WHERE "
                                  "id = ?")
                              .bind_all(account_id)
                              .one([](const Statement& row) {
                                  return SvBalance{Money{row.int64(0)}, Money{row.int64(1)}};
                              })
                              .value();
        TopUpRefundResult r;
        r.bonus_taken_back = std::min(bonus_given, held.bonus);
        r.bonus_short = bonus_given - r.bonus_taken_back;
        r.principal_debited = std::min(amount, held.principal);
        r.cash_out = std::max(Money{0}, r.principal_debited - r.bonus_short);
        // Spent bonus beyond the principal left: the member owes it, nothing more is taken.
        r.bonus_uncovered = std::max(Money{0}, r.bonus_short - r.principal_debited);
        const auto given = json::parse(st.text(7));
        const auto key = "sv-top-up:" + request.program + ":" + request.top_up_request_id;
        if (member && points_given > 0) {
            const auto available = ctx_.ledger.balance(*member).available;
            r.points_taken_back = std::min(points_given, available);
            r.points_short = points_given - r.points_taken_back;
        }
        r.balance =
            SvBalance{held.principal - r.principal_debited, held.bonus - r.bonus_taken_back};
        if (request.dry_run) {
            r.coupons_cancelled = static_cast<int>(given.at("coupons").size());
            r.tier_reverted = given.contains("tier_before");
            return r;
        }

        const auto refund_key = key + ":refund";
        post_sv_entry(
            ctx_, SvPosting{account_id, "top_up_refund", Money{} - r.principal_debited,
                            Money{} - r.bonus_taken_back, "", "top-up:" + request.top_up_request_id,
                            "top-up refunded: " + format_money(r.cash_out) + " paid out",
                            refund_key, ctx_.origin.store, ctx_.origin.terminal, request.actor});
        // The rule's coupons go with it (those not used yet) and so does its tier.
        for (const auto& code : given.at("coupons")) {
            auto cancelled = ctx_.rewards.cancel(
                CouponCancellation{code.get<std::string>(), "top-up refunded", request.actor});
            if (cancelled) ++r.coupons_cancelled;
        }
        if (member && given.contains("tier_before")) {
            const auto m = load_member(ctx_, *member);
            if (m && m->tier_code == given.at("tier").get<std::string>()) {
                auto back = ctx_.tiers.set_by_manager(ManualTier{
                    *member, given.at("tier_before").get<std::string>(),
                    "top-up " + request.top_up_request_id + " refunded", request.actor, false});
                if (!back) return back.error();
                r.tier_reverted = true;
            }
        }
        if (member && r.points_taken_back > 0) {
            const auto credited = ctx_.ledger.find_by_key(key + ":points");
            ctx_.ledger.reverse_earn(*member, credited ? credited->id : 0, r.points_taken_back,
                                     "top-up refunded", "top-up:" + request.top_up_request_id,
                                     refund_key + ":points");
        }
        db.prepare(
              "UPDATE sv_top_ups SET refund_request_id = ?, refund_json = ?, refunded_at = ?, "
              "refund_store = ? WHERE program_id = ? AND request_id = ?")
            .bind_all(request.refund_request_id, refund_json(r).dump(), to_unix(ctx_.now()),
                      ctx_.origin.store, program->id, request.top_up_request_id)
            .run();
        ctx_.audit.record(
            request.actor, "stored_value.top_up_refunded",
            member ? "member:" + ctx_.member_uid(*member) : "top-up:" + request.top_up_request_id,
            refund_json(r).dump());
        json event{
            {"request", request.top_up_request_id},   {"refund_request", request.refund_request_id},
            {"principal", r.principal_debited.minor}, {"bonus", r.bonus_taken_back.minor},
            {"bonus_short", r.bonus_short.minor},     {"cash_out", r.cash_out.minor},
            {"points", r.points_taken_back}};
        if (member) event["member"] = *member;
        ctx_.emit("stored_value.top_up_refunded", request.program, event);
        tx.commit();
        return r;
    });
}

}  // namespace loyalty
