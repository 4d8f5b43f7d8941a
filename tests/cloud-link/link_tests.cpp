// End to end over a real mosquitto: the agent and hub workers on threads of
// this process (the soak runs them as processes and kills them).
#include <doctest/doctest.h>
#include <mqtt/async_client.h>

#include <optional>
#include <thread>

#include "broker.hpp"
#include "hub_database.hpp"
#include "loyalty/storage/engine_storage.hpp"
#include "loyalty/sync/down_state.hpp"
#include "loyalty/sync/hub.hpp"
#include "loyalty/sync/store_agent.hpp"
#include "loyalty/sync/terminal_hub.hpp"
#include "raw_client.hpp"
#include "running.hpp"
#include "terminal.hpp"
#include "test_configs.hpp"
#include "test_support.hpp"

using namespace loyalty;
using namespace loyalty::sync;
using namespace loyalty::sync::test;

namespace {}  // namespace

TEST_CASE(
    "signed sales reach the hub once, the outbox empties only on the hub's ack, and snapshots come "
    "back down") {
    loyalty::test::TempDir dir;
    Mosquitto broker(dir.path() / "broker", {"hub", "S001"});
    Terminal t(dir.path() / "t1.db", "S001", "T01", 5);
    for (int i = 0; i < 100; ++i) t.sell(i % 5);
    const auto all = t.last_seq();
    const std::string key = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    {
        // No hub yet: the broker takes the batches but nothing may be deleted.
        auto signing = agent_config(broker, dir.path() / "t1.db", "S001", "T01");
        signing.sign_key = key;
        Running<StoreAgent> agent(signing);
        REQUIRE(eventually([&] { return agent->stats().events_sent >= 200; }));
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        CHECK(t.backlog() == all);
        CHECK(agent->stats().acked_through == 0);

        auto verifying = hub_config(broker, hub_database(dir.path()), "w1");
        verifying.require_signatures = true;
        verifying.store_keys["S001"] = key;
        Running<HubWorker> hub(verifying);
        REQUIRE(eventually([&] { return t.backlog() == 0; }));
        // The agent counts an ack once its outbox rows are gone: a moment later.
        CHECK(eventually([&] { return agent->stats().acked_through == all; }));
        CHECK(hub->stats().dead_letters == 0);
        // The down path: the last snapshot of each member reaches the terminal.
        DownState down(engine_database(t.engine()));
        REQUIRE(eventually([&] {
            for (int i = 0; i < 5; ++i) {
                auto r = down.reconciled_points(member_uid(i), "S001", "T01");
                if (!r || *r != t.ledger_points(member_uid(i))) return false;
            }
            return true;
        }));
        auto p = HubStore::open(hub_database(dir.path()));
        REQUIRE(p.ok());
        REQUIRE(eventually([&] { return (*p)->presence("S001", "T01").has_value(); }));
        CHECK((*p)->presence("S001", "T01")->state == "online");
        CHECK((*p)->skew_ms("S001", "T01").has_value());
    }
    auto hub = HubStore::open(hub_database(dir.path()));
    REQUIRE(hub.ok());
    CHECK((*hub)->applied_count() == all);
    for (int i = 0; i < 5; ++i)
        CHECK((*hub)->member("TEST", member_uid(i))->points == t.ledger_points(member_uid(i)));
    // A clean shutdown says so.
    CHECK((*hub)->presence("S001", "T01")->state == "online");  // the hub was stopped first
}

