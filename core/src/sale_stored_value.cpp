#include "sale_stored_value.hpp"

#include <algorithm>

namespace loyalty {

namespace {

// The part of the bill bonus money may pay: lines of the bonus-eligible categories (all
// of them when the program names none), at most the per-bill cap.
Money bonus_cap(const StoredValueRules& rules, const PricedBasket& basket, Money left) {
    Money eligible;
    for (const auto& l : basket.lines)
        if (rules.bonus_categories.empty() ||
            std::find(rules.bonus_categories.begin(), rules.bonus_categories.end(),
                      l.line.category) != rules.bonus_categories.end())
            eligible += l.net;
    Money cap = std::min(eligible, left);
    if (rules.max_bonus_per_bill.minor > 0) cap = std::min(cap, rules.max_bonus_per_bill);
    return cap;
}

}  // namespace

Result<std::vector<PlannedSvPayment>> plan_sv_payments(EngineContext& ctx,
                                                       const CachedProgram& program,
                                                       const SaleRequest& request,
                                                       const std::optional<Member>& member,
                                                       const PricedBasket& basket, Money left) {
    std::vector<PlannedSvPayment> planned;
    if (request.stored_value.empty()) return planned;
    const auto& rules = program.config.stored_value;
    if (!rules.enabled)
        return make_error(Errc::invalid_argument,
                          "program " + program.config.code + " takes no stored value");
    Money total;
    Money bonus_left = bonus_cap(rules, basket, left);
    const auto now = ctx.now();
    for (const auto& tender : request.stored_value) {
        if (tender.amount.minor <= 0)
            return make_error(Errc::invalid_argument, "a stored-value amount must be positive");
        std::optional<SvAccount> account;
        if (tender.card) {
            if (!gift_card_number_valid(*tender.card))
                return make_error(Errc::invalid_argument, "gift card number " + *tender.card +
                                                              " is not valid (check digit)");
            account = find_card_account(ctx, program.id, *tender.card);
            if (!account)
                return make_error(Errc::not_found,
                                  "gift card " + *tender.card + " is not activated");
            if (account->balance.expires_at && now >= *account->balance.expires_at)
                return make_error(Errc::expired, "gift card " + *tender.card + " has expired");
        } else {
            if (!member)
                return make_error(Errc::invalid_argument,
                                  "paying from a member's balance needs an identified member");
            if (rules.pin_above.minor > 0 && tender.amount > rules.pin_above &&
                !request.member_verified)
                return make_error(Errc::unauthorized,
                                  "paying " + format_money(tender.amount) +
                                      " from the balance needs the member's PIN or a fresh member "
                                      "QR code (above " +
                                      format_money(rules.pin_above) + ")");
            account = find_member_account(ctx, program.id, member->id);
            if (!account) account = SvAccount{0, member->id, std::nullopt, SvBalance{}};
        }
        const bool twice = std::any_of(planned.begin(), planned.end(), [&](const auto& p) {
            return p.account.member == account->member && p.account.card == account->card;
        });
        if (twice)
            return make_error(Errc::invalid_argument,
                              account->holder() + " is listed twice among the tenders");
        if (account->balance.status != "active")
            return make_error(Errc::blocked, account->holder() + " is blocked");
        // A gift card holds principal only; a member's bonus is capped per bill.
        auto split = split_payment(rules.order, account->balance, bonus_left, tender.amount);
        if (!split)
            return make_error(split.error().code, account->holder() + ": " + split.error().message);
        bonus_left -= split->bonus;
        total += tender.amount;
        planned.push_back(PlannedSvPayment{
            *account, SvPaymentLine{tender.card.value_or("member"), split->principal, split->bonus,
                                    account->balance.total() - tender.amount}});
    }
    if (total > left)
        return make_error(Errc::invalid_argument, "stored value of " + format_money(total) +
                                                      " is more than the " + format_money(left) +
                                                      " left to pay");
    return planned;
}

void book_sv_payments(EngineContext& ctx, const SvBooking& sale,
                      std::vector<PlannedSvPayment>& payments) {
    int line_no = 0;
    for (auto& p : payments) {
        // Planning refused any amount an account cannot cover, so a member paying here has an
        // account: one never opened holds nothing.
        p.line.balance_after = p.account.balance.total() - p.line.principal - p.line.bonus;
        post_sv_entry(
            ctx,
            SvPosting{p.account.id, "spend", Money{} - p.line.principal, Money{} - p.line.bonus, "",
                      "receipt:" + sale.sale_key, "paid with stored value",
                      "sale-sv:" + sale.sale_key + ":" + std::to_string(p.account.id), sale.store,
                      sale.terminal, sale.cashier});
        ctx.db
            ->prepare(
                "INSERT INTO sale_sv_payments(sale_id, account_id, line_no, principal_minor, "
                "bonus_minor, balance_after) VALUES (?, ?, ?, ?, ?, ?)")
            .bind_all(sale.sale_id, p.account.id, ++line_no, p.line.principal.minor,
                      p.line.bonus.minor, p.line.balance_after.minor)
            .run();
    }
}

SvRestored restore_sv_payments(EngineContext& ctx, const SvBooking& sale,
                               const std::string& refund_ref, Money refunded_after, Money net) {
    SvRestored total;
    if (net.minor <= 0) return total;
    struct Paid {
        std::int64_t account;
        Money principal, bonus, restored_principal, restored_bonus;
    };
    std::vector<Paid> paid;
    ctx.db
        ->prepare(
            "SELECT account_id, principal_minor, bonus_minor, restored_principal, restored_bonus "
            "FROM sale_sv_payments WHERE sale_id = ? ORDER BY account_id")
        .bind_all(sale.sale_id)
        .each([&](const Statement& row) {
            paid.push_back(Paid{row.int64(0), Money{row.int64(1)}, Money{row.int64(2)},
                                Money{row.int64(3)}, Money{row.int64(4)}});
        });
    for (const auto& p : paid) {
        const Money principal_target{mul_div(p.principal.minor, refunded_after.minor, net.minor)};
        const Money bonus_target{mul_div(p.bonus.minor, refunded_after.minor, net.minor)};
        const Money principal = principal_target - p.restored_principal;
        const Money bonus = bonus_target - p.restored_bonus;
        if (principal.minor <= 0 && bonus.minor <= 0) continue;
        post_sv_entry(ctx, SvPosting{live_account(ctx, p.account), "refund", principal, bonus, "",
                                     "receipt:" + sale.sale_key, "refund " + refund_ref,
                                     "refund-sv:" + sale.sale_key + "/" + refund_ref + ":" +
                                         std::to_string(p.account),
                                     sale.store, sale.terminal, sale.cashier});
        ctx.db
            ->prepare(
                "UPDATE sale_sv_payments SET restored_principal = ?, restored_bonus = ? "
                "WHERE sale_id = ? AND account_id = ?")
            .bind_all(principal_target.minor, bonus_target.minor, sale.sale_id, p.account)
            .run();
        total.principal += principal;
        total.bonus += bonus;
    }
    return total;
}

std::vector<SvPaymentLine> sv_payments_of(EngineContext& ctx, std::int64_t sale_id) {
    std::vector<SvPaymentLine> out;
    ctx.db
        ->prepare(
            "SELECT coalesce(a.card, 'member'), p.principal_minor, p.bonus_minor, p.balance_after "
            "FROM sale_sv_payments p JOIN sv_accounts a ON a.id = p.account_id "
            "WHERE p.sale_id = ? ORDER BY p.line_no")
        .bind_all(sale_id)
        .each([&](const Statement& row) {
            out.push_back(SvPaymentLine{row.text(0), Money{row.int64(1)}, Money{row.int64(2)},
                                        Money{row.int64(3)}});
        });
    return out;
}

}  // namespace loyalty
