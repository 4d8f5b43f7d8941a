// A store with its own broker credentials, publishing on its own topics, tries
// what an attacker or an unlucky operator would: to book under another store, to
// stall another store, to skip its own counter, to send mistyped events, and to
// sell on after restoring its database from a backup. A real mosquitto with the
// example-style ACL and password-authenticated stores, the real hub worker and
// agents; the test reads what the hub booked from the hub's database.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "broker.hpp"
#include "hub_database.hpp"
#include "loyalty/backups.hpp"
#include "loyalty/storage/engine_storage.hpp"
#include "loyalty/sync/hub.hpp"
#include "loyalty/sync/store_agent.hpp"
#include "raw_client.hpp"
#include "running.hpp"
#include "terminal.hpp"
#include "test_configs.hpp"
#include "test_support.hpp"

using namespace loyalty;
using namespace loyalty::sync;
using namespace loyalty::sync::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// The hub's database as an operator sees it, beside the running worker.
std::unique_ptr<HubStore> hub_view(const fs::path& db) {
    auto hub = HubStore::open(db);
    REQUIRE_MESSAGE(hub.ok(), (hub.ok() ? "" : hub.error().message));
    return std::move(hub.value());
}

std::map<std::string, int> reasons(HubStore& hub) {
    std::map<std::string, int> out;
    for (const auto& d : hub.dead_letters()) ++out[d.reason];
    return out;
}

std::int64_t count(HubStore& hub, const std::string& sql) {
    return hub.db().prepare(sql).scalar().value_or(-1);
}

// One event as a store's software could forge it; `at` the terminals' test time.
json forged_event(const std::string& id, std::int64_t seq, const std::string& type, json payload) {
    return json{{"id", id},
                {"seq", seq},
                {"type", type},
                {"schema", 1},
                {"at", to_unix(loyalty::test::test_epoch())},
                {"payload", std::move(payload)}};
}

std::string forged_batch(const TerminalAddress& a, std::int64_t base, const json& events) {
    return json{{"v", 1},           {"kind", "events"},       {"program", a.program},
                {"store", a.store}, {"terminal", a.terminal}, {"base", base},
                {"sent_at_ms", 1},  {"events", events}}
        .dump();
}

// Both terminals' sales are at the hub and acknowledged.
void settle(Terminal& a, Terminal& b) {
    REQUIRE(eventually([&] { return a.backlog() == 0 && b.backlog() == 0; }));
}

}  // namespace

