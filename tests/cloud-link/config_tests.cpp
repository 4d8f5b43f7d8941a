// Settings files and the reconnect backoff.
#include <doctest/doctest.h>

#include <fstream>
#include <set>
#include <vector>

#include "loyalty/sync/link_config.hpp"
#include "mqtt_session.hpp"
#include "test_support.hpp"

using namespace loyalty;
using namespace loyalty::sync;

TEST_CASE(
    "an agent config resolves paths beside the file and refuses codes that cannot travel in a "
    "topic") {
    loyalty::test::TempDir dir;
    const auto file = dir.path() / "link.toml";
    std::ofstream(file)
        << "[terminal]\ndb = \"store.db\"\nprogram = \"DEMO\"\nstore = \"S001\"\nterminal = "
           "\"T01\"\n"
        << "[broker]\nuri = \"ssl://hub:8883\"\nca_file = \"ca.crt\"\n"
        << "[link]\nbatch_events = 100\nwindow_events = 400\noffline_redeem_limit = 900\n";
    auto c = load_agent_config(file);
    REQUIRE_MESSAGE(c.ok(), (c.ok() ? "" : c.error().message));
    CHECK(c->db == dir.path() / "store.db");
    CHECK(c->broker.ca_file == (dir.path() / "ca.crt").string());
    CHECK(c->broker.client_id == "link-S001-T01");
    CHECK(c->batch_events == 100);
    CHECK(c->window_events == 400);
    CHECK(c->offline_redeem_limit == 900);

    std::ofstream(file) << "[terminal]\ndb = \"store.db\"\nprogram = \"DEMO\"\nstore = "
                           "\"S/1\"\nterminal = \"T01\"\n";
    auto bad_code = load_agent_config(file);
    REQUIRE_FALSE(bad_code.ok());
    CHECK(bad_code.error().message.find("codes") != std::string::npos);

    std::ofstream(file)
        << "[terminal]\ndb = \"store.db\"\nprogram = \"DEMO\"\nstore = \"S1\"\nterminal = \"T01\"\n"
        << "[link]\nbatch_events = 500\nwindow_events = 100\n";
    CHECK_FALSE(load_agent_config(file).ok());
    std::ofstream(file) << "[terminal\n";
    CHECK_FALSE(load_agent_config(file).ok());
}

TEST_CASE("hub.toml database: a file beside the config, or a postgresql:// URI taken as written") {
    loyalty::test::TempDir dir;
    const auto file = dir.path() / "hub.toml";
    std::ofstream(file) << "[hub]\ndatabase = \"members.db\"\n";
    auto file_db = load_hub_config(file);
    REQUIRE(file_db.ok());
    CHECK(file_db->db == dir.path() / "members.db");
    const std::string uri =
        "postgresql://hub@db1:5432,db2:5432/loyalty?target_session_attrs=read-write";
    std::ofstream(file) << "[hub]\ndatabase = \"" << uri << "\"\n";
    auto postgres = load_hub_config(file);
    REQUIRE(postgres.ok());
    CHECK(postgres->db.string() == uri);
    std::ofstream(file) << "[hub]\nworker = \"w1\"\n";
    auto missing = load_hub_config(file);
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().message.find("[hub] database is required") != std::string::npos);
}

TEST_CASE("a hub config reads its store keys and worker name") {
    loyalty::test::TempDir dir;
    const auto file = dir.path() / "hub.toml";
    std::ofstream(file) << "[hub]\ndb = \"hub.db\"\nworker = \"w7\"\nrequire_signatures = true\n"
                        << "[stores.S001]\nkey = \"" << std::string(64, 'a') << "\"\n";
    auto c = load_hub_config(file);
    REQUIRE(c.ok());
    CHECK(c->db == dir.path() / "hub.db");
    CHECK(c->worker == "w7");
    CHECK(c->broker.client_id == "hub-w7");
    CHECK(c->require_signatures);
    CHECK(c->store_keys.at("S001") == std::string(64, 'a'));
}

