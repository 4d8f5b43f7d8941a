#include "loyalty/replication.hpp"

#include "engine_context.hpp"
#include "loyalty/checked_math.hpp"
#include "loyalty/event_fields.hpp"
#include "loyalty/receipt_claims.hpp"
#include "member_rows.hpp"
#include "sv_replication.hpp"

namespace loyalty {

using nlohmann::json;

namespace {

// Nothing this database does meanwhile is emitted: it is another terminal's change.
class Silenced {
  public:
    explicit Silenced(EngineContext& ctx) : ctx_(ctx) { ctx_.replaying = true; }
    ~Silenced() { ctx_.replaying = false; }
    Silenced(const Silenced&) = delete;
    Silenced& operator=(const Silenced&) = delete;

  private:
    EngineContext& ctx_;
};

// While one event is applied the engine writes as its terminal did: at the
// terminal's time (lot expiry, return windows and tier windows follow from it),
// under its store and terminal, and without events of its own.
class ReplayScope {
  public:
    ReplayScope(EngineContext& ctx, const ReplicatedEvent& e)
        : ctx_(ctx), clock_(e.occurred_at), saved_clock_(ctx.clock), saved_origin_(ctx.origin) {
        ctx.clock = &clock_;
        ctx.origin = Origin{e.store, e.terminal};
    }
    ~ReplayScope() {
        ctx_.clock = saved_clock_;
        ctx_.origin = saved_origin_;
    }
    ReplayScope(const ReplayScope&) = delete;
    ReplayScope& operator=(const ReplayScope&) = delete;

  private:
    EngineContext& ctx_;
    ManualClock clock_;
    const Clock* saved_clock_;
    Origin saved_origin_;
    Silenced quiet_{ctx_};
};

using Need = EventFields::Need;

// One event's application: what it needs from the payload, and what it did.
// Every field is read through EventFields: a mistyped or missing one refuses the
// event (invalid_argument, naming the field) before anything is written. The
// event's store is the one it was authenticated for (e_.store, from the topic):
// it books only that store's sales and receipts; one naming another store's is
// refused (unauthorized). What crosses stores goes through the member.
class Replay {
  public:
    Replay(EngineContext& ctx, const ReplicatedEvent& e, const CachedProgram& program)
        : ctx_(ctx),
          db_(*ctx.db),
          e_(e),
          p_(e.payload),
          f_(e.payload),
          program_(program),
          at_(e.occurred_at) {}

    Result<ReplicationOutcome> run() {
        const auto& t = e_.type;
        if (auto foreign = names_another_store()) return *foreign;
        Result<void> done;
        if (t == "member.enrolled")
            done = enrolled();
        else if (t == "card.issued")
            done = card_issued();
        else if (t.starts_with("card."))
            done = card_status();
        else if (t == "identity.linked" || t == "identity.unlinked")
            done = identity(t == "identity.linked");
        else if (t == "member.consent_changed")
            done = consent();
        else if (t == "sale.committed")
            done = sale_committed();
        else if (t == "sale.claimed")
            done = sale_claimed();
        else if (t == "sale.refunded")
            done = sale_refunded();
        else if (t == "receipt.claimed")
            done = receipt_claimed();
        else if (t == "receipt.claim_decided")
            done = receipt_claim_decided();
        else if (t == "campaign.fired")
            done = campaign_fired();
        else if (t == "points.adjusted")
            done = adjusted();
        else if (t == "points.expired")
            done = expired();
        else if (t == "reward.redeemed")
            done = redeemed();
        else if (t == "parking.credited")
            done = parking_credited();
        else if (t == "parking.plate_added" || t == "parking.plate_removed")
            done = plate(t == "parking.plate_added");
        else if (t == "member.merged")
            done = merged();
        else if (t == "stored_value.topped_up")
            done = stored_value().topped_up();
        else if (t == "stored_value.top_up_refunded")
            done = stored_value().top_up_refunded();
        else if (t == "stored_value.adjusted")
            done = stored_value().adjusted();
        else if (t == "tag.added" || t == "tag.removed")
            done = tag(t == "tag.added");
        else if (t == "tier.changed" || t == "tier.downgrade_warning") {
            // Decided here over every store's sales, not taken from one store; the
            // member's snapshot goes back, so a store that decided alone is corrected.
            if (auto uid = f_.text("member_uid"); !uid.empty() && member_id_by_uid(ctx_, uid))
                touched(uid);
            out_.note = "tiers are decided here, over every store's sales";
        } else
            out_.note = "nothing to replicate for " + t;
        if (!done) return done.error();
        if (auto bad = malformed()) return *bad;
        return std::move(out_);
    }

  private:
    // The first field problem, as the refusal of the whole event.
    std::optional<Error> malformed() const {
        if (!f_.problem()) return std::nullopt;
        return make_error(Errc::invalid_argument, e_.type + ": " + *f_.problem());
    }

    // A store field (a sale's, a refund's, a claim's) that is not the sending store.
    std::optional<Error> names_another_store() {
        const auto store = f_.text("store");
        if (store.empty() || store == e_.store) return std::nullopt;
        return make_error(Errc::unauthorized,
                          e_.type + " sent by store " + e_.store + " names store " + store);
    }

