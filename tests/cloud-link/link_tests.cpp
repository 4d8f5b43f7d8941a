// End to end over a real mosquitto: the agent and hub workers on threads of
// this process (the soak runs them as processes and kills them).
#include <doctest/doctest.h>
#include <mqtt/async_client.h>

#include <thread>

#include "broker.hpp"
#include "loyalty/sync/down_state.hpp"
#include "loyalty/sync/hub.hpp"
#include "loyalty/sync/store_agent.hpp"
#include "terminal.hpp"
#include "test_support.hpp"

using namespace loyalty;
using namespace loyalty::sync;
using namespace loyalty::sync::test;

namespace {

// Runs a service's run() on a thread until destroyed.
template <class Service>
class Running {
public:
    template <class Config>
    explicit Running(Config config) : service_(std::move(config)), thread_([this] { result_ = service_.run(stop_); }) {}
    ~Running() {
        stop_ = true;
        thread_.join();
    }
    Service& operator*() { return service_; }
    Service* operator->() { return &service_; }

private:
    std::atomic<bool> stop_{false};
    Service service_;
    Result<void> result_;
    std::thread thread_;
};

template <class Pred>
bool eventually(Pred pred, int timeout_ms = 20000) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < until) {
        if (pred()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return pred();
}

AgentConfig agent_config(Mosquitto& broker, const std::filesystem::path& db, const std::string& store,
                         const std::string& terminal) {
    AgentConfig c;
    c.db = db;
    c.address = {"TEST", store, terminal};
    c.broker = broker.client(store, "link-" + store + "-" + terminal);
    c.batch_events = 50;
    c.window_events = 200;
    c.full_sync = false;
    c.ack_timeout_ms = 2000;
    c.backoff_initial_ms = 50;
    c.backoff_max_ms = 500;
    return c;
}

HubConfig hub_config(Mosquitto& broker, const std::filesystem::path& db, const std::string& worker) {
    HubConfig c;
    c.db = db;
    c.worker = worker;
    c.broker = broker.client("hub", "hub-" + worker);
    c.full_sync = false;
    return c;
}

// A raw Paho client, for what the agent would never send.
struct RawClient {
    mqtt::async_client client;
    RawClient(const BrokerConfig& b) : client(b.uri, b.client_id, mqtt::create_options(MQTTVERSION_5), nullptr) {
        auto opts = mqtt::connect_options_builder().mqtt_version(MQTTVERSION_5).clean_start(true);
        if (!b.username.empty()) opts.user_name(b.username).password(b.password);
        client.connect(opts.finalize())->wait();
    }
    ~RawClient() {
        try {
            client.disconnect()->wait();
        } catch (const mqtt::exception&) {
        }
    }
    // The PUBACK reason code (0 = accepted).
    int publish(const std::string& topic, const std::string& payload) {
        try {
            client.publish(topic, payload.data(), payload.size(), 1, false)->wait();
            return 0;
        } catch (const mqtt::exception& e) {
            return e.get_reason_code() ? e.get_reason_code() : -1;
        }
    }
};

}  // namespace

TEST_CASE("signed sales reach the hub once, the outbox empties only on the hub's ack, and snapshots come back down") {
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

        auto verifying = hub_config(broker, dir.path() / "hub.db", "w1");
        verifying.require_signatures = true;
        verifying.store_keys["S001"] = key;
        Running<HubWorker> hub(verifying);
        REQUIRE(eventually([&] { return t.backlog() == 0; }));
        CHECK(agent->stats().acked_through == all);
        CHECK(hub->stats().dead_letters == 0);
        // The down path: the last snapshot of each member reaches the terminal.
        DownState down(t.engine().db());
        REQUIRE(eventually([&] {
            for (int i = 0; i < 5; ++i) {
                auto r = down.reconciled_points(member_uid(i), "S001", "T01");
                if (!r || *r != t.ledger_points(member_uid(i))) return false;
            }
            return true;
        }));
        auto p = HubStore::open(dir.path() / "hub.db");
        REQUIRE(p.ok());
        REQUIRE(eventually([&] { return (*p)->presence("S001", "T01").has_value(); }));
        CHECK((*p)->presence("S001", "T01")->state == "online");
        CHECK((*p)->skew_ms("S001", "T01").has_value());
    }
    auto hub = HubStore::open(dir.path() / "hub.db");
    REQUIRE(hub.ok());
    CHECK((*hub)->applied_count() == all);
    for (int i = 0; i < 5; ++i) CHECK((*hub)->member("TEST", member_uid(i))->points == t.ledger_points(member_uid(i)));
    // A clean shutdown says so.
    CHECK((*hub)->presence("S001", "T01")->state == "online");  // the hub was stopped first
}

