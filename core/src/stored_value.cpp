#include "loyalty/stored_value.hpp"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "member_rows.hpp"
#include "operations.hpp"
#include "sv_accounts.hpp"

namespace loyalty {

using nlohmann::json;

Result<SvSplit> split_payment(DeductionOrder order, const SvBalance& held, Money bonus_cap,
                              Money amount) {
    if (amount.minor < 0)
        return make_error(Errc::invalid_argument, "a stored-value amount must not be negative");
    if (amount.minor == 0) return SvSplit{};
    const Money usable_bonus = std::min(held.bonus, std::max(bonus_cap, Money{0}));
    if (amount > held.principal + usable_bonus)
        return make_error(Errc::insufficient_funds,
                          "stored value: " + format_money(amount) + " wanted, " +
                              format_money(held.principal + usable_bonus) + " may pay (principal " +
                              format_money(held.principal) + ", bonus " +
                              format_money(usable_bonus) +
                              (usable_bonus < held.bonus
                                   ? " of " + format_money(held.bonus) + " usable on this bill"
                                   : std::string()) +
                              ")");
    SvSplit s;
    switch (order) {
        case DeductionOrder::bonus_first:
            s.bonus = std::min(usable_bonus, amount);
            s.principal = amount - s.bonus;
            break;
        case DeductionOrder::principal_first:
            s.principal = std::min(held.principal, amount);
            s.bonus = amount - s.principal;
            break;
        case DeductionOrder::proportional: {
            const Money total = held.principal + held.bonus;
            // floor(2x) then (y + 1) / 2 is x rounded half up, x = amount x principal / total.
            const auto twice = mul_div(amount.minor, 2 * held.principal.minor, total.minor);
            s.principal = Money{(twice + 1) / 2};
            s.bonus = amount - s.principal;
            if (s.bonus > usable_bonus) {  // the cap moves the rest onto principal
                s.bonus = usable_bonus;
                s.principal = amount - s.bonus;
            }
            break;
        }
    }
    return s;
}

bool gift_card_number_valid(const std::string& number) {
    if (number.size() < 16 || number.size() > 19) return false;
    int sum = 0;
    bool twice = false;
    for (auto it = number.rbegin(); it != number.rend(); ++it) {
        if (*it < '0' || *it > '9') return false;
        int d = *it - '0';
        if (twice) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
        sum += d;
        twice = !twice;
    }
    return sum % 10 == 0;
}

namespace {

// Brings an account to `target` (never below zero) with one adjust entry and no event.
SvSplit align_sv_account(EngineContext& ctx, const SvAccount& account, SvSplit target,
                         const std::string& reason, const std::string& holder) {
    const SvSplit change{std::max(target.principal, Money{}) - account.balance.principal,
                         std::max(target.bonus, Money{}) - account.balance.bonus};
    if (change.principal.minor == 0 && change.bonus.minor == 0) return change;
    // Unique per entry: the next entry id of this database.
    const auto next = ctx.db->prepare("SELECT coalesce(max(id), 0) + 1 FROM sv_entries")
                          .scalar<std::int64_t>()
                          .value_or(1);
    post_sv_entry(ctx, SvPosting{account.id, "adjust", change.principal, change.bonus, "", "hub",
                                 reason, "sv-align:" + holder + ":" + std::to_string(next),
                                 ctx.origin.store, ctx.origin.terminal, std::nullopt});
    return change;
}

}  // namespace

Result<SvBalance> StoredValue::member_balance(MemberId member) {
    return guarded([&]() -> Result<SvBalance> {
        const auto m = load_member(ctx_, member);
        if (!m) return make_error(Errc::not_found, "no member " + std::to_string(member));
        const auto* program = ctx_.program(m->program);
        if (auto account = find_member_account(ctx_, program->id, member)) return account->balance;
        return SvBalance{};
    });
}

Result<SvBalance> StoredValue::card_balance(const std::string& program_code,
                                            const std::string& card) {
    return guarded([&]() -> Result<SvBalance> {
        const auto* program = ctx_.program(program_code);
        if (!program) return make_error(Errc::not_found, "unknown program " + program_code);
        if (!gift_card_number_valid(card))
            return make_error(Errc::invalid_argument,
                              "gift card number " + card + " is not valid (check digit)");
        auto account = find_card_account(ctx_, program->id, card);
        if (!account) return make_error(Errc::not_found, "gift card " + card + " is not activated");
        return account->balance;
    });
}

Result<std::vector<SvEntry>> StoredValue::history(MemberId member, int limit) {
    return guarded([&]() -> Result<std::vector<SvEntry>> {
        std::vector<SvEntry> out;
        ctx_.db
            ->prepare(
                "SELECT e.id, e.kind, e.principal_delta, e.bonus_delta, e.occurred_at, "
                "coalesce(e.tender, ''), coalesce(e.reference, ''), e.reason, coalesce(e.store, "
                "'') FROM sv_entries e JOIN sv_accounts a ON a.id = e.account_id "
                "WHERE a.member_id = ? ORDER BY e.id DESC LIMIT ?")
            .bind_all(member, limit)
            .each([&](const Statement& row) {
                out.push_back(SvEntry{row.int64(0), row.text(1), Money{row.int64(2)},
                                      Money{row.int64(3)}, from_unix(row.int64(4)), row.text(5),
                                      row.text(6), row.text(7), row.text(8)});
            });
        return out;
    });
}

Result<SvBalance> StoredValue::adjust(const SvAdjustment& a) {
    return guarded([&]() -> Result<SvBalance> {
        if (a.reason.empty() || a.actor.empty() || a.request_id.empty())
            return make_error(
                Errc::invalid_argument,
                "a stored-value adjustment needs a reason, a manager and a request id");
        if (a.principal_delta.minor == 0 && a.bonus_delta.minor == 0)
            return make_error(Errc::invalid_argument, "the adjustment changes nothing");
        const auto m = load_member(ctx_, a.member);
        if (!m) return make_error(Errc::not_found, "no member " + std::to_string(a.member));
        const auto* program = ctx_.program(m->program);
        if (!program->config.stored_value.enabled)
            return make_error(Errc::invalid_argument,
                              "program " + m->program + " takes no stored value");
        const auto limit = program->config.stored_value.member_balance_limit;
        if (a.principal_delta > limit || a.bonus_delta > limit ||
            Money{} - a.principal_delta > limit || Money{} - a.bonus_delta > limit)
            return make_error(Errc::limit_exceeded,
                              "an adjustment is at most " + format_money(limit) + " either way");
        auto& db = *ctx_.db;
        Transaction tx(db);
        const auto key = "sv-adjust:" + m->program + ":" + a.request_id;
        const auto request_hash = std::to_string(a.member) + "/" +
                                  std::to_string(a.principal_delta.minor) + "/" +
                                  std::to_string(a.bonus_delta.minor);
        bool conflict = false;
        if (auto done = recorded_result(ctx_, key, request_hash, conflict)) {
            if (conflict)
                return make_error(Errc::conflict, "request id " + a.request_id +
                                                      " was used for another adjustment");
            const auto j = json::parse(*done);
            return SvBalance{Money{j.at("principal").get<std::int64_t>()},
                             Money{j.at("bonus").get<std::int64_t>()}};
        }
        auto account = member_account(ctx_, program->id, a.member);
        const SvBalance after{account.balance.principal + a.principal_delta,
                              account.balance.bonus + a.bonus_delta};
        if (after.principal.minor < 0 || after.bonus.minor < 0)
            return make_error(Errc::insufficient_funds,
                              "the adjustment would leave a negative balance");
        if (after.total() > limit && after.total() > account.balance.total())
            return make_error(Errc::limit_exceeded,
                              limit_refusal("the member's balance", after.total(), limit));
        post_sv_entry(ctx_, SvPosting{account.id, "adjust", a.principal_delta, a.bonus_delta, "",
                                      "adjust:" + a.request_id, a.reason, key, ctx_.origin.store,
                                      ctx_.origin.terminal, a.actor});
        record_result(
            ctx_, key, "sv_adjust", request_hash,
            json{{"principal", after.principal.minor}, {"bonus", after.bonus.minor}}.dump());
        ctx_.audit.record(a.actor, "stored_value.adjusted", "member:" + m->uid,
                          json{{"principal", a.principal_delta.minor},
                               {"bonus", a.bonus_delta.minor},
                               {"reason", a.reason},
                               {"request", a.request_id}}
                              .dump());
        ctx_.emit("stored_value.adjusted", m->program,
                  json{{"member", a.member},
                       {"principal", a.principal_delta.minor},
                       {"bonus", a.bonus_delta.minor},
                       {"reason", a.reason},
                       {"request", a.request_id}});
        tx.commit();
        return after;
    });
}

Result<SvSplit> StoredValue::align_member_balance(MemberId member, SvSplit target,
                                                  const std::string& reason) {
    return guarded([&]() -> Result<SvSplit> {
        const auto m = load_member(ctx_, member);
        if (!m) return make_error(Errc::not_found, "no member " + std::to_string(member));
        const auto* program = ctx_.program(m->program);
        auto& db = *ctx_.db;
        Transaction tx(db);
        auto account = find_member_account(ctx_, program->id, member);
        if (!account && target.principal.minor <= 0 && target.bonus.minor <= 0)
            return SvSplit{};  // nothing held anywhere: no account to open
        if (!account) account = member_account(ctx_, program->id, member);
        const auto change = align_sv_account(ctx_, *account, target, reason, m->uid);
        tx.commit();
        return change;
    });
}

Result<SvSplit> StoredValue::align_card_balance(const std::string& program_code,
                                                const std::string& card, SvSplit target,
                                                std::int64_t expires_at,
                                                const std::string& reason) {
    return guarded([&]() -> Result<SvSplit> {
        const auto* program = ctx_.program(program_code);
        if (!program) return make_error(Errc::not_found, "unknown program " + program_code);
        if (!gift_card_number_valid(card))
            return make_error(Errc::invalid_argument,
                              "gift card number " + card + " is not valid (check digit)");
        auto& db = *ctx_.db;
        Transaction tx(db);
        auto account = find_card_account(ctx_, program->id, card);
        if (!account) {
            db.prepare(
                  "INSERT INTO sv_accounts(program_id, card, opened_at, expires_at) VALUES (?, ?, "
                  "?, ?)")
                .bind_all(program->id, card, to_unix(ctx_.now()),
                          expires_at > 0 ? std::optional<std::int64_t>(expires_at) : std::nullopt)
                .run();
            account = find_card_account(ctx_, program->id, card);
        }
        const auto change = align_sv_account(ctx_, *account, target, reason, card);
        tx.commit();
        return change;
    });
}

Result<std::vector<SvMismatch>> StoredValue::verify_all() {
    return guarded([&]() -> Result<std::vector<SvMismatch>> {
        std::vector<SvMismatch> out;
        ctx_.db
            ->prepare(
                "SELECT a.id, coalesce(m.uid, a.card), a.principal_minor, a.bonus_minor, "
                "coalesce(sum(e.principal_delta), 0), coalesce(sum(e.bonus_delta), 0) "
                "FROM sv_accounts a LEFT JOIN members m ON m.id = a.member_id "
                "LEFT JOIN sv_entries e ON e.account_id = a.id GROUP BY a.id, m.uid "
                "HAVING a.principal_minor != coalesce(sum(e.principal_delta), 0) OR "
                "a.bonus_minor != coalesce(sum(e.bonus_delta), 0)")
            .each([&](const Statement& row) {
                out.push_back(SvMismatch{row.int64(0), row.text(1),
                                         SvBalance{Money{row.int64(2)}, Money{row.int64(3)}},
                                         SvBalance{Money{row.int64(4)}, Money{row.int64(5)}}});
            });
        return out;
    });
}

Result<SvDaySummary> StoredValue::day_summary(const std::string& program_code,
                                              const std::string& store, Timestamp from,
                                              Timestamp to) {
    return guarded([&]() -> Result<SvDaySummary> {
        const auto* program = ctx_.program(program_code);
        if (!program) return make_error(Errc::not_found, "unknown program " + program_code);
        SvDaySummary s;
        ctx_.db
            ->prepare(
                "SELECT e.kind, coalesce(e.tender, ''), count(*), sum(e.principal_delta), "
                "sum(e.bonus_delta) FROM sv_entries e JOIN sv_accounts a ON a.id = e.account_id "
                "WHERE a.program_id = ? AND (? = '' OR e.store = ?) AND e.occurred_at >= ? AND "
                "e.occurred_at < ? GROUP BY e.kind, e.tender ORDER BY e.kind, e.tender")
            .bind_all(program->id, store, store, to_unix(from), to_unix(to))
            .each([&](const Statement& row) {
                const auto kind = row.text(0);
                const Money principal{row.int64(3)}, bonus{row.int64(4)};
                if (kind == "top_up") {
                    s.top_ups_by_tender.emplace_back(row.text(1), principal);
                    s.top_up_count += row.int64(2);
                    s.bonus_given += bonus;
                } else if (kind == "spend") {
                    s.spent_principal -= principal;
                    s.spent_bonus -= bonus;
                } else if (kind == "refund") {
                    s.refunded_to_balance += principal + bonus;
                }
            });
        // Cash given back: what each refunded top-up paid out, its shortfall kept back.
        ctx_.db
            ->prepare(
                "SELECT coalesce(sum(CAST(json_extract(refund_json, '$.cash_out') AS INTEGER)), 0) "
                "FROM sv_top_ups "
                "WHERE program_id = ? AND (? = '' OR refund_store = ?) AND refunded_at >= ? AND "
                "refunded_at < ?")
            .bind_all(program->id, store, store, to_unix(from), to_unix(to))
            .one([&](const Statement& row) {
                s.top_ups_refunded = Money{row.int64(0)};
                return 0;
            });
        // Outstanding at the end of the period, from the ledger (verify_all holds the balances
        // to it): a report for a past day must not show today's balances.
        ctx_.db
            ->prepare(
                "SELECT coalesce(sum(e.principal_delta), 0), coalesce(sum(e.bonus_delta), 0) FROM "
                "sv_entries e JOIN sv_accounts a ON a.id = e.account_id WHERE a.program_id = ? "
                "AND e.occurred_at < ?")
            .bind_all(program->id, to_unix(to))
            .one([&](const Statement& row) {
                s.liability_principal = Money{row.int64(0)};
                s.liability_bonus = Money{row.int64(1)};
                return 0;
            });
        return s;
    });
}

}  // namespace loyalty
