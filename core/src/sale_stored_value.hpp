#pragma once
// Private to core: a sale's stored-value tenders (sales.cpp): planned when the basket
// is priced, booked when it is committed, given back part by part when it is refunded.
#include <optional>
#include <string>
#include <vector>

#include "engine_context.hpp"
#include "loyalty/sales.hpp"
#include "sv_accounts.hpp"

namespace loyalty {

struct PlannedSvPayment {
    SvAccount account;
    SvPaymentLine line;
};

// Checks each tender (a known, active account; the PIN rule; the bonus cap and the
// bonus-eligible categories) and splits it in the program's deduction order. `left`
// is what remains to pay after coupons and points.
Result<std::vector<PlannedSvPayment>> plan_sv_payments(EngineContext& ctx,
                                                       const CachedProgram& program,
                                                       const SaleRequest& request,
                                                       const std::optional<Member>& member,
                                                       const PricedBasket& basket, Money left);

struct SvBooking {
    std::int64_t sale_id = 0;
    std::string sale_key;  // SaleKey::text()
    std::string store, terminal;
    std::optional<std::string> cashier;
};
// Debits each planned payment and keeps it with the sale; fills each line's balance after.
void book_sv_payments(EngineContext& ctx, const SvBooking& sale,
                      std::vector<PlannedSvPayment>& payments);

struct SvRestored {
    Money principal, bonus;
};
// Gives back the stored value a refund's share of the sale paid: cumulatively, so the
// last refund of a sale leaves no fen behind. refunded_after / net is the share refunded.
SvRestored restore_sv_payments(EngineContext& ctx, const SvBooking& sale,
                               const std::string& refund_ref, Money refunded_after, Money net);

// A committed sale's stored-value payments, for a replay.
std::vector<SvPaymentLine> sv_payments_of(EngineContext& ctx, std::int64_t sale_id);

}  // namespace loyalty
