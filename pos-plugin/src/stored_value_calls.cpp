// The till's stored-value calls (loyalty_pos.h, "Stored value"): the till takes the
// money; the session records it with its tender and request id, and the engine keeps
// every call idempotent by that id.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "session.hpp"

namespace loyalty::pos {

using nlohmann::json;

namespace {

// How long a member QR code verified here counts as the member's consent to pay a
// large amount from their balance: the time of one checkout.
constexpr auto kFreshCode = std::chrono::minutes(5);

json balance_json(const SvBalance& b) {
    json j{{"principal", b.principal.minor},
           {"bonus", b.bonus.minor},
           {"balance", b.total().minor},
           {"status", b.status}};
    j["expires_at"] = b.expires_at ? json(to_unix(*b.expires_at)) : json(nullptr);
    return j;
}

}  // namespace

Result<bool> Session::member_verified(const Member& member, const BasketRequest& basket) {
    // Asked only when the basket pays from the member's balance: a PIN is not tried (and
    // counted towards its lockout) for anything else.
    const bool from_balance = std::any_of(basket.stored_value.begin(), basket.stored_value.end(),
                                          [](const StoredValueTender& t) { return !t.card; });
    if (!from_balance) return false;
    if (basket.member_pin) {
        auto ok = engine_->members().verify_pin(member.id, *basket.member_pin);
        if (!ok) return ok.error();
        return true;
    }
    const auto shown = code_shown_at_.find(member.uid);
    return shown != code_shown_at_.end() && clock_->now() - shown->second <= kFreshCode;
}

Reply Session::top_up(const TopUpCall& call) {
    TopUpRequest request;
    request.program = program_;
    request.store = store_;
    request.terminal = terminal_;
    request.amount = call.amount;
    request.tender = call.tender;
    request.request_id = call.request_id;
    request.card = call.card;
    if (!config_.cashier.empty()) request.cashier = config_.cashier;
    std::optional<Member> member;
    if (call.member) {
        auto m = member_by_uid(*call.member);
        if (!m) return failure(m.error());
        request.member = m->id;
        member = std::move(m.value());
    }
    auto r = engine_->stored_value().top_up(request);
    if (!r) return failure(r.error());
    json out = balance_json(r->balance);
    out.update(json{{"request_id", r->request_id},
                    {"replayed", r->replayed},
                    {"amount", r->amount.minor},
                    {"bonus_given", r->bonus.minor},
                    {"points_given", r->points},
                    {"coupons", r->coupons},
                    {"rule", r->rule},
                    {"tier", r->tier ? json(*r->tier) : json(nullptr)}});
    out["member"] = member ? json(member->uid) : json(nullptr);
    out["card"] = call.card ? json(*call.card) : json(nullptr);
    return Reply::success(out);
}

Reply Session::stored_value_balance(const BalanceCall& call) {
    if (call.member.has_value() == call.card.has_value())
        return Reply::failure(LOYALTY_POS_E_INVALID_ARGUMENT,
                              "ask for a member's balance or a gift card's, exactly one");
    if (call.card) {
        auto b = engine_->stored_value().card_balance(program_, *call.card);
        if (!b) return failure(b.error());
        json out = balance_json(*b);
        out["card"] = *call.card;
        return Reply::success(out);
    }
    auto m = member_by_uid(*call.member);
    if (!m) return failure(m.error());
    auto b = engine_->stored_value().member_balance(m->id);
    if (!b) return failure(b.error());
    auto entries = engine_->stored_value().history(m->id, 20);
    if (!entries) return failure(entries.error());
    json history = json::array();
    for (const auto& e : *entries)
        history.push_back({{"kind", e.kind},
                           {"principal", e.principal_delta.minor},
                           {"bonus", e.bonus_delta.minor},
                           {"at", to_unix(e.at)},
                           {"tender", e.tender},
                           {"reference", e.reference},
                           {"reason", e.reason},
                           {"store", e.store}});
    json out = balance_json(*b);
    out["member"] = m->uid;
    out["history"] = history;
    return Reply::success(out);
}

Reply Session::refund_top_up(const TopUpRefundCall& call) {
    // Money leaves the store: a manager allows it (asking what would happen needs nobody).
    TopUpRefundRequest request{program_, call.request_id, call.refund_request_id, call.dry_run, ""};
    if (!call.dry_run) {
        if (auto ok = check_manager(call.credential); !ok.ok()) return ok;
        request.actor = call.credential.manager;
    }
    auto r = engine_->stored_value().refund_top_up(request);
    if (!r) return failure(r.error());
    json out = balance_json(r->balance);
    out.update(json{{"request_id", call.request_id},
                    {"refund_request_id", call.refund_request_id},
                    {"replayed", r->replayed},
                    {"dry_run", call.dry_run},
                    {"principal_debited", r->principal_debited.minor},
                    {"bonus_taken_back", r->bonus_taken_back.minor},
                    {"bonus_short", r->bonus_short.minor},
                    {"cash_out", r->cash_out.minor},
                    {"bonus_uncovered", r->bonus_uncovered.minor},
                    {"coupons_cancelled", r->coupons_cancelled},
                    {"tier_reverted", r->tier_reverted},
                    {"points_taken_back", r->points_taken_back},
                    {"points_short", r->points_short}});
    return Reply::success(out);
}

Reply Session::adjust_stored_value(const SvAdjustCall& call) {
    auto member = member_by_uid(call.member);
    if (!member) return failure(member.error());
    if (auto ok = check_manager(call.credential); !ok.ok()) return ok;
    auto after = engine_->stored_value().adjust(SvAdjustment{member->id, call.principal, call.bonus,
                                                             call.reason, call.credential.manager,
                                                             call.request_id});
    if (!after) return failure(after.error());
    json out = balance_json(*after);
    out["member"] = member->uid;
    return Reply::success(out);
}

}  // namespace loyalty::pos
