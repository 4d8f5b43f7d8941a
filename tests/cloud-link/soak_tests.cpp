// The soak: 10,000 sales on two terminals of two stores, the real loyalty-link
// and loyalty-hub processes, the broker stopped for part of the run, agents and a
// hub worker SIGKILLed at random moments, two hub workers on one shared
// subscription. Afterwards: every event applied once, per-terminal order kept,
// the hub's balances equal to the sum of the terminals' ledgers.
#include <doctest/doctest.h>
#include <signal.h>

#include <fstream>
#include <optional>
#include <random>
#include <thread>

#include "broker.hpp"
#include "hub_database.hpp"
#include "loyalty/storage/engine_storage.hpp"
#include "loyalty/storage/postgres.hpp"
#include "loyalty/sync/down_state.hpp"
#include "loyalty/sync/hub.hpp"
#include "loyalty/sync/terminal_hub.hpp"
#include "postgres_cluster.hpp"
#include "running.hpp"
#include "terminal.hpp"
#include "test_configs.hpp"
#include "test_support.hpp"

using namespace loyalty;
using namespace loyalty::sync;
using namespace loyalty::sync::test;
namespace fs = std::filesystem;

namespace {

std::string tail_of(const fs::path& log) {
    std::ifstream in(log);
    std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return log.filename().string() + ":\n" +
           (all.size() > 3000 ? all.substr(all.size() - 3000) : all);
}

// Both terminals' outboxes emptied by the hub's acks within `limit`; otherwise the
// agents' and workers' logs say why.
void wait_until_acknowledged(Terminal& t1, Terminal& t2, const fs::path& dir,
                             std::chrono::seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while ((t1.backlog() > 0 || t2.backlog() > 0) && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    REQUIRE_MESSAGE(t1.backlog() == 0, tail_of(dir / "link-S001.log")
                                           << tail_of(dir / "hub-w1.log"));
    REQUIRE_MESSAGE(t2.backlog() == 0, tail_of(dir / "link-S002.log")
                                           << tail_of(dir / "hub-w2.log"));
}

// Every event of both terminals (T01 of S001 and S002) applied exactly once, in
// sequence order, nothing held or parked, and every store's copy of every member at the
// program-wide balance (the hub's last snapshots may still be on their way).
void check_every_event_once(HubStore& hub, Terminal& t1, Terminal& t2, int members) {
    for (auto* t : {&t1, &t2}) {
        const auto n = t->last_seq();
        CHECK(hub.last_seq(t->store(), "T01") == n);
        std::vector<std::int64_t> expected(static_cast<std::size_t>(n));
        for (std::int64_t s = 1; s <= n; ++s) expected[static_cast<std::size_t>(s - 1)] = s;
        CHECK(hub.applied_order(t->store(), "T01") == expected);
    }
    CHECK(hub.applied_count() == t1.last_seq() + t2.last_seq());
    CHECK(hub.held_count() == 0);
    CHECK(hub.dead_letters().empty());
    const auto balances = hub.balances("TEST");
    for (int m = 0; m < members; ++m) {
        const auto uid = member_uid(m);
        const bool agree = eventually([&] {
            return balances.at(uid) == t1.ledger_points(uid) &&
                   balances.at(uid) == t2.ledger_points(uid);
        });
        CHECK_MESSAGE(agree, "member ", uid, ": hub ", balances.at(uid), ", S001 ",
                      t1.ledger_points(uid), ", S002 ", t2.ledger_points(uid));
    }
}

class Service {
  public:
    Service(std::vector<std::string> argv, fs::path log)
        : argv_(std::move(argv)), log_(std::move(log)) {
        start();
    }
    void start() { process_ = ChildProcess(argv_, log_); }
    void kill_and_restart() {
        process_.kill_now();
        ++kills;
        start();
    }
    void stop() { process_.terminate(); }
    int kills = 0;

  private:
    std::vector<std::string> argv_;
    fs::path log_;
    ChildProcess process_;
};

}  // namespace

TEST_CASE(
    "soak: 10,000 sales, broker stopped, agents and a hub worker killed; every event once, in "
    "order, balances agree") {
    loyalty::test::TempDir dir;
    Mosquitto broker(dir.path() / "broker", {"hub", "S001", "S002"});
    constexpr int members = 20;
    constexpr int sales = 10000;
    Terminal t1(dir.path() / "S001.db", "S001", "T01", members);
    Terminal t2(dir.path() / "S002.db", "S002", "T01", members);

    const auto hub_conf = hub_toml(dir.path(), broker).string();
    Service w1({LOYALTY_HUB_EXE, "-c", hub_conf, "-w", "w1"}, dir.path() / "hub-w1.log");
    Service w2({LOYALTY_HUB_EXE, "-c", hub_conf, "-w", "w2"}, dir.path() / "hub-w2.log");
    Service a1({LOYALTY_LINK_EXE, "-c", agent_toml(dir.path(), broker, "S001").string()},
               dir.path() / "link-S001.log");
    Service a2({LOYALTY_LINK_EXE, "-c", agent_toml(dir.path(), broker, "S002").string()},
               dir.path() / "link-S002.log");

    std::mt19937 rng(20261201);
    std::uniform_int_distribution<int> next_kill(300, 1500);
    int kill_a1_at = next_kill(rng), kill_a2_at = next_kill(rng);
    for (int i = 0; i < sales; ++i) {
        (i % 2 == 0 ? t1 : t2).sell((i / 2) % members);
        if (i == kill_a1_at) {
            a1.kill_and_restart();
            kill_a1_at += next_kill(rng);
        }
        if (i == kill_a2_at) {
            a2.kill_and_restart();
            kill_a2_at += next_kill(rng);
        }
        if (i == sales * 4 / 10) broker.stop();   // the WAN goes down: sales go on
        if (i == sales * 6 / 10) broker.start();  // and comes back on the same port
        if (i == sales * 7 / 10) w2.kill_and_restart();
    }
    MESSAGE("agent kills: ", a1.kills, " + ", a2.kills);
    CHECK(a1.kills + a2.kills >= 6);

    wait_until_acknowledged(t1, t2, dir.path(), std::chrono::seconds(45));

    auto opened = HubStore::open(hub_database(dir.path()));
    REQUIRE(opened.ok());
    auto& hub = *opened.value();
    check_every_event_once(hub, t1, t2, members);
    // Both workers took part.
    CHECK(hub.db().prepare("SELECT count(DISTINCT worker) FROM hub_applied").scalar() == 2);

    // A killed agent is reported offline by its last will.
    a1.kill_and_restart();
    a1.stop();
    // (a clean stop after the kill publishes "shutdown"; the kill alone, "lost")
    a2.stop();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    auto p = hub.presence("S002", "T01");
    REQUIRE(p.has_value());
    CHECK(p->state == "offline");
    CHECK(p->reason == "shutdown");
    w1.stop();
    w2.stop();
}

TEST_CASE("a SIGKILLed agent is announced offline by its last will") {
    loyalty::test::TempDir dir;
    Mosquitto broker(dir.path() / "broker", {"hub", "S001"});
    Terminal t1(dir.path() / "S001.db", "S001", "T01", 1);
    t1.sell(0);
    Service w1({LOYALTY_HUB_EXE, "-c", hub_toml(dir.path(), broker).string(), "-w", "w1"},
               dir.path() / "hub.log");
    ChildProcess agent({LOYALTY_LINK_EXE, "-c", agent_toml(dir.path(), broker, "S001").string()},
                       dir.path() / "link.log");
    auto opened = HubStore::open(hub_database(dir.path()));
    REQUIRE(opened.ok());
    auto& hub = *opened.value();
    auto wait_for = [&](auto pred) {
        for (int i = 0; i < 500 && !pred(); ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        return pred();
    };
    REQUIRE_MESSAGE(wait_for([&] { return t1.backlog() == 0; }),
                    tail_of(dir.path() / "link.log") << tail_of(dir.path() / "hub.log"));
    REQUIRE(wait_for([&] {
        auto p = hub.presence("S001", "T01");
        return p && p->state == "online";
    }));
    // The member's snapshot comes down after the ack: the status below reports it, so
    // the agent must have stored it before it dies (under ASan it can lag the ack).
    REQUIRE(wait_for([&] {
        auto held = DownState(engine_database(t1.engine())).snapshot(member_uid(0));
        return held && held->snapshot.points == t1.ledger_points(member_uid(0));
    }));
    agent.kill_now();
    REQUIRE(wait_for([&] {
        auto p = hub.presence("S001", "T01");
        return p && p->state == "offline";
    }));
    CHECK(hub.presence("S001", "T01")->reason == "lost");

    // What an operator sees.
    REQUIRE(run_command({LOYALTY_HUB_EXE, "-c", (dir.path() / "hub.toml").string(), "--status"},
                        dir.path() / "hub-status.txt") == 0);
    const auto hub_status = tail_of(dir.path() / "hub-status.txt");
    CHECK(hub_status.find("offline/lost") != std::string::npos);
    CHECK(hub_status.find(" " + std::to_string(t1.last_seq()) + " ") != std::string::npos);
    REQUIRE(run_command({LOYALTY_LINK_EXE, "-c", (dir.path() / "link-S001.toml").string(),
                         "--status", "--member", member_uid(0)},
                        dir.path() / "link-status.txt") == 0);
    const auto link_status = tail_of(dir.path() / "link-status.txt");
    CHECK(link_status.find("waiting for the hub: 0 events") != std::string::npos);
    CHECK(link_status.find("hub acknowledged through sequence " + std::to_string(t1.last_seq())) !=
          std::string::npos);
    CHECK(link_status.find("with this terminal's unacknowledged events " +
                           std::to_string(t1.ledger_points(member_uid(0)))) != std::string::npos);
    w1.stop();
}

TEST_CASE(
    "failover: the hub's PostgreSQL primary is killed while two stores sell and its standby is "
    "promoted; every event is applied once and every balance agrees") {
    if (!hub_on_postgres()) return;  // a PostgreSQL case: it runs in ctest cloud_link_postgres
    enable_postgres();
    loyalty::test::TempDir dir;
    Mosquitto broker(dir.path() / "broker", {"hub", "S001", "S002"});
    PostgresCluster primary(PostgresCluster::Kind::primary);
    primary.create_database("hub");
    auto standby = primary.start_standby();
    // Both servers in one URI: a worker connects to whichever takes writes.
    const std::string uri = "postgresql://loyalty@127.0.0.1:" + std::to_string(primary.port()) +
                            ",127.0.0.1:" + std::to_string(standby->port()) +
                            "/hub?target_session_attrs=read-write&connect_timeout=2";
    const auto hub_conf = dir.path() / "hub.toml";
    {
        std::ofstream out(hub_conf);
        out << "[hub]\ndatabase = \"" << uri << "\"\nfull_sync = true\n\n";
        write_broker_section(out, broker.client("hub", ""));
    }
    constexpr int members = 10;
    constexpr int sales = 1500;
    Terminal t1(dir.path() / "S001.db", "S001", "T01", members);
    Terminal t2(dir.path() / "S002.db", "S002", "T01", members);
    Service w1({LOYALTY_HUB_EXE, "-c", hub_conf.string(), "-w", "w1"}, dir.path() / "hub-w1.log");
    Service w2({LOYALTY_HUB_EXE, "-c", hub_conf.string(), "-w", "w2"}, dir.path() / "hub-w2.log");
    Service a1({LOYALTY_LINK_EXE, "-c", agent_toml(dir.path(), broker, "S001").string()},
               dir.path() / "link-S001.log");
    Service a2({LOYALTY_LINK_EXE, "-c", agent_toml(dir.path(), broker, "S002").string()},
               dir.path() / "link-S002.log");
    // A till of S001 asks the hub to hold points for a sale: online, against the hub.
    TerminalHub till(agent_config(broker, dir.path() / "S001.db", "S001", "T01"),
                     TerminalAddress{"TEST", "S001", "T01"}, t1.engine());
    const auto shopper = t1.engine().members().get(t1.member_id(0));
    REQUIRE(shopper.ok());
    const std::string auth = "sale/T01/FAILOVER-1";
    std::optional<Result<SpendClearance>> during;
    for (int i = 0; i < sales; ++i) {
        (i % 2 == 0 ? t1 : t2).sell((i / 2) % members);
        if (i % 50 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
        if (i == sales / 3) {
            // In full flow: the hub has applied some of what the stores sent.
            REQUIRE(eventually([&] { return t1.backlog() < t1.last_seq(); }));
            // The machine is lost while the stores keep selling and sending, and a till
            // asks for a hold the hub cannot make now.
            primary.kill_now();
            during = till.clear_spend(*shopper, 10, auth);
        }
        if (i == sales / 2) standby->promote();  // the workers find the new primary
    }
    REQUIRE(during.has_value());
    CHECK_FALSE((during->ok() && (*during)->online));
    wait_until_acknowledged(t1, t2, dir.path(), std::chrono::seconds(90));

    auto opened = HubStore::open(uri);
    REQUIRE(opened.ok());
    auto& hub = *opened.value();
    check_every_event_once(hub, t1, t2, members);
    // The till asks again with the same auth: held once, online, by the new primary.
    Result<SpendClearance> again = make_error(Errc::unreachable, "not asked yet");
    REQUIRE(eventually([&] {
        again = till.clear_spend(*shopper, 10, auth);
        return again.ok() && again->online;
    }));
    for (int repeat = 0; repeat < 3; ++repeat) REQUIRE(till.clear_spend(*shopper, 10, auth).ok());
    const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    const auto hold = hub.hold("TEST", "S001", auth, now_ms);
    REQUIRE(hold.has_value());
    CHECK(hold->points == 10);
    CHECK(hold->state == "held");
    CHECK(
        hub.db().prepare("SELECT count(*) FROM hub_holds WHERE auth = ?").bind_all(auth).scalar() ==
        1);
    // The workers lost their connection and found the promoted standby.
    CHECK((tail_of(dir.path() / "hub-w1.log") + tail_of(dir.path() / "hub-w2.log"))
              .find("apply failed") != std::string::npos);
    w1.stop();
    w2.stop();
}