TEST_CASE(
    "a store cannot publish as another store: QoS 1 is refused with 135 and nothing reaches the "
    "hub") {
    loyalty::test::TempDir dir;
    Mosquitto broker(dir.path() / "broker", {"hub", "S001", "S002"});
    Terminal t(dir.path() / "t1.db", "S001", "T01", 1);
    t.sell(0);
    Running<HubWorker> hub(hub_config(broker, hub_database(dir.path()), "w1"));
    REQUIRE(eventually([&] { return hub->stats().connected; }));

    auto events = t.engine().outbox().pending("S001", "T01", 0, 100);
    // S001's credentials, S002's topic and S002's name in the payload.
    const TerminalAddress as_other{"TEST", "S002", "T01"};
    RawClient s001(broker.client("S001", "raw-s001"));
    CHECK(s001.publish(events_topic(as_other), encode_batch(as_other, 0, 0, events)) == 135);
    // S002's own down topic is not S001's to write either.
    CHECK(s001.publish(store_down_topic("TEST", "S002"),
                       R"({"v":1,"kind":"snapshots","items":[]})") == 135);
    // Its own topic is fine: this one arrives.
    const TerminalAddress own{"TEST", "S001", "T01"};
    CHECK(s001.publish(events_topic(own), encode_batch(own, 0, 0, events)) == 0);

    auto store = HubStore::open(hub_database(dir.path()));
    REQUIRE(store.ok());
    REQUIRE(eventually([&] { return (*store)->last_seq("S001", "T01") == t.last_seq(); }));
    CHECK((*store)->last_seq("S002", "T01") == 0);
    CHECK((*store)->applied_count() == t.last_seq());
    CHECK((*store)->dead_letters().empty());
}

TEST_CASE(
    "over TLS with per-store client certificates from a test CA the link works and a wrong CA is "
    "refused") {
    loyalty::test::TempDir dir;
    Mosquitto broker(dir.path() / "broker", {"hub", "S001"}, true);
    Terminal t(dir.path() / "t1.db", "S001", "T01", 2);
    for (int i = 0; i < 20; ++i) t.sell(i % 2);
    Running<HubWorker> hub(hub_config(broker, hub_database(dir.path()), "w1"));
    REQUIRE(eventually([&] { return hub->stats().connected; }));
    {
        // Trusting another CA (the broker's own certificate as "CA"): never connects.
        auto wrong = agent_config(broker, dir.path() / "t1.db", "S001", "T01");
        wrong.broker.ca_file = (dir.path() / "broker" / "client-S001.crt").string();
        Running<StoreAgent> agent(wrong);
        std::this_thread::sleep_for(std::chrono::milliseconds(1500));
        CHECK(agent->stats().connects == 0);
        CHECK(t.backlog() > 0);
    }
    Running<StoreAgent> agent(agent_config(broker, dir.path() / "t1.db", "S001", "T01"));
    REQUIRE(eventually([&] { return t.backlog() == 0; }));
    auto store = HubStore::open(hub_database(dir.path()));
    REQUIRE(store.ok());
    CHECK((*store)->last_seq("S001", "T01") == t.last_seq());
}

