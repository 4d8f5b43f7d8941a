// hub_postgres_bench SCRATCH_DIR
// The hub's apply rate on PostgreSQL (issue 20), on a hub of 1,000,000 members, against a
// raw PostgreSQL transaction on the same server in the same run:
// 1. raw: BEGIN; one INSERT; one UPDATE; COMMIT (synchronous_commit on), one after
//    another on 1 connection, then on 2 connections at once;
// 2. hub: HubStore::apply of sale events (as a terminal sends them, each booked through
//    the engine), 100 events per transaction and 1 per transaction, with 1 worker and
//    with 2 workers (one store each, one program) at once.
// The server is a fresh cluster in SCRATCH_DIR's temp space with fsync on (PostgreSQL's
// defaults), started and stopped by the bench; the hub's members come with a past sale
// each (bench::fill_postgres_hub). Both sides go through the same storage layer, so the
// raw transaction is pipelined as the hub's writes are (one round trip and a flush). Figures:
// transactions or events per second, and the hub's events/s over the raw transactions/s.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>
#include <vector>

#include "loyalty/engine.hpp"
#include "loyalty/storage/engine_storage.hpp"
#include "loyalty/storage/postgres.hpp"
#include "loyalty/sync/hub.hpp"
#include "loyalty/sync/messages.hpp"
#include "loyalty/sync/topics.hpp"
#include "postgres_cluster.hpp"
#include "postgres_hub.hpp"
#include "sale_payload.hpp"

using namespace loyalty;
using namespace loyalty::sync;
namespace fs = std::filesystem;
using Steady = std::chrono::steady_clock;