TEST_CASE("a store cannot publish as another store: QoS 1 is refused with 135 and nothing reaches the hub") {
    loyalty::test::TempDir dir;
    Mosquitto broker(dir.path() / "broker", {"hub", "S001", "S002"});
    Terminal t(dir.path() / "t1.db", "S001", "T01", 1);
    t.sell(0);
    Running<HubWorker> hub(hub_config(broker, dir.path() / "hub.db", "w1"));
    REQUIRE(eventually([&] { return hub->stats().connected; }));

    auto events = t.engine().outbox().pending("S001", "T01", 0, 100);
    // S001's credentials, S002's topic and S002's name in the payload.
    const TerminalAddress as_other{"TEST", "S002", "T01"};
    RawClient s001(broker.client("S001", "raw-s001"));
    CHECK(s001.publish(events_topic(as_other), encode_batch(as_other, 0, 0, events)) == 135);
    // S002's own down topic is not S001's to write either.
    CHECK(s001.publish(store_down_topic("TEST", "S002"), R"({"v":1,"kind":"snapshots","items":[]})") == 135);
    // Its own topic is fine: this one arrives.
    const TerminalAddress own{"TEST", "S001", "T01"};
    CHECK(s001.publish(events_topic(own), encode_batch(own, 0, 0, events)) == 0);

    auto store = HubStore::open(dir.path() / "hub.db");
    REQUIRE(store.ok());
    REQUIRE(eventually([&] { return (*store)->last_seq("S001", "T01") == t.last_seq(); }));
    CHECK((*store)->last_seq("S002", "T01") == 0);
    CHECK((*store)->applied_count() == t.last_seq());
    CHECK((*store)->dead_letters().empty());
}

TEST_CASE("over TLS with per-store client certificates from a test CA the link works and a wrong CA is refused") {
    loyalty::test::TempDir dir;
    Mosquitto broker(dir.path() / "broker", {"hub", "S001"}, true);
    Terminal t(dir.path() / "t1.db", "S001", "T01", 2);
    for (int i = 0; i < 20; ++i) t.sell(i % 2);
    Running<HubWorker> hub(hub_config(broker, dir.path() / "hub.db", "w1"));
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
    auto store = HubStore::open(dir.path() / "hub.db");
    REQUIRE(store.ok());
    CHECK((*store)->last_seq("S001", "T01") == t.last_seq());
}

TEST_CASE("bad messages on every subscribed topic are dead-lettered at the hub and the terminal, never a crash") {
    loyalty::test::TempDir dir;
    Mosquitto broker(dir.path() / "broker", {"hub", "S001"});
    Terminal t(dir.path() / "t1.db", "S001", "T01", 1);
    Running<HubWorker> hub(hub_config(broker, dir.path() / "hub.db", "w1"));
    Running<StoreAgent> agent(agent_config(broker, dir.path() / "t1.db", "S001", "T01"));
    REQUIRE(eventually([&] { return hub->stats().connected && agent->stats().connected; }));

    const TerminalAddress a{"TEST", "S001", "T01"};
    const std::vector<std::string> junk{"{oops", "", std::string(max_payload_bytes + 10, 'x'),
                                        R"({"v":9,"kind":"events"})", R"({"v":1,"kind":"events"})",
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
    // Good traffic right after the junk still flows.
    for (int i = 0; i < 10; ++i) t.sell(0);
    REQUIRE(eventually([&] { return t.backlog() == 0; }));
    REQUIRE(eventually([&] { return hub->stats().dead_letters == 2 * static_cast<std::int64_t>(junk.size()); }));
    REQUIRE(eventually([&] { return agent->stats().dead_letters == 3 * static_cast<std::int64_t>(junk.size()); }));
    DownState down(t.engine().db());
    CHECK(down.dead_letter_count() == 3 * static_cast<std::int64_t>(junk.size()));
    auto hub_db = HubStore::open(dir.path() / "hub.db");
    REQUIRE(hub_db.ok());
    CHECK((*hub_db)->dead_letters().size() == 2 * junk.size());
    CHECK((*hub_db)->last_seq("S001", "T01") == t.last_seq());
}