TEST_CASE("a hub shard lists its programs; anything but a list of codes is refused") {
    loyalty::test::TempDir dir;
    const auto file = dir.path() / "hub.toml";
    std::ofstream(file) << "[hub]\ndatabase = \"hub.db\"\n";
    auto every = load_hub_config(file);
    REQUIRE(every.ok());
    CHECK(every->programs.empty());  // one hub for every program
    std::ofstream(file) << "[hub]\ndatabase = \"hub.db\"\nprograms = [\"MALL\", \"BRAND-2\"]\n";
    auto shard = load_hub_config(file);
    REQUIRE(shard.ok());
    CHECK(shard->programs == std::vector<std::string>{"MALL", "BRAND-2"});
    CHECK(shard->broker.client_id == "hub-MALL-BRAND-2-w1");  // not another shard's w1's
    for (const char* bad : {"\"MALL\"", "[\"MALL\", \"+\"]", "[\"a/b\"]", "[1]", "[\"\"]", "[]",
                            "[\"MALL\", \"MALL\"]"}) {
        std::ofstream(file) << "[hub]\ndatabase = \"hub.db\"\nprograms = " << bad << "\n";
        auto refused = load_hub_config(file);
        REQUIRE_FALSE(refused.ok());
        CHECK(refused.error().message.find(
                  "[hub] programs must be a list of distinct program codes") != std::string::npos);
    }
}

TEST_CASE("reconnect backoff grows to its cap with full jitter") {
    Backoff b(100, 1000);
    std::set<std::int64_t> seen;
    for (int attempt = 0; attempt < 200; ++attempt) {
        const auto cap = std::min<std::int64_t>(1000, std::int64_t{100} << std::min(attempt, 20));
        const auto d = b.next().count();
        CHECK(d >= 0);
        CHECK(d <= cap);
        seen.insert(d);
    }
    CHECK(seen.size() > 50);  // spread, so a store's terminals do not reconnect in lockstep
    b.reset();
    CHECK(b.attempts() == 0);
    CHECK(b.next().count() <= 100);
}

TEST_CASE(
    "a whole-number setting written as a float, a string or out of range is refused by name") {
    loyalty::test::TempDir dir;
    const auto file = dir.path() / "link.toml";
    const std::string head =
        "[terminal]\ndb = \"store.db\"\nprogram = \"DEMO\"\nstore = \"S001\"\nterminal = "
        "\"T01\"\n[link]\n";
    // Found by fuzzing: toml++ converted 5.9e19 to an integer with undefined behaviour.
    for (const auto& [setting, name] : std::vector<std::pair<std::string, std::string>>{
             {"window_events = 59223372036854775807.00", "window_events"},
             {"batch_events = 1.5", "batch_events"},
             {"hub_timeout_ms = \"800\"", "hub_timeout_ms"},
             {"ack_timeout_ms = 9223372036854775807", "ack_timeout_ms"}}) {
        std::ofstream(file) << head << setting << "\n";
        auto c = load_agent_config(file);
        REQUIRE_FALSE(c.ok());
        CHECK_MESSAGE(c.error().message.find(name + " must be a whole number") != std::string::npos,
                      c.error().message);
    }
    std::ofstream(file) << head << "hub_timeout_ms = 1500\noffline_redeem_limit = 3000\n";
    auto fine = load_agent_config(file);
    REQUIRE(fine.ok());
    CHECK(fine->hub_timeout_ms == 1500);
    CHECK(fine->offline_redeem_limit == 3000);

    const auto hub_file = dir.path() / "hub.toml";
    std::ofstream(hub_file) << "[hub]\ndb = \"hub.db\"\nhold_ttl_ms = 3e44\n";
    auto hub = load_hub_config(hub_file);
    REQUIRE_FALSE(hub.ok());
    CHECK(hub.error().message.find("hold_ttl_ms must be a whole number") != std::string::npos);
}
