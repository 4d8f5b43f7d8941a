#include "loyalty/replication.hpp"

#include "engine_context.hpp"
#include "member_rows.hpp"

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

std::int64_t int_of(const json& j, const char* name) {
    auto it = j.find(name);
    return it != j.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}

std::string str_of(const json& j, const char* name) {
    auto it = j.find(name);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

std::optional<std::string> optional_str(const json& j, const char* name) {
    auto it = j.find(name);
    return it != j.end() && it->is_string() ? std::optional<std::string>(it->get<std::string>()) : std::nullopt;
}

// One event's application: what it needs from the payload, and what it did.
class Replay {
public:
    Replay(EngineContext& ctx, const ReplicatedEvent& e, const CachedProgram& program)
        : ctx_(ctx), db_(*ctx.db), e_(e), p_(e.payload), program_(program), at_(e.occurred_at) {}

    Result<ReplicationOutcome> run() {
        const auto& t = e_.type;
        Result<void> done;
        if (t == "member.enrolled") done = enrolled();
        else if (t == "card.issued") done = card_issued();
        else if (t.starts_with("card.")) done = card_status();
        else if (t == "identity.linked" || t == "identity.unlinked") done = identity(t == "identity.linked");
        else if (t == "member.consent_changed") done = consent();
        else if (t == "sale.committed") done = sale_committed();
        else if (t == "sale.claimed") done = sale_claimed();
        else if (t == "sale.refunded") done = sale_refunded();
        else if (t == "campaign.fired") done = campaign_fired();
        else if (t == "points.adjusted") done = adjusted();
        else if (t == "points.expired") done = expired();
        else if (t == "reward.redeemed") done = take_points("member_uid", int_of(p_, "points"), LedgerKind::redeem,
                                                             "reward " + str_of(p_, "reward"));
        else if (t == "member.merged") done = merged();
        else if (t == "tag.added" || t == "tag.removed") done = tag(t == "tag.added");
        else if (t == "tier.changed" || t == "tier.downgrade_warning") {
            // Decided here over every store's sales, not taken from one store; the
            // member's snapshot goes back, so a store that decided alone is corrected.
            if (auto uid = str_of(p_, "member_uid"); !uid.empty() && member_id_by_uid(ctx_, uid)) touched(uid);
            out_.note = "tiers are decided here, over every store's sales";
        }
        else
            out_.note = "nothing to replicate for " + t;
        if (!done) return done.error();
        return std::move(out_);
    }

private:
    Result<std::string> required_uid(const char* field = "member_uid") {
        auto uid = str_of(p_, field);
        if (uid.empty()) return make_error(Errc::invalid_argument, e_.type + " without " + field);
        return uid;
    }

    // The member by uid; one this database never saw enroll (its terminal's
    // early outbox was cleared, or it enrolled before the hub existed) is
    // adopted with the entry tier, so its points still count.
    MemberId member(const std::string& uid) {
        if (auto id = member_id_by_uid(ctx_, uid)) {
            touched(uid);
            return *id;
        }
        const auto& config = program_.config;
        db_.prepare(
               "INSERT INTO members(uid, program_id, enrolled_at, tier_code, tier_since, tier_review_at) "
               "VALUES (?, ?, ?, ?, ?, ?)")
            .bind_all(uid, program_.id, to_unix(at_), config.entry_tier().code, to_unix(at_),
                      to_unix(at_ + Days{config.tiers.window_days}))
            .run();
        touched(uid);
        return db_.last_insert_rowid();
    }

    void touched(const std::string& uid) {
        for (const auto& u : out_.members)
            if (u == uid) return;
        out_.members.push_back(uid);
    }

    void link(MemberId member, const char* kind, const std::string& value) {
        if (value.empty()) return;
        db_.prepare(
               "INSERT INTO identities(program_id, kind, value, member_id, linked_at) VALUES (?, ?, ?, ?, ?) "
               "ON CONFLICT DO NOTHING")
            .bind_all(program_.id, kind, value, member, to_unix(at_))
            .run();
    }

    Result<void> enrolled() {
        auto uid = required_uid();
        if (!uid) return uid.error();
        const bool known = member_id_by_uid(ctx_, *uid).has_value();
        const auto id = member(*uid);
        if (!known) {
            std::optional<std::int64_t> marketing;
            if (auto c = p_.find("consent_marketing"); c != p_.end() && c->is_boolean() && c->get<bool>())
                marketing = to_unix(at_);
            const auto home = str_of(p_, "home_store");
            db_.prepare("UPDATE members SET home_store = ?, consent_privacy_at = ?, consent_marketing_at = ? WHERE id = ?")
                .bind_all(home.empty() ? std::nullopt : std::optional<std::string>(home), to_unix(at_), marketing, id)
                .run();
        }
        link(id, "phone", str_of(p_, "phone"));
        return {};
    }

    Result<void> card_issued() {
        auto uid = required_uid();
        if (!uid) return uid.error();
        const auto number = str_of(p_, "card");
        if (number.empty()) return make_error(Errc::invalid_argument, "card.issued without card");
        const auto id = member(*uid);
        const auto card_uid = str_of(p_, "uid");
        db_.prepare(
               "INSERT INTO cards(program_id, card_number, card_uid, form, member_id, status, issued_at) "
               "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(program_id, card_number) DO NOTHING")
            .bind_all(program_.id, number, card_uid.empty() ? std::nullopt : std::optional<std::string>(card_uid),
                      str_of(p_, "form") == "physical" ? "physical" : "electronic", id,
                      str_of(p_, "status").empty() ? "issued" : str_of(p_, "status"), to_unix(at_))
            .run();
        link(id, "card_number", number);
        link(id, "card_uid", card_uid);
        return {};
    }

    // card.activated / lost / blocked / replaced: the payload carries the status after.
    Result<void> card_status() {
        const auto number = str_of(p_, "card");
        const auto status = str_of(p_, "status");
        if (number.empty() || status.empty()) return make_error(Errc::invalid_argument, e_.type + " without card or status");
        db_.prepare("UPDATE cards SET status = ? WHERE program_id = ? AND card_number = ?")
            .bind_all(status, program_.id, number)
            .run();
        if (auto uid = str_of(p_, "member_uid"); !uid.empty()) touched(uid);
        return {};
    }

    Result<void> identity(bool linked) {
        auto uid = required_uid();
        if (!uid) return uid.error();
        const auto kind = str_of(p_, "kind");
        if (!identity_kind_from_string(kind)) return make_error(Errc::invalid_argument, "unknown identity kind " + kind);
        const auto id = member(*uid);
        if (linked) {
            link(id, kind.c_str(), str_of(p_, "value"));
        } else {
            db_.prepare("DELETE FROM identities WHERE program_id = ? AND kind = ? AND value = ? AND member_id = ?")
                .bind_all(program_.id, kind, str_of(p_, "value"), id)
                .run();
        }
        return {};
    }

    Result<void> consent() {
        auto uid = required_uid();
        if (!uid) return uid.error();
        const auto id = member(*uid);
        const auto flag = p_.find("marketing");
        const bool marketing = flag != p_.end() && flag->is_boolean() && flag->get<bool>();
        db_.prepare("UPDATE members SET consent_marketing_at = ?, version = version + 1 WHERE id = ?")
            .bind_all(marketing ? std::optional<std::int64_t>(to_unix(at_)) : std::nullopt, id)
            .run();
        return {};
    }

    std::string sale_key() const {
        return e_.program + "/" + str_of(p_, "store") + "/" + str_of(p_, "terminal") + "/" + str_of(p_, "receipt");
    }

    Result<void> sale_committed() {
        if (str_of(p_, "receipt").empty()) return make_error(Errc::invalid_argument, "sale.committed without receipt");
        const auto uid = str_of(p_, "member_uid");
        std::optional<MemberId> id;
        if (!uid.empty()) id = member(uid);
        const auto net = int_of(p_, "net");
        db_.prepare(
               "INSERT INTO sales(program_id, store, terminal, receipt, member_id, occurred_at, gross_minor, net_minor, "
               "points_paid, points_earned, fingerprint, cashier) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
               "ON CONFLICT(program_id, store, terminal, receipt) DO NOTHING")
            .bind_all(program_.id, str_of(p_, "store"), str_of(p_, "terminal"), str_of(p_, "receipt"), id, to_unix(at_),
                      p_.contains("gross") ? int_of(p_, "gross") : net, net, int_of(p_, "points_paid"),
                      int_of(p_, "points_earned"), e_.event_id, optional_str(p_, "cashier"))
            .run();
        if (!id) return {};
        const auto key = sale_key();
        if (auto r = take(*id, int_of(p_, "points_paid"), LedgerKind::redeem, "paid with points", "sale-pay:" + key); !r)
            return r;
        earn(*id, int_of(p_, "points_earned"), "purchase", "sale-earn:" + key, LedgerKind::earn, "receipt:" + key);
        db_.prepare("UPDATE members SET last_visit_at = max(coalesce(last_visit_at, 0), ?) WHERE id = ?")
            .bind_all(to_unix(at_), *id)
            .run();
        check_tier(*id);
        return {};
    }

    Result<void> sale_claimed() {
        auto uid = required_uid();
        if (!uid) return uid.error();
        const auto id = member(*uid);
        const auto points = int_of(p_, "points_earned");
        db_.prepare(
               "UPDATE sales SET member_id = ?, points_earned = ? "
               "WHERE program_id = ? AND store = ? AND terminal = ? AND receipt = ?")
            .bind_all(id, points, program_.id, str_of(p_, "store"), str_of(p_, "terminal"), str_of(p_, "receipt"))
            .run();
        earn(id, points, "receipt claimed", "sale-earn:" + sale_key(), LedgerKind::earn, "receipt:" + sale_key());
        check_tier(id);
        return {};
    }

    Result<void> sale_refunded() {
        const auto key = sale_key();
        const auto amount = int_of(p_, "amount");
        const auto reversed = int_of(p_, "points_reversed");
        const auto restored = int_of(p_, "points_restored");
        const auto flag = p_.find("voided");
        const std::int64_t voided = flag != p_.end() && flag->is_boolean() && flag->get<bool>() ? 1 : 0;
        db_.prepare(
               "UPDATE sales SET refunded_minor = refunded_minor + ?, points_reversed = points_reversed + ?, "
               "points_restored = points_restored + ?, "
               "status = CASE WHEN refunded_minor + ? >= net_minor THEN (CASE WHEN ? THEN 'voided' ELSE 'refunded' END) "
               "ELSE 'partially_refunded' END "
               "WHERE program_id = ? AND store = ? AND terminal = ? AND receipt = ?")
            .bind_all(amount, reversed, restored, amount, voided, program_.id, str_of(p_, "store"),
                      str_of(p_, "terminal"), str_of(p_, "receipt"))
            .run();
        const auto uid = str_of(p_, "member_uid");
        if (uid.empty()) return {};
        const auto id = member(uid);
        const auto ref = "receipt:" + key;
        settle(id);
        if (reversed > 0) {
            const auto earned = ctx_.ledger.find_by_key("sale-earn:" + key);
            out_.shortfall += ctx_.ledger.reverse_earn(id, earned ? earned->id : 0, reversed, "refund", ref,
                                                       next_key("reverse"));
        }
        if (restored > 0) {
            if (const auto paid = ctx_.ledger.find_by_key("sale-pay:" + key))
                ctx_.ledger.restore_debit(id, paid->id, restored, "refund", ref, next_key("restore"));
            else
                earn(id, restored, "refund: points paid back", next_key("restore"), LedgerKind::reverse, ref);
        }
        return take(id, int_of(p_, "campaign_points_reversed"), LedgerKind::reverse, "refund: campaign bonus",
                    next_key("campaign"));
    }

    Result<void> campaign_fired() {
        auto uid = required_uid();
        if (!uid) return uid.error();
        std::int64_t points = 0;
        if (auto c = p_.find("campaigns"); c != p_.end() && c->is_array())
            for (const auto& f : *c) points += f.is_object() ? int_of(f, "points") : 0;
        if (points <= 0) return {};
        const auto id = member(*uid);
        earn(id, points, "campaign bonus", next_key("bonus"), LedgerKind::bonus);
        check_tier(id);
        return {};
    }

    Result<void> adjusted() {
        const auto delta = int_of(p_, "delta");
        if (delta >= 0) {
            auto uid = required_uid();
            if (!uid) return uid.error();
            earn(member(*uid), delta, "adjusted: " + str_of(p_, "reason"), next_key("adjust"), LedgerKind::adjust);
            return {};
        }
        return take_points("member_uid", -delta, LedgerKind::adjust, "adjusted: " + str_of(p_, "reason"));
    }

    // The terminal expired lots past their date: the same lots are past it here.
    Result<void> expired() {
        auto uid = required_uid();
        if (!uid) return uid.error();
        const auto id = member(*uid);
        const auto here = ctx_.ledger.settle_member(id, at_);
        const auto there = int_of(p_, "points");
        if (here < there) out_.note = "terminal expired " + std::to_string(there) + " points, " + std::to_string(here) + " here";
        return {};
    }

    Result<void> merged() {
        auto survivor = required_uid("survivor_uid");
        auto absorbed = required_uid("absorbed_uid");
        if (!survivor) return survivor.error();
        if (!absorbed) return absorbed.error();
        const auto s = member(*survivor);
        const auto a = member(*absorbed);
        auto done = ctx_.members.merge(s, a, "merged at " + e_.store + "/" + e_.terminal, "replica");
        if (!done) return done.error();
        return {};
    }

    Result<void> tag(bool added) {
        auto uid = required_uid();
        if (!uid) return uid.error();
        const auto id = member(*uid);
        const auto tag = str_of(p_, "tag");
        if (tag.empty()) return make_error(Errc::invalid_argument, e_.type + " without tag");
        if (added)
            db_.prepare(
                   "INSERT INTO member_tags(member_id, tag, source, added_at, added_by) VALUES (?, ?, ?, ?, ?) "
                   "ON CONFLICT DO NOTHING")
                .bind_all(id, tag, str_of(p_, "source") == "rule" ? "rule" : "manual", to_unix(at_),
                          str_of(p_, "source"))
                .run();
        else
            db_.prepare("DELETE FROM member_tags WHERE member_id = ? AND tag = ?").bind_all(id, tag).run();
        return {};
    }

    void check_tier(MemberId id) {
        if (e_.defer_tier_check) out_.tier_check_due = true;  // the member is members.front()
        else ctx_.tiers.upgrade_if_qualified(id, at_);
    }

    // Lots released or expired by the event's time, as they were at the terminal.
    void settle(MemberId id) { ctx_.ledger.settle_member(id, at_); }

    void earn(MemberId id, Points points, const std::string& reason, const std::string& key,
              LedgerKind kind = LedgerKind::earn, std::optional<std::string> reference = std::nullopt) {
        if (points <= 0) return;
        settle(id);
        const auto window = program_.config.earning.return_window_days;
        const bool held = kind == LedgerKind::earn && window > 0;
        ctx_.ledger.credit(Credit{id, kind, points, held, at_ + Days{window}, ctx_.ledger.expiry_for(e_.program, at_),
                                  reason, std::move(reference), key, std::nullopt});
    }

    Result<void> take_points(const char* field, Points points, LedgerKind kind, const std::string& reason) {
        auto uid = required_uid(field);
        if (!uid) return uid.error();
        return take(member(*uid), points, kind, reason, next_key(to_string(kind)));
    }

    // Takes what the member has here; the rest is the shortfall, reported, never
    // refused: the points were spent at the store, whatever this copy says.
    Result<void> take(MemberId id, Points points, LedgerKind kind, const std::string& reason, const std::string& key) {
        if (points <= 0) return {};
        settle(id);
        const auto available = ctx_.ledger.balance(id).available;
        const auto taken = std::min(points, available);
        out_.shortfall += points - taken;
        if (taken == 0) return {};
        auto entry = ctx_.ledger.debit(Debit{id, kind, taken, reason, std::nullopt, key, std::nullopt});
        if (!entry) return entry.error();
        return {};
    }

    std::string next_key(const std::string& what) { return "replica:" + e_.event_id + ":" + what; }

    EngineContext& ctx_;
    Database& db_;
    const ReplicatedEvent& e_;
    const json& p_;
    const CachedProgram& program_;
    Timestamp at_;
    ReplicationOutcome out_;
};

// A program a terminal saved, adopted when this database has none of that code
// (the hub's own configuration, once loaded, is not overwritten by a store).
Result<ReplicationOutcome> adopt_program(EngineContext& ctx, const ReplicatedEvent& e) {
    ReplicationOutcome out;
    if (ctx.program(e.program)) {
        out.note = "program " + e.program + " is configured here; the terminal's copy is not adopted";
        return out;
    }
    auto config = e.payload.find("config");
    if (config == e.payload.end() || !config->is_object())
        return make_error(Errc::invalid_argument, "program.updated without config");
    auto parsed = parse_program_config_json(config->dump());
    if (!parsed) return parsed.error();
    if (parsed->code != e.program)
        return make_error(Errc::invalid_argument, "program.updated for " + e.program + " carries " + parsed->code);
    auto saved = ctx.programs.save(*parsed, "replica:" + e.store + "/" + e.terminal);
    if (!saved) return saved.error();
    out.note = "program " + e.program + " adopted from " + e.store + "/" + e.terminal;
    return out;
}

}  // namespace

