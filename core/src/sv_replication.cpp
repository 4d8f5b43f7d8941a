#include "sv_replication.hpp"

#include <tuple>

#include "member_rows.hpp"
#include "sale_stored_value.hpp"
#include "sv_accounts.hpp"

namespace loyalty {

using nlohmann::json;
using Need = EventFields::Need;

std::vector<SvPaidLine> read_sv_paid(const json& payload, EventFields& f, bool sale_has_member) {
    std::vector<SvPaidLine> lines;
    const auto list = payload.find("stored_value");
    if (list == payload.end() || list->is_null()) return lines;
    if (!list->is_array()) {
        f.refuse("stored_value: a list of {principal, bonus, card}");
        return {};
    }
    for (const auto& item : *list) {
        if (!item.is_object()) {
            f.refuse("stored_value: a list of {principal, bonus, card}");
            return {};
        }
        EventFields one(item);
        SvPaidLine line;
        line.principal = Money{one.amount("principal")};
        line.bonus = Money{one.amount("bonus")};
        const auto card = one.text("card");
        if (one.problem()) {
            f.refuse("stored_value: " + *one.problem());
            return {};
        }
        if (!card.empty()) {
            if (!gift_card_number_valid(card)) {
                f.refuse("stored_value: gift card number " + card + " fails its check digit");
                return {};
            }
            line.card = card;
        } else if (!sale_has_member) {
            f.refuse("stored_value: a member's balance paid on a sale without a member");
            return {};
        }
        lines.push_back(std::move(line));
    }
    return lines;
}

std::optional<SvSplit> read_sv_given_back(const json& payload, EventFields& f) {
    const auto back = payload.find("stored_value");
    if (back == payload.end() || back->is_null()) return std::nullopt;
    if (!back->is_object()) {
        f.refuse("stored_value: {principal, bonus}");
        return std::nullopt;
    }
    EventFields one(*back);
    SvSplit said{Money{one.amount("principal")}, Money{one.amount("bonus")}};
    if (one.problem()) {
        f.refuse("stored_value: " + *one.problem());
        return std::nullopt;
    }
    return said;
}

// A store's request ids are its own: two stores may both have a top-up "TU-1".
std::string SvReplay::key(const std::string& what, const std::string& request) const {
    return "replica-sv:" + e.program + "/" + e.store + ":" + what + ":" + request;
}

void SvReplay::shortfall(const SvSplit& wanted, const SvSplit& taken, const std::string& holder) {
    const Money missing = (wanted.principal - taken.principal) + (wanted.bonus - taken.bonus);
    if (missing.minor <= 0) return;
    out.sv_shortfall += missing;
    if (!out.note.empty()) out.note += "; ";
    out.note += holder + " lacked " + format_money(missing) + " of stored value here";
}

Result<void> SvReplay::topped_up() {
    const auto request = f.text("request", Need::required);
    const Money amount{f.amount("amount")};
    const Money bonus{f.amount("bonus", Need::optional)};
    const auto points = f.points("points", Need::optional);
    const auto tender = f.text("tender");
    const auto rule = f.text("rule");
    const auto uid = f.text("member_uid");
    const auto card = f.text("card");
    if (uid.empty() == card.empty())
        f.refuse("member_uid or card: a top-up is for exactly one of them");
    else if (!card.empty() && !gift_card_number_valid(card))
        f.refuse("card: gift card number " + card + " fails its check digit");
    if (f.problem()) return {};  // the caller refuses the event naming the field
    std::optional<MemberId> id;
    SvAccount account;
    if (!uid.empty()) {
        id = member(uid);
        account = member_account(ctx, program.id, *id);
    } else {
        account = card_account(ctx, program, card);
    }
    const auto k = key("top-up", request);
    post_sv_entry(ctx, SvPosting{account.id, "top_up", amount, bonus, tender, "top-up:" + request,
                                 rule.empty() ? "top-up" : "top-up rule " + rule, k, e.store,
                                 e.terminal, std::nullopt});
    if (id) {
        if (points > 0) {
            ctx.ledger.settle_member(*id, ctx.now());
            ctx.ledger.credit(Credit{*id, LedgerKind::bonus, points, false, ctx.now(),
                                     ctx.ledger.expiry_for(e.program, ctx.now()),
                                     "top-up: " + (rule.empty() ? request : rule),
                                     "top-up:" + request, k + ":points", std::nullopt});
        }
        sv_member_changed(ctx, *id);
    }
    return {};
}

Result<void> SvReplay::top_up_refunded() {
    const auto request = f.text("request", Need::required);
    f.text("refund_request", Need::required);
    const Money principal{f.amount("principal")};
    const Money bonus{f.amount("bonus")};
    f.amount("bonus_short", Need::optional);
    f.amount("cash_out", Need::optional);
    const auto points = f.points("points", Need::optional);
    const auto uid = f.text("member_uid");
    if (f.problem()) return {};
    const auto k = key("top-up", request);
    // Only the sending store's own top-up: it refunds what its own till took.
    auto topped =
        ctx.db
            ->prepare(
                "SELECT e.account_id, m.uid, a.member_id FROM sv_entries e JOIN "
                "sv_accounts a ON a.id = e.account_id LEFT JOIN members m ON m.id = "
                "a.member_id WHERE e.idempotency_key = ?")
            .bind_all(k)
            .one([](const Statement& row) {
                return std::tuple(row.int64(0), row.optional_text(1), row.optional_int64(2));
            });
    if (!topped)
        return make_error(Errc::exceeds_sale, "stored_value.top_up_refunded of top-up " + request +
                                                  " of store " + e.store + ", not booked here");
    const auto& [account, holder, member_id] = *topped;
    // Both sides as they stand now: either member may have been merged at the hub since.
    if (standing_uid(holder.value_or("")) != standing_uid(uid))
        return make_error(Errc::unauthorized,
                          "stored_value.top_up_refunded of top-up " + request + " names member " +
                              (uid.empty() ? "(none)" : uid) + ", not the top-up's");
    const SvSplit wanted{principal, bonus};
    // From the account the balance lives in now (a merge moved it to the survivor's).
    const auto taken = post_sv_entry_as_far_as_held(
        ctx, SvPosting{live_account(ctx, account), "top_up_refund", Money{} - principal,
                       Money{} - bonus, "", "top-up:" + request, "top-up refunded", k + ":refund",
                       e.store, e.terminal, std::nullopt});
    shortfall(wanted, SvSplit{Money{} - taken.principal, Money{} - taken.bonus},
              holder ? "member " + *holder : "the gift card");
    if (member_id) {
        const auto id = member(*holder);
        if (points > 0) {
            ctx.ledger.settle_member(id, ctx.now());
            const auto credited = ctx.ledger.find_by_key(k + ":points");
            out.shortfall +=
                ctx.ledger.reverse_earn(id, credited ? credited->id : 0, points, "top-up refunded",
                                        "top-up:" + request, k + ":refund:points");
        }
        sv_member_changed(ctx, id);
    }
    return {};
}

Result<void> SvReplay::adjusted() {
    const auto uid = f.text("member_uid", Need::required);
    const Money principal{f.integer("principal", -max_event_amount, max_event_amount)};
    const Money bonus{f.integer("bonus", -max_event_amount, max_event_amount)};
    const auto reason = f.text("reason");
    const auto request = f.text("request", Need::required);
    if (f.problem()) return {};
    const auto id = member(uid);
    const auto account = member_account(ctx, program.id, id);
    const auto taken = post_sv_entry_as_far_as_held(
        ctx, SvPosting{account.id, "adjust", principal, bonus, "", "adjust:" + request,
                       reason.empty() ? "adjusted" : reason, key("adjust", request), e.store,
                       e.terminal, std::nullopt});
    shortfall(SvSplit{Money{} - principal, Money{} - bonus},
              SvSplit{Money{} - taken.principal, Money{} - taken.bonus}, "member " + uid);
    sv_member_changed(ctx, id);
    return {};
}

void SvReplay::sale_paid(std::int64_t sale_id, const std::string& sale_key,
                         std::optional<MemberId> buyer, const std::vector<SvPaidLine>& lines) {
    int line_no = 0;
    for (const auto& line : lines) {
        const auto account = line.card ? card_account(ctx, program, *line.card)
                                       : member_account(ctx, program.id, *buyer);
        const auto taken = post_sv_entry_as_far_as_held(
            ctx, SvPosting{account.id, "spend", Money{} - line.principal, Money{} - line.bonus, "",
                           "receipt:" + sale_key, "paid with stored value",
                           "sale-sv:" + sale_key + ":" + std::to_string(account.id), e.store,
                           e.terminal, std::nullopt});
        const SvSplit took{Money{} - taken.principal, Money{} - taken.bonus};
        shortfall(SvSplit{line.principal, line.bonus}, took, account.holder());
        // Kept as taken here, so a refund gives back what this copy took, no more.
        ctx.db
            ->prepare(
                "INSERT INTO sale_sv_payments(sale_id, account_id, line_no, principal_minor, "
                "bonus_minor, balance_after) VALUES (?, ?, ?, ?, ?, "
                "(SELECT principal_minor + bonus_minor FROM sv_accounts WHERE id = ?))")
            .bind_all(sale_id, account.id, ++line_no, took.principal.minor, took.bonus.minor,
                      account.id)
            .run();
        if (account.member) sv_member_changed(ctx, *account.member);
    }
}

void SvReplay::sale_refunded(std::int64_t sale_id, const std::string& sale_key,
                             const std::string& refund_ref, Money refunded_after, Money net,
                             const std::optional<SvSplit>& said) {
    const auto back =
        restore_sv_payments(ctx, SvBooking{sale_id, sale_key, e.store, e.terminal, std::nullopt},
                            refund_ref, refunded_after, net);
    const SvSplit told = said.value_or(SvSplit{});
    if (back.principal != told.principal || back.bonus != told.bonus) {
        if (!out.note.empty()) out.note += "; ";
        out.note += "the terminal gave back " + format_money(told.principal + told.bonus) +
                    " of stored value, " + format_money(back.principal + back.bonus) + " here";
    }
    if (back.principal.minor > 0 || back.bonus.minor > 0)
        ctx.db
            ->prepare(
                "UPDATE members SET version = version + 1 WHERE id IN (SELECT a.member_id FROM "
                "sale_sv_payments p JOIN sv_accounts a ON a.id = p.account_id WHERE p.sale_id = ? "
                "AND a.member_id IS NOT NULL)")
            .bind_all(sale_id)
            .run();
}

}  // namespace loyalty