TEST_CASE(
    "bad messages on every subscribed topic are dead-lettered at the hub and the terminal, never a "
    "crash") {
    loyalty::test::TempDir dir;
    Mosquitto broker(dir.path() / "broker", {"hub", "S001"});
    Terminal t(dir.path() / "t1.db", "S001", "T01", 1);
    Running<HubWorker> hub(hub_config(broker, hub_database(dir.path()), "w1"));
    REQUIRE(
        eventually([&] { return hub->stats().connected; }));  // subscribed before the first batch
    Running<StoreAgent> agent(agent_config(broker, dir.path() / "t1.db", "S001", "T01"));
    REQUIRE(eventually([&] { return agent->stats().connected; }));

    const TerminalAddress a{"TEST", "S001", "T01"};
    const std::vector<std::string> junk{"{oops",
                                        "",
                                        std::string(max_payload_bytes + 10, 'x'),
                                        R"({"v":9,"kind":"events"})",
                                        R"({"v":1,"kind":"events"})",
                                        R"({"v":1,"kind":"snapshots","items":[{"key":"m"}]})"};
    RawClient store(broker.client("S001", "raw-s001"));
    RawClient central(broker.client("hub", "raw-hub"));
    for (const auto& j : junk) {
        CHECK(store.publish(events_topic(a), j) == 0);
        CHECK(store.publish(presence_topic(a), j) == 0);
        CHECK(central.publish(acks_topic(a), j) == 0);
        CHECK(central.publish(terminal_down_topic(a), j) == 0);
        CHECK(central.publish(store_down_topic("TEST", "S001"), j) == 0);
    }
    // Well-formed envelopes whose items carry fields of the wrong type: read as absent, refused or
    // ignored, never an exception in the agent.
    const std::vector<std::string> mistyped{
        R"({"v":1,"kind":"snapshots","program":"TEST","items":[{"key":"m-x","version":3,"tier":5,"tier_review_at":"soon","points":"many"}]})",
        R"({"v":1,"kind":"coupon_issue","program":"TEST","items":[{"key":"BAD-COUPON","version":1,"member_uid":7,"value":"lots"}]})",
        R"({"v":1,"kind":"config","program":"TEST","items":[{"key":"program","version":50,"body":{"code":5,"tiers":"none"}}]})"};
    for (const auto& m : mistyped) CHECK(central.publish(store_down_topic("TEST", "S001"), m) == 0);
    REQUIRE(eventually([&] { return agent->stats().programs_refused == 1; }));
    CHECK(agent->stats().coupons_accepted == 0);
    CHECK(agent->stats().tiers_adopted == 0);
    // Good traffic right after the junk still flows.
    for (int i = 0; i < 10; ++i) t.sell(0);
    REQUIRE(eventually([&] { return t.backlog() == 0; }));
    REQUIRE(eventually(
        [&] { return hub->stats().dead_letters == 2 * static_cast<std::int64_t>(junk.size()); }));
    REQUIRE(eventually(
        [&] { return agent->stats().dead_letters == 3 * static_cast<std::int64_t>(junk.size()); }));
    DownState down(engine_database(t.engine()));
    CHECK(down.dead_letter_count() == 3 * static_cast<std::int64_t>(junk.size()));
    auto hub_db = HubStore::open(hub_database(dir.path()));
    REQUIRE(hub_db.ok());
    CHECK((*hub_db)->dead_letters().size() == 2 * junk.size());
    CHECK((*hub_db)->last_seq("S001", "T01") == t.last_seq());
}

TEST_CASE(
    "a card reported lost at one store is blocked at the member's other store through the hub") {
    loyalty::test::TempDir dir;
    Mosquitto broker(dir.path() / "broker", {"hub", "S001", "S002"});
    Terminal t1(dir.path() / "t1.db", "S001", "T01", 1);
    Terminal t2(dir.path() / "t2.db", "S002", "T01", 1);
    for (auto* t : {&t1, &t2})
        REQUIRE(t->engine()
                    .cards()
                    .issue(t->member_id(0), CardForm::physical, "8800000000000777", std::nullopt,
                           "desk")
                    .ok());
    Running<HubWorker> hub(hub_config(broker, hub_database(dir.path()), "w1"));
    REQUIRE(
        eventually([&] { return hub->stats().connected; }));  // subscribed before the first batch
    Running<StoreAgent> a1(agent_config(broker, dir.path() / "t1.db", "S001", "T01"));
    Running<StoreAgent> a2(agent_config(broker, dir.path() / "t2.db", "S002", "T01"));
    // Both stores are known to the hub once their first events are applied.
    REQUIRE(eventually([&] { return t1.backlog() == 0 && t2.backlog() == 0; }));

    REQUIRE(t1.engine().cards().report_lost("TEST", "8800000000000777", "desk").ok());
    REQUIRE(eventually([&] {
        auto card = t2.engine().cards().find("TEST", "8800000000000777");
        return card.ok() && card->status == CardStatus::lost;
    }));
    // The echo (store B's own card.lost) settles: acknowledged, nothing refused.
    REQUIRE(eventually([&] { return t1.backlog() == 0 && t2.backlog() == 0; }));
    CHECK(a1->stats().down_applied > 0);
    CHECK(a2->stats().dead_letters == 0);
    CHECK(t1.engine().cards().find("TEST", "8800000000000777")->status == CardStatus::lost);
    // The lost card no longer identifies the member at store B.
    auto who =
        t2.engine().members().identify("TEST", IdentityKind::card_number, "8800000000000777");
    REQUIRE_FALSE(who.ok());
    CHECK(who.error().code == Errc::blocked);
}