TEST_CASE(
    "a store cannot refund another store's receipt or take its next receipt number, on its own "
    "topic") {
    loyalty::test::TempDir dir;
    Mosquitto broker(dir.path() / "broker", {"hub", "S001", "S002"});
    Terminal own(dir.path() / "s1.db", "S001", "T01", 1);
    Terminal victim(dir.path() / "s2.db", "S002", "T01", 1);
    const auto uid = member_uid(0);
    REQUIRE(
        victim.engine().ledger().adjust(victim.member_id(0), 1000, "welcome", "mgr", "w-1").ok());
    victim.sell(0);  // receipt T01-1
    Running<HubWorker> worker(hub_config(broker, hub_database(dir.path())));
    REQUIRE(eventually([&] { return worker->stats().connected; }));
    Running<StoreAgent> a1(agent_config(broker, dir.path() / "s1.db", "S001", "T01"));
    Running<StoreAgent> a2(agent_config(broker, dir.path() / "s2.db", "S002", "T01"));
    settle(own, victim);
    auto hub = hub_view(hub_database(dir.path()));
    const auto points_before = hub->member("TEST", uid)->points;
    // Both stores show the program-wide balance.
    REQUIRE(eventually([&] {
        return points_before == own.ledger_points(uid) &&
               points_before == victim.ledger_points(uid);
    }));
    const auto net =
        count(*hub, "SELECT net_minor FROM sales WHERE store = 'S002' AND receipt = 'T01-1'");
    REQUIRE(net > 0);

    // S001's credentials on S001's own topic (a till T09 of its own), as the ACL allows.
    const TerminalAddress forger{"TEST", "S001", "T09"};
    const json refund{
        {"store", "S002"},      {"terminal", "T01"},     {"receipt", "T01-1"},
        {"member_uid", uid},    {"amount", net},         {"points_reversed", points_before},
        {"points_restored", 0}, {"points_shortfall", 0}, {"campaign_points_reversed", 0}};
    auto unnamed = refund;
    unnamed.erase("store");  // then it is S001's own T01-1: never sold there
    const json theft{{"store", "S002"},    {"terminal", "T01"}, {"receipt", "T01-2"},
                     {"member_uid", uid},  {"net", 100},        {"gross", 100},
                     {"points_earned", 0}, {"points_paid", 0}};
    RawClient s001(broker.client("S001", "raw-s001"));
    CHECK(s001.publish(
              events_topic(forger),
              forged_batch(forger, 0,
                           json::array({forged_event("forged-1", 1, "sale.refunded", refund),
                                        forged_event("forged-2", 2, "sale.refunded", unnamed),
                                        forged_event("forged-3", 3, "sale.committed", theft)}))) ==
          0);
    REQUIRE(eventually(
        [&] { return hub->last_seq("S001", "T09") == 3; }));  // consumed: acknowledged past
    auto why = reasons(*hub);
    CHECK(why["foreign_reference"] == 2);
    CHECK(why["unknown_receipt"] == 1);
    CHECK(hub->member("TEST", uid)->points == points_before);
    CHECK(count(*hub,
                "SELECT refunded_minor + points_reversed FROM sales WHERE store = 'S002' AND "
                "receipt = 'T01-1'") == 0);
    CHECK(count(*hub, "SELECT count(*) FROM sales WHERE store = 'S001'") == 0);
    CHECK(count(*hub,
                "SELECT count(*) FROM hub_applied WHERE store = 'S001' AND terminal = 'T09' AND "
                "status = 'parked'") == 3);

    // The victim's real next sale, receipt T01-2, is booked and acknowledged.
    victim.sell(0);
    settle(own, victim);
    CHECK(hub->last_seq("S002", "T01") == victim.last_seq());
    CHECK(count(*hub,
                "SELECT count(*) FROM sales WHERE store = 'S002' AND receipt = 'T01-2' AND "
                "net_minor <> 100") == 1);
    REQUIRE(eventually([&] {
        const auto at_hub = hub->member("TEST", uid)->points;
        return at_hub == own.ledger_points(uid) && at_hub == victim.ledger_points(uid);
    }));
    CHECK(hub->engine().ledger().verify_all().empty());
}

TEST_CASE(
    "a base jump on a terminal's topic is refused and the terminal's later sales are still "
    "applied") {
    loyalty::test::TempDir dir;
    Mosquitto broker(dir.path() / "broker", {"hub", "S001"});
    Terminal t(dir.path() / "s1.db", "S001", "T01", 1);
    for (int i = 0; i < 3; ++i) t.sell(0);
    Running<HubWorker> worker(hub_config(broker, hub_database(dir.path())));
    REQUIRE(eventually([&] { return worker->stats().connected; }));
    Running<StoreAgent> agent(agent_config(broker, dir.path() / "s1.db", "S001", "T01"));
    REQUIRE(eventually([&] { return t.backlog() == 0; }));
    auto hub = hub_view(hub_database(dir.path()));
    const auto applied = hub->last_seq("S001", "T01");
    REQUIRE(applied == t.last_seq());

    // Any till of the store shares its credentials: T01's own topic, base 1,000,000.
    const TerminalAddress t01{"TEST", "S001", "T01"};
    const json sale{{"receipt", "JUMP-1"}, {"net", 100}, {"points_earned", 0}, {"points_paid", 0}};
    RawClient s001(broker.client("S001", "raw-s001"));
    CHECK(s001.publish(events_topic(t01),
                       forged_batch(t01, 1000000,
                                    json::array({forged_event("jump-1", 1000001, "sale.committed",
                                                              sale)}))) == 0);
    REQUIRE(eventually([&] { return reasons(*hub)["bad_base"] == 1; }));
    CHECK(hub->last_seq("S001", "T01") == applied);
    CHECK(count(*hub, "SELECT count(*) FROM sales WHERE receipt = 'JUMP-1'") == 0);

    // A terminal may declare what it settled before its first contact, once.
    const TerminalAddress t07{"TEST", "S001", "T07"};
    CHECK(s001.publish(events_topic(t07),
                       forged_batch(t07, 500,
                                    json::array({forged_event("first-501", 501, "note.added",
                                                              json::object())}))) == 0);
    REQUIRE(eventually([&] { return hub->last_seq("S001", "T07") == 501; }));
    CHECK(s001.publish(events_topic(t07),
                       forged_batch(t07, 5000,
                                    json::array({forged_event("jump-5001", 5001, "note.added",
                                                              json::object())}))) == 0);
    REQUIRE(eventually([&] { return reasons(*hub)["bad_base"] == 2; }));
    CHECK(hub->last_seq("S001", "T07") == 501);

    // T01's real sales after the attack: applied, in order, and acknowledged.
    for (int i = 0; i < 3; ++i) t.sell(0);
    REQUIRE(eventually([&] { return t.backlog() == 0; }));
    std::vector<std::int64_t> expected;
    for (std::int64_t s = 1; s <= t.last_seq(); ++s) expected.push_back(s);
    CHECK(hub->applied_order("S001", "T01") == expected);
    CHECK(hub->member("TEST", member_uid(0))->points == t.ledger_points(member_uid(0)));
}

