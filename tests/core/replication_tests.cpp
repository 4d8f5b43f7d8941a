// Replication: another database (the hub) applies a terminal's outbox events
// with the same engine and ends with the same balances, lots that agree with
// its ledger, and tiers decided over the sales of every store.
#include <doctest/doctest.h>

#include "loyalty/storage/engine_storage.hpp"
#include "test_support.hpp"

using namespace loyalty;
using namespace loyalty::test;

namespace {

struct Hub {
    TempDir dir;
    ManualClock clock{test_epoch()};
    std::unique_ptr<Engine> engine;
    std::vector<ReplicationOutcome> outcomes;

    Hub() {
        auto opened =
            Engine::open(dir.path() / "hub.db", clock, EngineOptions{Origin{"HUB", "H1"}, {}});
        REQUIRE_MESSAGE(opened.ok(), (opened.ok() ? "" : opened.error().message));
        engine = std::move(opened.value());
    }

    // Applies a terminal's events after `after` in sequence; returns the last sequence applied.
    std::int64_t take_from(Engine& terminal, std::int64_t after = 0) {
        const auto& o = terminal.origin();
        for (const auto& e : terminal.outbox().pending(o.store, o.terminal, after, 100000)) {
            const auto payload = nlohmann::json::parse(e.payload);
            auto done = engine->replication().apply(ReplicatedEvent{
                e.event_id, e.type, e.program, e.store, e.terminal, e.occurred_at, payload});
            REQUIRE_MESSAGE(done.ok(), e.type << ": " << (done.ok() ? "" : done.error().message));
            outcomes.push_back(*done);
            after = e.seq;
        }
        return after;
    }

    Member member(const std::string& uid) {
        auto m = engine->members().get_by_uid(uid);
        REQUIRE_MESSAGE(m.ok(), uid);
        return *m;
    }
};

Points total(const Member& m) {
    return m.points_available + m.points_pending;
}

}  // namespace

TEST_CASE(
    "the hub replays a terminal's day and ends with the terminal's balance, ledger and sales") {
    Fixture store;
    Hub hub;
    const auto m = store.enroll("13800000700");
    store.sell(m, "R1", {line("TS-1", "apparel", 2, 30000)});
    store.advance_days(8);  // past the return window: R1's points become spendable
    REQUIRE(store.engine->run_daily(store.clock.now()).ok());
    store.sell(m, "R2", {line("TS-2", "apparel", 1, 45000)}, 100);
    RefundRequest refund{store.program, "", "", "R2", "RF-1", {}};
    REQUIRE(store.engine->sales().refund(refund).ok());
    REQUIRE(store.engine->ledger().adjust(m, -25, "damaged voucher", "mgr-1", "adj-1").ok());
    REQUIRE(store.engine->ledger().adjust(m, 2000, "service recovery", "mgr-1", "adj-2").ok());
    REQUIRE(store.engine->rewards().redeem(m, "CPN-20", "redeem-1").ok());
    store.sell(m, "R3", {line("TS-3", "apparel", 1, 9900)});
    RefundRequest void_r3{store.program, "", "", "R3", "void", {}, true};
    REQUIRE(store.engine->sales().refund(void_r3).ok());
    const auto at_store = *store.engine->members().get(m);

    hub.take_from(*store.engine);
    const auto at_hub = hub.member(at_store.uid);
    CHECK(total(at_hub) == total(at_store));
    CHECK(at_hub.tier_code == at_store.tier_code);
    CHECK(hub.engine->ledger().verify_all().empty());  // materialized = ledger = lots
    CHECK(hub.engine->outbox().backlog() == 0);        // the hub does not re-emit what it replays
    // The phone and the card identify the member at the hub too.
    CHECK(hub.engine->members().identify("TEST", IdentityKind::phone, "+8613800000700").ok());
    const auto card = store.engine->cards().of_member(m);
    REQUIRE(!card.empty());
    CHECK(hub.engine->cards().find("TEST", card.front().number).ok());
    for (const auto& o : hub.outcomes) CHECK(o.shortfall == 0);
    auto status =
        engine_database(*hub.engine).prepare("SELECT status FROM sales WHERE receipt = ?");
    for (const auto& [receipt, expected] : std::vector<std::pair<std::string, std::string>>{
             {"R1", "committed"}, {"R2", "refunded"}, {"R3", "voided"}}) {
        status.bind(1, receipt);
        REQUIRE(status.step());
        CHECK(status.text(0) == expected);
    }

    // Booked under the terminal's store and time, not the hub's.
    const auto entries = hub.engine->ledger().history(at_hub.id);
    REQUIRE(!entries.empty());
    for (const auto& e : entries) CHECK(e.store.value_or("") == "S001");
}