TEST_CASE(
    "spend at two stores makes the member gold at the hub, and both stores' tills then price them "
    "as gold") {
    loyalty::test::TempDir dir;
    Mosquitto broker(dir.path() / "broker", {"hub", "S001", "S002"});
    Terminal t1(dir.path() / "t1.db", "S001", "T01", 1);
    Terminal t2(dir.path() / "t2.db", "S002", "T01", 1);
    Running<HubWorker> hub(hub_config(broker, hub_database(dir.path()), "w1"));
    REQUIRE(eventually([&] { return hub->stats().connected; }));
    Running<StoreAgent> a1(agent_config(broker, dir.path() / "t1.db", "S001", "T01"));
    Running<StoreAgent> a2(agent_config(broker, dir.path() / "t2.db", "S002", "T01"));
    for (auto* t : {&t1, &t2}) {
        SaleRequest s;
        s.program = "TEST";
        s.receipt = t->store() + "-big";
        s.member = t->member_id(0);
        s.lines = {BasketLine{"TS-1", "apparel", 1, Money{300000},
                              Money{}}};  // 3,000.00 each; gold needs 5,000.00
        auto sold = t->engine().sales().commit(s);
        REQUIRE(sold.ok());
        CHECK(sold->tier == "silver");  // neither store alone sees enough
    }
    REQUIRE(eventually([&] {
        return t1.engine().members().get(t1.member_id(0))->tier_code == "gold" &&
               t2.engine().members().get(t2.member_id(0))->tier_code == "gold";
    }));
    CHECK(a1->stats().tiers_adopted + a2->stats().tiers_adopted >= 2);
    // The next sale at either till earns as gold.
    SaleRequest next;
    next.program = "TEST";
    next.receipt = "after";
    next.member = t1.member_id(0);
    next.lines = {BasketLine{"TS-1", "apparel", 1, Money{10000}, Money{}}};
    auto sold = t1.engine().sales().commit(next);
    REQUIRE(sold.ok());
    CHECK(sold->tier == "gold");
    CHECK_FALSE(sold->tier_change);  // adopted already, not earned again here

    // Two years on, store S001 reviews the tier on its own sales alone and starts the
    // member's grace period; its event reaches the hub, whose answer (the same
    // snapshot) puts the hub's decision back.
    const auto member = t1.member_id(0);
    // S001 has the hub's snapshot that includes the sale just made (so the answer to
    // its review below is that same snapshot again, not a newer one).
    const auto uid = member_uid(0);
    REQUIRE(eventually([&] {
        auto held = DownState(engine_database(t1.engine())).snapshot(uid);
        // Each store's copy of the member is the program-wide balance.
        return held && t1.backlog() == 0 && held->snapshot.points == t1.ledger_points(uid) &&
               held->snapshot.points == t2.ledger_points(uid);
    }));
    const auto later = t1.engine().members().get(member)->tier_review_at + Days{1};
    auto review = t1.engine().tiers().review_due(later);
    REQUIRE(review.ok());
    REQUIRE(review->entered_grace == 1);
    REQUIRE(t1.engine().members().get(member)->tier_grace_until);
    REQUIRE(eventually([&] { return !t1.engine().members().get(member)->tier_grace_until; }));
    CHECK(t1.engine().members().get(member)->tier_code == "gold");
}

