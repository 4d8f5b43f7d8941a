// hub_request_bench SCRATCH_DIR
// A till's questions to the hub (issue 15), against a hub of 1,000,000 members on
// loopback, with a raw MQTT 5 request/response round trip measured in the same run:
// 1. raw: a Paho client publishes a request (QoS 0, response topic + correlation
//    data) to mosquitto; a Paho responder answers (QoS 0) on the response topic; back;
// 2. identify: TerminalHub::find of a member the terminal has never seen (a
//    different one each time): the hub looks them up, answers, and the terminal
//    keeps them in its store database (one transaction);
// 3. authorize: TerminalHub::clear_spend of 1 point for a member it knows: the
//    hub holds the points (one transaction) and the terminal aligns its copy;
// 4. authorize stored value (issue 17): TerminalHub::clear_stored_value of 1.00 from
//    the balance of a member who topped up at another store (the hub's ledger).
// Each: 2,000 calls one after another; p50 and p99, and p50 over the raw p50. Then
// the same three against the same hub on PostgreSQL (issue 20: authorize p99 within
// 1.5x of SQLite's), on a cluster the bench starts with fsync on.
#include <mqtt/async_client.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <mutex>
#include <random>
#include <thread>

#include "broker.hpp"
#include "loyalty/engine.hpp"
#include "loyalty/storage/engine_storage.hpp"
#include "loyalty/storage/postgres.hpp"
#include "loyalty/stored_value.hpp"
#include "loyalty/sync/hub.hpp"
#include "loyalty/sync/terminal_hub.hpp"
#include "postgres_cluster.hpp"
#include "postgres_hub.hpp"
#include "running.hpp"

using namespace loyalty;
using namespace loyalty::sync;
namespace fs = std::filesystem;
using Steady = std::chrono::steady_clock;

namespace {

using bench::bench_program;
using bench::system_clock;

constexpr std::int64_t hub_members = 1000000;
constexpr int calls = 2000;

std::string phone_of(std::int64_t i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "+86139%08lld", static_cast<long long>(i));
    return buf;
}

// The hub's database with the program and 1,000,000 members, each with a phone
// and 1,000 points, written in bulk (the hub's own tables come with HubStore::open).
void make_hub(const fs::path& db) {
    if (fs::exists(db)) return;  // kept between runs: it takes a while to write
    const fs::path partial = db.string() + ".partial";
    fs::remove(partial);
    {
        auto opened = Engine::open(partial, system_clock(), EngineOptions{Origin{"HUB", "w1"}, {}});
        if (!opened) throw std::runtime_error(opened.error().message);
        auto& engine = **opened;
        if (auto saved = engine.programs().save(bench_program(), "bench"); !saved)
            throw std::runtime_error(saved.error().message);
        auto& sql = engine_database(engine);
        Transaction tx(sql);
        sql.exec(
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 999999) "
            "INSERT INTO members(uid, program_id, enrolled_at, tier_code, tier_since, "
            "tier_review_at, points_available) "
            "SELECT printf('00000000-0000-4000-8000-%012d', i), p.id, 1764547200, 'silver', "
            "1764547200, 1900000000, 1000 FROM n, programs p WHERE p.code = 'BENCH'");
        sql.exec(
            "INSERT INTO identities(program_id, kind, value, member_id, linked_at) "
            "SELECT program_id, 'phone', printf('+86139%08d', id - 1), id, 1764547200 FROM "
            "members");
        tx.commit();
    }
    fs::rename(partial, db);
    fs::remove(partial.string() + "-wal");
    fs::remove(partial.string() + "-shm");
}

struct Figures {
    double p50_ms = 0, p99_ms = 0;
};

Figures figures(std::vector<double> ms) {
    std::sort(ms.begin(), ms.end());
    return {ms[ms.size() / 2], ms[std::min(ms.size() - 1, ms.size() * 99 / 100)]};
}