TEST_CASE(
    "spend in two stores lifts the member's tier at the hub, which neither store sees alone") {
    Fixture a(test_program(), Origin{"S001", "T01"});
    Hub hub;
    const auto m = a.enroll("13800000701");
    const auto uid = a.engine->members().get(m)->uid;
    // Store B learns the member the way the hub would tell it: replayed events.
    Fixture b(test_program(), Origin{"S002", "T01"});
    const auto& ao = a.engine->origin();
    for (const auto& e : a.engine->outbox().pending(ao.store, ao.terminal, 0, 1000)) {
        if (e.type == "program.updated") continue;
        const auto payload = nlohmann::json::parse(e.payload);
        REQUIRE(b.engine->replication()
                    .apply(ReplicatedEvent{e.event_id, e.type, e.program, e.store, e.terminal,
                                           e.occurred_at, payload})
                    .ok());
    }
    const auto m_at_b = b.engine->members().get_by_uid(uid)->id;
    a.sell(m, "A1", {line("TS-1", "apparel", 1, 300000)});
    b.sell(m_at_b, "B1",
           {line("TS-1", "apparel", 1, 300000)});  // 6,000.00 in all; gold needs 5,000.00
    CHECK(a.engine->members().get(m)->tier_code == "silver");
    CHECK(b.engine->members().get(m_at_b)->tier_code == "silver");

    hub.take_from(*a.engine);
    hub.take_from(*b.engine);
    CHECK(hub.member(uid).tier_code == "gold");
    CHECK(total(hub.member(uid)) ==
          total(*a.engine->members().get(m)) + total(*b.engine->members().get(m_at_b)));
    CHECK(hub.engine->ledger().verify_all().empty());
}

TEST_CASE(
    "points spent in two stores while offline are taken as far as they go, the rest reported") {
    Fixture a;
    Hub hub;
    const auto m = a.enroll("13800000702");
    REQUIRE(a.engine->ledger().adjust(m, 500, "welcome", "mgr-1", "adj-1").ok());
    const auto seq = hub.take_from(*a.engine);
    const auto uid = a.engine->members().get(m)->uid;
    REQUIRE(total(hub.member(uid)) == 500);
    // A redemption the hub cannot cover: it happened at the store, so it is booked, never refused.
    const nlohmann::json spent{{"member_uid", uid}, {"delta", -800}, {"reason", "offline"}};
    auto done = hub.engine->replication().apply(
        ReplicatedEvent{"ev-x", "points.adjusted", "TEST", "S002", "T01", a.clock.now(), spent});
    REQUIRE(done.ok());
    CHECK(done->shortfall == 300);
    CHECK(total(hub.member(uid)) == 0);
    CHECK(hub.engine->ledger().verify_all().empty());
    CHECK(seq > 0);
}