TEST_CASE("an ack beyond what the agent sent deletes only what it sent") {
    loyalty::test::TempDir dir;
    Mosquitto broker(dir.path() / "broker", {"hub", "S001"});
    Terminal t(dir.path() / "t1.db", "S001", "T01", 1);
    for (int i = 0; i < 40; ++i) t.sell(0);
    const auto all = t.last_seq();
    auto small_window = agent_config(broker, dir.path() / "t1.db", "S001", "T01");
    small_window.batch_events = 10;
    small_window.window_events = 10;
    Running<StoreAgent> agent(small_window);
    REQUIRE(eventually([&] { return agent->stats().events_sent >= 10; }));
    // No hub: a stray or misdirected ack claims everything.
    RawClient central(broker.client("hub", "raw-hub"));
    CHECK(central.publish(acks_topic({"TEST", "S001", "T01"}),
                          encode_ack(Ack{"S001", "T01", all + 1000, 0, 0, 0})) == 0);
    REQUIRE(eventually([&] { return agent->stats().acked_through > 0; }));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    CHECK(agent->stats().acked_through <= 20);
    CHECK(t.backlog() >= all - 20);
}

TEST_CASE(
    "a terminal whose clock is an hour fast is reported with its skew, and its events still apply "
    "in order") {
    loyalty::test::TempDir dir;
    Mosquitto broker(dir.path() / "broker", {"hub", "S001"});
    Terminal t(dir.path() / "t1.db", "S001", "T01", 2);
    for (int i = 0; i < 30; ++i) t.sell(i % 2);
    Running<HubWorker> hub(hub_config(broker, hub_database(dir.path()), "w1"));
    REQUIRE(eventually([&] { return hub->stats().connected; }));
    constexpr std::int64_t hour_ms = 3600 * 1000;
    Running<StoreAgent> agent(agent_config(broker, dir.path() / "t1.db", "S001", "T01"),
                              StoreAgent::WallClock([] {
                                  return std::chrono::duration_cast<std::chrono::milliseconds>(
                                             std::chrono::system_clock::now().time_since_epoch())
                                             .count() +
                                         hour_ms;
                              }));
    REQUIRE(eventually([&] { return t.backlog() == 0; }));
    auto store = HubStore::open(hub_database(dir.path()));
    REQUIRE(store.ok());
    const auto skew = (*store)->skew_ms("S001", "T01");
    REQUIRE(skew.has_value());
    CHECK(*skew <= -hour_ms + 5000);  // hub time minus terminal time, transit included
    CHECK(*skew >= -hour_ms - 1000);
    CHECK(agent->stats().last_skew_ms <= -hour_ms + 5000);  // the agent hears it in the acks too
    std::vector<std::int64_t> expected;
    for (std::int64_t s = 1; s <= t.last_seq(); ++s) expected.push_back(s);
    CHECK((*store)->applied_order("S001", "T01") == expected);
}

TEST_CASE(
    "large events are split over several messages, and one too large for any message is parked, "
    "not stuck") {
    loyalty::test::TempDir dir;
    Mosquitto broker(dir.path() / "broker", {"hub", "S001"});
    Terminal t(dir.path() / "t1.db", "S001", "T01", 1);
    {
        Transaction tx(engine_database(t.engine()));
        const std::string note(20000, 'x');
        for (int i = 0; i < 100; ++i)  // 2 MB in all: at least three messages
            t.engine().outbox().append("note.added", "TEST", "{\"note\":\"" + note + "\"}");
        t.engine().outbox().append(
            "note.added", "TEST", "{\"note\":\"" + std::string(2 * max_payload_bytes, 'y') + "\"}");
        tx.commit();
    }
    t.sell(0);
    Running<HubWorker> hub(hub_config(broker, hub_database(dir.path()), "w1"));
    REQUIRE(eventually([&] { return hub->stats().connected; }));
    Running<StoreAgent> agent(agent_config(broker, dir.path() / "t1.db", "S001", "T01"));
    REQUIRE(eventually([&] { return t.backlog() == 0; }));
    CHECK(agent->stats().batches_sent >= 4);
    auto store = HubStore::open(hub_database(dir.path()));
    REQUIRE(store.ok());
    CHECK((*store)->last_seq("S001", "T01") == t.last_seq());
    const auto dead = (*store)->dead_letters();
    REQUIRE(dead.size() == 1);
    CHECK(dead.at(0).reason == "unknown_schema");
    CHECK((*store)->member("TEST", member_uid(0))->points == t.ledger_points(member_uid(0)));
}