namespace {

using bench::bench_program;
using bench::system_clock;

constexpr std::int64_t hub_members = 1000000;
constexpr int raw_transactions = 2000;
constexpr int events_per_store = 6000;

double seconds_since(Steady::time_point start) {
    return std::chrono::duration<double>(Steady::now() - start).count();
}

std::string sale_payload(std::int64_t i, const std::string& store) {
    return bench::sale_payload(i, store, i * 7919 % hub_members);
}

// A terminal of `store` with its program and `count` sales to members spread over the hub.
std::unique_ptr<Engine> terminal_with_sales(const fs::path& db, const std::string& store,
                                            int count) {
    fs::remove(db);
    auto opened = Engine::open(db, system_clock(), EngineOptions{Origin{store, "T01"}, {}});
    if (!opened) throw std::runtime_error(opened.error().message);
    auto engine = std::move(opened.value());
    if (auto saved = engine->programs().save(bench_program(), "bench"); !saved)
        throw std::runtime_error(saved.error().message);
    Transaction tx(engine_database(*engine));
    for (int i = 0; i < count; ++i)
        engine->outbox().append("sale.committed", "BENCH", sale_payload(i, store));
    tx.commit();
    return engine;
}

// Raw: `connections` clients each running BEGIN; INSERT; UPDATE; COMMIT in turn.
double raw_rate(const std::string& uri, int connections) {
    {
        auto db = Database::open(uri);
        if (!db) throw std::runtime_error(db.error().message);
        (*db)->exec(
            "CREATE TABLE IF NOT EXISTS raw_events (id BIGSERIAL PRIMARY KEY, body TEXT NOT NULL);"
            "CREATE TABLE IF NOT EXISTS raw_counters (id INT PRIMARY KEY, n BIGINT NOT NULL);"
            "INSERT INTO raw_counters VALUES (1, 0), (2, 0) ON CONFLICT DO NOTHING");
    }
    std::vector<std::thread> clients;
    const auto start = Steady::now();
    for (int c = 0; c < connections; ++c)
        clients.emplace_back([&, c] {
            auto db = Database::open(uri);
            if (!db) throw std::runtime_error(db.error().message);
            auto& d = **db;
            for (int i = 0; i < raw_transactions / connections; ++i) {
                Transaction tx(d);
                d.prepare("INSERT INTO raw_events(body) VALUES (?)")
                    .bind_all(sale_payload(i, "RAW"))
                    .run();
                d.prepare("UPDATE raw_counters SET n = n + 1 WHERE id = ?").bind_all(c + 1).run();
                tx.commit();
            }
        });
    for (auto& t : clients) t.join();
    return raw_transactions / seconds_since(start);
}

struct Feed {
    std::unique_ptr<Engine> terminal;
    std::string store;
};

// Workers (one per feed, each its own connection) apply their store's events,
// `per_txn` events a transaction; events per second over all of them.
double hub_rate(const std::string& uri, std::vector<Feed>& feeds, std::int64_t first, int count,
                int per_txn) {
    std::atomic<bool> failed{false};
    std::vector<std::thread> workers;
    const auto start = Steady::now();
    for (std::size_t w = 0; w < feeds.size(); ++w)
        workers.emplace_back([&, w] {
            auto& feed = feeds[w];
            auto hub =
                HubStore::open(uri, HubStoreOptions{"w" + std::to_string(w + 1), true, false, {}});
            if (!hub) {
                std::fprintf(stderr, "%s\n", hub.error().message.c_str());
                failed = true;
                return;
            }
            const TerminalAddress address{"BENCH", feed.store, "T01"};
            for (std::int64_t after = first; after < first + count; after += per_txn) {
                auto events = feed.terminal->outbox().pending(feed.store, "T01", after, per_txn);
                HubIncoming in{events_topic(address), encode_batch(address, after, 0, events), {}};
                auto r = (*hub)->apply({in}, 1764547200000);
                if (!r || r->dead_letters > 0) {
                    std::fprintf(stderr, "apply: %s\n",
                                 r ? "dead letters" : r.error().message.c_str());
                    failed = true;
                    return;
                }
            }
        });
    for (auto& t : workers) t.join();
    if (failed) throw std::runtime_error("the hub did not apply every event");
    return static_cast<double>(count) * static_cast<double>(feeds.size()) / seconds_since(start);
}

// The hub database's size on disk (tables and indexes), for the README's sizing.
double database_mb(const std::string& uri) {
    auto db = Database::open(uri);
    if (!db) throw std::runtime_error(db.error().message);
    return static_cast<double>((*db)
                                   ->prepare("SELECT pg_database_size(current_database())")
                                   .scalar<std::int64_t>()
                                   .value_or(0)) /
           (1024.0 * 1024.0);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: hub_postgres_bench SCRATCH_DIR\n");
        return 2;
    }
    const fs::path dir = fs::path(argv[1]) / "hub-postgres";
    fs::create_directories(dir);
    enable_postgres();
    try {
        test::PostgresCluster server(test::PostgresCluster::Kind::primary);
        const auto uri = server.create_database("hub");
        auto loading = Steady::now();
        bench::fill_postgres_hub(uri, bench_program(), hub_members);
        std::printf("hub of %lld members loaded in %.0f s (PostgreSQL 15, fsync on): %.0f MB\n",
                    static_cast<long long>(hub_members), seconds_since(loading), database_mb(uri));
        std::vector<Feed> feeds;
        for (const std::string store : {"S001", "S002"})
            feeds.push_back(
                {terminal_with_sales(dir / (store + ".db"), store, events_per_store), store});
        // The program's event first (the hub adopts the program), once per store.
        std::vector<Feed> one;
        one.push_back(std::move(feeds[0]));
        hub_rate(uri, one, 0, 1, 1);
        feeds[0] = std::move(one[0]);
        std::vector<Feed> second;
        second.push_back(std::move(feeds[1]));
        hub_rate(uri, second, 0, 1, 1);
        feeds[1] = std::move(second[0]);

        const double raw1 = raw_rate(uri, 1);
        const double raw2 = raw_rate(uri, 2);
        std::printf("raw INSERT+UPDATE transactions      1 connection  %7.0f tx/s\n", raw1);
        std::printf("raw INSERT+UPDATE transactions      2 connections %7.0f tx/s\n", raw2);

        // Each worker's own store: worker 1 applies S001's events, worker 2 S002's.
        std::int64_t at = 1;
        const auto report = [&](const char* what, double rate, double raw) {
            std::printf("%-36s %7.0f events/s  ratio to raw %5.2f\n", what, rate, rate / raw);
        };
        std::vector<Feed> w1;
        w1.push_back(std::move(feeds[0]));
        report("hub 1 worker, 100 events/txn", hub_rate(uri, w1, at, 2000, 100), raw1);
        report("hub 1 worker, 1 event/txn", hub_rate(uri, w1, at + 2000, 500, 1), raw1);
        feeds[0] = std::move(w1[0]);
        at += 2500;
        // The two workers start where worker 1 left S001 and from the same place of S002.
        {
            // S002 catches up to the same sequence with one worker first.
            std::vector<Feed> catchup;
            catchup.push_back(std::move(feeds[1]));
            hub_rate(uri, catchup, 1, 2500, 100);
            feeds[1] = std::move(catchup[0]);
        }
        report("hub 2 workers, 100 events/txn", hub_rate(uri, feeds, at, 2000, 100), raw2);
        report("hub 2 workers, 1 event/txn", hub_rate(uri, feeds, at + 2000, 500, 1), raw2);
        std::printf("hub database after %lld events: %.0f MB\n",
                    static_cast<long long>(2 * (at + 2500)), database_mb(uri));
        std::printf("bar: ratio >= 0.5 with 1 and 2 workers\n");
    } catch (const std::exception& e) {
        std::fprintf(stderr, "hub_postgres_bench: %s\n", e.what());
        return 1;
    }
    return 0;
}