TEST_CASE("an event for an unknown program or without its member is refused and writes nothing") {
    Fixture a;
    Hub hub;
    const nlohmann::json sale{{"member_uid", "u-1"}, {"store", "S001"}, {"terminal", "T01"},
                              {"receipt", "R1"},     {"net", 1000},     {"points_earned", 10},
                              {"points_paid", 0}};
    auto unknown = hub.engine->replication().apply(
        ReplicatedEvent{"ev-1", "sale.committed", "NOPE", "S001", "T01", a.clock.now(), sale});
    REQUIRE_FALSE(unknown.ok());
    CHECK(unknown.error().code == Errc::not_found);

    hub.take_from(*a.engine);  // program.updated: the hub adopts the program
    REQUIRE(hub.engine->programs().get("TEST").ok());
    const nlohmann::json no_member{{"delta", 5}};
    auto bad = hub.engine->replication().apply(ReplicatedEvent{
        "ev-2", "points.adjusted", "TEST", "S001", "T01", a.clock.now(), no_member});
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().code == Errc::invalid_argument);
    CHECK(engine_database(*hub.engine).prepare("SELECT count(*) FROM members").scalar() == 0);

    // A member the hub never saw enroll is adopted, so the points still count.
    auto adopted = hub.engine->replication().apply(
        ReplicatedEvent{"ev-3", "sale.committed", "TEST", "S001", "T01", a.clock.now(), sale});
    REQUIRE(adopted.ok());
    CHECK(adopted->members == std::vector<std::string>{"u-1"});
    CHECK(total(hub.member("u-1")) == 10);
}

TEST_CASE(
    "a coupon the hub issued is accepted once under its own code and can be used at the till") {
    Fixture store;
    const auto m = store.enroll("13800000703");
    Coupon issued;
    issued.code = "HUBCOUPON123";
    issued.program = store.program;
    issued.member = m;
    issued.source = "hub";
    issued.title = "Welcome back";
    issued.value = Money{2000};
    issued.issued_at = store.clock.now();
    issued.expires_at = store.clock.now() + Days{30};
    auto accepted = store.engine->rewards().accept_issued(issued);
    REQUIRE(accepted.ok());
    CHECK(accepted->status == "issued");
    issued.value = Money{999999};  // a second copy (a redelivery) changes nothing
    REQUIRE(store.engine->rewards().accept_issued(issued).ok());
    CHECK(store.engine->rewards().find("HUBCOUPON123")->value.minor == 2000);
    const auto sale =
        store.sell(m, "R-HUB", {line("TS-1", "apparel", 1, 10000)}, 0, {"HUBCOUPON123"});
    CHECK(sale.coupon_value.minor == 2000);
    CHECK(store.engine->rewards().find("HUBCOUPON123")->status == "used");

    issued.code = "HUBCOUPON456";
    issued.member = 424242;  // not a member here
    auto unknown = store.engine->rewards().accept_issued(issued);
    REQUIRE_FALSE(unknown.ok());
    CHECK(unknown.error().code == Errc::not_found);
}

TEST_CASE(
    "a deferred tier check moves the member once, when the hub asks at the end of its batch") {
    Fixture a;
    Hub hub;
    const auto m = a.enroll("13800000704");
    const auto uid = a.engine->members().get(m)->uid;
    a.sell(m, "BIG",
           {line("TS-1", "apparel", 1, 600000)});  // 6,000.00: gold at the terminal at once
    const auto& o = a.engine->origin();
    std::map<std::string, Timestamp> due;
    for (const auto& e : a.engine->outbox().pending(o.store, o.terminal, 0, 1000)) {
        const auto payload = nlohmann::json::parse(e.payload);
        auto done = hub.engine->replication().apply(ReplicatedEvent{
            e.event_id, e.type, e.program, e.store, e.terminal, e.occurred_at, payload, true});
        REQUIRE(done.ok());
        if (done->tier_check_due) due[done->members.front()] = e.occurred_at;
    }
    CHECK(hub.member(uid).tier_code == "silver");  // not yet: deferred
    REQUIRE(due.size() == 1);
    auto moved = hub.engine->replication().check_tiers(due);
    REQUIRE(moved.ok());
    CHECK(*moved == std::vector<std::string>{uid});
    CHECK(hub.member(uid).tier_code == "gold");
    CHECK(hub.engine->outbox().backlog() ==
          0);  // decided here, sent down in snapshots, not as an event
    CHECK(hub.engine->replication().check_tiers(due)->empty());  // nothing moves twice
}

