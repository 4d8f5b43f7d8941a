#pragma once
// Sales at the till: quote a basket with member benefits, commit it exactly
// once per receipt, refund it in whole or in part.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "loyalty/earning.hpp"
#include "loyalty/members.hpp"
#include "loyalty/result.hpp"
#include "loyalty/tiers.hpp"

namespace loyalty {

// Part of a bill paid from stored value: the member's own balance (no card) or a
// bearer gift card. Several gift cards may pay one bill.
struct StoredValueTender {
    std::optional<std::string> card{};
    Money amount{};
};

// What one stored-value tender drew, principal and bonus apart (stored_value.hpp).
struct SvPaymentLine {
    std::string source;  // "member" or the gift card's number
    Money principal{};
    Money bonus{};
    Money balance_after{};  // the account's total after the sale (commit only)
};

struct SaleRequest {
    std::string program;
    std::string store;     // empty: the engine's own store
    std::string terminal;  // empty: the engine's own terminal
    std::string receipt;
    std::optional<MemberId> member;  // none: a non-member sale (counted in reports)
    std::vector<BasketLine> lines;
    Points points_to_pay = 0;                // pay part of the basket with points
    std::vector<std::string> coupons;        // coupon codes to use
    std::optional<std::string> cashier{};    // who rang it up: kept with the sale and in its event
    std::vector<std::string> promo_codes{};  // codes typed or scanned at the till
    std::vector<StoredValueTender> stored_value{};
    // The member proved it is them (PIN, or a member QR code fresh from their phone):
    // needed to pay from a registered balance above the program's pin_above amount.
    bool member_verified = false;
};

struct Quote {
    PricedBasket basket;
    EarnResult earn;
    Money coupon_value;
    Points points_to_pay = 0;
    Money points_value;
    Money to_pay;  // what is left for cash or card
    Points available = 0;
    Points max_points_payable = 0;
    std::vector<std::string> notes;
    std::string special_benefit{};  // the coupon or promo code giving a non-amount benefit
    Money sv_value{};               // paid from stored value (principal + bonus)
    Money sv_bonus{};               // of which bonus money: earns no points
    std::vector<SvPaymentLine> sv_payments{};
};

struct SaleResult {
    std::int64_t sale_id = 0;
    bool replayed = false;  // the receipt was committed before: nothing changed
    Money gross, net, coupon_value, points_value, to_pay;
    Points earned = 0;
    Points points_paid = 0;
    Points available_after = 0;
    Points pending_after = 0;
    std::string tier;
    std::optional<TierChange> tier_change;
    Points campaign_points = 0;              // bonus points campaigns awarded on this sale
    std::vector<std::string> receipt_lines;  // campaign lines to print on the receipt
    // Every point of the sale by reason: how `earned` was made ("1 pt per ¥1; Gold ×1.5")
    // and each campaign's bonus by name (they add up to campaign_points).
    std::string earn_summary{};
    Points earned_base = 0;  // of `earned`, the plain rate alone (EarnResult::base)
    std::vector<EarnedExtra> campaign_bonuses{};
    Money sv_value{};  // paid from stored value
    std::vector<SvPaymentLine> sv_payments{};
};

struct RefundLine {
    int line_no = 0;
    std::int64_t quantity = 0;
};

struct RefundRequest {
    std::string program;
    std::string store;
    std::string terminal;
    std::string receipt;
    std::string refund_ref;         // idempotency: the refund slip's number
    std::vector<RefundLine> lines;  // empty: everything not refunded yet
    // A cashier's void: the whole sale taken back before it was ever refunded; the
    // sale ends 'voided' and drops out of the day's sales.
    bool void_sale = false;
};

struct RefundResult {
    bool replayed = false;
    Money amount;                  // net value of the returned goods
    Points reversed = 0;           // earned points taken back
    Points restored = 0;           // points paid with, given back
    Points shortfall = 0;          // earned points already spent, could not be taken back
    Points campaign_reversed = 0;  // campaign bonus points for the sale taken back
    Points available_after = 0;
    Money sv_principal_restored{};  // stored value paid with, back where it came from
    Money sv_bonus_restored{};
};

// A shopper who was not identified at the till claims the sale's points later
// (at the kiosk, by the receipt's signed code).
struct ClaimRequest {
    std::string program;
    std::string store;
    std::string terminal;
    std::string receipt;
    MemberId member = 0;
};

// A terminal's most recent sale, as a till needs it to offer a void.
struct LastSale {
    std::string receipt;
    std::string status;  // "completed", "partially_refunded", "refunded", "voided"
};

class Sales {
  public:
    explicit Sales(EngineContext& ctx) : ctx_(ctx) {}

    Result<Quote> quote(const SaleRequest& request);
    Result<SaleResult> commit(const SaleRequest& request);
    Result<RefundResult> refund(const RefundRequest& request);
    // Awards a non-member sale's points to a member, once, within the program's
    // claim window, on what was paid for goods still kept, by the rules in force
    // at the time of the sale and the member's tier now.
    Result<SaleResult> claim(const ClaimRequest& request);
    // The last sale a terminal rang up under a program, whichever process wrote it.
    // Whether a sale is booked under this receipt already (a commit again is its replay).
    Result<bool> booked(const std::string& program, const std::string& store,
                        const std::string& terminal, const std::string& receipt);
    Result<std::optional<LastSale>> last_of_terminal(const std::string& program,
                                                     const std::string& store,
                                                     const std::string& terminal);

  private:
    EngineContext& ctx_;
};

}  // namespace loyalty