template <class Fn>
Figures timed(Fn&& call) {
    std::vector<double> ms;
    ms.reserve(calls);
    for (int i = 0; i < calls; ++i) {
        const auto t0 = Steady::now();
        call(i);
        ms.push_back(std::chrono::duration<double, std::milli>(Steady::now() - t0).count());
    }
    return figures(std::move(ms));
}

mqtt::connect_options options_of(const BrokerConfig& b) {
    mqtt::connect_options o;
    o.set_mqtt_version(MQTTVERSION_5);
    o.set_clean_start(true);
    o.set_user_name(b.username);
    o.set_password(b.password);
    return o;
}

// The raw round trip: the same topics, QoS and properties as a till's request.
Figures raw_round_trip(test::Mosquitto& broker) {
    const TerminalAddress a{"BENCH", "S001", "T09"};
    auto rc = broker.client("hub", "raw-responder");
    mqtt::async_client responder(rc.uri, rc.client_id, mqtt::create_options(MQTTVERSION_5),
                                 nullptr);
    // Answers are published from a thread of their own, as the hub does: Paho holds
    // a publish made inside its message callback until its next loop (tens of ms).
    std::mutex queue_mutex;
    std::condition_variable queued;
    std::deque<mqtt::message_ptr> replies;
    bool stop = false;
    responder.set_message_callback([&](mqtt::const_message_ptr m) {
        const auto& props = m->get_properties();
        auto reply =
            mqtt::make_message(mqtt::get<std::string>(props, mqtt::property::RESPONSE_TOPIC),
                               m->get_payload_str(), 0, false);
        reply->set_properties(
            mqtt::properties{{mqtt::property::CORRELATION_DATA,
                              mqtt::get<std::string>(props, mqtt::property::CORRELATION_DATA)}});
        std::lock_guard lock(queue_mutex);
        replies.push_back(std::move(reply));
        queued.notify_one();
    });
    std::thread answering([&] {
        std::unique_lock lock(queue_mutex);
        while (true) {
            queued.wait(lock, [&] { return stop || !replies.empty(); });
            if (stop) return;
            auto reply = std::move(replies.front());
            replies.pop_front();
            lock.unlock();
            responder.publish(reply);
            lock.lock();
        }
    });
    responder.connect(options_of(rc))->wait();
    responder.subscribe(requests_topic(a), 1)->wait();

    auto qc = broker.client("S001", "raw-requester");
    mqtt::async_client requester(qc.uri, qc.client_id, mqtt::create_options(MQTTVERSION_5),
                                 nullptr);
    std::mutex mutex;
    std::condition_variable answered;
    std::string got;
    int lost = 0;
    requester.set_message_callback([&](mqtt::const_message_ptr m) {
        std::lock_guard lock(mutex);
        got = mqtt::get<std::string>(m->get_properties(), mqtt::property::CORRELATION_DATA);
        answered.notify_one();
    });
    requester.connect(options_of(qc))->wait();
    const auto reply_topic = replies_topic(a, "raw");
    requester.subscribe(reply_topic, 1)->wait();
    const std::string payload =
        R"({"v":1,"kind":"identify","by":"phone","value":"+8613900000001"})";
    auto result = timed([&](int i) {
        const auto id = std::to_string(i);
        auto msg = mqtt::make_message(requests_topic(a), payload, 0, false);
        msg->set_properties(mqtt::properties{{mqtt::property::RESPONSE_TOPIC, reply_topic},
                                             {mqtt::property::CORRELATION_DATA, id}});
        // Published outside the lock: Paho's receive thread takes it to deliver the answer.
        requester.publish(msg);
        std::unique_lock lock(mutex);
        if (!answered.wait_for(lock, std::chrono::seconds(2), [&] { return got == id; })) ++lost;
    });
    if (lost > 0) std::printf("raw: %d answer(s) lost (2 s each, in the figures)\n", lost);
    {
        std::lock_guard lock(queue_mutex);
        stop = true;
    }
    queued.notify_one();
    answering.join();
    requester.disconnect()->wait();
    responder.disconnect()->wait();
    return result;
}

