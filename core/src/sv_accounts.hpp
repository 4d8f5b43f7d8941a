#pragma once
// Private to core: stored-value accounts and their ledger, for the service
// (stored_value.cpp) and the sales that pay with it (sale_stored_value.cpp). Every
// balance change is an entry here, inside the caller's transaction.
#include <optional>
#include <string>

#include "engine_context.hpp"
#include "loyalty/stored_value.hpp"

namespace loyalty {

struct SvAccount {
    std::int64_t id = 0;
    std::optional<MemberId> member;
    std::optional<std::string> card;
    SvBalance balance;
    std::string holder() const;  // "member <id>" or "gift card <number>", for messages
};

std::optional<SvAccount> find_member_account(EngineContext& ctx, std::int64_t program_id,
                                             MemberId member);
std::optional<SvAccount> find_card_account(EngineContext& ctx, std::int64_t program_id,
                                           const std::string& card);
// The member's account, opened (empty) when the member has none yet.
SvAccount member_account(EngineContext& ctx, std::int64_t program_id, MemberId member);

struct SvPosting {
    std::int64_t account = 0;
    std::string kind;  // sv_entries.kind
    Money principal_delta;
    Money bonus_delta;
    std::string tender;
    std::string reference;
    std::string reason;
    std::string idempotency_key;
    std::string store;
    std::string terminal;
    std::optional<std::string> actor;
};

// Appends the entry and moves the account's balances by it. A balance that would go
// below zero aborts the caller's transaction (the table's CHECK), so callers test first.
std::int64_t post_sv_entry(EngineContext& ctx, const SvPosting& posting);
bool sv_entry_exists(EngineContext& ctx, const std::string& idempotency_key);

// The account money for `account` goes to now: a member's account, or, when that member was
// merged into another since, the survivor's (a late refund never lands on a closed account).
std::int64_t live_account(EngineContext& ctx, std::int64_t account);

// "the member's balance would be 5000.01, above its limit of 5000.00 (...)"; `what` names it.
std::string limit_refusal(const std::string& what, Money would_be, Money limit);

// The local midnight ending the day `years` after `at`: a bearer card bought today is
// valid through the same date that many years on (29 February: through 28 February).
Timestamp bearer_expiry(Timestamp at, int years, int offset);

// A bearer card's account, opened (empty, valid from now for the program's years) when
// this database has none yet: a replica hearing of a card bought in another store.
SvAccount card_account(EngineContext& ctx, const CachedProgram& program, const std::string& card);

// A replica books what a till did and never refuses it: a debit (negative delta) is
// taken as far as the account holds, each balance apart; what was taken is returned
// (the rest is the shortfall the caller reports). Credits are posted whole.
SvSplit post_sv_entry_as_far_as_held(EngineContext& ctx, SvPosting posting);

// A merge (one shopper enrolled twice): the absorbed member's stored value moves to the
// survivor, a transfer entry out and one in under `key`; returns what moved.
SvSplit move_member_sv(EngineContext& ctx, std::int64_t program_id, MemberId survivor,
                       MemberId absorbed, const std::string& key, const std::string& actor);

// A member's balance changed: its snapshot version moves, so the hub sends it down.
void sv_member_changed(EngineContext& ctx, MemberId member);

}  // namespace loyalty
