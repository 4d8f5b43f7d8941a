// The shipped store-broker example, run for real: a store-local mosquitto
// bridged over TLS to the central one, the agent on the store broker, the hub
// on the central broker, and the WAN (the central broker) down for a while.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "broker.hpp"
#include "hub_database.hpp"
#include "loyalty/sync/hub.hpp"
#include "loyalty/sync/store_agent.hpp"
#include "running.hpp"
#include "terminal.hpp"
#include "test_support.hpp"

using namespace loyalty;
using namespace loyalty::sync;
using namespace loyalty::sync::test;
namespace fs = std::filesystem;

namespace {

std::string read_file(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
    for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
        s.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE(
    "the example store broker bridges to the central one and holds the store's events while the "
    "WAN is down") {
    loyalty::test::TempDir dir;
    Mosquitto central(dir.path() / "central", {"hub", "S001"}, true);

    // The store broker: examples/mosquitto-store.conf with this test's paths.
    const fs::path examples = fs::path(LOYALTY_SOURCE_DIR) / "cloud-link/examples";
    const fs::path store_dir = dir.path() / "store-broker";
    fs::create_directories(store_dir / "persist");
    const int store_port = free_loopback_port();
    auto conf = read_file(examples / "mosquitto-store.conf");
    const auto c = (dir.path() / "central").string();
    replace_all(conf, "/etc/mosquitto/loyalty/store.passwd", (store_dir / "passwd").string());
    replace_all(conf, "/etc/mosquitto/loyalty/store.acl", (store_dir / "store.acl").string());
    replace_all(conf, "/var/lib/mosquitto/", (store_dir / "persist").string() + "/");
    replace_all(conf, "listener 1883", "listener " + std::to_string(store_port) + " 127.0.0.1");
    replace_all(conf, "central.example.com:8883", "127.0.0.1:" + std::to_string(central.port()));
    replace_all(conf, "/etc/mosquitto/loyalty/ca.crt", c + "/ca.crt");
    replace_all(conf, "/etc/mosquitto/loyalty/S001.crt", c + "/client-S001.crt");
    replace_all(conf, "/etc/mosquitto/loyalty/S001.key", c + "/client-S001.key");
    REQUIRE(conf.find("/etc/") == std::string::npos);
    std::ofstream(store_dir / "mosquitto.conf") << conf << "log_dest stdout\n";
    fs::copy_file(examples / "store.acl", store_dir / "store.acl");
    REQUIRE(run_command({mosquitto_passwd_path(), "-b", "-c", (store_dir / "passwd").string(),
                         "S001", "pw-S001"},
                        store_dir / "passwd.log") == 0);
    give_to_mosquitto(store_dir);
    ChildProcess store_broker({mosquitto_path(), "-c", (store_dir / "mosquitto.conf").string()},
                              store_dir / "mosquitto.log");
    REQUIRE(wait_for_port(store_port, 5000));

    Terminal t(dir.path() / "t1.db", "S001", "T01", 3);
    for (int i = 0; i < 30; ++i) t.sell(i % 3);

    HubConfig hub_cfg;
    hub_cfg.db = hub_database(dir.path());
    hub_cfg.full_sync = false;
    hub_cfg.broker = central.client("hub", "hub-w1");
    Running<HubWorker> hub(hub_cfg);
    REQUIRE(
        eventually([&] { return hub->stats().connected; }));  // subscribed before the first batch

    AgentConfig agent_cfg;
    agent_cfg.db = dir.path() / "t1.db";
    agent_cfg.address = {"TEST", "S001", "T01"};
    agent_cfg.broker.uri = "tcp://127.0.0.1:" + std::to_string(store_port);
    agent_cfg.broker.client_id = "link-S001-T01";
    agent_cfg.broker.username = "S001";
    agent_cfg.broker.password = "pw-S001";
    agent_cfg.full_sync = false;
    agent_cfg.ack_timeout_ms = 3000;
    Running<StoreAgent> agent(agent_cfg);
    REQUIRE_MESSAGE(eventually([&] { return t.backlog() == 0; }),
                    read_file(store_dir / "mosquitto.log"));

    // The WAN goes down: the terminal keeps selling and stays connected to its
    // store broker; nothing is acknowledged, so nothing is deleted.
    central.stop();
    for (int i = 0; i < 30; ++i) t.sell(i % 3);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    CHECK(t.backlog() > 0);
    CHECK(agent->stats().connected);

    central.start();
    REQUIRE_MESSAGE(eventually([&] { return t.backlog() == 0; }, 30000),
                    read_file(store_dir / "mosquitto.log"));
    auto store = HubStore::open(hub_database(dir.path()));
    REQUIRE(store.ok());
    CHECK((*store)->last_seq("S001", "T01") == t.last_seq());
    CHECK((*store)->applied_count() == t.last_seq());
    for (int i = 0; i < 3; ++i)
        CHECK((*store)->member("TEST", member_uid(i))->points == t.ledger_points(member_uid(i)));
}
