#include "loyalty/sync/terminal_hub.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "coupon_items.hpp"
#include "hub_requester.hpp"
#include "json_fields.hpp"
#include "loyalty/storage/engine_storage.hpp"
#include "loyalty/sync/down_state.hpp"
#include "member_mirror.hpp"

namespace loyalty::sync {

using nlohmann::json;

namespace {

// The day a spend counts towards, in the program's local time.
std::int64_t local_day(Engine& engine, const std::string& program) {
    const auto now = to_unix(engine.clock().now());
    auto config = engine.programs().get(program);
    const std::int64_t offset_s = config ? (*config)->utc_offset_minutes * 60 : 0;
    return (now + offset_s) / 86400;
}

}  // namespace

TerminalHub::TerminalHub(const AgentConfig& link, TerminalAddress self, Engine& engine)
    : link_(link),
      self_(std::move(self)),
      engine_(engine),
      down_(std::make_unique<DownState>(engine_database(engine))),
      requester_(std::make_unique<HubRequester>(link.broker, self_)) {}

TerminalHub::~TerminalHub() = default;

std::optional<std::int64_t> TerminalHub::unreachable_since_ms() {
    if (requester_->connected()) {
        // Back after the broker was away: what went unanswered then was the broker's doing.
        if (disconnected_since_ms_) unanswered_since_ms_.reset();
        disconnected_since_ms_.reset();
    } else if (!disconnected_since_ms_)
        disconnected_since_ms_ = to_unix(engine_.clock().now()) * 1000;
    if (unanswered_since_ms_ && disconnected_since_ms_)
        return std::min(*unanswered_since_ms_, *disconnected_since_ms_);
    return unanswered_since_ms_ ? unanswered_since_ms_ : disconnected_since_ms_;
}

Result<HubAnswer> TerminalHub::ask(const HubRequest& request) {
    auto raw =
        requester_->ask(encode_request(request), std::chrono::milliseconds(link_.hub_timeout_ms));
    const auto now_ms = to_unix(engine_.clock().now()) * 1000;
    if (!raw) {
        if (!unanswered_since_ms_) unanswered_since_ms_ = now_ms;
        return raw.error();
    }
    last_answer_ms_ = now_ms;
    unanswered_since_ms_.reset();
    auto answer = decode_answer(*raw);
    if (!answer)
        // A broken answer is no answer: the terminal works on what it knows.
        return make_error(Errc::unreachable,
                          "the hub's answer was unreadable (" + answer.error().message + ")");
    if (answer->status == answer_status::refused)
        return make_error(Errc::invalid_argument,
                          "headquarters refused the request: " + answer->detail);
    if (answer->to != request.kind || answer->program != self_.program)
        return make_error(Errc::unreachable, "the hub answered another question");
    return answer;
}

Result<Member> TerminalHub::find(const std::string& by, const std::string& value) {
    auto answer = ask(HubRequest{request_kind::identify, by, value, {}, {}, 0});
    if (!answer) return answer.error();
    if (answer->status == answer_status::not_found)
        return make_error(Errc::not_found, "headquarters knows no member by that either");
    if (answer->status == answer_status::blocked)
        return make_error(Errc::blocked,
                          answer->detail.empty() ? "blocked at headquarters" : answer->detail);
    if (answer->status != answer_status::found || !answer->member || !answer->snapshot)
        return make_error(Errc::invalid_argument,
                          "headquarters refused the lookup: " + answer->detail);
    return keep(*answer);
}

Result<Member> TerminalHub::keep(const HubAnswer& a) {
    return guarded([&]() -> Result<Member> {
        auto& db = engine_database(engine_);
        // A copy of what the hub holds: a power cut may lose it, and the next scan asks again.
        UnsyncedCommits unsynced(db);
        Transaction tx(db);
        const auto& m = *a.member;
        // The member as the hub replicates a terminal's: the same engine code
        // (Replication), no outbox events (the hub has them all already).
        auto replay = [&](const char* type, const json& payload) -> Result<void> {
            auto done = engine_.replication().apply(
                ReplicatedEvent{"hub-answer", type, self_.program,
                                m.home_store.empty() ? self_.store : m.home_store, "HUB",
                                from_unix(m.enrolled_at), payload, true});
            if (!done) return done.error();
            return {};
        };
        std::string phone;
        for (const auto& [kind, value] : m.identities)
            if (kind == "phone") phone = value;
        if (auto r = replay("member.enrolled", json{{"member_uid", m.uid},
                                                    {"home_store", m.home_store},
                                                    {"phone", phone},
                                                    {"consent_marketing", m.consent_marketing}});
            !r)
            return r.error();
        for (const auto& c : m.cards)
            if (auto r = replay("card.issued", json{{"member_uid", m.uid},
                                                    {"card", c.number},
                                                    {"uid", c.uid},
                                                    {"form", c.form},
                                                    {"status", c.status}});
                !r)
                return r.error();
        for (const auto& [kind, value] : m.identities)
            if (kind != "phone" && kind != "card_number" && kind != "card_uid")
                if (auto r = replay("identity.linked",
                                    json{{"member_uid", m.uid}, {"kind", kind}, {"value", value}});
                    !r)
                    return r.error();
        auto member = engine_.members().get_by_uid(m.uid);
        if (!member) return member.error();
        const auto& snap = *a.snapshot;
        const auto held_before = down_->snapshot(m.uid);
        // Aligned only to a snapshot newer than the one held (the agent may have applied a
        // later one, and deleted the outbox rows it covers), or to the same one.
        const bool newer =
            down_->apply(snap, a.through.count(self_.terminal) ? a.through.at(self_.terminal) : 0,
                         a.hub_time_ms);
        const bool same = held_before && held_before->snapshot.version == snap.version;
        const auto body = json::parse(snap.body, nullptr, false);
        const auto tier = text_field(body, "tier");
        const auto review = int_field(body, "tier_review_at");
        if (!tier.empty() && review > 0)
            if (auto adopted = engine_.tiers().adopt(member->id, tier, from_unix(review)); !adopted)
                return adopted.error();
        if (newer || same) {
            align_member(engine_, self_.store, m.uid, int_field(body, "points"), a.through);
            align_member_stored_value(engine_, self_.store, m.uid, body, a.through);
        }
        for (const auto& item : a.coupons)
            // A coupon the terminal cannot take (used here already) stays as it is.
            (void)engine_.rewards().accept_issued(coupon_of_item(item, self_.program, member->id));
        tx.commit();
        return engine_.members().get_by_uid(m.uid);
    });
}

Result<SpendClearance> TerminalHub::clear_spend(const Member& member, std::int64_t points,
                                                const std::string& auth) {
    if (points <= 0) return SpendClearance{auth, true, 0, 0};
    auto answer = ask(HubRequest{request_kind::authorize, {}, {}, auth, member.uid, points});
    if (!answer) return clear_offline(member, points, auth, answer.error());
    if (answer->status == answer_status::approved) {
        if (auto kept = keep_snapshot(member.uid, *answer); !kept) return kept.error();
        return SpendClearance{auth, true, points, 0};
    }
    if (answer->status == answer_status::declined)
        return make_error(
            Errc::insufficient_points,
            "headquarters declined: " +
                (answer->detail.empty() ? std::string("not enough points") : answer->detail));
    return make_error(Errc::invalid_argument, "headquarters refused: " + answer->detail);
}

Result<void> TerminalHub::keep_snapshot(const std::string& member_uid, const HubAnswer& answer) {
    if (!answer.snapshot) return {};
    return guarded([&]() -> Result<void> {
        auto& db = engine_database(engine_);
        Transaction tx(db);
        const auto own = answer.through.find(self_.terminal);
        // Only a newer snapshot of this very member (not a survivor's after a
        // merge): an older one would undo what the agent applied since.
        if (answer.snapshot->key == member_uid &&
            down_->apply(*answer.snapshot, own == answer.through.end() ? 0 : own->second,
                         answer.hub_time_ms)) {
            const auto body = json::parse(answer.snapshot->body, nullptr, false);
            align_member(engine_, self_.store, member_uid, int_field(body, "points"),
                         answer.through);
            align_member_stored_value(engine_, self_.store, member_uid, body, answer.through);
        }
        tx.commit();
        return {};
    });
}

Result<SvClearance> TerminalHub::clear_stored_value(const Member* member, const std::string& card,
                                                    std::int64_t amount, const std::string& auth) {
    const auto holder =
        card.empty() ? "member:" + (member ? member->uid : std::string()) : "card:" + card;
    if (amount <= 0) return SvClearance{auth, holder, true, 0, 0};
    if (card.empty() && !member)
        return make_error(Errc::invalid_argument,
                          "paying from a member's balance needs an identified member");
    HubRequest request{request_kind::authorize_sv, {}, {}, auth, {}, 0, amount, card};
    if (card.empty()) request.member_uid = member->uid;
    auto answer = ask(request);
    // Only no answer is offline; a refusal (a hub that does not know the request) is not.
    if (!answer && answer.error().code == Errc::unreachable)
        return clear_sv_offline(holder, amount, auth, answer.error());
    if (!answer) return answer.error();
    if (answer->status == answer_status::declined)
        return make_error(
            Errc::insufficient_funds,
            "headquarters declined: " +
                (answer->detail.empty() ? std::string("not enough stored value") : answer->detail));
    if (answer->status != answer_status::approved)
        return make_error(Errc::invalid_argument, "headquarters refused: " + answer->detail);
    // Approved: the hub holds the amount. Should this copy fail to take the hub's balance,
    // the hold goes back at once rather than block the balance everywhere for its TTL.
    const SvClearance cleared{auth, holder, true, amount, 0};
    const auto let_go = [&](Error e) {
        release(cleared);
        return e;
    };
    if (card.empty()) {
        if (auto kept = keep_snapshot(member->uid, *answer); !kept) return let_go(kept.error());
    } else if (answer->card_balance) {
        // The card may have been sold in another store: this copy is opened or brought
        // to the hub's balance, plus what this store did with it that the hub lacks.
        if (auto kept = guarded([&]() -> Result<void> {
                auto& db = engine_database(engine_);
                Transaction tx(db);
                auto done = align_card_stored_value(
                    engine_, self_.program, self_.store, card,
                    SvFigure{answer->card_balance->first, answer->card_balance->second},
                    answer->card_expires_at, answer->through);
                if (!done) return done.error();
                tx.commit();
                return {};
            });
            !kept)
            return let_go(kept.error());
    }
    return cleared;
}

Result<std::vector<SvClearance>> TerminalHub::clear_sale_stored_value(
    const SaleRequest& sale, const std::optional<Member>& member, const std::string& auth) {
    std::vector<SvClearance> cleared;
    for (const auto& tender : sale.stored_value) {
        auto one = clear_stored_value(member ? &*member : nullptr, tender.card.value_or(""),
                                      tender.amount.minor, auth);
        if (!one) {
            for (const auto& c : cleared) release(c);
            return one.error();
        }
        cleared.push_back(std::move(one.value()));
    }
    return cleared;
}

Result<SvClearance> TerminalHub::clear_sv_offline(const std::string& holder, std::int64_t amount,
                                                  const std::string& auth, const Error& why) {
    auto config = engine_.programs().get(self_.program);
    const auto limit = config ? (*config)->stored_value.offline_limit.minor : 0;
    if (limit <= 0)
        return make_error(Errc::unreachable,
                          "headquarters cannot be reached (" + why.message +
                              "); stored value is not spent while headquarters cannot be reached");
    return guarded([&]() -> Result<SvClearance> {
        auto& db = engine_database(engine_);
        Transaction tx(db);
        const auto day = local_day(engine_, self_.program);
        const auto spent = db.prepare(
                                 "SELECT coalesce(sum(amount_minor), 0) FROM "
                                 "link_offline_sv_spends WHERE holder = ? AND day = ? AND "
                                 "auth <> ?")
                               .bind_all(holder, day, auth)
                               .scalar<std::int64_t>()
                               .value_or(0);
        if (spent + amount > limit)
            return make_error(Errc::limit_exceeded,
                              "headquarters cannot be reached, and at most " +
                                  format_money(Money{limit}) +
                                  " of stored value a day may be spent here without it (" +
                                  format_money(Money{spent}) + " spent today)");
        db.prepare(
              "INSERT INTO link_offline_sv_spends(auth, holder, amount_minor, day, at_ms) "
              "VALUES (?, ?, ?, ?, ?) ON CONFLICT(auth, holder) DO UPDATE SET amount_minor = "
              "excluded.amount_minor")
            .bind_all(auth, holder, amount, day, to_unix(engine_.clock().now()) * 1000)
            .run();
        tx.commit();
        return SvClearance{auth, holder, false, amount, limit - spent - amount};
    });
}

void TerminalHub::release(const SvClearance& c) {
    if (c.amount <= 0) return;
    if (!c.online) {
        (void)guarded([&]() -> Result<void> {
            engine_database(engine_)
                .prepare("DELETE FROM link_offline_sv_spends WHERE auth = ? AND holder = ?")
                .bind_all(c.auth, c.holder)
                .run();
            return {};
        });
        return;
    }
    // Releases every hold of the sale (points too): the sale did not happen. No answer
    // is fine: the holds lapse at the hub on their own.
    (void)ask(HubRequest{request_kind::release, {}, {}, c.auth, {}, 0});
}

Result<SpendClearance> TerminalHub::clear_offline(const Member& member, std::int64_t points,
                                                  const std::string& auth, const Error& why) {
    const auto limit = link_.offline_redeem_limit;
    if (limit <= 0)
        return make_error(Errc::unreachable,
                          "headquarters cannot be reached (" + why.message +
                              "); points are spent here only with its authorization");
    return guarded([&]() -> Result<SpendClearance> {
        auto& db = engine_database(engine_);
        Transaction tx(db);
        const auto day = local_day(engine_, self_.program);
        const auto spent = db.prepare(
                                 "SELECT coalesce(sum(points), 0) FROM link_offline_spends "
                                 "WHERE member_uid = ? AND day = ? AND auth <> ?")
                               .bind_all(member.uid, day, auth)
                               .scalar<std::int64_t>()
                               .value_or(0);
        if (spent + points > limit)
            return make_error(Errc::limit_exceeded,
                              "headquarters cannot be reached, and at most " +
                                  std::to_string(limit) +
                                  " points a day may be spent here without it (" +
                                  std::to_string(spent) + " spent today)");
        db.prepare(
              "INSERT INTO link_offline_spends(auth, member_uid, points, day, at_ms) "
              "VALUES (?, ?, ?, ?, ?) ON CONFLICT(auth) DO UPDATE SET points = excluded.points")
            .bind_all(auth, member.uid, points, day, to_unix(engine_.clock().now()) * 1000)
            .run();
        tx.commit();
        return SpendClearance{auth, false, points, limit - spent - points};
    });
}

void TerminalHub::release(const SpendClearance& c) {
    if (c.points <= 0) return;
    if (!c.online) {
        (void)guarded([&]() -> Result<void> {
            engine_database(engine_)
                .prepare("DELETE FROM link_offline_spends WHERE auth = ?")
                .bind(1, c.auth)
                .run();
            return {};
        });
        return;
    }
    // No answer is fine: the hold lapses at the hub on its own.
    (void)ask(HubRequest{request_kind::release, {}, {}, c.auth, {}, 0});
}

std::optional<std::int64_t> TerminalHub::balance_heard_at_ms(const std::string& member_uid) {
    auto heard = guarded([&]() -> Result<std::optional<std::int64_t>> {
        return engine_database(engine_)
            .prepare(
                "SELECT received_at_ms FROM link_down_items WHERE kind = 'snapshots' AND key = ?")
            .bind(1, member_uid)
            .scalar<std::int64_t>();
    });
    return heard ? *heard : std::nullopt;
}

// What is left of the offline limit today, for the message a refused shopper reads
// (the kiosk's "at most N points a day, M left").
std::int64_t TerminalHub::offline_left_today(const std::string& member_uid) {
    const auto limit = link_.offline_redeem_limit;
    if (limit <= 0) return 0;
    auto spent = guarded([&]() -> Result<std::int64_t> {
        return engine_database(engine_)
            .prepare(
                "SELECT coalesce(sum(points), 0) FROM link_offline_spends "
                "WHERE member_uid = ? AND day = ?")
            .bind_all(member_uid, local_day(engine_, self_.program))
            .scalar<std::int64_t>()
            .value_or(0);
    });
    return spent ? std::max<std::int64_t>(0, limit - *spent) : 0;
}

}  // namespace loyalty::sync