    SvReplay stored_value() {
        return SvReplay{ctx_,
                        program_,
                        e_,
                        f_,
                        out_,
                        [this](const std::string& uid) { return member(uid); },
                        [this](const std::string& uid) { return standing_uid(uid); }};
    }

    Result<std::string> required_uid(const char* field = "member_uid") {
        auto uid = f_.text(field, Need::required);
        if (auto bad = malformed()) return *bad;
        return uid;
    }

    // The member by uid; one this database never saw enroll (its terminal's
    // early outbox was cleared, or it enrolled before the hub existed) is
    // adopted with the entry tier, so its points still count.
    // A member merged into another (the same shopper enrolled twice) stands for the
    // one it was merged into: a late event about it books to the survivor.
    MemberId member(const std::string& uid) {
        if (auto id = member_id_by_uid(ctx_, uid)) {
            if (auto survivor = merged_into(*id)) {
                touched(survivor->second);
                return survivor->first;
            }
            touched(uid);
            return *id;
        }
        const auto& config = program_.config;
        db_.prepare(
               "INSERT INTO members(uid, program_id, enrolled_at, tier_code, tier_since, "
               "tier_review_at) "
               "VALUES (?, ?, ?, ?, ?, ?)")
            .bind_all(uid, program_.id, to_unix(at_), config.entry_tier().code, to_unix(at_),
                      to_unix(at_ + Days{config.tiers.window_days}))
            .run();
        touched(uid);
        return db_.last_insert_rowid();
    }

    // The uid a member now stands for: its own, or that of the member it was merged into.
    std::string standing_uid(const std::string& uid) {
        if (uid.empty()) return uid;
        if (auto id = member_id_by_uid(ctx_, uid))
            if (auto survivor = merged_into(*id)) return survivor->second;
        return uid;
    }

    // The member (id, uid) a merged member now stands for.
    std::optional<std::pair<MemberId, std::string>> merged_into(MemberId id) {
        auto st = db_.prepare(
            "SELECT s.id, s.uid FROM members m JOIN members s ON s.id = m.merged_into "
            "WHERE m.id = ? AND m.status = 'merged'");
        st.bind(1, id);
        if (!st.step()) return std::nullopt;
        return std::pair<MemberId, std::string>{st.int64(0), st.text(1)};
    }

    void touched(const std::string& uid) {
        for (const auto& u : out_.members)
            if (u == uid) return;
        out_.members.push_back(uid);
    }

    void link(MemberId member, const char* kind, const std::string& value) {
        if (value.empty()) return;
        db_.prepare(
               "INSERT INTO identities(program_id, kind, value, member_id, linked_at) VALUES (?, "
               "?, ?, ?, ?) "
               "ON CONFLICT DO NOTHING")
            .bind_all(program_.id, kind, value, member, to_unix(at_))
            .run();
    }

    Result<void> enrolled() {
        auto uid = required_uid();
        if (!uid) return uid.error();
        const bool marketing_given = f_.flag("consent_marketing");
        const auto home = f_.text("home_store");
        const auto phone = f_.text("phone");
        if (auto bad = malformed()) return *bad;
        const bool known = member_id_by_uid(ctx_, *uid).has_value();
        const auto id = member(*uid);
        if (!known) {
            std::optional<std::int64_t> marketing;
            if (marketing_given) marketing = to_unix(at_);
            db_.prepare(
                   "UPDATE members SET home_store = ?, consent_privacy_at = ?, "
                   "consent_marketing_at = ? WHERE id = ?")
                .bind_all(home.empty() ? std::nullopt : std::optional<std::string>(home),
                          to_unix(at_), marketing, id)
                .run();
        }
        link(id, "phone", phone);
        return {};
    }

    Result<void> card_issued() {
        auto uid = required_uid();
        if (!uid) return uid.error();
        const auto number = f_.text("card", Need::required);
        const auto card_uid = f_.text("uid");
        const auto form = f_.text("form");
        const auto status = f_.text("status");
        if (auto bad = malformed()) return *bad;
        const auto id = member(*uid);
        db_.prepare(
               "INSERT INTO cards(program_id, card_number, card_uid, form, member_id, status, "
               "issued_at) "
               "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(program_id, card_number) DO NOTHING")
            .bind_all(program_.id, number,
                      card_uid.empty() ? std::nullopt : std::optional<std::string>(card_uid),
                      form == "physical" ? "physical" : "electronic", id,
                      status.empty() ? "issued" : status, to_unix(at_))
            .run();
        link(id, "card_number", number);
        link(id, "card_uid", card_uid);
        return {};
    }