Result<std::vector<std::string>> Replication::check_tiers(const std::map<std::string, Timestamp>& due) {
    return guarded([&]() -> Result<std::vector<std::string>> {
        std::vector<std::string> moved;
        Transaction tx(*ctx_.db);
        Silenced quiet(ctx_);  // a tier decided here goes down in snapshots, not as an event
        for (const auto& [uid, at] : due)
            if (auto id = member_id_by_uid(ctx_, uid); id && ctx_.tiers.upgrade_if_qualified(*id, at)) moved.push_back(uid);
        tx.commit();
        return moved;
    });
}

Result<ReplicationOutcome> Replication::apply(const ReplicatedEvent& event) {
    return guarded([&]() -> Result<ReplicationOutcome> {
        if (!event.payload.is_object()) return make_error(Errc::invalid_argument, event.type + ": payload is not an object");
        Transaction tx(*ctx_.db);
        ReplayScope scope(ctx_, event);
        Result<ReplicationOutcome> out = make_error(Errc::not_found, "");
        if (event.type == "program.updated") {
            out = adopt_program(ctx_, event);
        } else if (const auto* program = ctx_.program(event.program)) {
            out = Replay(ctx_, event, *program).run();
        } else {
            return make_error(Errc::not_found, "program " + event.program + " is not known here");
        }
        if (out) tx.commit();
        return out;
    });
}

}  // namespace loyalty
