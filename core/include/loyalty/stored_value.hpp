#pragma once
// Stored value (储值): money a member tops up at the till and pays with in any store of
// the chain, and bearer gift cards. Each account keeps two balances in fen, principal
// (money paid in) and bonus (given by a top-up rule), moved only by entries of an
// append-only ledger with an idempotency key each. The till takes the money; the engine
// records what it took, with its tender, and never handles payment itself.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "loyalty/clock.hpp"
#include "loyalty/members.hpp"
#include "loyalty/money.hpp"
#include "loyalty/program_config.hpp"
#include "loyalty/result.hpp"

namespace loyalty {

struct EngineContext;

struct SvBalance {
    Money principal;
    Money bonus;
    std::string status = "active";          // active | blocked
    std::optional<Timestamp> expires_at{};  // bearer cards only: registered balances never expire
    Money total() const { return principal + bonus; }
};

// How much of a payment comes from each balance.
struct SvSplit {
    Money principal;
    Money bonus;
};

// Splits `amount` over an account holding `held`, the bonus part at most `bonus_cap`
// (the per-bill cap and the bonus-eligible part of the basket). Proportional takes the
// principal part as amount x principal / (principal + bonus), rounded half up to the
// fen, and the bonus part as the rest, so the two always add up to `amount`.
// insufficient_funds when the account cannot cover it.
Result<SvSplit> split_payment(DeductionOrder order, const SvBalance& held, Money bonus_cap,
                              Money amount);

// A bearer gift card's number: 16 to 19 digits, the last a Luhn check digit, so a
// mistyped digit is caught at the till before any lookup.
bool gift_card_number_valid(const std::string& number);

struct TopUpRequest {
    std::string program;
    std::optional<MemberId> member;   // a registered member's balance...
    std::optional<std::string> card;  // ...or a bearer gift card (activated by its first top-up)
    Money amount;                     // what the till took
    std::string tender;               // cash | wechat | alipay | bank_card
    std::string request_id;           // idempotency: the till's id of this top-up
    std::string store;                // empty: the engine's own
    std::string terminal;
    std::optional<std::string> cashier{};
};

struct TopUpResult {
    bool replayed = false;
    std::string request_id;
    Money amount;
    Money bonus;                       // from the top-up rule, if any
    Points points = 0;                 // from the top-up rule
    std::vector<std::string> coupons;  // issued by the top-up rule
    std::optional<std::string> tier;   // the tier the rule lifted the member to
    std::string rule;                  // the rule's name; empty when none applied
    SvBalance balance;                 // after the top-up
};

// A top-up taken back as cash: its principal goes out; its bonus, points, unused coupons
// and the tier it gave come back. Audited under the manager who allowed it.
struct TopUpRefundRequest {
    std::string program;
    std::string top_up_request_id;
    std::string refund_request_id;  // idempotency
    bool dry_run = false;           // say what would happen, change nothing (no manager needed)
    std::string actor{};            // the manager
};

struct TopUpRefundResult {
    bool replayed = false;
    Money principal_debited;  // leaves the balance
    Money bonus_taken_back;
    Money bonus_short;  // bonus already spent, made good from the principal
    Money cash_out;     // what the member receives: principal_debited - bonus_short, at least 0
    Money bonus_uncovered{};  // spent bonus beyond the principal left: owed, not collected here
    Points points_taken_back = 0;
    Points points_short = 0;
    int coupons_cancelled = 0;   // the rule's coupons not used yet
    bool tier_reverted = false;  // the rule's tier taken back
    SvBalance balance;           // after
};

// A manager's correction of a balance; audited, needs a reason.
struct SvAdjustment {
    MemberId member = 0;
    Money principal_delta;
    Money bonus_delta;
    std::string reason;
    std::string actor;
    std::string request_id;
};

struct SvEntry {
    std::int64_t id = 0;
    std::string kind;  // top_up | spend | refund | top_up_refund | adjust
    Money principal_delta;
    Money bonus_delta;
    Timestamp at;
    std::string tender;
    std::string reference;
    std::string reason;
    std::string store;
};

struct SvMismatch {
    std::int64_t account = 0;
    std::string holder;  // member uid or card number
    SvBalance materialized;
    SvBalance from_ledger;
};

// One day's stored-value trade of a store, for the closing report.
struct SvDaySummary {
    std::vector<std::pair<std::string, Money>> top_ups_by_tender;
    std::int64_t top_up_count = 0;
    Money bonus_given;
    Money spent_principal;
    Money spent_bonus;
    Money refunded_to_balance;  // sale refunds put back on balances
    Money top_ups_refunded;     // cash paid out for refunded top-ups (cash_out)
    // Every balance at the end of the period (from the ledger): what the chain owes its members.
    Money liability_principal;
    Money liability_bonus;
};

class StoredValue {
  public:
    explicit StoredValue(EngineContext& ctx) : ctx_(ctx) {}

    // Credits a top-up, once per request id (ten identical requests at once: one credit,
    // ten identical answers). Applies the best top-up rule in force for the amount.
    // limit_exceeded (naming the limit) when the balance would pass the program's cap.
    Result<TopUpResult> top_up(const TopUpRequest& request);
    Result<TopUpRefundResult> refund_top_up(const TopUpRefundRequest& request);
    Result<SvBalance> member_balance(MemberId member);
    Result<SvBalance> card_balance(const std::string& program, const std::string& card);
    Result<std::vector<SvEntry>> history(MemberId member, int limit = 20);
    Result<SvBalance> adjust(const SvAdjustment& adjustment);
    // A terminal's copy of a member's balance brought to the program-wide figure (the
    // hub's snapshot plus what this database has not shipped yet): one entry of kind
    // adjust, with no event (the money moved in other stores, whose own events carry
    // it). A balance is never taken below zero. Returns the change booked.
    Result<SvSplit> align_member_balance(MemberId member, SvSplit target,
                                         const std::string& reason);
    // The same for a bearer gift card sold in another store: its account is opened here
    // (with the hub's expiry, unix seconds; 0: none) when this database has none.
    Result<SvSplit> align_card_balance(const std::string& program, const std::string& card,
                                       SvSplit target, std::int64_t expires_at,
                                       const std::string& reason);
    // Accounts whose balances differ from the sum of their ledger.
    Result<std::vector<SvMismatch>> verify_all();
    // Entries of [from, to) booked by `store` (empty: every store in this database).
    Result<SvDaySummary> day_summary(const std::string& program, const std::string& store,
                                     Timestamp from, Timestamp to);

  private:
    EngineContext& ctx_;
};

}  // namespace loyalty