    // card.activated / lost / blocked / replaced: the payload carries the status
    // after. A store changes the cards of the member it names, never another
    // member's card (a card number is program-wide, so it could name any).
    Result<void> card_status() {
        const auto number = f_.text("card", Need::required);
        const auto status = f_.text("status", Need::required);
        const auto uid = f_.text("member_uid");
        if (auto bad = malformed()) return *bad;
        auto owner = db_.prepare(
                            "SELECT m.uid FROM cards c JOIN members m ON m.id = c.member_id "
                            "WHERE c.program_id = ? AND c.card_number = ?")
                         .bind_all(program_.id, number)
                         .scalar<std::string>();
        // A card of a member merged since moved with it to the survivor.
        if (owner && *owner != standing_uid(uid))
            return make_error(Errc::unauthorized,
                              e_.type + " of card " + number + " names member " +
                                  (uid.empty() ? "(none)" : uid) + ", not its holder");
        db_.prepare("UPDATE cards SET status = ? WHERE program_id = ? AND card_number = ?")
            .bind_all(status, program_.id, number)
            .run();
        if (!uid.empty()) touched(standing_uid(uid));
        return {};
    }

    Result<void> identity(bool linked) {
        auto uid = required_uid();
        if (!uid) return uid.error();
        const auto kind = f_.text("kind", Need::required);
        const auto value = f_.text("value", Need::required);
        if (auto bad = malformed()) return *bad;
        if (!identity_kind_from_string(kind))
            return make_error(Errc::invalid_argument, "unknown identity kind " + kind);
        const auto id = member(*uid);
        if (linked) {
            link(id, kind.c_str(), value);
        } else {
            db_.prepare(
                   "DELETE FROM identities WHERE program_id = ? AND kind = ? AND value = ? AND "
                   "member_id = ?")
                .bind_all(program_.id, kind, value, id)
                .run();
        }
        return {};
    }

    Result<void> consent() {
        auto uid = required_uid();
        if (!uid) return uid.error();
        const bool marketing = f_.flag("marketing");
        if (auto bad = malformed()) return *bad;
        const auto id = member(*uid);
        db_.prepare(
               "UPDATE members SET consent_marketing_at = ?, version = version + 1 WHERE id = ?")
            .bind_all(marketing ? std::optional<std::int64_t>(to_unix(at_)) : std::nullopt, id)
            .run();
        return {};
    }

    // A sale of the sending store: the receipt's terminal is the payload's (a
    // refund at T02 of a sale rung up at T01), its store always the sender's.
    struct Receipt {
        std::string terminal;
        std::string number;
        std::string key;  // program/store/terminal/receipt, as the ledger's idempotency keys use it
    };
    Receipt receipt() {
        Receipt r;
        r.number = f_.text("receipt", Need::required);
        r.terminal = f_.text("terminal");
        if (r.terminal.empty()) r.terminal = e_.terminal;
        r.key = e_.program + "/" + e_.store + "/" + r.terminal + "/" + r.number;
        return r;
    }

    Result<void> sale_committed() {
        const auto r = receipt();
        const auto uid = f_.text("member_uid");
        const auto net = f_.amount("net");
        const auto gross = f_.integer("gross", 0, max_event_amount, Need::optional, net);
        const auto paid = f_.points("points_paid");
        const auto earned = f_.points("points_earned");
        const auto cashier = f_.text("cashier");
        const auto coupons = coupon_codes();
        const auto sv_paid = read_sv_paid(p_, f_, !uid.empty());
        if (auto bad = malformed()) return *bad;
        Money sv_total;
        for (const auto& pay : sv_paid) sv_total += pay.principal + pay.bonus;
        std::optional<MemberId> id;
        if (!uid.empty()) id = member(uid);
        db_.prepare(
               "INSERT INTO sales(program_id, store, terminal, receipt, member_id, occurred_at, "
               "gross_minor, net_minor, "
               "points_paid, points_earned, fingerprint, cashier, sv_minor) VALUES (?, ?, ?, ?, ?, "
               "?, ?, ?, ?, ?, ?, ?, ?) "
               "ON CONFLICT(program_id, store, terminal, receipt) DO NOTHING")
            .bind_all(program_.id, e_.store, r.terminal, r.number, id, to_unix(at_), gross, net,
                      paid, earned, e_.event_id,
                      cashier.empty() ? std::nullopt : std::optional<std::string>(cashier),
                      sv_total.minor)
            .run();
        // The receipt was booked by another event (a restored terminal reusing its
        // numbers): refused whole, never a second earn under the first one's keys.
        if (db_.changes() == 0)
            return make_error(Errc::conflict,
                              "receipt " + r.key + " is booked already by another event");
        stored_value().sale_paid(db_.last_insert_rowid(), r.key, id, sv_paid);
        if (!id) return {};
        use_coupons(coupons, *id, r.key);
        if (auto t = take(*id, paid, LedgerKind::redeem, "paid with points", "sale-pay:" + r.key);
            !t)
            return t;
        earn(*id, earned, "purchase", "sale-earn:" + r.key, LedgerKind::earn, "receipt:" + r.key);
        db_.prepare(
               "UPDATE members SET last_visit_at = max(coalesce(last_visit_at, 0), ?) WHERE id = ?")
            .bind_all(to_unix(at_), *id)
            .run();
        check_tier(*id);
        return {};
    }