TEST_CASE(
    "mistyped, missing, out-of-range and conflicting events are parked one by one; the rest is "
    "applied") {
    loyalty::test::TempDir dir;
    Mosquitto broker(dir.path() / "broker", {"hub", "S001"});
    Terminal t(dir.path() / "s1.db", "S001", "T01", 1);
    t.sell(0);  // receipt T01-1
    Running<HubWorker> worker(hub_config(broker, hub_database(dir.path())));
    REQUIRE(eventually([&] { return worker->stats().connected; }));
    Running<StoreAgent> agent(agent_config(broker, dir.path() / "s1.db", "S001", "T01"));
    REQUIRE(eventually([&] { return t.backlog() == 0; }));
    auto hub = hub_view(hub_database(dir.path()));
    const auto uid = member_uid(0);
    const auto points_before = hub->member("TEST", uid)->points;

    auto sale = [&](const std::string& receipt) {
        return json{{"receipt", receipt}, {"member_uid", uid},   {"net", 1000},
                    {"gross", 1000},      {"points_earned", 10}, {"points_paid", 0}};
    };
    auto as_number = sale("T09-1");
    as_number["member_uid"] = 12345;
    auto as_text = sale("T09-2");
    as_text["points_earned"] = "500";
    auto no_time = forged_event("odd-3", 3, "sale.committed", sale("T09-3"));
    no_time.erase("at");
    auto huge = sale("T09-4");
    huge["points_earned"] = 9223372036854775807LL;
    auto reused = sale("T01-1");
    reused["terminal"] = "T01";  // the store's own T01 receipt, booked already
    const TerminalAddress t09{"TEST", "S001", "T09"};
    RawClient s001(broker.client("S001", "raw-s001"));
    CHECK(s001.publish(
              events_topic(t09),
              forged_batch(
                  t09, 0,
                  json::array({forged_event("odd-1", 1, "sale.committed", as_number),
                               forged_event("odd-2", 2, "sale.committed", as_text), no_time,
                               forged_event("odd-4", 4, "sale.committed", huge),
                               forged_event("odd-5", 5, "sale.committed", reused),
                               forged_event("good-6", 6, "sale.committed", sale("T09-6"))}))) == 0);
    REQUIRE(eventually([&] { return hub->last_seq("S001", "T09") == 6; }));
    std::map<std::string, std::string> detail_of;  // event id -> reason: detail
    for (const auto& d : hub->dead_letters()) detail_of[d.event_id] = d.reason + ": " + d.detail;
    CHECK(detail_of["odd-1"].starts_with("malformed_event"));
    CHECK(detail_of["odd-1"].find("member_uid") != std::string::npos);
    CHECK(detail_of["odd-2"].starts_with("malformed_event"));
    CHECK(detail_of["odd-2"].find("points_earned") != std::string::npos);
    CHECK(detail_of["odd-3"].starts_with("malformed_event"));
    CHECK(detail_of["odd-3"].find("at: missing") != std::string::npos);
    CHECK(detail_of["odd-4"].starts_with("malformed_event"));
    CHECK(detail_of["odd-5"].starts_with("conflict"));
    CHECK(detail_of.count("good-6") == 0);
    // Only the good one is booked: one sale, its 10 points.
    CHECK(count(*hub, "SELECT count(*) FROM sales WHERE terminal = 'T09'") == 1);
    CHECK(count(*hub, "SELECT count(*) FROM sales WHERE receipt = 'T01-1'") == 1);
    CHECK(hub->member("TEST", uid)->points == points_before + 10);
    CHECK(hub->engine().ledger().verify_all().empty());

    // The store's real till goes on.
    t.sell(0);
    REQUIRE(eventually([&] { return t.backlog() == 0; }));
    CHECK(hub->last_seq("S001", "T01") == t.last_seq());
}

