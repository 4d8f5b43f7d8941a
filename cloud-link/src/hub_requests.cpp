// The hub's answers to questions a terminal asks and waits for (PROTOCOL.md,
// "Requests"): who is this member, may they spend these points now (a hold), and
// the end of a hold the sale did not use. Each request is its own short
// transaction beside the event batches, so an answer never waits for a big apply.
#include <nlohmann/json.hpp>
#include <optional>

#include "coupon_items.hpp"
#include "hub_pass.hpp"
#include "loyalty/sync/requests.hpp"

namespace loyalty::sync {

namespace {

using nlohmann::json;

std::optional<IdentityKind> kind_of(const std::string& by) {
    return identity_kind_from_string(by);
}

}  // namespace

// Everything a terminal needs to serve the member without asking again: who
// they are everywhere, their snapshot and their usable coupons.
class MemberAnswer {
  public:
    MemberAnswer(HubStore& hub, const TerminalAddress& from) : hub_(hub), from_(from) {}

    void fill(const Member& m, HubAnswer& a) {
        auto& engine = hub_.engine();
        AnsweredMember am;
        am.uid = m.uid;
        am.status = m.status;
        am.home_store = m.home_store.value_or("");
        am.enrolled_at = to_unix(m.enrolled_at);
        am.consent_marketing = m.consent_marketing;
        for (const auto& id : engine.members().identities(m.id))
            am.identities.emplace_back(to_string(id.kind), id.value);
        for (const auto& c : engine.cards().of_member(m.id))
            am.cards.push_back(AnsweredCard{
                c.number, c.uid.value_or(""),
                c.form == CardForm::physical ? "physical" : "electronic", to_string(c.status)});
        a.member = std::move(am);
        for (const auto& c : engine.rewards().coupons_of(m.id, true))
            a.coupons.push_back(DownItem{"coupon_issue", c.code, 1, coupon_item(c, m.uid).dump()});
        fill_snapshot(m, a);
    }

    // The member's balance and tier as the hub has them now, and where this
    // store's terminals stand, so the terminal adds only what the hub lacks.
    void fill_snapshot(const Member& m, HubAnswer& a) {
        if (auto s = hub_.member(from_.program, m.uid)) {
            a.snapshot = DownItem{"snapshots", m.uid, s->version, snapshot_item(*s)};
            auto th = hub_.db().prepare(
                "SELECT terminal, last_seq FROM hub_terminals WHERE store = ? AND program = ?");
            th.bind_all(from_.store, from_.program);
            while (th.step()) a.through[th.text(0)] = th.int64(1);
        }
        // The store knows the member now: it hears the member's snapshots from here on.
        hub_.db()
            .prepare(
                "INSERT OR IGNORE INTO hub_member_stores(program, uid, store) VALUES (?, ?, ?)")
            .bind_all(from_.program, m.uid, from_.store)
            .run();
    }