    // The optional list of coupon codes a sale used.
    std::vector<std::string> coupon_codes() {
        std::vector<std::string> codes;
        const auto c = p_.find("coupons");
        if (c == p_.end() || c->is_null()) return codes;
        if (!c->is_array()) {
            f_.refuse("coupons: a list of coupon codes");
            return codes;
        }
        for (const auto& code : *c) {
            if (!code.is_string() || code.get_ref<const std::string&>().empty()) {
                f_.refuse("coupons: a list of coupon codes");
                return {};
            }
            codes.push_back(code.get<std::string>());
        }
        return codes;
    }

    // Coupons this database issued (the hub's own) to the sale's member are used by
    // the sale; one used by another sale already was spent twice, and is reported. A
    // store's own coupons, and codes of another member's, change nothing.
    void use_coupons(const std::vector<std::string>& codes, MemberId member,
                     const std::string& receipt_key) {
        for (const auto& code : codes) {
            db_.prepare(
                   "UPDATE coupons SET status = 'used', used_at = ?, used_receipt = ? "
                   "WHERE code = ? AND program_id = ? AND member_id = ? AND status = 'issued'")
                .bind_all(to_unix(at_), receipt_key, code, program_.id, member)
                .run();
            if (db_.changes() == 1) continue;
            auto first = db_.prepare(
                "SELECT used_receipt FROM coupons WHERE code = ? AND program_id = ? AND "
                "member_id = ? AND status = 'used' AND used_receipt <> ?");
            first.bind_all(code, program_.id, member, receipt_key);
            if (first.step()) out_.coupons_used_again.emplace_back(code, first.text(0));
        }
    }

    Result<void> sale_claimed() {
        auto uid = required_uid();
        if (!uid) return uid.error();
        const auto r = receipt();
        const auto points = f_.points("points_earned");
        if (auto bad = malformed()) return *bad;
        const auto id = member(*uid);
        db_.prepare(
               "UPDATE sales SET member_id = ?, points_earned = ? "
               "WHERE program_id = ? AND store = ? AND terminal = ? AND receipt = ?")
            .bind_all(id, points, program_.id, e_.store, r.terminal, r.number)
            .run();
        earn(id, points, "receipt claimed", "sale-earn:" + r.key, LedgerKind::earn,
             "receipt:" + r.key);
        check_tier(id);
        return {};
    }

    // A mall receipt claimed at a kiosk. Every kiosk of the mall books here, so this is where
    // two kiosks that took the same receipt while offline meet: the first claim applied keeps
    // it; a later one is kept as reversed and earns nothing here, and the member's next
    // snapshot takes its points back at the kiosk that credited them.
    Result<void> receipt_claimed() {
        auto uid = required_uid();
        if (!uid) return uid.error();
        const auto claim = f_.text("claim", Need::required);
        const auto shop = f_.text("shop", Need::required);
        const auto number = f_.text("receipt", Need::required);
        const auto date = f_.text("date", Need::required);
        const auto source = receipt_source_from(f_.text("source", Need::required));
        const auto status = claim_status_from(f_.text("status", Need::required));
        const auto amount = f_.amount("amount");
        const auto points = f_.points("points_earned");
        // A claim waiting for review earns nothing yet; `points` is what approval may credit.
        const auto ceiling = std::max(points, f_.points("points", Need::optional));
        if (auto bad = malformed()) return *bad;
        const auto day = parse_receipt_date(date);
        if (!status || *status == ClaimStatus::reversed || amount <= 0 || !day || number.empty() ||
            number.size() > 40 || !program_.config.receipt_claims.shop(shop))
            return make_error(Errc::invalid_argument,
                              "receipt.claimed: bad status, amount, date, receipt or shop");
        // A claim is named by the kiosk that took it: never another's.
        if (!claim.starts_with(e_.store + "/" + e_.terminal + "/"))
            return make_error(Errc::unauthorized,
                              "receipt.claimed: claim " + claim + " is not this terminal's");
        const auto id = member(*uid);
        // This claim again (a resend): nothing more. Its id on another claim: refused.
        if (auto before = db_.prepare("SELECT member_id, shop, receipt, status, note FROM "
                                      "receipt_claims WHERE uid = ?")
                              .bind(1, claim)
                              .one([](const Statement& r) {
                                  return std::tuple(r.int64(0), r.text(1), r.text(2), r.text(3),
                                                    r.text(4));
                              })) {
            const auto& [was_member, was_shop, was_number, was_status, was_note] = *before;
            if (std::tie(was_member, was_shop, was_number) != std::tie(id, shop, number))
                return make_error(Errc::conflict, "receipt.claimed: claim " + claim + " exists");
            // Told again under another event id: the store hears of its reversal again.
            if (was_status == "reversed")
                out_.reversed_claim = ReplicationOutcome::ReversedClaim{claim, *uid, was_note};
            return {};
        }
        const auto key = receipt_claim_key(source, shop, number, *day);
        const auto first = db_.prepare(
                                  "SELECT uid FROM receipt_claims WHERE program_id = ? AND "
                                  "claim_key = ? AND status != 'reversed'")
                               .bind_all(program_.id, key)
                               .scalar<std::string>();
        if (first && *first == claim) return {};  // this very claim, applied before
        const auto kept = first ? ClaimStatus::reversed : *status;
        const auto note =
            first ? "claimed before at another kiosk (" + *first + ")" : std::string();
        db_.prepare(
               "INSERT INTO receipt_claims(program_id, member_id, shop, receipt, amount_minor, "
               "purchase_date, source, claim_key, status, points, note, store, terminal, "
               "request_id, uid, claimed_at, claim_day) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
               "?, ?, ?, ?, ?, ?) ON CONFLICT(uid) DO NOTHING")
            .bind_all(program_.id, id, shop, number, amount, *day, to_string(source), key,
                      to_string(kept), first ? 0 : ceiling, note, e_.store, e_.terminal, claim,
                      claim, to_unix(at_), claim_day_of(at_, program_.config.utc_offset_minutes))
            .run();
        if (db_.changes() == 0)  // the claim's id was used before, by another claim
            return make_error(Errc::conflict, "receipt.claimed: claim " + claim + " exists");
        if (first) {
            out_.note = "receipt " + note + ": reversed";
            out_.reversed_claim = ReplicationOutcome::ReversedClaim{claim, *uid, note};
            return {};
        }
        if (kept == ClaimStatus::credited) credit_claim(id, points, claim);
        return {};
    }