namespace loyalty::sync {

namespace {

Result<SmsOutcome> sms_outcome(const Result<HubAnswer>& answer) {
    if (!answer) return answer.error();
    if (answer->status == answer_status::sent) return SmsOutcome::sent;
    if (answer->status == answer_status::verified) return SmsOutcome::verified;
    const auto& why = answer->reason;
    if (why == sms_reason::no_gateway) return SmsOutcome::no_gateway;
    if (why == sms_reason::too_soon) return SmsOutcome::too_soon;
    if (why == sms_reason::too_many) return SmsOutcome::too_many;
    if (why == sms_reason::wrong_code) return SmsOutcome::wrong_code;
    if (why == sms_reason::expired) return SmsOutcome::expired;
    return make_error(Errc::invalid_argument, "headquarters declined the code: " + answer->detail);
}

}  // namespace

Result<SmsOutcome> TerminalHub::send_sms_code(const std::string& phone,
                                              const std::string& purpose) {
    HubRequest r{request_kind::sms_code, {}, phone, {}, {}, 0};
    r.purpose = purpose;
    return sms_outcome(ask(r));
}

Result<SmsOutcome> TerminalHub::check_sms_code(const std::string& phone, const std::string& purpose,
                                               const std::string& code) {
    HubRequest r{request_kind::sms_check, {}, phone, {}, {}, 0};
    r.purpose = purpose;
    r.code = code;
    return sms_outcome(ask(r));
}

}  // namespace loyalty::sync
