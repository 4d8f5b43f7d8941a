// link_bench SCRATCH_DIR
// 1. raw: 100,000 event messages published one by one with Paho at QoS 1 and
//    received by a QoS 1 subscriber (publisher to subscriber, end to end);
// 2. link: the same 100,000 events queued in a terminal's outbox, drained by the
//    store agent to a hub worker that applies them to its database and acks;
//    the clock stops when the outbox is empty (every event acknowledged);
// 3. catch-up: a terminal offline with 50,000 events comes online.
// One mosquitto on loopback, started here, with its password file and ACL.
#include <mqtt/async_client.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <thread>

#include "broker.hpp"
#include "loyalty/engine.hpp"
#include "loyalty/storage/engine_storage.hpp"
#include "loyalty/sync/hub.hpp"
#include "loyalty/sync/store_agent.hpp"
#include "running.hpp"
#include "sale_payload.hpp"

using namespace loyalty;
using namespace loyalty::sync;
using loyalty::sync::test::Running;
namespace fs = std::filesystem;
using Steady = std::chrono::steady_clock;

namespace {

constexpr std::int64_t drain_events = 100000;
constexpr std::int64_t offline_events = 50000;

double seconds_since(Steady::time_point t) {
    return std::chrono::duration<double>(Steady::now() - t).count();
}

const SystemClock& system_clock() {
    static SystemClock clock;
    return clock;
}

std::string sale_payload(std::int64_t i, const std::string& store) {
    return bench::sale_payload(i, store, i % 1000);
}

// A terminal database with `count` sale events waiting in its outbox.
std::unique_ptr<Engine> queued_terminal(const fs::path& db, const std::string& store,
                                        std::int64_t count) {
    fs::remove(db);
    DatabaseOptions options;
    auto opened = Engine::open(db, system_clock(), EngineOptions{Origin{store, "T01"}, options});
    if (!opened) throw std::runtime_error(opened.error().message);
    auto engine = std::move(opened.value());
    // The program first, as a real terminal's outbox has it: the hub adopts it
    // and then books every sale through its engine.
    auto program =
        load_program_config_file(fs::path(LOYALTY_SOURCE_DIR) / "assets/config/demo-program.toml");
    if (!program) throw std::runtime_error(program.error().message);
    program->code = "BENCH";
    if (auto saved = engine->programs().save(*program, "bench"); !saved)
        throw std::runtime_error(saved.error().message);
    for (std::int64_t done = 0; done < count;) {
        Transaction tx(engine_database(*engine));
        for (int i = 0; i < 10000 && done < count; ++i, ++done)
            engine->outbox().append("sale.committed", "BENCH", sale_payload(done, store));
        tx.commit();
    }
    return engine;
}

// Raw Paho: one QoS 1 message per event, to a QoS 1 subscriber.
double raw_qos1(test::Mosquitto& broker, const std::vector<OutboxEvent>& events) {
    const TerminalAddress a{"BENCH", "S001", "T09"};
    const auto topic = events_topic(a);
    std::atomic<std::int64_t> received{0};
    auto sub_cfg = broker.client("hub", "raw-sub");
    mqtt::async_client sub(sub_cfg.uri, sub_cfg.client_id, mqtt::create_options(MQTTVERSION_5),
                           nullptr);
    sub.set_message_callback([&](mqtt::const_message_ptr) { ++received; });
    sub.connect(mqtt::connect_options_builder()
                    .mqtt_version(MQTTVERSION_5)
                    .clean_start(true)
                    .user_name(sub_cfg.username)
                    .password(sub_cfg.password)
                    .finalize())
        ->wait();
    sub.subscribe(topic, 1)->wait();

    auto pub_cfg = broker.client("S001", "raw-pub");
    mqtt::async_client pub(pub_cfg.uri, pub_cfg.client_id, mqtt::create_options(MQTTVERSION_5),
                           nullptr);
    pub.connect(mqtt::connect_options_builder()
                    .mqtt_version(MQTTVERSION_5)
                    .clean_start(true)
                    .user_name(pub_cfg.username)
                    .password(pub_cfg.password)
                    .finalize())
        ->wait();
    // The same bytes the link sends per event, one event per message.
    std::vector<std::string> payloads;
    payloads.reserve(events.size());
    for (std::size_t i = 0; i < events.size(); ++i)
        payloads.push_back(encode_batch(a, 0, 0, events, i, 1));

    const auto start = Steady::now();
    std::deque<mqtt::delivery_token_ptr> in_flight;
    for (const auto& p : payloads) {
        in_flight.push_back(pub.publish(topic, p.data(), p.size(), 1, false));
        if (in_flight.size() >= 90) {  // within the broker's receive maximum (100)
            in_flight.front()->wait();
            in_flight.pop_front();
        }
    }
    for (auto& t : in_flight) t->wait();
    while (received < static_cast<std::int64_t>(payloads.size()) && seconds_since(start) < 120)
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    const double elapsed = seconds_since(start);
    pub.disconnect()->wait();
    sub.disconnect()->wait();
    return static_cast<double>(received) / elapsed;
}

AgentConfig agent_config(test::Mosquitto& broker, const fs::path& db, const std::string& store) {
    AgentConfig c;
    c.db = db;
    c.address = {"BENCH", store, "T01"};
    c.broker = broker.client(store, "link-" + store);
    c.batch_events = 1000;
    c.window_events = 8000;
    c.ack_timeout_ms = 10000;
    return c;
}

double drain(test::Mosquitto& broker, const fs::path& db, const std::string& store,
             Engine& terminal, std::int64_t expected, const std::string& label) {
    const auto start = Steady::now();
    Running<StoreAgent> agent(agent_config(broker, db, store));
    while (seconds_since(start) < 300) {
        if (agent->stats().acked_through >= expected) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    const double elapsed = seconds_since(start);
    const auto left = terminal.outbox().backlog();
    if (left != 0)
        std::printf("%s: %lld events still queued!\n", label.c_str(), static_cast<long long>(left));
    return elapsed;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: link_bench SCRATCH_DIR\n");
        return 2;
    }
    const fs::path dir = fs::path(argv[1]) / "link-bench";
    fs::remove_all(dir);
    fs::create_directories(dir);
    try {
        test::Mosquitto broker(dir / "broker", {"hub", "S001", "S002"});
        auto t1 = queued_terminal(dir / "S001.db", "S001", drain_events);
        auto t2 = queued_terminal(dir / "S002.db", "S002", offline_events);
        const auto events = t1->outbox().pending("S001", "T01", 0, static_cast<int>(drain_events));

        const double raw = raw_qos1(broker, events);
        std::printf("raw Paho QoS 1 publish -> subscribe, %lld messages: %.0f msg/s\n",
                    static_cast<long long>(events.size()), raw);

        HubConfig hub_cfg;
        hub_cfg.db = dir / "hub.db";
        hub_cfg.broker = broker.client("hub", "hub-w1");
        Running<HubWorker> hub(hub_cfg);
        while (!hub->stats().connected) std::this_thread::sleep_for(std::chrono::milliseconds(10));

        const double drained =
            drain(broker, dir / "S001.db", "S001", *t1, drain_events + 1, "drain");
        const double eps = static_cast<double>(drain_events) / drained;
        std::printf("link drain of %lld queued events, hub-acknowledged: %.0f events/s (%.2f s)\n",
                    static_cast<long long>(drain_events), eps, drained);
        std::printf("ratio link / raw QoS 1: %.2f (target >= 0.5)\n", eps / raw);

        const double catch_up =
            drain(broker, dir / "S002.db", "S002", *t2, offline_events + 1, "catch-up");
        std::printf(
            "offline terminal with %lld events fully acknowledged in %.2f s (target <= 10 s)\n",
            static_cast<long long>(offline_events), catch_up);
        const auto stats = hub->stats();
        std::printf(
            "hub: %lld messages in %lld transactions, %lld applied, %lld duplicates, %.2f s "
            "applying\n",
            static_cast<long long>(stats.messages), static_cast<long long>(stats.transactions),
            static_cast<long long>(stats.applied), static_cast<long long>(stats.duplicates),
            static_cast<double>(stats.apply_ms) / 1000.0);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "link_bench: %s\n", e.what());
        return 1;
    }
    return 0;
}