    // A manager's decision on a claim that waited for review; nothing for a claim this
    // database reversed as a duplicate (its points never counted here).
    Result<void> receipt_claim_decided() {
        auto uid = required_uid();
        if (!uid) return uid.error();
        const auto claim = f_.text("claim", Need::required);
        const auto status = claim_status_from(f_.text("status", Need::required));
        const auto points = f_.points("points_earned");
        if (auto bad = malformed()) return *bad;
        if (!status || (*status != ClaimStatus::credited && *status != ClaimStatus::rejected))
            return make_error(Errc::invalid_argument, "receipt.claim_decided: bad status");
        struct Row {
            std::string status, store;
            MemberId member;
            Points points;
        };
        const auto row =
            db_.prepare(
                   "SELECT status, store, member_id, points FROM receipt_claims WHERE uid = ? AND "
                   "program_id = ?")
                .bind_all(claim, program_.id)
                .one([](const Statement& r) {
                    return Row{r.text(0), r.text(1), r.int64(2), r.int64(3)};
                });
        if (!row) return make_error(Errc::not_found, "no receipt claim " + claim);
        // Only the store that took the claim decides it, for the claim's own member, and for at
        // most the points the claim was taken for.
        if (row->store != e_.store)
            return make_error(Errc::unauthorized,
                              "receipt.claim_decided: claim " + claim + " is another store's");
        const auto id = member(*uid);
        const auto owner = merged_into(row->member);
        if (id != (owner ? owner->first : row->member))
            return make_error(Errc::unauthorized,
                              "receipt.claim_decided: claim " + claim + " is another member's");
        if (row->status != "pending") return {};
        const auto credited = std::min(points, row->points);
        db_.prepare(
               "UPDATE receipt_claims SET status = ?, points = ?, decided_at = ? WHERE uid = ?")
            .bind_all(to_string(*status), *status == ClaimStatus::credited ? credited : 0,
                      to_unix(at_), claim)
            .run();
        if (*status == ClaimStatus::credited) credit_claim(id, credited, claim);
        return {};
    }

    // As the kiosk credits a claim: available at once (a tenant's returns never reach us).
    void credit_claim(MemberId id, Points points, const std::string& claim) {
        if (points <= 0) return;
        settle(id);
        ctx_.ledger.credit(Credit{id, LedgerKind::earn, points, false, at_,
                                  ctx_.ledger.expiry_for(e_.program, at_), "receipt claim",
                                  "claim:" + claim, "claim-earn:" + claim, std::nullopt});
    }

