// Databases written by an older release (tests/data/upgrade, made by the
// programs of c8c6c02 before the link agent and the hub had migrations) are
// opened by the current code: every row is still there, balances agree with
// their ledger, and each part's schema is at its latest version.
#include <doctest/doctest.h>
#include <sqlite3.h>

#include <map>
#include <set>

#include "broker.hpp"
#include "loyalty/storage/engine_storage.hpp"
#include "loyalty/sync/down_state.hpp"
#include "loyalty/sync/hub.hpp"
#include "loyalty/sync/store_agent.hpp"
#include "running.hpp"
#include "test_support.hpp"

using namespace loyalty;
using namespace loyalty::sync;
namespace fs = std::filesystem;

namespace {

fs::path fixture(const std::string& name) {
    return fs::path(LOYALTY_SOURCE_DIR) / "tests/data/upgrade" / name;
}

fs::path copy_fixture(const loyalty::test::TempDir& dir, const std::string& name) {
    const auto to = dir.path() / name;
    fs::copy_file(fixture(name), to);
    return to;
}

// The file as it is, read without the engine (which would migrate it).
class RawFile {
  public:
    explicit RawFile(const fs::path& path) {
        REQUIRE(sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    }
    ~RawFile() { sqlite3_close_v2(db_); }
    RawFile(const RawFile&) = delete;
    RawFile& operator=(const RawFile&) = delete;

    template <class Row>
    void each(const std::string& sql, Row row) {
        sqlite3_stmt* st = nullptr;
        REQUIRE(sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
        while (sqlite3_step(st) == SQLITE_ROW) row(st);
        sqlite3_finalize(st);
    }
    std::int64_t count(const std::string& table) {
        std::int64_t n = -1;
        each("SELECT count(*) FROM \"" + table + "\"",
             [&](sqlite3_stmt* st) { n = sqlite3_column_int64(st, 0); });
        return n;
    }
    // Rows of every table.
    std::map<std::string, std::int64_t> counts() {
        std::vector<std::string> tables;
        each("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
             [&](sqlite3_stmt* st) {
                 tables.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
             });
        std::map<std::string, std::int64_t> out;
        for (const auto& t : tables) out[t] = count(t);
        return out;
    }
    struct Points {
        std::int64_t available, pending;
        bool operator==(const Points&) const = default;
    };
    std::map<std::string, Points> balances() {
        std::map<std::string, Points> out;
        each("SELECT uid, points_available, points_pending FROM members", [&](sqlite3_stmt* st) {
            out[reinterpret_cast<const char*>(sqlite3_column_text(st, 0))] =
                Points{sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2)};
        });
        return out;
    }

  private:
    sqlite3* db_ = nullptr;
};

// Tables a later core migration replaces by another (the ratings), which the
// fixtures hold no rows of.
const std::set<std::string> replaced_tables{"member_ratings", "kiosk_ratings"};

// Every table of the old file still holds its rows after the upgrade.
void check_rows_kept(const std::map<std::string, std::int64_t>& before,
                     const std::map<std::string, std::int64_t>& after) {
    for (const auto& [table, rows] : before) {
        CAPTURE(table);
        auto it = after.find(table);
        if (it == after.end()) {
            CHECK(replaced_tables.count(table) == 1);
            CHECK(rows == 0);
            continue;
        }
        CHECK(it->second == rows);
    }
}

struct Latest {
    int core = 0, link = 0, hub = 0;
};

// The versions a database made today starts at.
Latest latest_versions(const loyalty::test::TempDir& dir) {
    Latest v;
    auto hub = HubStore::open(dir.path() / "fresh-hub.db");
    REQUIRE(hub.ok());
    v.core = (*hub)->db().schema_version();
    v.hub = (*hub)->db().schema_version("hub");
    DownState down((*hub)->db());
    v.link = (*hub)->db().schema_version("link");
    return v;
}

}  // namespace

TEST_CASE(
    "a store database of the previous release opens with every row, balance and queued event "
    "kept") {
    loyalty::test::TempDir dir;
    const auto latest = latest_versions(dir);
    const auto path = copy_fixture(dir, "store.db");
    std::map<std::string, std::int64_t> before;
    std::map<std::string, RawFile::Points> balances;
    {
        RawFile old(path);
        before = old.counts();
        balances = old.balances();
    }
    // What README.md says the fixture holds.
    REQUIRE(before.at("members") == 6);
    REQUIRE(before.at("sales") == 31);
    REQUIRE(before.at("ledger_entries") == 60);
    REQUIRE(before.at("outbox") == 3);
    REQUIRE(before.at("link_down_items") == 5);
    REQUIRE(before.count("schema_versions") == 0);

    SystemClock clock;
    auto opened = Engine::open(path, clock, EngineOptions{Origin{"S001", "T01"}, {}});
    REQUIRE_MESSAGE(opened.ok(), (opened.ok() ? "" : opened.error().message));
    auto& engine = **opened;
    DownState down(engine_database(engine));
    auto& db = engine_database(engine);
    CHECK(db.schema_version() == latest.core);
    CHECK(db.schema_version("link") == latest.link);
    CHECK(db.integrity_check() == "ok");
    CHECK(engine.ledger().verify_all().empty());

    RawFile now(path);
    check_rows_kept(before, now.counts());
    CHECK(now.balances() == balances);
    for (const auto& [uid, points] : balances) {
        auto m = engine.members().get_by_uid(uid);
        REQUIRE(m.ok());
        CHECK(engine.ledger().balance(m->id).available == points.available);
        CHECK(engine.ledger().balance(m->id).pending == points.pending);
    }
    // The events the hub had not acknowledged are still queued, in sequence.
    const auto till = engine.outbox().pending("S001", "T01", 0, 100);
    REQUIRE(till.size() == 2);
    CHECK(till.at(0).seq == 7);
    CHECK(till.at(1).seq == 8);
    const auto admin = engine.outbox().pending("S001", "ADMIN", 0, 100);
    REQUIRE(admin.size() == 1);
    CHECK(admin.at(0).type == "points.adjusted");
    // The agent's down state: the hub's snapshots, its config items and the last ack.
    CHECK(down.item_count("snapshots") == 3);
    CHECK(down.item_count("config") == 2);
    CHECK(down.status("acked_through") == 6);

    // It keeps working: the till's next sale takes the next sequence.
    auto member = engine.members().get_by_uid(balances.begin()->first);
    REQUIRE(member.ok());
    SaleRequest sale;
    sale.program = "DEMO";
    sale.receipt = "after-upgrade";
    sale.member = member->id;
    sale.lines = {BasketLine{"TS-1", "apparel", 1, Money{19900}, Money{}}};
    REQUIRE(engine.sales().commit(sale).ok());
    CHECK(engine.outbox().pending("S001", "T01", 8, 10).size() == 1);
    CHECK(engine.ledger().verify_all().empty());
}

TEST_CASE("a hub database of the previous release opens with every applied event and member kept") {
    loyalty::test::TempDir dir;
    const auto latest = latest_versions(dir);
    const auto path = copy_fixture(dir, "hub.db");
    std::map<std::string, std::int64_t> before;
    std::map<std::string, RawFile::Points> balances;
    {
        RawFile old(path);
        before = old.counts();
        balances = old.balances();
    }
    REQUIRE(before.at("hub_applied") == 6);
    REQUIRE(before.at("hub_terminals") == 1);
    REQUIRE(before.at("hub_config_versions") == 2);
    REQUIRE(before.at("members") == 3);

    for (int open = 0; open < 2; ++open) {  // the second open finds nothing left to do
        auto hub = HubStore::open(path);
        REQUIRE_MESSAGE(hub.ok(), (hub.ok() ? "" : hub.error().message));
        CHECK((*hub)->db().schema_version() == latest.core);
        CHECK((*hub)->db().schema_version("hub") == latest.hub);
        CHECK((*hub)->db().integrity_check() == "ok");
        CHECK((*hub)->engine().ledger().verify_all().empty());
        CHECK((*hub)->applied_count() == 6);
        CHECK((*hub)->last_seq("S001", "T01") == 6);
        CHECK((*hub)->held_count() == 0);
        CHECK((*hub)->dead_letters().empty());
        std::int64_t hub_points = 0;
        for (const auto& [uid, points] : balances) hub_points += points.available + points.pending;
        std::int64_t now_points = 0;
        for (const auto& [uid, points] : (*hub)->balances("DEMO")) now_points += points;
        CHECK(now_points == hub_points);
    }
    RawFile now(path);
    check_rows_kept(before, now.counts());
    CHECK(now.balances() == balances);
}

TEST_CASE(
    "after the upgrade the store's queued events, the admin's included, reach the upgraded hub") {
    loyalty::test::TempDir dir;
    const auto store_db = copy_fixture(dir, "store.db");
    copy_fixture(dir, "hub.db");
    sync::test::Mosquitto broker(dir.path() / "broker", {"hub", "S001"});
    HubConfig hub_config;
    hub_config.db = dir.path() / "hub.db";
    hub_config.broker = broker.client("hub", "hub-w1");
    hub_config.full_sync = false;
    AgentConfig agent_config;
    agent_config.db = store_db;
    agent_config.address = {"DEMO", "S001", "T01"};
    agent_config.broker = broker.client("S001", "link-S001-T01");
    agent_config.full_sync = false;
    agent_config.backoff_initial_ms = 50;
    agent_config.backoff_max_ms = 500;
    {
        sync::test::Running<HubWorker> hub(hub_config);
        REQUIRE(sync::test::eventually([&] { return hub->stats().connected; }));
        sync::test::Running<StoreAgent> agent(agent_config);
        REQUIRE(sync::test::eventually(
            [&] { return agent->stats().backlog == 0 && agent->stats().events_deleted == 3; }));
        CHECK(agent->stats().acked_through == 8);
    }
    auto hub = HubStore::open(dir.path() / "hub.db");
    REQUIRE(hub.ok());
    CHECK((*hub)->last_seq("S001", "T01") == 8);
    CHECK((*hub)->last_seq("S001", "ADMIN") ==
          45);  // 1-44 were cleared by the demo before any agent ran
    CHECK((*hub)->applied_count() == 6 + 3);
    CHECK((*hub)->dead_letters().empty());
    CHECK((*hub)->engine().ledger().verify_all().empty());
}