std::unique_ptr<Engine> terminal(const fs::path& db) {
    fs::remove(db);
    fs::remove(db.string() + "-wal");
    auto opened = Engine::open(db, system_clock(), EngineOptions{Origin{"S001", "T02"}, {}});
    if (!opened) throw std::runtime_error(opened.error().message);
    if (auto saved = (*opened)->programs().save(bench_program(), "bench"); !saved)
        throw std::runtime_error(saved.error().message);
    return std::move(opened.value());
}

// Fifty members top up 1,000.00 at headquarters' own ledger (as if at another store), so a
// till here must ask the hub before spending their balance. Replays on a kept database.
// Stored value for the first `members` members (ids 1..members: loaded in order).
void top_up_at_hub(const fs::path& db, int members) {
    auto opened = Engine::open(db, system_clock(), EngineOptions{Origin{"HUB", "w1"}, {}});
    if (!opened) throw std::runtime_error(opened.error().message);
    for (int i = 0; i < members; ++i) {
        TopUpRequest r;
        r.program = "BENCH";
        r.member = MemberId{i + 1};  // phone_of(i)
        r.amount = Money{100000};
        r.tender = "cash";
        r.request_id = "BENCH-TU-" + std::to_string(i);
        r.store = "S009";
        r.terminal = "T01";
        if (auto topped = (*opened)->stored_value().top_up(r); !topped)
            throw std::runtime_error("top-up at the hub: " + topped.error().message);
    }
}

void print(const char* what, Figures f, Figures raw) {
    std::printf("%-34s p50 %7.3f ms  p99 %7.3f ms  p50/raw %5.2f\n", what, f.p50_ms, f.p99_ms,
                f.p50_ms / raw.p50_ms);
}

// The three questions against one hub (its database a file or a postgresql:// URI), from
// a till of its own; a failure is counted and the first one printed.
struct Answers {
    Figures identify, authorize, stored_value;
    int failures = 0;
};

Answers ask(test::Mosquitto& broker, const fs::path& hub_db, const fs::path& till_db,
            int sv_members, Figures raw, const char* label) {
    HubConfig hub;
    hub.db = hub_db;
    hub.broker = broker.client("hub", std::string("hub-") + label);
    test::Running<HubWorker> worker(hub);
    while (!worker->stats().connected) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::printf("-- hub on %s\n", label);

    auto engine = terminal(till_db);
    AgentConfig link;
    link.db = till_db;
    link.address = {"BENCH", "S001", "T02"};
    link.broker = broker.client("S001", "unused");
    link.hub_timeout_ms = 5000;
    TerminalHub till(link, TerminalAddress{"BENCH", "S001", "T02"}, *engine);
    Answers a;
    std::mt19937_64 rng(15);
    std::vector<std::int64_t> picked;
    a.identify = timed([&](int) {
        const auto i = std::uniform_int_distribution<std::int64_t>(0, hub_members - 1)(rng);
        picked.push_back(i);
        if (auto found = till.find("phone", phone_of(i)); !found && ++a.failures == 1)
            std::printf("identify failed: %s\n", found.error().message.c_str());
    });
    print("identify (unknown at the terminal)", a.identify, raw);
    std::vector<Member> known;
    for (std::size_t k = 0; k < 50; ++k)
        if (auto m = engine->members().identify("BENCH", IdentityKind::phone, phone_of(picked[k])))
            known.push_back(*m);
    if (known.empty()) throw std::runtime_error("no member was kept by identify");
    a.authorize = timed([&](int i) {
        const auto& m = known[static_cast<std::size_t>(i) % known.size()];
        if (auto cleared = till.clear_spend(m, 1, "sale/T02/B-" + std::to_string(i));
            !cleared && ++a.failures == 1)
            std::printf("authorize failed: %s\n", cleared.error().message.c_str());
    });
    print("authorize (a hold of 1 point)", a.authorize, raw);

    // Their balance is headquarters': the till knows them once it has asked.
    std::vector<Member> topped_up;
    for (int i = 0; i < sv_members; ++i) {
        if (auto found = till.find("phone", phone_of(i)); !found)
            throw std::runtime_error("identify for stored value: " + found.error().message);
        if (auto m = engine->members().identify("BENCH", IdentityKind::phone, phone_of(i)))
            topped_up.push_back(*m);
    }
    a.stored_value = timed([&](int i) {
        const auto& m = topped_up[static_cast<std::size_t>(i) % topped_up.size()];
        auto cleared = till.clear_stored_value(&m, "", 100, "sale/T02/SV-" + std::to_string(i));
        if (!cleared && ++a.failures == 1)
            std::printf("stored value failed: %s\n", cleared.error().message.c_str());
        else if (cleared && !cleared->online && ++a.failures == 1)
            std::printf("stored value was cleared offline, not by the hub\n");
    });
    print("authorize stored value (1.00)", a.stored_value, raw);
    return a;
}

}  // namespace