    // A refund of one of the sending store's own sales, booked here before: its
    // points go back through the sale's own member, never one the event names
    // instead. The terminal books the points it could not take back (spent
    // already) as reversed too; so does the hub, so both agree on the sale.
    Result<void> sale_refunded() {
        const auto r = receipt();
        const auto amount = f_.amount("amount");
        const auto reversed = f_.points("points_reversed");
        const auto restored = f_.points("points_restored");
        const auto shortfall = f_.points("points_shortfall", Need::optional);
        const auto campaign = f_.points("campaign_points_reversed", Need::optional);
        const bool voided = f_.flag("voided");
        const auto uid = f_.text("member_uid");
        const auto refund_ref = f_.text("refund_ref");
        const auto sv_back = read_sv_given_back(p_, f_);
        if (auto bad = malformed()) return *bad;
        auto sale =
            db_.prepare(
                   "SELECT s.id, m.uid FROM sales s LEFT JOIN members m ON m.id = s.member_id "
                   "WHERE s.program_id = ? AND s.store = ? AND s.terminal = ? AND s.receipt = ?")
                .bind_all(program_.id, e_.store, r.terminal, r.number)
                .one([](const Statement& row) {
                    return std::pair(row.int64(0), row.optional_text(1));
                });
        if (!sale)
            return make_error(Errc::exceeds_sale,
                              "sale.refunded of receipt " + r.key + ", not booked here");
        // The sale of a member merged since belongs to the survivor now.
        if (sale->second.value_or("") != standing_uid(uid))
            return make_error(Errc::unauthorized,
                              "sale.refunded of receipt " + r.key + " names member " +
                                  (uid.empty() ? "(none)" : uid) + ", not the sale's");
        db_.prepare(
               "UPDATE sales SET refunded_minor = refunded_minor + ?, points_reversed = "
               "points_reversed + ?, "
               "points_restored = points_restored + ?, "
               "status = CASE WHEN refunded_minor + ? >= net_minor THEN (CASE WHEN ? THEN 'voided' "
               "ELSE 'refunded' END) "
               "ELSE 'partially_refunded' END WHERE id = ?")
            .bind_all(amount, reversed + shortfall, restored, amount, std::int64_t{voided ? 1 : 0},
                      sale->first)
            .run();
        // Stored value goes back to the accounts the sale took it from, as at the till.
        const auto [refunded_after, net] =
            db_.prepare("SELECT refunded_minor, net_minor FROM sales WHERE id = ?")
                .bind_all(sale->first)
                .one([](const Statement& row) { return std::pair(row.int64(0), row.int64(1)); })
                .value();
        stored_value().sale_refunded(sale->first, r.key,
                                     refund_ref.empty() ? e_.event_id : refund_ref,
                                     Money{refunded_after}, Money{net}, sv_back);
        if (uid.empty()) return {};
        const auto id = member(uid);
        const auto ref = "receipt:" + r.key;
        settle(id);
        if (reversed > 0) {
            const auto earned = ctx_.ledger.find_by_key("sale-earn:" + r.key);
            out_.shortfall += ctx_.ledger.reverse_earn(id, earned ? earned->id : 0, reversed,
                                                       "refund", ref, next_key("reverse"));
        }
        if (restored > 0) {
            if (const auto paid = ctx_.ledger.find_by_key("sale-pay:" + r.key))
                ctx_.ledger.restore_debit(id, paid->id, restored, "refund", ref,
                                          next_key("restore"));
            else
                earn(id, restored, "refund: points paid back", next_key("restore"),
                     LedgerKind::reverse, ref);
        }
        return take(id, campaign, LedgerKind::reverse, "refund: campaign bonus",
                    next_key("campaign"));
    }

    Result<void> campaign_fired() {
        auto uid = required_uid();
        if (!uid) return uid.error();
        const auto points = f_.points_sum("campaigns", "points");
        if (auto bad = malformed()) return *bad;
        if (points <= 0) return {};
        const auto id = member(*uid);
        earn(id, points, "campaign bonus", next_key("bonus"), LedgerKind::bonus);
        check_tier(id);
        return {};
    }

    Result<void> adjusted() {
        auto uid = required_uid();
        if (!uid) return uid.error();
        const auto delta = f_.integer("delta", -max_event_points, max_event_points);
        const auto reason = "adjusted: " + f_.text("reason");
        if (auto bad = malformed()) return *bad;
        if (delta >= 0) {
            earn(member(*uid), delta, reason, next_key("adjust"), LedgerKind::adjust);
            return {};
        }
        return take(member(*uid), -delta, LedgerKind::adjust, reason,
                    next_key(to_string(LedgerKind::adjust)));
    }

    Result<void> redeemed() {
        auto uid = required_uid();
        if (!uid) return uid.error();
        const auto points = f_.points("points");
        const auto reward = f_.text("reward");
        if (auto bad = malformed()) return *bad;
        return take(member(*uid), points, LedgerKind::redeem, "reward " + reward,
                    next_key(to_string(LedgerKind::redeem)));
    }

