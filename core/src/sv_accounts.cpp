#include "sv_accounts.hpp"

#include <algorithm>
#include <cstdio>

namespace loyalty {

namespace {

constexpr const char* kAccountColumns =
    "SELECT id, member_id, card, principal_minor, bonus_minor, status, expires_at "
    "FROM sv_accounts ";

SvAccount account_from(const Statement& st) {
    SvAccount a;
    a.id = st.int64(0);
    a.member = st.optional_int64(1);
    a.card = st.optional_text(2);
    a.balance.principal = Money{st.int64(3)};
    a.balance.bonus = Money{st.int64(4)};
    a.balance.status = st.text(5);
    if (auto expires = st.optional_int64(6)) a.balance.expires_at = from_unix(*expires);
    return a;
}

}  // namespace

std::string SvAccount::holder() const {
    return card ? "gift card " + *card : "member " + std::to_string(member.value_or(0));
}

std::optional<SvAccount> find_member_account(EngineContext& ctx, std::int64_t program_id,
                                             MemberId member) {
    return ctx.db->prepare(std::string(kAccountColumns) + "WHERE program_id = ? AND member_id = ?")
        .bind_all(program_id, member)
        .one(account_from);
}

std::optional<SvAccount> find_card_account(EngineContext& ctx, std::int64_t program_id,
                                           const std::string& card) {
    return ctx.db->prepare(std::string(kAccountColumns) + "WHERE program_id = ? AND card = ?")
        .bind_all(program_id, card)
        .one(account_from);
}

SvAccount member_account(EngineContext& ctx, std::int64_t program_id, MemberId member) {
    if (auto found = find_member_account(ctx, program_id, member)) return *found;
    ctx.db->prepare("INSERT INTO sv_accounts(program_id, member_id, opened_at) VALUES (?, ?, ?)")
        .bind_all(program_id, member, to_unix(ctx.now()))
        .run();
    return *find_member_account(ctx, program_id, member);
}

std::int64_t post_sv_entry(EngineContext& ctx, const SvPosting& p) {
    auto& db = *ctx.db;
    db.prepare(
          "INSERT INTO sv_entries(account_id, kind, principal_delta, bonus_delta, occurred_at, "
          "tender, reference, reason, idempotency_key, store, terminal, actor) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .bind_all(p.account, p.kind, p.principal_delta.minor, p.bonus_delta.minor,
                  to_unix(ctx.now()),
                  p.tender.empty() ? std::nullopt : std::optional<std::string>(p.tender),
                  p.reference, p.reason, p.idempotency_key, p.store, p.terminal, p.actor)
        .run();
    const auto entry = db.last_insert_rowid();
    db.prepare(
          "UPDATE sv_accounts SET principal_minor = principal_minor + ?, bonus_minor = "
          "bonus_minor + ? WHERE id = ?")
        .bind_all(p.principal_delta.minor, p.bonus_delta.minor, p.account)
        .run();
    return entry;
}

std::int64_t live_account(EngineContext& ctx, std::int64_t account) {
    auto row =
        ctx.db->prepare("SELECT program_id, member_id FROM sv_accounts WHERE id = ?")
            .bind_all(account)
            .one([](const Statement& r) { return std::pair(r.int64(0), r.optional_int64(1)); });
    if (!row || !row->second) return account;
    MemberId member = *row->second;
    // Merges are refused into a merged member, so the chain is short; bounded all the same.
    for (int hops = 0; hops < 16; ++hops) {
        auto next = ctx.db->prepare("SELECT merged_into FROM members WHERE id = ?")
                        .bind_all(member)
                        .one([](const Statement& r) { return r.optional_int64(0); });
        if (!next || !*next) break;
        member = **next;
    }
    if (member == *row->second) return account;
    return member_account(ctx, row->first, member).id;
}

std::string limit_refusal(const std::string& what, Money would_be, Money limit) {
    return what + " would be " + format_money(would_be) + ", above its limit of " +
           format_money(limit) + " (single-purpose prepaid value)";
}

Timestamp bearer_expiry(Timestamp at, int years, int offset) {
    const auto d = local_date(at, offset);
    using namespace std::chrono;
    year_month_day until{year{d.year + years}, month{d.month}, day{d.day}};
    if (!until.ok())
        until = year_month_day{year_month_day_last{until.year(), month_day_last{until.month()}}};
    char text[16];
    std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(until.year()),
                  static_cast<unsigned>(until.month()), static_cast<unsigned>(until.day()));
    return parse_local_date(text, offset) + Days{1};
}

SvAccount card_account(EngineContext& ctx, const CachedProgram& program, const std::string& card) {
    if (auto found = find_card_account(ctx, program.id, card)) return *found;
    const auto now = ctx.now();
    const auto expires = bearer_expiry(now, program.config.stored_value.bearer_valid_years,
                                       program.config.utc_offset_minutes);
    ctx.db
        ->prepare(
            "INSERT INTO sv_accounts(program_id, card, opened_at, expires_at) VALUES (?, ?, ?, ?)")
        .bind_all(program.id, card, to_unix(now), to_unix(expires))
        .run();
    return *find_card_account(ctx, program.id, card);
}

SvSplit post_sv_entry_as_far_as_held(EngineContext& ctx, SvPosting posting) {
    const auto held =
        ctx.db->prepare("SELECT principal_minor, bonus_minor FROM sv_accounts WHERE id = ?")
            .bind_all(posting.account)
            .one([](const Statement& row) {
                return SvBalance{Money{row.int64(0)}, Money{row.int64(1)}};
            })
            .value();
    auto clamp = [](Money delta, Money balance) {
        return delta.minor < 0 ? Money{std::max(delta.minor, -balance.minor)} : delta;
    };
    posting.principal_delta = clamp(posting.principal_delta, held.principal);
    posting.bonus_delta = clamp(posting.bonus_delta, held.bonus);
    if (posting.principal_delta.minor != 0 || posting.bonus_delta.minor != 0)
        post_sv_entry(ctx, posting);
    return SvSplit{posting.principal_delta, posting.bonus_delta};
}

SvSplit move_member_sv(EngineContext& ctx, std::int64_t program_id, MemberId survivor,
                       MemberId absorbed, const std::string& key, const std::string& actor) {
    const auto from = find_member_account(ctx, program_id, absorbed);
    if (!from || (from->balance.principal.minor == 0 && from->balance.bonus.minor == 0))
        return SvSplit{};
    const SvSplit moved{from->balance.principal, from->balance.bonus};
    const auto to = member_account(ctx, program_id, survivor);
    post_sv_entry(ctx, SvPosting{from->id, "transfer", Money{} - moved.principal,
                                 Money{} - moved.bonus, "", "member:" + std::to_string(survivor),
                                 "merged into member " + std::to_string(survivor), key + ":sv-out",
                                 ctx.origin.store, ctx.origin.terminal, actor});
    post_sv_entry(ctx, SvPosting{to.id, "transfer", moved.principal, moved.bonus, "",
                                 "member:" + std::to_string(absorbed),
                                 "merged from member " + std::to_string(absorbed), key + ":sv-in",
                                 ctx.origin.store, ctx.origin.terminal, actor});
    return moved;
}

void sv_member_changed(EngineContext& ctx, MemberId member) {
    ctx.db->prepare("UPDATE members SET version = version + 1 WHERE id = ?").bind_all(member).run();
}

bool sv_entry_exists(EngineContext& ctx, const std::string& idempotency_key) {
    return ctx.db->prepare("SELECT 1 FROM sv_entries WHERE idempotency_key = ?")
        .bind_all(idempotency_key)
        .step();
}

}  // namespace loyalty
