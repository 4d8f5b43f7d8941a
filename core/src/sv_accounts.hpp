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

// The account money for `account` goes to now: a member's account, or, when that member was
// merged into another since, the survivor's (a late refund never lands on a closed account).
std::int64_t live_account(EngineContext& ctx, std::int64_t account);

// A merge moves the absorbed member's balance to the survivor as a transfer pair.
void merge_sv_accounts(EngineContext& ctx, MemberId absorbed, MemberId survivor,
                       const std::string& key, const std::string& actor);

// "the member's balance would be 5000.01, above its limit of 5000.00 (...)"; `what` names it.
std::string limit_refusal(const std::string& what, Money would_be, Money limit);

}  // namespace loyalty