TEST_CASE("a store database restored from its backup loses no sale at the hub and doubles none") {
    loyalty::test::TempDir dir;
    Mosquitto broker(dir.path() / "broker", {"hub", "S001"});
    const auto db = dir.path() / "store.db";
    Terminal t(db, "S001", "T01", 2);
    t.sell(0);
    t.sell(1);
    Running<HubWorker> worker(hub_config(broker, hub_database(dir.path())));
    REQUIRE(eventually([&] { return worker->stats().connected; }));
    auto admin = [&](std::vector<std::string> args) {
        std::vector<std::string> argv{LOYALTY_ADMIN_EXE, "--db",  db.string(), "--store", "S001",
                                      "--terminal",      "ADMIN", "--program", "TEST"};
        argv.insert(argv.end(), args.begin(), args.end());
        return run_command(argv, dir.path() / "admin.log");
    };
    auto hub = hub_view(hub_database(dir.path()));
    {
        Running<StoreAgent> agent(agent_config(broker, db, "S001", "T01"));
        REQUIRE(eventually([&] { return t.backlog() == 0; }));
        REQUIRE(admin({"backup", "--dir", (dir.path() / "backups").string()}) == 0);
        for (int i = 0; i < 10; ++i) t.sell(i % 2);  // receipts T01-3 .. T01-12
        // loyalty-admin writes to the same file under its own code: a stream of its own.
        REQUIRE(admin({"adjust", std::to_string(t.member_id(0)), "25", "--reason", "goodwill",
                       "--actor", "mgr", "--key", "before-restore"}) == 0);
        REQUIRE(eventually([&] { return t.backlog() == 0; }));
    }
    const auto before_restore = hub->last_seq("S001", "T01");
    REQUIRE(before_restore == t.last_seq());
    const auto backups = list_backups(dir.path() / "backups");
    REQUIRE(backups.size() == 1);
    REQUIRE(admin({"restore", backups.front().string()}) == 0);
    REQUIRE(t.last_seq() < before_restore);  // the terminal counts from the backup again

    // Five sales after the restore, one of them under a receipt number the lost ten used.
    SaleRequest reuse;
    reuse.program = "TEST";
    reuse.receipt = "T01-5";
    reuse.member = t.member_id(0);
    reuse.lines = {BasketLine{"SKU-R", "apparel", 1, Money{12300}, Money{}}};
    REQUIRE(t.engine().sales().commit(reuse).ok());
    for (int i = 0; i < 4; ++i) t.sell(1);
    REQUIRE(admin({"adjust", std::to_string(t.member_id(1)), "30", "--reason", "goodwill",
                   "--actor", "mgr", "--key", "after-restore"}) == 0);
    const auto waiting =
        static_cast<std::int64_t>(t.engine().outbox().pending("S001", "T01", 0, 100000).size());
    REQUIRE(waiting > 0);

    Running<StoreAgent> agent(agent_config(broker, db, "S001", "T01"));
    REQUIRE(eventually([&] { return t.backlog() == 0; }));  // never stalled: sync-status reaches 0
    CHECK(hub->last_seq("S001", "T01") == t.last_seq());
    // Renumbered after the hub's last applied (the agent may have written an event of its own
    // since).
    CHECK(t.last_seq() >= before_restore + waiting);
    CHECK(count(*hub, "SELECT count(*) FROM hub_held") == 0);
    // The admin's stream forked the same way and was renumbered by the same agent.
    const auto admin_last =
        engine_database(t.engine())
            .prepare("SELECT last_seq FROM terminal_sequences WHERE terminal = 'ADMIN'")
            .scalar()
            .value_or(0);
    CHECK(hub->last_seq("S001", "ADMIN") == admin_last);
    CHECK(count(*hub,
                "SELECT count(*) FROM hub_applied WHERE terminal = 'ADMIN' AND type = "
                "'points.adjusted' "
                "AND status = 'applied'") == 2);
    // 2 + 10 + 5 sale events, each consumed once; every receipt booked once.
    CHECK(count(*hub, "SELECT count(*) FROM hub_applied WHERE type = 'sale.committed'") == 17);
    CHECK(count(*hub, "SELECT count(*) FROM sales") == 16);
    CHECK(count(*hub, "SELECT count(DISTINCT receipt) FROM sales") == 16);
    CHECK(count(*hub, "SELECT net_minor FROM sales WHERE receipt = 'T01-5'") !=
          12300);  // the first T01-5 stands
    // The reused number is the one sale parked, with its reason, for an operator.
    const auto dead = hub->dead_letters();
    REQUIRE(dead.size() == 1);
    CHECK(dead.front().reason == "conflict");
    CHECK(dead.front().detail.find("T01-5") != std::string::npos);
    CHECK(dead.front().seq > before_restore);
    CHECK(hub->engine().ledger().verify_all().empty());
}