TEST_CASE("a hub worker that stops leaves every till's question to the workers still running") {
    loyalty::test::TempDir dir;
    Mosquitto broker(dir.path() / "broker", {"hub", "S001"});
    Terminal t(dir.path() / "t.db", "S001", "T02", 0);
    std::optional<Running<HubWorker>> leaving(std::in_place,
                                              hub_config(broker, hub_database(dir.path()), "w1"));
    Running<HubWorker> staying(hub_config(broker, hub_database(dir.path()), "w2"));
    REQUIRE(
        eventually([&] { return (*leaving)->stats().connected && staying->stats().connected; }));
    leaving.reset();  // a worker taken out of service (a deploy, a smaller pool)

    // Questions go to a shared subscription: were the stopped worker's session kept, the
    // broker would go on handing it its turn and those questions would go unanswered.
    auto link = agent_config(broker, dir.path() / "t.db", "S001", "T02");
    link.hub_timeout_ms = 3000;
    TerminalHub till(link, TerminalAddress{"TEST", "S001", "T02"}, t.engine());
    // The till's own connection to the broker comes up in the background first.
    REQUIRE(eventually([&] {
        auto found = till.find("phone", "13999990000");
        return found.ok() || found.error().message.find("no connection") == std::string::npos;
    }));
    int answered = 0;
    for (int i = 0; i < 10; ++i) {
        auto found = till.find("phone", "1399999000" + std::to_string(i));
        REQUIRE_FALSE(found.ok());
        if (found.error().code == Errc::not_found)
            ++answered;
        else
            MESSAGE("question " << i << ": " << found.error().message);
    }
    CHECK(answered == 10);
}

TEST_CASE("a hub sharded by program: each shard's worker takes only its own programs' events") {
    loyalty::test::TempDir dir;
    Mosquitto broker(dir.path() / "broker", {"hub", "S001"});
    Terminal t(dir.path() / "t.db", "S001", "T01", 2);
    t.sell(0);
    t.sell(1);
    auto other = hub_config(broker, hub_database(dir.path(), "other.db"), "o1");
    other.programs = {"OTHER"};
    auto own = hub_config(broker, hub_database(dir.path(), "test.db"), "t1");
    own.programs = {"TEST"};
    Running<HubWorker> other_shard(other);
    Running<HubWorker> test_shard(own);
    REQUIRE(eventually(
        [&] { return other_shard->stats().connected && test_shard->stats().connected; }));
    Running<StoreAgent> agent(agent_config(broker, dir.path() / "t.db", "S001", "T01"));
    REQUIRE(eventually([&] { return t.backlog() == 0; }));  // acknowledged by TEST's shard
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    auto test_hub = HubStore::open(hub_database(dir.path(), "test.db"));
    auto other_hub = HubStore::open(hub_database(dir.path(), "other.db"));
    REQUIRE(test_hub.ok());
    REQUIRE(other_hub.ok());
    CHECK((*test_hub)->applied_count() == t.last_seq());
    CHECK((*other_hub)->applied_count() == 0);
    CHECK(other_shard->stats().messages == 0);  // not even the terminal's presence
    // A till's questions reach its own program's shard too.
    auto link = agent_config(broker, dir.path() / "t.db", "S001", "T02");
    link.hub_timeout_ms = 3000;
    TerminalHub till(link, TerminalAddress{"TEST", "S001", "T02"}, t.engine());
    Result<Member> found = make_error(Errc::unreachable, "not asked yet");
    REQUIRE(eventually([&] {
        found = till.find("uid", member_uid(1));
        return found.ok() || found.error().message.find("no connection") == std::string::npos;
    }));
    CHECK_MESSAGE(found.ok(), (found.ok() ? "" : found.error().message));
    CHECK(other_shard->stats().messages == 0);
}
