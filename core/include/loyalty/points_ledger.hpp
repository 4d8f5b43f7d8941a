#pragma once
// The append-only points ledger with its lots. Balances are derived from the
// ledger and also kept on the member row; verify() checks they agree.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "loyalty/clock.hpp"
#include "loyalty/members.hpp"
#include "loyalty/money.hpp"
#include "loyalty/result.hpp"

namespace loyalty {

enum class LedgerKind { earn, redeem, expire, adjust, reverse, transfer, bonus, release };
const char* to_string(LedgerKind kind);

struct LedgerEntry {
    std::int64_t id = 0;
    MemberId member = 0;
    LedgerKind kind = LedgerKind::earn;
    Points available_delta = 0;
    Points pending_delta = 0;
    Timestamp occurred_at;
    std::string reason;
    std::optional<std::string> reference;
    std::string idempotency_key;
    std::optional<std::string> store;
    std::optional<std::string> terminal;
    std::optional<std::string> actor;
};

struct Balance {
    Points available = 0;
    Points pending = 0;
};

// "the member has 50 points; this needs 100": every refusal for too few points says
// both numbers, so the cashier sees the balance is the cause (not a step or a cap).
std::string points_short(Points has, Points needs);

// What a credit carries beyond its amount.
struct Credit {
    MemberId member = 0;
    LedgerKind kind = LedgerKind::earn;
    Points points = 0;
    bool pending = false;  // held until release_at (return window)
    Timestamp release_at;
    Timestamp expires_at;
    std::string reason;
    std::optional<std::string> reference;
    std::string idempotency_key;
    std::optional<std::string> actor;
};

struct Debit {
    MemberId member = 0;
    LedgerKind kind = LedgerKind::redeem;
    Points points = 0;
    std::string reason;
    std::optional<std::string> reference;
    std::string idempotency_key;
    std::optional<std::string> actor;
};

struct MaintenanceReport {
    std::int64_t lots_released = 0;
    Points points_released = 0;
    std::int64_t lots_expired = 0;
    Points points_expired = 0;
};

struct BalanceCheck {
    MemberId member = 0;
    Balance materialized;
    Balance from_ledger;
    Balance from_lots;
    bool agrees() const;
};

class PointsLedger {
  public:
    explicit PointsLedger(EngineContext& ctx) : ctx_(ctx) {}

    // Building blocks used inside other operations' transactions. They return
    // the entry id; a debit larger than the available balance is an error.
    std::int64_t credit(const Credit& credit);
    Result<std::int64_t> debit(const Debit& debit);
    // Takes back up to `points` from one lot first (a refunded sale's own lot,
    // pending or not), then from the oldest available lots; returns what it could
    // not take because the member has spent it (the shortfall).
    Points reverse_earn(MemberId member, std::int64_t source_entry_id, Points points,
                        const std::string& reason, const std::string& reference,
                        const std::string& idempotency_key);
    // Gives back points a debit took, to the lots they came from, up to `points`.
    Points restore_debit(MemberId member, std::int64_t debit_entry_id, Points points,
                         const std::string& reason, const std::string& reference,
                         const std::string& idempotency_key);

    // A manager's correction: positive credits a lot with the program's expiry,
    // negative debits oldest-first. Audited; idempotent by key.
    Result<LedgerEntry> adjust(MemberId member, Points delta, const std::string& reason,
                               const std::string& actor, const std::string& idempotency_key);

    // Releases pending lots whose return window has passed, and expires lots
    // past their date. Safe to run at any time, any number of times.
    Result<MaintenanceReport> run_due(Timestamp now);
    // The same for one member as of `at`, inside the caller's transaction and
    // without events: how a replica (the hub) brings a member's lots to the
    // state the terminal had them in when its event happened. Returns the
    // points expired.
    Points settle_member(MemberId member, Timestamp at);
    // A terminal's copy of a member whose points live in several stores: brings
    // available + pending to `total` (the hub's figure plus what this database has
    // not shipped yet) with one transfer entry, inside the caller's transaction and
    // without an event (the points moved elsewhere, not here). A credit is a lot that
    // never expires here: the hub expires points where they were earned, and its
    // next figure says so. A debit takes at most what is available. Returns the
    // change booked.
    Points align_total(MemberId member, Points total, const std::string& reason);

    // What can be spent now: lots past their expiry are left out even before
    // run_due (or the next debit) books them out. What identify, quote and every
    // screen show.
    Balance balance(MemberId member);
    // The member row's figures as booked (what verify compares with the ledger).
    Balance materialized(MemberId member);
    std::vector<LedgerEntry> history(MemberId member, int limit = 1000);
    std::optional<LedgerEntry> find_by_key(const std::string& idempotency_key);
    Points expiring_between(MemberId member, Timestamp from, Timestamp to);
    BalanceCheck verify(MemberId member);
    std::vector<BalanceCheck> verify_all();  // the disagreements only

    // Lot expiry for points earned at `at` under the member's program.
    Timestamp expiry_for(const std::string& program, Timestamp at);

  private:
    std::int64_t insert_entry(MemberId member, LedgerKind kind, Points available_delta,
                              Points pending_delta, const std::string& reason,
                              const std::optional<std::string>& reference, const std::string& key,
                              const std::optional<std::string>& actor);
    void apply_to_member(MemberId member, Points available_delta, Points pending_delta);
    void release_lot(std::int64_t lot, MemberId member, Points remaining);
    EngineContext& ctx_;
};

}  // namespace loyalty