int main(int argc, char** argv) {
    std::setvbuf(stdout, nullptr, _IOLBF, 0);  // each figure as it is measured
    const fs::path dir = fs::path(argc > 1 ? argv[1] : "bench-data") / "hub_request";
    fs::create_directories(dir);
    enable_postgres();
    try {
        const auto t0 = Steady::now();
        make_hub(dir / "hub-1m.db");
        constexpr int sv_members = 50;
        top_up_at_hub(dir / "hub-1m.db", sv_members);
        std::printf("hub of %lld members ready in %.1f s\n", static_cast<long long>(hub_members),
                    std::chrono::duration<double>(Steady::now() - t0).count());
        test::Mosquitto broker(dir / "broker", {"hub", "S001"});
        const auto raw = raw_round_trip(broker);
        std::printf("%-34s p50 %7.3f ms  p99 %7.3f ms\n", "raw MQTT 5 request/response", raw.p50_ms,
                    raw.p99_ms);
        const auto sqlite =
            ask(broker, dir / "hub-1m.db", dir / "till.db", sv_members, raw, "SQLite");

        // The same hub on PostgreSQL (issue 20): a cluster of its own, fsync on.
        test::PostgresCluster server(test::PostgresCluster::Kind::primary);
        const auto uri = server.create_database("hub");
        const auto loading = Steady::now();
        bench::fill_postgres_hub(uri, bench_program(), hub_members);
        top_up_at_hub(uri, sv_members);
        std::printf("PostgreSQL hub of %lld members ready in %.1f s\n",
                    static_cast<long long>(hub_members),
                    std::chrono::duration<double>(Steady::now() - loading).count());
        const auto postgres =
            ask(broker, uri, dir / "till-postgres.db", sv_members, raw, "PostgreSQL");

        const auto bar = [](const Answers& a) {
            return a.identify.p99_ms <= 100 && a.authorize.p99_ms <= 100 &&
                   a.stored_value.p99_ms <= 100;
        };
        std::printf(
            "bars: p99 <= 100 ms all (SQLite %s, PostgreSQL %s); p50 <= 3x raw on SQLite "
            "(identify %s, authorize %s, stored value %s); authorize p99 on PostgreSQL %.2fx "
            "SQLite's (<= 1.5: %s); %d call(s) failed\n",
            bar(sqlite) ? "met" : "NOT met", bar(postgres) ? "met" : "NOT met",
            sqlite.identify.p50_ms <= 3 * raw.p50_ms ? "met" : "NOT met",
            sqlite.authorize.p50_ms <= 3 * raw.p50_ms ? "met" : "NOT met",
            sqlite.stored_value.p50_ms <= 3 * raw.p50_ms ? "met" : "NOT met",
            postgres.authorize.p99_ms / sqlite.authorize.p99_ms,
            postgres.authorize.p99_ms <= 1.5 * sqlite.authorize.p99_ms ? "met" : "NOT met",
            sqlite.failures + postgres.failures);
        return sqlite.failures + postgres.failures == 0 ? 0 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "hub_request_bench: %s\n", e.what());
        return 1;
    }
}