    // A mall's parking credit: booked once by its credit ("<store>/<terminal>/<id>", which
    // must be the sending terminal's), the points bought hours cost taken like a redemption.
    Result<void> parking_credited() {
        auto uid = required_uid();
        if (!uid) return uid.error();
        const auto credit = f_.text("credit", Need::required);
        const auto plate = f_.text("plate", Need::required);
        const auto free_minutes = f_.integer("free_minutes", 0, 24 * 60);
        const auto hours = f_.integer("bought_hours", 0, 24);
        const auto points = f_.points("points");
        const auto date = f_.text("date", Need::required);
        if (auto bad = malformed()) return *bad;
        const auto prefix = e_.store + "/" + e_.terminal + "/";
        if (!credit.starts_with(prefix) || credit.size() == prefix.size())
            return make_error(Errc::unauthorized,
                              "parking credit " + credit + " is not one of " + prefix + "*");
        if (free_minutes == 0 && hours == 0)
            return make_error(Errc::invalid_argument, "parking.credited: nothing credited");
        const auto id = member(*uid);
        if (auto beyond = beyond_parking_rules(free_minutes, hours, points)) return *beyond;
        db_.prepare(
               "INSERT INTO parking_credits(program_id, member_id, plate, free_minutes, "
               "bought_hours, points, store, terminal, credit_id, uid, credited_at, credit_day) "
               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")
            .bind_all(program_.id, id, plate, free_minutes, hours, points, e_.store, e_.terminal,
                      credit.substr(prefix.size()), credit, to_unix(at_), date)
            .run();
        if (db_.changes() == 0)
            return make_error(Errc::conflict,
                              "parking credit " + credit + " is booked already by another event");
        return take(id, points, LedgerKind::redeem, "parking " + plate,
                    "parking:" + program_.config.code + "/" + credit);
    }

    // What a kiosk may credit (Parking::credit), checked again here: the car park takes what
    // the hub forwards. Hours are paid at the program's rate and within its cap, and the free
    // minutes are at most the best tier's. Not the member's tier as the hub holds it: an upgrade
    // by a sale in the same batch, or a downgrade the kiosk has not heard of, would refuse a
    // credit the shopper was already told of. Beyond them the event is forged, or from a kiosk
    // with other rules: refused, and nothing goes to the car park.
    std::optional<Error> beyond_parking_rules(std::int64_t free_minutes, std::int64_t hours,
                                              Points points) {
        const auto& config = program_.config;
        const auto& rules = config.parking;
        const auto cost = checked_mul(hours, rules.points_per_hour);
        if (hours > 0 && rules.points_per_hour <= 0)
            return make_error(Errc::invalid_argument,
                              "parking.credited: hours are not sold for points in " + config.code);
        if (!cost || points != *cost)
            return make_error(Errc::invalid_argument,
                              "parking.credited: " + std::to_string(hours) + " h cost " +
                                  (cost ? std::to_string(*cost) : std::string("too many")) +
                                  " points at " + std::to_string(rules.points_per_hour) +
                                  " an hour, not " + std::to_string(points));
        if (rules.max_bought_hours > 0 && hours > rules.max_bought_hours)
            return make_error(Errc::invalid_argument,
                              "parking.credited: " + std::to_string(hours) + " h, more than the " +
                                  std::to_string(rules.max_bought_hours) + " a day allowed");
        int allowed = 0;
        for (const auto& tier : config.tiers.levels)
            allowed = std::max(allowed, tier.parking_minutes);
        if (free_minutes > allowed)
            return make_error(Errc::invalid_argument,
                              "parking.credited: " + std::to_string(free_minutes) +
                                  " free minutes, no tier gives more than " +
                                  std::to_string(allowed));
        return std::nullopt;
    }

    Result<void> plate(bool added) {
        auto uid = required_uid();
        if (!uid) return uid.error();
        const auto plate = f_.text("plate", Need::required);
        if (auto bad = malformed()) return *bad;
        const auto id = member(*uid);
        if (added)
            db_.prepare(
                   "INSERT OR IGNORE INTO member_plates(member_id, plate, added_at) VALUES (?, ?, "
                   "?)")
                .bind_all(id, plate, to_unix(at_))
                .run();
        else
            db_.prepare("DELETE FROM member_plates WHERE member_id = ? AND plate = ?")
                .bind_all(id, plate)
                .run();
        return {};
    }

    // The terminal expired lots past their date: the same lots are past it here.
    Result<void> expired() {
        auto uid = required_uid();
        if (!uid) return uid.error();
        const auto there = f_.points("points");
        if (auto bad = malformed()) return *bad;
        const auto id = member(*uid);
        const auto here = ctx_.ledger.settle_member(id, at_);
        if (here < there)
            out_.note = "terminal expired " + std::to_string(there) + " points, " +
                        std::to_string(here) + " here";
        return {};
    }

    Result<void> merged() {
        auto survivor = required_uid("survivor_uid");
        if (!survivor) return survivor.error();
        auto absorbed = required_uid("absorbed_uid");
        if (!absorbed) return absorbed.error();
        // Not booked from here (the merge moves what this database holds), but
        // the hub's applied table records them: in range or refused.
        f_.points("points_available", Need::optional);
        f_.points("points_pending", Need::optional);
        const auto reason = f_.text("reason");
        if (auto bad = malformed()) return *bad;
        // Merged already (the same merge told twice): nothing to do. Merged into
        // another member: refused, never a merge of a member the event did not name.
        if (const auto was = member_id_by_uid(ctx_, *absorbed))
            if (const auto into = merged_into(*was)) {
                if (into->second != *survivor)
                    return make_error(Errc::conflict, "member " + *absorbed + " was merged into " +
                                                          into->second + ", not " + *survivor);
                touched(*survivor);
                out_.note = "merged already";
                return {};
            }
        const auto s = member(*survivor);
        const auto a = member(*absorbed);
        auto done = ctx_.members.merge(
            s, a, reason.empty() ? "merged at " + e_.store + "/" + e_.terminal : reason, "replica");
        if (!done) return done.error();
        return {};
    }

    Result<void> tag(bool added) {
        auto uid = required_uid();
        if (!uid) return uid.error();
        const auto tag = f_.text("tag", Need::required);
        const auto source = f_.text("source");
        if (auto bad = malformed()) return *bad;
        const auto id = member(*uid);
        if (added)
            db_.prepare(
                   "INSERT INTO member_tags(member_id, tag, source, added_at, added_by) VALUES (?, "
                   "?, ?, ?, ?) "
                   "ON CONFLICT DO NOTHING")
                .bind_all(id, tag, source == "rule" ? "rule" : "manual", to_unix(at_), source)
                .run();
        else
            db_.prepare("DELETE FROM member_tags WHERE member_id = ? AND tag = ?")
                .bind_all(id, tag)
                .run();
        return {};
    }

    void check_tier(MemberId id) {
        if (e_.defer_tier_check)
            out_.tier_check_due = true;  // the member is members.front()
        else
            ctx_.tiers.upgrade_if_qualified(id, at_);
    }

    // Lots released or expired by the event's time, as they were at the terminal.
    void settle(MemberId id) { ctx_.ledger.settle_member(id, at_); }

    void earn(MemberId id, Points points, const std::string& reason, const std::string& key,
              LedgerKind kind = LedgerKind::earn,
              std::optional<std::string> reference = std::nullopt) {
        if (points <= 0) return;
        settle(id);
        const auto window = program_.config.earning.return_window_days;
        const bool held = kind == LedgerKind::earn && window > 0;
        ctx_.ledger.credit(Credit{id, kind, points, held, at_ + Days{window},
                                  ctx_.ledger.expiry_for(e_.program, at_), reason,
                                  std::move(reference), key, std::nullopt});
    }

    // Takes what the member has here; the rest is the shortfall, reported, never
    // refused: the points were spent at the store, whatever this copy says.
    Result<void> take(MemberId id, Points points, LedgerKind kind, const std::string& reason,
                      const std::string& key) {
        if (points <= 0) return {};
        settle(id);
        const auto available = ctx_.ledger.balance(id).available;
        const auto taken = std::min(points, available);
        out_.shortfall += points - taken;
        if (taken == 0) return {};
        auto entry =
            ctx_.ledger.debit(Debit{id, kind, taken, reason, std::nullopt, key, std::nullopt});
        if (!entry) return entry.error();
        return {};
    }

    std::string next_key(const std::string& what) { return "replica:" + e_.event_id + ":" + what; }

    EngineContext& ctx_;
    Database& db_;
    const ReplicatedEvent& e_;
    const json& p_;
    EventFields f_;
    const CachedProgram& program_;
    Timestamp at_;
    ReplicationOutcome out_;
};

// A program a terminal saved, adopted when this database has none of that code
// (the hub's own configuration, once loaded, is not overwritten by a store).
Result<ReplicationOutcome> adopt_program(EngineContext& ctx, const ReplicatedEvent& e) {
    ReplicationOutcome out;
    if (ctx.program(e.program)) {
        out.note =
            "program " + e.program + " is configured here; the terminal's copy is not adopted";
        return out;
    }
    auto config = e.payload.find("config");
    if (config == e.payload.end() || !config->is_object())
        return make_error(Errc::invalid_argument, "program.updated without config");
    auto parsed = parse_program_config_json(config->dump());
    if (!parsed) return parsed.error();
    if (parsed->code != e.program)
        return make_error(Errc::invalid_argument,
                          "program.updated for " + e.program + " carries " + parsed->code);
    auto saved = ctx.programs.save(*parsed, "replica:" + e.store + "/" + e.terminal);
    if (!saved) return saved.error();
    out.note = "program " + e.program + " adopted from " + e.store + "/" + e.terminal;
    return out;
}

}  // namespace

Result<std::vector<std::string>> Replication::check_tiers(
    const std::map<std::string, Timestamp>& due) {
    return guarded([&]() -> Result<std::vector<std::string>> {
        std::vector<std::string> moved;
        Transaction tx(*ctx_.db);
        Silenced quiet(ctx_);  // a tier decided here goes down in snapshots, not as an event
        for (const auto& [uid, at] : due)
            if (auto id = member_id_by_uid(ctx_, uid);
                id && ctx_.tiers.upgrade_if_qualified(*id, at))
                moved.push_back(uid);
        tx.commit();
        return moved;
    });
}

Result<ReplicationOutcome> Replication::apply(const ReplicatedEvent& event) {
    return guarded([&]() -> Result<ReplicationOutcome> {
        if (!event.payload.is_object())
            return make_error(Errc::invalid_argument, event.type + ": payload is not an object");
        try {
            Transaction tx(*ctx_.db);
            ReplayScope scope(ctx_, event);
            Result<ReplicationOutcome> out = make_error(Errc::not_found, "");
            if (event.type == "program.updated") {
                out = adopt_program(ctx_, event);
            } else if (const auto* program = ctx_.program(event.program)) {
                out = Replay(ctx_, event, *program).run();
            } else {
                return make_error(Errc::not_found,
                                  "program " + event.program + " is not known here");
            }
            if (out) tx.commit();
            return out;
        } catch (const StorageError& e) {
            // A key this database holds already (a ledger idempotency key, a card
            // number): this event conflicts with one applied before, and only it
            // is refused; its savepoint is rolled back. Anything else is a real
            // storage failure for the caller.
            if (!e.is_constraint()) throw;
            return make_error(Errc::conflict,
                              event.type + " conflicts with what is booked here: " + e.what());
        }
    });
}

}  // namespace loyalty