  private:
    HubStore& hub_;
    const TerminalAddress& from_;
};

namespace {

Result<Member> find_member(Engine& engine, const std::string& program, const HubRequest& r) {
    if (r.by == "uid") {
        auto m = engine.members().current_by_uid(r.value);
        if (m && m->program != program)
            return make_error(Errc::not_found, "no member " + r.value + " in " + program);
        return m;
    }
    if (r.by == "any") return engine.members().lookup_any(program, r.value);
    const auto kind = kind_of(r.by);
    if (!kind) return make_error(Errc::invalid_argument, "identify by " + r.by);
    return engine.members().identify(program, *kind, r.value);
}

}  // namespace

std::optional<HubStore::Hold> HubStore::hold(const std::string& program, const std::string& store,
                                             const std::string& auth, std::int64_t now_ms) {
    return db()
        .prepare(
            "SELECT member_uid, points, state, expires_at_ms FROM hub_holds "
            "WHERE program = ? AND store = ? AND auth = ?")
        .bind_all(program, store, auth)
        .one([&](const Statement& row) {
            Hold h{row.text(0), row.int64(1), row.text(2), row.int64(3)};
            if (h.state == "held" && h.expires_at_ms <= now_ms) h.state = "lapsed";
            return h;
        });
}

namespace {

// What the member may spend now: the hub's available points less every live hold
// but `except` (the same authorization asked again).
std::int64_t spendable(Database& db, const std::string& program, const Member& m,
                       const std::string& store, const std::string& except, std::int64_t now_ms) {
    const auto held =
        db.prepare(
              "SELECT coalesce(sum(points), 0) FROM hub_holds WHERE program = ? AND member_uid = ? "
              "AND state = 'held' AND expires_at_ms > ? AND NOT (store = ? AND auth = ?)")
            .bind_all(program, m.uid, now_ms, store, except)
            .scalar<std::int64_t>()
            .value_or(0);
    return std::max<std::int64_t>(0, m.points_available - held);
}

}  // namespace

Result<std::optional<HubOutgoing>> HubStore::answer(const HubIncoming& in, std::int64_t now_ms) {
    return guarded([&] {
        return retried_when_busy([&]() -> Result<std::optional<HubOutgoing>> {
            auto& db = this->db();
            auto request = decode_request(in.payload);
            // An identify writes only that this store asked about the member
            // (hub_member_stores): not synced on its own, off the path of a shopper's scan.
            // A power cut at the hub may lose it; the store's next event about the member, or
            // its next identify of the member after a restart, writes it again.
            std::optional<UnsyncedCommits> unsynced;
            if (request && request->kind == request_kind::identify) unsynced.emplace(db);
            Transaction tx(db);
            Pass pass(*this, now_ms);
            const auto topic = parse_topic(in.topic);
            if (!topic || topic->kind != TopicKind::requests) {
                pass.dead_letter(in, make_error(Errc::invalid_argument,
                                                std::string(reason::malformed) + ": topic"));
                tx.commit();
                return std::optional<HubOutgoing>();
            }
            const auto& from = topic->address;
            if (!reply_topic_allowed(in.response_topic, from)) {
                // Answering would write into another store's tree (or nowhere).
                pass.dead_letter(
                    in, make_error(Errc::unauthorized,
                                   std::string(reason::topic_mismatch) + ": reply topic \"" +
                                       in.response_topic.substr(0, 200) + "\""));
                tx.commit();
                return std::optional<HubOutgoing>();
            }
            HubAnswer a;
            a.program = from.program;
            a.hub_time_ms = now_ms;
            if (!request) {
                pass.dead_letter(in, request.error());
                a.to = "?";
                a.status = answer_status::refused;
                a.detail = request.error().message;
            } else {
                a.to = request->kind;
                if (request->kind == request_kind::identify)
                    identify(*request, from, a);
                else if (request->kind == request_kind::authorize)
                    authorize(*request, from, now_ms, a);
                else if (request->kind == request_kind::authorize_sv)
                    authorize_sv(*request, from, now_ms, a);
                else if (request->kind == request_kind::sms_code)
                    sms_code(*request, from, now_ms, a);
                else if (request->kind == request_kind::sms_check)
                    sms_check(*request, from, now_ms, a);
                else
                    release(*request, from, now_ms, a);
            }
            tx.commit();
            return std::optional<HubOutgoing>(
                HubOutgoing{in.response_topic, encode_answer(a), in.correlation});
        });
    });
}

void HubStore::identify(const HubRequest& r, const TerminalAddress& from, HubAnswer& a) {
    auto m = find_member(*engine_, from.program, r);
    if (!m) {
        a.status =
            m.error().code == Errc::blocked ? answer_status::blocked : answer_status::not_found;
        a.detail = m.error().message;
        return;
    }
    if (m->status != "active") {
        a.status = answer_status::blocked;
        a.detail = "member account is " + m->status;
        return;
    }
    a.status = answer_status::found;
    MemberAnswer(*this, from).fill(*m, a);
}

void HubStore::authorize(const HubRequest& r, const TerminalAddress& from, std::int64_t now_ms,
                         HubAnswer& a) {
    auto& db = this->db();
    a.auth = r.auth;
    a.points = r.points;
    auto m = engine_->members().current_by_uid(r.member_uid);
    if (!m || m->program != from.program || m->status != "active") {
        a.status = answer_status::declined;
        a.detail = m ? "member account is " + m->status : m.error().message;
        return;
    }
    const auto before = hold(from.program, from.store, r.auth, now_ms);
    if (before && before->state == "captured") {
        // The sale is booked already: the same spend asked again is the same answer.
        const bool same = before->points == r.points && before->member_uid == m->uid;
        a.status = same ? answer_status::approved : answer_status::declined;
        if (!same) a.detail = "authorization " + r.auth + " was used for another spend";
        a.available = spendable(db, from.program, *m, from.store, r.auth, now_ms);
        return;
    }
    const auto available = spendable(db, from.program, *m, from.store, r.auth, now_ms);
    if (r.points > available) {
        a.status = answer_status::declined;
        a.available = available;
        a.detail = "the member has " + std::to_string(available) + " points to spend";
        return;
    }
    // New, or the same id again (a retry, or the basket changed before payment):
    // the hold is this amount from now.
    a.expires_at_ms = now_ms + options_.hold_ttl_ms;
    db.prepare(
          "INSERT INTO hub_holds(program, store, auth, terminal, member_uid, points, state, "
          "created_at_ms, expires_at_ms) VALUES (?, ?, ?, ?, ?, ?, 'held', ?, ?) "
          "ON CONFLICT(program, store, auth) DO UPDATE SET member_uid = excluded.member_uid, "
          "points = excluded.points, state = 'held', expires_at_ms = excluded.expires_at_ms")
        .bind_all(from.program, from.store, r.auth, from.terminal, m->uid, r.points, now_ms,
                  a.expires_at_ms)
        .run();
    a.status = answer_status::approved;
    a.available = available - r.points;
    MemberAnswer(*this, from).fill_snapshot(*m, a);
}

void HubStore::release(const HubRequest& r, const TerminalAddress& from, std::int64_t now_ms,
                       HubAnswer& a) {
    a.auth = r.auth;
    db().prepare(
            "UPDATE hub_holds SET state = 'released', settled_at_ms = ? "
            "WHERE program = ? AND store = ? AND auth = ? AND state = 'held'")
        .bind_all(now_ms, from.program, from.store, r.auth)
        .run();
    // The spend did not happen: its stored value goes back too, every holder's.
    db().prepare(
            "UPDATE hub_sv_holds SET state = 'released', settled_at_ms = ? "
            "WHERE program = ? AND store = ? AND auth = ? AND state = 'held'")
        .bind_all(now_ms, from.program, from.store, r.auth)
        .run();
    const auto now = hold(from.program, from.store, r.auth, now_ms);
    a.status = answer_status::released;
    if (now) {
        a.points = now->points;
        if (now->state == "captured") a.detail = "the sale was booked already: nothing to release";
    } else {
        a.detail = "no such authorization";
    }
}

std::optional<HubStore::Hold> HubStore::sv_hold(const std::string& program,
                                                const std::string& store, const std::string& auth,
                                                const std::string& holder, std::int64_t now_ms) {
    return db()
        .prepare(
            "SELECT amount_minor, state, expires_at_ms FROM hub_sv_holds "
            "WHERE program = ? AND store = ? AND auth = ? AND holder = ?")
        .bind_all(program, store, auth, holder)
        .one([&](const Statement& row) {
            Hold h{holder, row.int64(0), row.text(1), row.int64(2)};
            if (h.state == "held" && h.expires_at_ms <= now_ms) h.state = "lapsed";
            return h;
        });
}

// Stored value leaves a balance (a member's, or a gift card's, whichever store sold
// it) only when the hub's copy, less every live hold of that holder but this one,
// covers it: two tills spending one balance at once cannot both win (one
// BEGIN IMMEDIATE transaction). The hub checks the total only; the till splits it
// into principal and bonus by the program's rules, over the balance this answer
// brings it to.
void HubStore::authorize_sv(const HubRequest& r, const TerminalAddress& from, std::int64_t now_ms,
                            HubAnswer& a) {
    auto& db = this->db();
    a.auth = r.auth;
    a.amount = r.amount;
    const auto program_id = db.prepare("SELECT id FROM programs WHERE code = ?")
                                .bind_all(from.program)
                                .scalar<std::int64_t>();
    auto decline = [&](const std::string& why) {
        a.status = answer_status::declined;
        a.detail = why;
    };
    if (!program_id) return decline("program " + from.program + " is not known at headquarters");
    std::optional<Member> member;
    std::string holder;
    std::int64_t balance = 0;
    if (!r.member_uid.empty()) {
        auto m = engine_->members().current_by_uid(r.member_uid);
        if (!m || m->program != from.program || m->status != "active")
            return decline(m ? "member account is " + m->status : m.error().message);
        member = *m;
        holder = "member:" + m->uid;
        balance = db.prepare(
                        "SELECT principal_minor + bonus_minor FROM sv_accounts WHERE program_id = "
                        "? AND member_id = ?")
                      .bind_all(*program_id, m->id)
                      .scalar<std::int64_t>()
                      .value_or(0);
    } else {
        holder = "card:" + r.card;
        struct Card {
            std::int64_t principal, bonus;
            std::string status;
            std::optional<std::int64_t> expires_at;
        };
        const auto card =
            db.prepare(
                  "SELECT principal_minor, bonus_minor, status, expires_at FROM sv_accounts "
                  "WHERE program_id = ? AND card = ?")
                .bind_all(*program_id, r.card)
                .one([](const Statement& row) {
                    return Card{row.int64(0), row.int64(1), row.text(2), row.optional_int64(3)};
                });
        if (!card) return decline("gift card " + r.card + " is not activated");
        if (card->status != "active") return decline("gift card " + r.card + " is blocked");
        if (card->expires_at && *card->expires_at * 1000 <= now_ms)
            return decline("gift card " + r.card + " has expired");
        balance = card->principal + card->bonus;
        a.card_balance = std::pair(card->principal, card->bonus);
        a.card_expires_at = card->expires_at.value_or(0);
        // Where this store's terminals stand, so the till adds only what the hub lacks.
        auto th = db.prepare(
            "SELECT terminal, last_seq FROM hub_terminals WHERE store = ? AND program = ?");
        th.bind_all(from.store, from.program);
        while (th.step()) a.through[th.text(0)] = th.int64(1);
    }
    const auto before = sv_hold(from.program, from.store, r.auth, holder, now_ms);
    const auto held = db.prepare(
                            "SELECT coalesce(sum(amount_minor), 0) FROM hub_sv_holds WHERE "
                            "program = ? AND holder = ? AND state = 'held' AND expires_at_ms > ? "
                            "AND NOT (store = ? AND auth = ?)")
                          .bind_all(from.program, holder, now_ms, from.store, r.auth)
                          .scalar<std::int64_t>()
                          .value_or(0);
    const auto available = std::max<std::int64_t>(0, balance - held);
    a.available = available;
    if (before && before->state == "captured") {
        // The sale is booked already: the same spend asked again is the same answer.
        if (before->points == r.amount)
            a.status = answer_status::approved;
        else
            decline("authorization " + r.auth + " was used for another spend");
        return;
    }
    if (r.amount > available)
        return decline("the stored value has " + format_money(Money{available}) + " to spend");
    a.expires_at_ms = now_ms + options_.hold_ttl_ms;
    db.prepare(
          "INSERT INTO hub_sv_holds(program, store, auth, holder, terminal, amount_minor, state, "
          "created_at_ms, expires_at_ms) VALUES (?, ?, ?, ?, ?, ?, 'held', ?, ?) "
          "ON CONFLICT(program, store, auth, holder) DO UPDATE SET amount_minor = "
          "excluded.amount_minor, state = 'held', expires_at_ms = excluded.expires_at_ms")
        .bind_all(from.program, from.store, r.auth, holder, from.terminal, r.amount, now_ms,
                  a.expires_at_ms)
        .run();
    a.status = answer_status::approved;
    a.available = available - r.amount;
    if (member) MemberAnswer(*this, from).fill_snapshot(*member, a);
}

}  // namespace loyalty::sync
