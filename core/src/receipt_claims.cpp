#include "loyalty/receipt_claims.hpp"

#include <algorithm>
#include <cstdio>

#include "engine_context.hpp"
#include "loyalty/earning.hpp"
#include "member_rows.hpp"

namespace loyalty {

using nlohmann::json;

namespace {

constexpr const char* kClaimColumns =
    "c.id, p.code, c.member_id, c.shop, c.receipt, c.amount_minor, c.purchase_date, c.source, "
    "c.status, c.points, c.review, c.note, c.photo, c.ocr_note, c.store, c.terminal, "
    "c.claimed_at, c.decided_at, coalesce(c.decided_by, '')";

ReceiptClaim claim_from_row(const Statement& row) {
    ReceiptClaim c;
    c.id = row.int64(0);
    c.program = row.text(1);
    c.member = row.int64(2);
    c.shop = row.text(3);
    c.receipt = row.text(4);
    c.amount = Money{row.int64(5)};
    c.date = row.text(6);
    c.source = receipt_source_from(row.text(7));
    c.status = claim_status_from(row.text(8)).value_or(ClaimStatus::pending);
    c.points = row.int64(9);
    c.review = row.text(10);
    c.note = row.text(11);
    c.photo = row.text(12);
    c.ocr_note = row.text(13);
    c.store = row.text(14);
    c.terminal = row.text(15);
    c.claimed_at = from_unix(row.int64(16));
    if (auto at = row.optional_int64(17)) c.decided_at = from_unix(*at);
    c.decided_by = row.text(18);
    return c;
}

// A claim a manager is about to decide: still pending, with its id across databases and the day
// its caps count on. One read for approve and reject alike.
struct PendingClaim {
    ReceiptClaim claim;
    std::string uid;
    std::string day;
};

Result<PendingClaim> pending_claim(Database& db, std::int64_t id) {
    auto found = db.prepare(std::string("SELECT ") + kClaimColumns +
                            ", c.uid, c.claim_day FROM receipt_claims c JOIN programs p ON p.id = "
                            "c.program_id WHERE c.id = ?")
                     .bind(1, id)
                     .one([](const Statement& row) {
                         return PendingClaim{claim_from_row(row), row.text(19), row.text(20)};
                     });
    if (!found) return make_error(Errc::not_found, "no receipt claim " + std::to_string(id));
    if (found->claim.status != ClaimStatus::pending)
        return make_error(Errc::conflict, "claim " + std::to_string(id) + " is " +
                                              to_string(found->claim.status) + " already");
    return std::move(*found);
}

constexpr std::int64_t kMaxClaimFen = 100'000'000'00;  // no receipt says more than 100 million yuan

std::string yuan(Money m) {
    return std::to_string(m.minor / 100) + "." + (m.minor % 100 < 10 ? "0" : "") +
           std::to_string(m.minor % 100);
}

}  // namespace

namespace {

// A receipt number as the duplicate checks compare it: upper case, no leading zeros ("0088" and
// "88" are one receipt). SQL compares the stored numbers the same way: ltrim(upper(receipt), '0').
std::string comparable_receipt(const std::string& receipt) {
    std::string out;
    for (const char c : receipt) {
        if (out.empty() && c == '0') continue;
        out += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    }
    return out;
}

}  // namespace

std::string receipt_claim_key(ReceiptSource source, const std::string& shop,
                              const std::string& receipt, const std::string& date) {
    if (source == ReceiptSource::e_invoice) return "fp:" + comparable_receipt(receipt);
    return "shop:" + shop + ":" + comparable_receipt(receipt) + ":" + date;
}

std::string claim_day_of(Timestamp at, int utc_offset_minutes) {
    const auto d = local_date(at, utc_offset_minutes);
    char text[16];
    std::snprintf(text, sizeof text, "%04d-%02u-%02u", d.year, d.month, d.day);
    return text;
}

ReceiptSource receipt_source_from(std::string_view text) {
    if (text == "e_invoice") return ReceiptSource::e_invoice;
    if (text == "shop_code") return ReceiptSource::shop_code;
    return ReceiptSource::keyed;
}

const char* to_string(ClaimStatus status) {
    switch (status) {
        case ClaimStatus::credited:
            return "credited";
        case ClaimStatus::pending:
            return "pending";
        case ClaimStatus::rejected:
            return "rejected";
        case ClaimStatus::reversed:
            return "reversed";
    }
    return "pending";
}

std::optional<ClaimStatus> claim_status_from(std::string_view text) {
    for (auto s : {ClaimStatus::credited, ClaimStatus::pending, ClaimStatus::rejected,
                   ClaimStatus::reversed})
        if (text == to_string(s)) return s;
    return std::nullopt;
}

Result<ClaimOutcome> ReceiptClaims::submit(const ReceiptClaimRequest& r) {
    return guarded([&]() -> Result<ClaimOutcome> {
        const auto* program = ctx_.program(r.program);
        if (!program) return make_error(Errc::not_found, "unknown program " + r.program);
        const auto& config = program->config;
        const auto& rules = config.receipt_claims;
        if (r.request_id.empty() || r.request_id.size() > 64)
            return make_error(Errc::invalid_argument, "a claim needs a request id (1-64 chars)");
        auto& db = *ctx_.db;
        const auto& origin = ctx_.origin;
        Transaction tx(db);
        // The same request again: what it got the first time.
        if (auto before = db.prepare(std::string("SELECT ") + kClaimColumns +
                                     " FROM receipt_claims c JOIN programs p ON p.id = "
                                     "c.program_id WHERE c.program_id = ? AND c.store = ? AND "
                                     "c.terminal = ? AND c.request_id = ?")
                              .bind_all(program->id, origin.store, origin.terminal, r.request_id)
                              .one(claim_from_row)) {
            if (before->member != r.member || before->receipt != r.receipt)
                return make_error(Errc::conflict,
                                  "request " + r.request_id + " was used for another claim");
            ClaimOutcome again{*before, true, ctx_.ledger.balance(r.member).available, ""};
            return again;
        }
        const auto* shop = rules.shop(r.shop);
        if (!shop) return make_error(Errc::not_found, "no shop " + r.shop + " in this mall");
        auto member = load_member(ctx_, r.member);
        if (!member || member->status != "active" || member->program != r.program)
            return make_error(Errc::not_found,
                              "no active member " + std::to_string(r.member) + " in " + r.program);
        if (r.receipt.empty() || r.receipt.size() > 40)
            return make_error(Errc::invalid_argument, "a receipt number is 1 to 40 characters");
        if (r.amount.minor > kMaxClaimFen)
            return make_error(Errc::invalid_argument,
                              "¥" + yuan(r.amount) + " is outside any range");
        const auto date = parse_receipt_date(r.date);
        if (!date) return make_error(Errc::invalid_argument, "the purchase date is not a date");
        if (r.amount.minor < shop->min_amount.minor ||
            (shop->max_amount.minor > 0 && r.amount.minor > shop->max_amount.minor))
            return make_error(
                Errc::invalid_argument,
                "¥" + yuan(r.amount) + " is outside " + shop->name + "'s range (¥" +
                    yuan(shop->min_amount) +
                    (shop->max_amount.minor > 0 ? " to ¥" + yuan(shop->max_amount) : " or more") +
                    ")");
        const auto now = ctx_.now();
        const auto today = claim_day_of(now, config.utc_offset_minutes);
        if (*date > today)
            return make_error(Errc::invalid_argument,
                              "the purchase date " + *date + " is after today");
        const auto bought = parse_local_date(date->c_str(), config.utc_offset_minutes);
        if (local_midnight(now, config.utc_offset_minutes) - bought > Days{rules.window_days})
            return make_error(Errc::expired, "receipts can be claimed for " +
                                                 std::to_string(rules.window_days) +
                                                 " days after the purchase");
        const auto key = receipt_claim_key(r.source, shop->code, r.receipt, *date);
        // A claim the hub reversed still counts: it was claimed first at another kiosk.
        if (auto taken = db.prepare("SELECT status FROM receipt_claims WHERE program_id = ? AND "
                                    "claim_key = ? ORDER BY status = 'reversed' LIMIT 1")
                             .bind_all(program->id, key)
                             .scalar<std::string>())
            return make_error(Errc::already_used,
                              "receipt " + r.receipt + " was claimed before (" + *taken + ")");
        // The same receipt under another key: the shop's number typed with another date (same
        // amount), or an invoice's number typed by hand after its QR was claimed, or before it
        // (one number ends the other; at least the 8 digits of an invoice number).
        const auto number = comparable_receipt(r.receipt);
        const auto window = Days{rules.window_days};
        if (auto seen =
                db.prepare(
                      "SELECT uid FROM receipt_claims WHERE program_id = ?1 AND status IN "
                      "('credited', 'pending', 'reversed') AND purchase_date BETWEEN ?2 AND ?3 AND "
                      "((shop = ?4 "
                      "AND ltrim(upper(receipt), '0') = ?5 AND amount_minor = ?6) OR (length(?5) "
                      ">= 8 AND length(ltrim(upper(receipt), '0')) >= 8 AND (substr(ltrim(upper("
                      "receipt), '0'), -length(?5)) = ?5 OR substr(?5, -length(ltrim(upper("
                      "receipt), '0'))) = ltrim(upper(receipt), '0')))) LIMIT 1")
                    .bind_all(program->id, claim_day_of(bought - window, config.utc_offset_minutes),
                              claim_day_of(bought + window, config.utc_offset_minutes), shop->code,
                              number, r.amount.minor)
                    .scalar<std::string>())
            return make_error(Errc::already_used,
                              "receipt " + r.receipt + " was claimed before (" + *seen + ")");
        const auto [claims_today, points_today] =
            *db.prepare(
                   "SELECT count(*), coalesce(sum(CASE WHEN status = 'credited' THEN "
                   "points ELSE 0 END), 0) FROM receipt_claims WHERE member_id = ? AND "
                   "claim_day = ? AND status IN ('credited', 'pending')")
                 .bind_all(member->id, today)
                 .one([](const Statement& row) { return std::pair(row.int64(0), row.int64(1)); });
        if (rules.daily_claims > 0 && claims_today >= rules.daily_claims)
            return make_error(Errc::limit_exceeded, "today's limit of " +
                                                        std::to_string(rules.daily_claims) +
                                                        " receipt claims is reached");
        if (rules.daily_points > 0 && points_today >= rules.daily_points)
            return make_error(Errc::limit_exceeded, "today's limit of " +
                                                        std::to_string(rules.daily_points) +
                                                        " points from receipts is reached");
        // The purchase as one line of the shop's category, earned like a till sale of the
        // mall's: the program's rate, the member's tier, the category's multiplier.
        // An e-invoice names no shop: the one the shopper picks must not choose the multiplier,
        // so it earns at the program's plain rate and the member's tier.
        const auto category = r.source == ReceiptSource::e_invoice ? std::string() : shop->category;
        auto basket = price_basket(config, nullptr,
                                   {BasketLine{"shop-" + shop->code, category, 1, r.amount, {}}});
        if (!basket) return basket.error();
        const auto* tier = config.tier(member->tier_code);
        EarnInputs inputs;
        inputs.at = bought;
        inputs.store = shop->code;
        inputs.birthday_month =
            member->birthday_month && static_cast<unsigned>(*member->birthday_month) ==
                                          local_date(bought, config.utc_offset_minutes).month;
        const auto earn = compute_earn(config, tier ? *tier : config.entry_tier(), *basket, inputs);
        auto points = earn.points;
        if (rules.daily_points > 0) points = std::min(points, rules.daily_points - points_today);
        std::string review;
        if (rules.review_above.minor > 0 && r.amount.minor > rules.review_above.minor)
            review = "amount above ¥" + yuan(rules.review_above);
        else if (!r.ocr_note.empty())
            review = "the photo reads otherwise: " + r.ocr_note;
        const auto status = review.empty() ? ClaimStatus::credited : ClaimStatus::pending;
        const auto uid = origin.store + "/" + origin.terminal + "/" + r.request_id;
        db.prepare(
              "INSERT INTO receipt_claims(program_id, member_id, shop, receipt, amount_minor, "
              "purchase_date, source, claim_key, status, points, review, photo, ocr_note, store, "
              "terminal, request_id, uid, claimed_at, claim_day) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
              "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .bind_all(program->id, member->id, shop->code, r.receipt, r.amount.minor, *date,
                      to_string(r.source), key, to_string(status), points, review, r.photo,
                      r.ocr_note, origin.store, origin.terminal, r.request_id, uid, to_unix(now),
                      today)
            .run();
        const auto id = db.last_insert_rowid();
        if (status == ClaimStatus::credited && points > 0)
            ctx_.ledger.credit(
                Credit{member->id, LedgerKind::earn, points, false, now,
                       ctx_.ledger.expiry_for(r.program, now),
                       "receipt claim " + shop->name + " " + r.receipt + ": " + earn.summary(),
                       "claim:" + uid, "claim-earn:" + uid, std::nullopt});
        ctx_.emit("receipt.claimed", r.program,
                  json{{"claim", uid},
                       {"member", member->id},
                       {"shop", shop->code},
                       {"receipt", r.receipt},
                       {"amount", r.amount.minor},
                       {"date", *date},
                       {"source", to_string(r.source)},
                       {"status", to_string(status)},
                       {"points_earned", status == ClaimStatus::credited ? points : 0},
                       {"points", points},  // what an approval may credit at most
                       {"store", origin.store}});
        auto claim = get(id);
        if (!claim) return claim.error();
        ClaimOutcome out{std::move(claim.value()), false, ctx_.ledger.balance(member->id).available,
                         earn.summary()};
        tx.commit();
        return out;
    });
}

Result<std::vector<ReceiptClaim>> ReceiptClaims::list(const std::string& program,
                                                      std::optional<ClaimStatus> status,
                                                      int limit) {
    return guarded([&]() -> Result<std::vector<ReceiptClaim>> {
        std::vector<ReceiptClaim> out;
        ctx_.db
            ->prepare(std::string("SELECT ") + kClaimColumns +
                      " FROM receipt_claims c JOIN programs p ON p.id = c.program_id WHERE "
                      "p.code = ? AND (?2 IS NULL OR c.status = ?2) ORDER BY c.id DESC LIMIT ?")
            .bind_all(program,
                      status ? std::optional<std::string>(to_string(*status)) : std::nullopt,
                      std::clamp(limit, 1, 10000))
            .each([&](const Statement& row) { out.push_back(claim_from_row(row)); });
        return out;
    });
}

Result<ReceiptClaim> ReceiptClaims::get(std::int64_t id) {
    return guarded([&]() -> Result<ReceiptClaim> {
        auto c = ctx_.db
                     ->prepare(std::string("SELECT ") + kClaimColumns +
                               " FROM receipt_claims c JOIN programs p ON p.id = c.program_id "
                               "WHERE c.id = ?")
                     .bind(1, id)
                     .one(claim_from_row);
        if (!c) return make_error(Errc::not_found, "no receipt claim " + std::to_string(id));
        return std::move(*c);
    });
}

Result<ClaimOutcome> ReceiptClaims::approve(std::int64_t id, const std::string& staff) {
    return guarded([&]() -> Result<ClaimOutcome> {
        auto& db = *ctx_.db;
        Transaction tx(db);
        auto pending = pending_claim(db, id);
        if (!pending) return pending.error();
        const auto* claim = &pending->claim;
        const auto* program = ctx_.program(claim->program);
        if (!program) return make_error(Errc::not_found, "unknown program " + claim->program);
        const auto& rules = program->config.receipt_claims;
        // The day's cap as it stands now: approvals of that day count like credits.
        const auto credited_that_day =
            db.prepare(
                  "SELECT coalesce(sum(points), 0) FROM receipt_claims WHERE member_id = ? "
                  "AND claim_day = ? AND status = 'credited'")
                .bind_all(claim->member, pending->day)
                .scalar()
                .value_or(0);
        auto points = claim->points;
        if (rules.daily_points > 0)
            points = std::max<Points>(0, std::min(points, rules.daily_points - credited_that_day));
        const auto now = ctx_.now();
        db.prepare(
              "UPDATE receipt_claims SET status = 'credited', points = ?, decided_at = ?, "
              "decided_by = ? WHERE id = ?")
            .bind_all(points, to_unix(now), staff, id)
            .run();
        if (points > 0)
            ctx_.ledger.credit(
                Credit{claim->member, LedgerKind::earn, points, false, now,
                       ctx_.ledger.expiry_for(claim->program, now),
                       "receipt claim approved: " + claim->shop + " " + claim->receipt,
                       "claim:" + pending->uid, "claim-earn:" + pending->uid, staff});
        ctx_.audit.record(staff, "receipt_claim.approve", "claim:" + pending->uid,
                          json{{"points", points}, {"amount", claim->amount.minor}}.dump());
        ctx_.emit("receipt.claim_decided", claim->program,
                  json{{"claim", pending->uid},
                       {"member", claim->member},
                       {"status", "credited"},
                       {"points_earned", points},
                       {"staff", staff}});
        auto after = get(id);
        if (!after) return after.error();
        ClaimOutcome out{std::move(after.value()), false,
                         ctx_.ledger.balance(claim->member).available, ""};
        tx.commit();
        return out;
    });
}

Result<ReceiptClaim> ReceiptClaims::reject(std::int64_t id, const std::string& staff,
                                           const std::string& reason) {
    return guarded([&]() -> Result<ReceiptClaim> {
        if (reason.empty() || reason.size() > 200)
            return make_error(Errc::invalid_argument, "say why (1-200 characters)");
        auto& db = *ctx_.db;
        Transaction tx(db);
        auto pending = pending_claim(db, id);
        if (!pending) return pending.error();
        const auto* claim = &pending->claim;
        const auto& uid = pending->uid;
        db.prepare(
              "UPDATE receipt_claims SET status = 'rejected', points = 0, note = ?, "
              "decided_at = ?, decided_by = ? WHERE id = ?")
            .bind_all(reason, to_unix(ctx_.now()), staff, id)
            .run();
        ctx_.audit.record(staff, "receipt_claim.reject", "claim:" + uid,
                          json{{"reason", reason}, {"amount", claim->amount.minor}}.dump());
        ctx_.emit("receipt.claim_decided", claim->program,
                  json{{"claim", uid},
                       {"member", claim->member},
                       {"status", "rejected"},
                       {"points_earned", 0},
                       {"note", reason},
                       {"staff", staff}});
        auto after = get(id);
        if (!after) return after.error();
        tx.commit();
        return std::move(after.value());
    });
}

Result<std::vector<ReceiptClaim>> ReceiptClaims::unseen_refusals(MemberId member, bool mark_shown) {
    return guarded([&]() -> Result<std::vector<ReceiptClaim>> {
        auto& db = *ctx_.db;
        Transaction tx(db);
        std::vector<ReceiptClaim> out;
        db.prepare(std::string("SELECT ") + kClaimColumns +
                   " FROM receipt_claims c JOIN programs p ON p.id = c.program_id WHERE "
                   "c.member_id = ? AND c.status IN ('rejected', 'reversed') AND c.shown_at IS "
                   "NULL ORDER BY c.id")
            .bind(1, member)
            .each([&](const Statement& row) { out.push_back(claim_from_row(row)); });
        if (mark_shown && !out.empty()) {
            db.prepare(
                  "UPDATE receipt_claims SET shown_at = ? WHERE member_id = ? AND status IN "
                  "('rejected', 'reversed') AND shown_at IS NULL")
                .bind_all(to_unix(ctx_.now()), member)
                .run();
            tx.commit();
        }
        return out;
    });
}

Result<bool> ReceiptClaims::reverse_from_hub(const std::string& uid, const std::string& store,
                                             const std::string& member_uid,
                                             const std::string& note) {
    return guarded([&]() -> Result<bool> {
        auto& db = *ctx_.db;
        Transaction tx(db);
        // The claim's member, or the member it was merged into: the hub books a merged member's
        // claims to the survivor.
        const auto status =
            db.prepare(
                  "SELECT c.status FROM receipt_claims c JOIN members m ON m.id = c.member_id "
                  "LEFT JOIN members s ON s.id = m.merged_into AND m.status = 'merged' "
                  "WHERE c.uid = ?1 AND c.store = ?2 AND (m.uid = ?3 OR s.uid = ?3)")
                .bind_all(uid, store, member_uid)
                .scalar<std::string>();
        if (!status)
            return make_error(Errc::not_found, "no receipt claim " + uid + " of store " + store +
                                                   " and member " + member_uid);
        if (*status != "credited" && *status != "pending") return false;
        // Points stay as they are: the hub's snapshot aligns the balance (see the header).
        const auto kept = note.substr(0, 200);
        db.prepare(
              "UPDATE receipt_claims SET status = 'reversed', points = 0, note = ?, "
              "decided_at = ?, decided_by = 'hub', shown_at = NULL WHERE uid = ? AND status IN "
              "('credited', 'pending')")
            .bind_all(kept, to_unix(ctx_.now()), uid)
            .run();
        if (db.changes() == 0) return false;
        ctx_.audit.record("hub", "receipt_claim.reversed", "claim:" + uid,
                          json{{"note", kept}, {"previous", *status}}.dump());
        tx.commit();
        return true;
    });
}

Result<std::vector<std::string>> ReceiptClaims::release_photos(Timestamp decided_before) {
    return guarded([&]() -> Result<std::vector<std::string>> {
        auto& db = *ctx_.db;
        Transaction tx(db);
        // A claim credited at once was decided when it was made. A file a waiting claim also
        // names (one photo submitted twice) stays with it.
        constexpr const char* kReleasable =
            "photo != '' AND status != 'pending' AND coalesce(decided_at, claimed_at) < ? AND "
            "photo NOT IN (SELECT photo FROM receipt_claims WHERE status = 'pending')";
        std::vector<std::string> files;
        db.prepare(std::string("SELECT photo FROM receipt_claims WHERE ") + kReleasable)
            .bind(1, to_unix(decided_before))
            .each([&](const Statement& row) { files.push_back(row.text(0)); });
        if (files.empty()) return files;
        db.prepare(std::string("UPDATE receipt_claims SET photo = '' WHERE ") + kReleasable)
            .bind(1, to_unix(decided_before))
            .run();
        tx.commit();
        return files;
    });
}

Result<std::vector<std::string>> ReceiptClaims::photos_kept() {
    return guarded([&]() -> Result<std::vector<std::string>> {
        std::vector<std::string> files;
        ctx_.db->prepare("SELECT DISTINCT photo FROM receipt_claims WHERE photo != ''")
            .each([&](const Statement& row) { files.push_back(row.text(0)); });
        return files;
    });
}

Result<std::vector<ReceiptClaim>> ReceiptClaims::pending_of(MemberId member) {
    return guarded([&]() -> Result<std::vector<ReceiptClaim>> {
        std::vector<ReceiptClaim> out;
        ctx_.db
            ->prepare(std::string("SELECT ") + kClaimColumns +
                      " FROM receipt_claims c JOIN programs p ON p.id = c.program_id WHERE "
                      "c.member_id = ? AND c.status = 'pending' ORDER BY c.id")
            .bind(1, member)
            .each([&](const Statement& row) { out.push_back(claim_from_row(row)); });
        return out;
    });
}

}  // namespace loyalty
