// One store database, several writers: the till, the kiosk and loyalty-admin each
// book events under their own terminal code, and the store's one agent ships them
// all (each terminal its own sequence, topic and acks) to a real hub through a
// real mosquitto. Events another store wrote to the file stay where they are.
#include <doctest/doctest.h>

#include <fstream>
#include <thread>

#include "broker.hpp"
#include "hub_database.hpp"
#include "loyalty/storage/engine_storage.hpp"
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

// The agent of the till S001/T01, the store's one agent.
AgentConfig store_agent(Mosquitto& broker, const fs::path& db) {
    AgentConfig c;
    c.db = db;
    c.address = {"TEST", "S001", "T01"};
    c.broker = broker.client("S001", "link-S001-T01");
    c.batch_events = 20;
    c.window_events = 40;
    c.full_sync = false;
    c.ack_timeout_ms = 1000;
    c.backoff_initial_ms = 50;
    c.backoff_max_ms = 500;
    return c;
}

HubConfig hub_worker(Mosquitto& broker, const fs::path& db) {
    HubConfig c;
    c.db = db;
    c.broker = broker.client("hub", "hub-w1");
    c.full_sync = false;
    return c;
}

// Another process on the same file, writing as its own terminal (the kiosk).
std::unique_ptr<Engine> open_as(const fs::path& db, const Clock& clock, const std::string& store,
                                const std::string& terminal) {
    DatabaseOptions options;
    options.full_sync = false;
    auto opened = Engine::open(db, clock, EngineOptions{Origin{store, terminal}, options});
    REQUIRE_MESSAGE(opened.ok(), (opened.ok() ? "" : opened.error().message));
    return std::move(opened.value());
}

std::int64_t last_seq_of(Engine& engine, const std::string& store, const std::string& terminal) {
    return engine_database(engine)
        .prepare("SELECT last_seq FROM terminal_sequences WHERE store = ? AND terminal = ?")
        .bind_all(store, terminal)
        .scalar()
        .value_or(0);
}

int admin(const fs::path& dir, const std::vector<std::string>& args) {
    std::vector<std::string> argv{LOYALTY_ADMIN_EXE, "--db",      (dir / "store.db").string(),
                                  "--store",         "S001",      "--terminal",
                                  "ADMIN",           "--program", "TEST"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, dir / "admin.log");
}

}  // namespace

TEST_CASE(
    "the till, the kiosk and loyalty-admin writing to one store database all reach the hub through "
    "one agent") {
    loyalty::test::TempDir dir;
    Mosquitto broker(dir.path() / "broker", {"hub", "S001"});
    const auto db = dir.path() / "store.db";
    Terminal till(db, "S001", "T01", 3);
    ManualClock kiosk_clock(loyalty::test::test_epoch());
    auto kiosk = open_as(db, kiosk_clock, "S001", "K01");

    // The kiosk enrolls a member who then buys at the till; the till sells to its own.
    EnrollRequest enroll;
    enroll.program = "TEST";
    enroll.uid = member_uid(10);
    enroll.phone = "13955550010";
    enroll.display_name = "自助会员";
    enroll.consent_privacy = true;
    auto enrolled = kiosk->members().enroll(enroll);
    REQUIRE_MESSAGE(enrolled.ok(), (enrolled.ok() ? "" : enrolled.error().message));
    for (int i = 0; i < 30; ++i) till.sell(i % 3);
    // loyalty-admin: the program file (the event that used to wait forever) and an adjustment.
    const auto program_file = dir.path() / "program.json";
    std::ofstream(program_file) << program_config_to_json(link_program());
    REQUIRE(admin(dir.path(), {"load-program", program_file.string()}) == 0);
    REQUIRE(admin(dir.path(), {"adjust", std::to_string(till.member_id(1)), "25", "--reason",
                               "goodwill", "--actor", "manager", "--key", "writers-test-1"}) == 0);
    const std::map<std::string, std::int64_t> written{
        {"T01", last_seq_of(till.engine(), "S001", "T01")},
        {"K01", last_seq_of(till.engine(), "S001", "K01")},
        {"ADMIN", last_seq_of(till.engine(), "S001", "ADMIN")}};
    std::int64_t total = 0;
    for (const auto& [terminal, seq] : written) {
        CAPTURE(terminal);
        REQUIRE(seq > 0);
        total += seq;
    }
    REQUIRE(till.backlog() == total);

    Running<HubWorker> hub(hub_worker(broker, hub_database(dir.path())));
    REQUIRE(eventually([&] { return hub->stats().connected; }));
    Running<StoreAgent> agent(store_agent(broker, db));
    REQUIRE(eventually([&] { return till.backlog() == 0; }));
    // The agent counts an ack once its outbox rows are gone: a moment later.
    CHECK(eventually([&] { return agent->stats().events_deleted == total; }));
    CHECK(agent->stats().acked_through == written.at("T01"));
    CHECK(agent->stats().publish_refused == 0);
    {
        auto store = HubStore::open(hub_database(dir.path()));
        REQUIRE(store.ok());
        for (const auto& [terminal, seq] : written) {
            CAPTURE(terminal);
            CHECK((*store)->last_seq("S001", terminal) == seq);
            std::vector<std::int64_t> in_order;
            for (std::int64_t s = 1; s <= seq; ++s) in_order.push_back(s);
            CHECK((*store)->applied_order("S001", terminal) == in_order);
        }
        CHECK((*store)->applied_count() == total);
        CHECK((*store)->dead_letters().empty());
        // The hub's members agree with the store: the kiosk's enrollment, the till's sales, the
        // admin's points.
        for (int i : {0, 1, 2, 10})
            CHECK((*store)->member("TEST", member_uid(i))->points ==
                  till.ledger_points(member_uid(i)));
    }

    // Another store's events in this file are not this agent's: left in place, never sent.
    ManualClock other_clock(loyalty::test::test_epoch());
    auto other = open_as(db, other_clock, "S002", "T05");
    enroll.uid = member_uid(11);
    enroll.phone = "13955550011";
    REQUIRE(other->members().enroll(enroll).ok());
    const auto foreign = till.engine().outbox().pending("S002", "T05", 0, 10).size();
    REQUIRE(foreign >= 1);
    till.sell(0);
    REQUIRE(eventually([&] { return till.backlog() == static_cast<std::int64_t>(foreign); }));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    CHECK(till.backlog() == static_cast<std::int64_t>(foreign));
    CHECK(till.engine().outbox().pending("S002", "T05", 0, 10).size() == foreign);
    auto store = HubStore::open(hub_database(dir.path()));
    REQUIRE(store.ok());
    CHECK((*store)->last_seq("S002", "T05") == 0);
    CHECK((*store)->last_seq("S001", "T01") == written.at("T01") + 1);
    CHECK(agent->stats().publish_refused == 0);
}