TEST_CASE(
    "fields of the wrong type, missing or out of range refuse the event naming the field, and "
    "write nothing") {
    Fixture a;
    Hub hub;
    hub.take_from(*a.engine);  // the program
    struct Odd {
        std::string type;
        nlohmann::json payload;
        std::string field;  // named in the refusal
    };
    const std::vector<Odd> odd{
        {"member.consent_changed", {{"member_uid", "u-9"}, {"marketing", "yes"}}, "marketing"},
        {"sale.committed",
         {{"member_uid", "u-9"},
          {"store", "S001"},
          {"terminal", "T01"},
          {"receipt", "X"},
          {"net", "12.00"},
          {"points_earned", 15},
          {"points_paid", 0}},
         "net"},
        {"sale.committed",
         {{"member_uid", "u-9"},
          {"receipt", "X"},
          {"net", 1200},
          {"points_earned", 1.5},
          {"points_paid", 0}},
         "points_earned"},
        {"sale.committed",
         {{"member_uid", 9},
          {"receipt", "X"},
          {"net", 1200},
          {"points_earned", 15},
          {"points_paid", 0}},
         "member_uid"},
        {"sale.committed",
         {{"member_uid", "u-9"},
          {"receipt", "X"},
          {"net", 1200},
          {"points_earned", 9223372036854775807LL},
          {"points_paid", 0}},
         "points_earned"},
        {"sale.committed",
         {{"member_uid", "u-9"}, {"receipt", "X"}, {"net", 1200}, {"points_paid", 0}},
         "points_earned"},
        {"points.adjusted", {{"member_uid", 42}, {"delta", 10}}, "member_uid"},
        {"points.adjusted", {{"member_uid", "u-9"}, {"delta", "ten"}}, "delta"},
        {"campaign.fired",
         {{"member_uid", "u-9"}, {"campaigns", {{{"points", "50"}}, 7}}},
         "campaigns"},
        {"card.blocked", {{"card", 8800}, {"status", true}}, "card"},
        {"member.merged", {{"survivor_uid", "u-9"}, {"absorbed_uid", nullptr}}, "absorbed_uid"},
    };
    int n = 0;
    for (const auto& o : odd) {
        auto done = hub.engine->replication().apply(ReplicatedEvent{
            "odd-" + std::to_string(++n), o.type, "TEST", "S001", "T01", a.clock.now(), o.payload});
        REQUIRE_FALSE(done.ok());
        CHECK(done.error().code == Errc::invalid_argument);
        CHECK_MESSAGE(done.error().message.find(o.field) != std::string::npos,
                      done.error().message);
    }
    CHECK_FALSE(hub.engine->members().get_by_uid("u-9").ok());  // not even adopted
    CHECK(engine_database(*hub.engine).prepare("SELECT count(*) FROM sales").scalar() == 0);
    CHECK(hub.engine->ledger().verify_all().empty());
}