TEST_CASE(
    "a refund of points already spent: hub and terminal book the same points_reversed and every "
    "sale column") {
    loyalty::test::TempDir dir;
    Mosquitto broker(dir.path() / "broker", {"hub", "S001"});
    Terminal t(dir.path() / "s1.db", "S001", "T01", 1);
    SaleRequest s;
    s.program = "TEST";
    s.receipt = "R-SPENT";
    s.member = t.member_id(0);
    s.lines = {BasketLine{"TS-1", "apparel", 1, Money{50000}, Money{}}};
    auto sold = t.engine().sales().commit(s);
    REQUIRE(sold.ok());
    REQUIRE(sold->earned > 0);
    // Every point spent before the refund comes.
    const auto balance = t.engine().ledger().balance(t.member_id(0)).available;
    REQUIRE(t.engine().ledger().adjust(t.member_id(0), -balance, "spent", "mgr", "spend-all").ok());
    auto refunded = t.engine().sales().refund(RefundRequest{"TEST", "", "", "R-SPENT", "RF-1", {}});
    REQUIRE(refunded.ok());
    REQUIRE(refunded->shortfall > 0);

    Running<HubWorker> worker(hub_config(broker, hub_database(dir.path())));
    REQUIRE(eventually([&] { return worker->stats().connected; }));
    Running<StoreAgent> agent(agent_config(broker, dir.path() / "s1.db", "S001", "T01"));
    REQUIRE(eventually([&] { return t.backlog() == 0; }));
    auto hub = hub_view(hub_database(dir.path()));
    const std::string columns =
        "SELECT gross_minor, net_minor, points_paid, points_earned, refunded_minor, "
        "points_reversed, points_restored, "
        "status FROM sales WHERE receipt = 'R-SPENT'";
    auto row = [&](Database& db) {
        std::vector<std::string> out;
        db.prepare(columns).one([&](const Statement& r) {
            for (int i = 0; i < r.column_count(); ++i)
                out.push_back(r.column_name(i) + "=" + r.text(i));
            return 0;
        });
        return out;
    };
    const auto at_terminal = row(engine_database(t.engine()));
    REQUIRE(!at_terminal.empty());
    CHECK(row(hub->db()) == at_terminal);
    CHECK(hub->member("TEST", member_uid(0))->points == t.ledger_points(member_uid(0)));
}