TEST_CASE(
    "a replicated event books only its own store's receipts; a refund names the sale's own "
    "member") {
    Fixture a;
    Hub hub;
    const auto m = a.enroll("13800000705");
    const auto uid = a.engine->members().get(m)->uid;
    a.sell(m, "R1", {line("TS-1", "apparel", 1, 30000)});
    hub.take_from(*a.engine);
    const auto before = total(hub.member(uid));
    REQUIRE(before > 0);
    const auto at = a.clock.now();
    // Store S002 refunding S001's receipt: refused, nothing changes.
    const nlohmann::json foreign{
        {"member_uid", uid}, {"store", "S001"},           {"terminal", "T01"},   {"receipt", "R1"},
        {"amount", 30000},   {"points_reversed", before}, {"points_restored", 0}};
    auto refused = hub.engine->replication().apply(
        ReplicatedEvent{"f-1", "sale.refunded", "TEST", "S002", "T01", at, foreign});
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().code == Errc::unauthorized);
    // Without a store field it is S002's own receipt R1: never booked there.
    auto unnamed = foreign;
    unnamed.erase("store");
    auto unknown = hub.engine->replication().apply(
        ReplicatedEvent{"f-2", "sale.refunded", "TEST", "S002", "T01", at, unnamed});
    REQUIRE_FALSE(unknown.ok());
    CHECK(unknown.error().code == Errc::exceeds_sale);
    // S001's own refund of R1 naming another member: refused too.
    auto other = foreign;
    other["member_uid"] = "someone-else";
    auto wrong_member = hub.engine->replication().apply(
        ReplicatedEvent{"f-3", "sale.refunded", "TEST", "S001", "T01", at, other});
    REQUIRE_FALSE(wrong_member.ok());
    CHECK(wrong_member.error().code == Errc::unauthorized);
    CHECK(total(hub.member(uid)) == before);
    CHECK(engine_database(*hub.engine)
              .prepare("SELECT refunded_minor FROM sales WHERE receipt = 'R1'")
              .scalar() == 0);
    // A second sale under a receipt booked already is a conflict, not a second earn.
    const nlohmann::json again{{"member_uid", uid},
                               {"receipt", "R1"},
                               {"net", 500},
                               {"points_earned", 5},
                               {"points_paid", 0}};
    auto twice = hub.engine->replication().apply(
        ReplicatedEvent{"f-4", "sale.committed", "TEST", "S001", "T01", at, again});
    REQUIRE_FALSE(twice.ok());
    CHECK(twice.error().code == Errc::conflict);
    CHECK(total(hub.member(uid)) == before);
}

TEST_CASE(
    "a member merged at the hub stands for its survivor: a late sale books to the survivor, "
    "and the same merge arriving again changes nothing") {
    Fixture store;
    Hub hub;
    const auto kept = store.enroll("13800000710");
    const auto dropped = store.enroll("13800000711");
    hub.take_from(*store.engine);
    const auto kept_uid = hub.member(store.engine->members().get(kept)->uid).uid;
    const auto dropped_uid = store.engine->members().get(dropped)->uid;
    auto merge = [&] {
        return hub.engine->replication().apply(ReplicatedEvent{
            "merge-1", "member.merged", "TEST", store.engine->origin().store, "HUB",
            store.clock.now(),
            nlohmann::json{{"survivor_uid", kept_uid}, {"absorbed_uid", dropped_uid}}});
    };
    REQUIRE(merge().ok());
    CHECK(hub.member(dropped_uid).status == "merged");
    // The store sold to the absorbed member before it heard of the merge.
    const auto& o = store.engine->origin();
    const auto after = store.engine->outbox().pending(o.store, o.terminal, 0, 100000).back().seq;
    store.sell(dropped, "R1", {line("TS-1", "apparel", 1, 30000)});
    const auto sold_through = hub.take_from(*store.engine, after);
    CHECK(total(hub.member(kept_uid)) == total(*store.engine->members().get(dropped)));
    CHECK(total(hub.member(dropped_uid)) == 0);
    CHECK(hub.outcomes.back().members == std::vector<std::string>{kept_uid});
    // Its refund, also late, is the survivor's too (not refused as another member's).
    const auto before_refund = total(hub.member(kept_uid));
    RefundRequest refund{store.program, "", "", "R1", "RF-1", {}};
    REQUIRE(store.engine->sales().refund(refund).ok());
    hub.take_from(*store.engine, sold_through);
    CHECK(total(hub.member(kept_uid)) < before_refund);
    CHECK(total(hub.member(kept_uid)) == total(*store.engine->members().get(dropped)));
    // The same merge again (a store's echo): merged already, nothing moves.
    auto again = merge();
    REQUIRE(again.ok());
    CHECK(again->note == "merged already");
    CHECK(hub.member(dropped_uid).merged_into == hub.member(kept_uid).id);
    CHECK(hub.engine->ledger().verify_all().empty());
}
