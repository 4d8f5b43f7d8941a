// The hub's apply and the terminal's down state, without a broker: real SQLite
// files, real engine events, the real wire encoding.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <future>
#include <iterator>
#include <optional>

#include "hub_database.hpp"
#include "loyalty/storage/engine_storage.hpp"
#include "loyalty/sync/down_state.hpp"
#include "loyalty/sync/hub.hpp"
#include "loyalty/sync/signing.hpp"
#include "process.hpp"
#include "running.hpp"
#include "terminal.hpp"
#include "test_support.hpp"

using namespace loyalty;
using namespace loyalty::sync;
using namespace loyalty::sync::test;
using loyalty::sync::test::member_uid;
using loyalty::sync::test::run_command;
using loyalty::sync::test::Terminal;

namespace {

std::unique_ptr<HubStore> open_hub(const std::filesystem::path& path,
                                   HubStoreOptions options = {}) {
    auto hub = HubStore::open(path, std::move(options));
    REQUIRE_MESSAGE(hub.ok(), (hub.ok() ? "" : hub.error().message));
    return std::move(hub.value());
}

TerminalAddress address_of(Terminal& t) {
    return {"TEST", t.store(), t.terminal()};
}

HubIncoming batch_of(Terminal& t, std::int64_t after, int count, std::int64_t base = -1) {
    auto events = t.engine().outbox().pending(t.store(), t.terminal(), after, count);
    REQUIRE(!events.empty());
    return {events_topic(address_of(t)),
            encode_batch(address_of(t), base < 0 ? after : base, 0, events),
            {}};
}

Ack ack_in(const HubApplyReport& report, const std::string& terminal) {
    for (const auto& out : report.publish)
        if (out.topic.ends_with("/terminals/" + terminal + "/acks")) {
            auto ack = decode_ack(out.payload);
            REQUIRE(ack.ok());
            return *ack;
        }
    FAIL("no ack for " << terminal);
    return {};
}

}  // namespace

TEST_CASE("the hub applies a batch once: a replay changes nothing and is acknowledged again") {
    loyalty::test::TempDir dir;
    Terminal t(dir.path() / "t1.db", "S001", "T01", 3);
    for (int i = 0; i < 10; ++i) t.sell(i % 3);
    auto hub = open_hub(hub_database(dir.path()));
    const auto all = t.last_seq();
    auto first = hub->apply({batch_of(t, 0, 1000)}, 1000);
    REQUIRE(first.ok());
    CHECK(first->applied == all);
    CHECK(ack_in(*first, "T01").through == all);
    const auto balances = hub->balances("TEST");

    auto again = hub->apply({batch_of(t, 0, 1000)}, 2000);
    REQUIRE(again.ok());
    CHECK(again->applied == 0);
    CHECK(again->duplicates == all);
    CHECK(ack_in(*again, "T01").through == all);
    CHECK(hub->balances("TEST") == balances);
    CHECK(hub->applied_count() == all);
    for (int i = 0; i < 3; ++i)
        CHECK(hub->member("TEST", member_uid(i))->points == t.ledger_points(member_uid(i)));
}

TEST_CASE(
    "events that arrive ahead of a gap are held, then applied in sequence when the gap fills") {
    loyalty::test::TempDir dir;
    Terminal t(dir.path() / "t1.db", "S001", "T01", 2);
    for (int i = 0; i < 6; ++i) t.sell(i % 2);
    const auto all = t.last_seq();
    auto hub = open_hub(hub_database(dir.path()));
    // The second half first (another hub worker got the first half).
    auto late = hub->apply({batch_of(t, 5, 1000, 0)}, 1000);
    REQUIRE(late.ok());
    CHECK(late->applied == 0);
    CHECK(late->held == all - 5);
    CHECK(ack_in(*late, "T01").through == 0);
    CHECK(hub->held_count() == all - 5);

    auto early = hub->apply({batch_of(t, 0, 5)}, 2000);
    REQUIRE(early.ok());
    CHECK(early->applied == all);
    CHECK(ack_in(*early, "T01").through == all);
    CHECK(hub->held_count() == 0);
    std::vector<std::int64_t> expected;
    for (std::int64_t s = 1; s <= all; ++s) expected.push_back(s);
    CHECK(hub->applied_order("S001", "T01") == expected);
}

TEST_CASE("a terminal whose early outbox was cleared starts at its base, not at sequence 1") {
    loyalty::test::TempDir dir;
    Terminal t(dir.path() / "t1.db", "S001", "T01", 1);
    t.sell(0);
    const auto cleared = t.last_seq();
    engine_database(t.engine()).exec("DELETE FROM outbox");  // as the demo history does
    t.sell(0);
    auto hub = open_hub(hub_database(dir.path()));
    auto r = hub->apply({batch_of(t, cleared, 100)}, 1000);
    REQUIRE(r.ok());
    CHECK(r->applied == t.last_seq() - cleared);
    CHECK(hub->last_seq("S001", "T01") == t.last_seq());
    // The program's own event went with the cleared rows: the hub parks what it
    // cannot book (consumed, so the terminal does not stall) and says why.
    REQUIRE(!hub->dead_letters().empty());
    CHECK(hub->dead_letters().front().reason == "unknown_program");
    CHECK_FALSE(hub->member("TEST", member_uid(0)));
    // Once head office loads the program, the next sale is booked.
    REQUIRE(hub->engine().programs().save(loyalty::sync::test::link_program(), "ops").ok());
    const auto before = t.last_seq();
    t.sell(0);
    REQUIRE(hub->apply({batch_of(t, before, 100)}, 2000).ok());
    REQUIRE(hub->member("TEST", member_uid(0)));
    CHECK(hub->member("TEST", member_uid(0))->points > 0);
}

TEST_CASE(
    "the hub books events with the loyalty engine: spend in two stores lifts the tier, sent down "
    "in the snapshot") {
    loyalty::test::TempDir dir;
    Terminal a(dir.path() / "t1.db", "S001", "T01", 1);
    Terminal b(dir.path() / "t2.db", "S002", "T01", 1);
    for (auto* t : {&a, &b}) {
        SaleRequest s;
        s.program = "TEST";
        s.receipt = t->store() + "-big";
        s.member = t->member_id(0);
        s.lines = {BasketLine{"TS-1", "apparel", 1, Money{300000},
                              Money{}}};  // 3,000.00; gold needs 5,000.00
        REQUIRE(t->engine().sales().commit(s).ok());
        CHECK(t->engine().members().get(t->member_id(0))->tier_code == "silver");
    }
    auto hub = open_hub(hub_database(dir.path()));
    auto r = hub->apply({batch_of(a, 0, 1000), batch_of(b, 0, 1000)}, 1000);
    REQUIRE(r.ok());
    CHECK(r->dead_letters == 0);
    const auto uid = member_uid(0);
    const auto at_hub = hub->member("TEST", uid);
    REQUIRE(at_hub);
    CHECK(at_hub->tier == "gold");
    CHECK(at_hub->points == a.ledger_points(uid) + b.ledger_points(uid));
    CHECK(hub->engine().ledger().verify_all().empty());
    // Each store's down topic gets the member's snapshot with the hub's tier and review date.
    int snapshots = 0;
    for (const auto& out : r->publish) {
        if (!out.topic.ends_with("/down")) continue;
        auto msg = decode_down(out.payload);
        REQUIRE(msg.ok());
        if (msg->kind != "snapshots") continue;
        for (const auto& item : msg->items) {
            const auto body = nlohmann::json::parse(item.body);
            CHECK(body.at("tier") == "gold");
            CHECK(body.at("tier_review_at").get<std::int64_t>() >
                  to_unix(loyalty::test::test_epoch()));
            ++snapshots;
        }
    }
    CHECK(snapshots == 2);
}

TEST_CASE("bad messages are dead-lettered, counted and never stop the good ones around them") {
    loyalty::test::TempDir dir;
    Terminal t(dir.path() / "t1.db", "S001", "T01", 1);
    Terminal other(dir.path() / "t2.db", "S002", "T01", 1);
    t.sell(0);
    other.sell(0);
    const std::string key(64, 'a');
    HubStoreOptions options;
    options.store_keys["S002"] = key;
    auto hub = open_hub(hub_database(dir.path()), options);

    const auto topic = events_topic(address_of(t));
    auto good = batch_of(t, 0, 1000);
    auto signed_batch = batch_of(other, 0, 1000);
    signed_batch.signature = *sign_payload(key, signed_batch.payload);
    auto unsigned_batch = batch_of(other, 0, 1000);
    auto badly_signed = batch_of(other, 0, 1000);
    badly_signed.signature = *sign_payload(std::string(64, 'b'), badly_signed.payload);
    auto wrong_version = good;
    wrong_version.payload.replace(wrong_version.payload.find("\"v\":1"), 5, "\"v\":2");
    // S001 publishing its events under S002's topic (only a broken ACL would let it).
    HubIncoming mismatch{events_topic({"TEST", "S002", "T01"}), good.payload,
                         *sign_payload(key, good.payload)};
    auto bad_event = good;
    bad_event.payload.replace(bad_event.payload.find("\"seq\":"), 6, "\"seq\":\"x\",\"s\":");

    std::vector<HubIncoming> messages{
        {topic, "{not json", {}},
        {topic, "[1,2,3]", {}},
        {topic, std::string(max_payload_bytes + 1, ' '), {}},
        {topic, R"({"v":1,"kind":"coffee"})", {}},
        {topic,
         R"({"v":1,"kind":"events","program":"TEST","store":"S001","terminal":"T01","base":0,"events":[]})",
         {}},
        {topic, std::string("\xff\xfe\x00\x01", 4), {}},
        {"loyalty/v1/TEST/stores/S001/terminals/T01/acks", R"({"v":1,"kind":"ack"})", {}},
        {"loyalty/v1/TEST/stores/S001/terminals/T01/presence",
         R"({"v":1,"kind":"presence","state":"asleep"})",
         {}},
        wrong_version,
        bad_event,
        mismatch,
        unsigned_batch,
        badly_signed,
        good,
        signed_batch,
    };
    auto r = hub->apply(messages, 1000);
    REQUIRE(r.ok());
    CHECK(r->dead_letters == 13);
    CHECK(r->applied == t.last_seq() + other.last_seq());
    CHECK(hub->last_seq("S001", "T01") == t.last_seq());
    CHECK(hub->last_seq("S002", "T01") == other.last_seq());

    std::map<std::string, int> reasons;
    for (const auto& d : hub->dead_letters()) ++reasons[d.reason];
    CHECK(reasons["malformed"] == 6);
    CHECK(reasons["oversized"] == 1);
    CHECK(reasons["unknown_kind"] == 2);
    CHECK(reasons["wrong_version"] == 1);
    CHECK(reasons["topic_mismatch"] == 1);
    CHECK(reasons["unsigned"] == 1);
    CHECK(reasons["bad_signature"] == 1);
}

TEST_CASE("an event nested 100,000 deep is dead-lettered as malformed and the hub carries on") {
    loyalty::test::TempDir dir;
    Terminal t(dir.path() / "t1.db", "S001", "T01", 1);
    t.sell(0);
    auto hub = open_hub(hub_database(dir.path()), {});
    const auto topic = events_topic(address_of(t));
    const std::string deep = std::string(100000, '[') + std::string(100000, ']');
    // Held behind a gap (seq 99) and of an unknown schema: both paths kept such events before.
    const std::string hostile =
        R"({"v":1,"kind":"events","program":"TEST","store":"S001","terminal":"T01","base":0,)"
        R"("sent_at_ms":1,"events":[{"id":"x","seq":99,"type":"sale.committed","schema":7,)"
        R"("at":1,"payload":{"deep":)" +
        deep + "}}]}";
    auto r = hub->apply({{topic, hostile, {}}, batch_of(t, 0, 1000)}, 1000);
    REQUIRE(r.ok());
    CHECK(r->dead_letters == 1);
    CHECK(r->applied == t.last_seq());
    REQUIRE(hub->dead_letters().size() == 1);
    CHECK(hub->dead_letters()[0].reason == "malformed");
    CHECK(hub->dead_letters()[0].detail.find("deeper than") != std::string::npos);
    CHECK(hub->held_count() == 0);
}

TEST_CASE(
    "an old snapshot never overwrites a newer one, and the terminal adds its own unacknowledged "
    "events") {
    loyalty::test::TempDir dir;
    Terminal t(dir.path() / "t1.db", "S001", "T01", 1);
    DownState down(engine_database(t.engine()));
    const auto uid = member_uid(0);
    auto snapshot = [&](std::int64_t version, std::int64_t points, std::int64_t through) {
        auto msg = decode_down(
            encode_snapshots("TEST", {MemberSnapshot{uid, version, points, "silver", "active"}},
                             {{"T01", through}}));
        REQUIRE(msg.ok());
        return down.apply(msg->items.at(0), msg->through.at("T01"), 1000);
    };
    CHECK(snapshot(5, 500, 0));
    CHECK_FALSE(snapshot(4, 400, 0));  // older: ignored
    CHECK_FALSE(snapshot(5, 500, 0));  // duplicate: ignored
    CHECK(down.snapshot(uid)->snapshot.points == 500);

    // Sales the hub has not seen yet count on top of its balance.
    const auto before = t.last_seq();
    t.sell(0);
    t.sell(0);
    const auto local = t.ledger_points(uid);
    CHECK(down.reconciled_points(uid, "S001", "T01") == 500 + local);
    // A newer snapshot that includes them: nothing is counted twice.
    CHECK(snapshot(6, 500 + local, t.last_seq()));
    CHECK(down.reconciled_points(uid, "S001", "T01") == 500 + local);
    CHECK(before < t.last_seq());
}

TEST_CASE("a batch far beyond the terminal's applied sequence is refused, not held") {
    loyalty::test::TempDir dir;
    Terminal t(dir.path() / "t1.db", "S001", "T01", 1);
    t.sell(0);
    auto hub = open_hub(hub_database(dir.path()));
    auto events = t.engine().outbox().pending("S001", "T01", 0, 100);
    for (auto& e : events) e.seq += max_hold_ahead;  // as if the first 100,000 were skipped
    const auto a = address_of(t);
    auto r = hub->apply({{events_topic(a), encode_batch(a, 0, 0, events), {}}}, 1000);
    REQUIRE(r.ok());
    CHECK(r->dead_letters == 1);
    CHECK(hub->held_count() == 0);
    CHECK(hub->dead_letters().at(0).reason == "out_of_window");
    // The real batch still applies.
    auto good = hub->apply({batch_of(t, 0, 100)}, 2000);
    REQUIRE(good.ok());
    CHECK(hub->last_seq("S001", "T01") == t.last_seq());
}

TEST_CASE(
    "points the hub's copy of a member does not have are booked as far as they go and listed") {
    loyalty::test::TempDir dir;
    Terminal a(dir.path() / "t1.db", "S001", "T01", 1);
    Terminal b(dir.path() / "t2.db", "S002", "T01", 1);
    REQUIRE(a.engine().ledger().adjust(a.member_id(0), 500, "welcome", "mgr", "a-1").ok());
    REQUIRE(b.engine().ledger().adjust(b.member_id(0), 800, "welcome", "mgr", "b-1").ok());
    const auto credited = b.last_seq();
    REQUIRE(b.engine().ledger().adjust(b.member_id(0), -800, "spent", "mgr", "b-2").ok());
    auto hub = open_hub(hub_database(dir.path()));
    REQUIRE(hub->apply({batch_of(a, 0, 1000)}, 1000).ok());
    // Store B's credit never reached this hub (its early outbox was cleared); its spend does.
    REQUIRE(hub->engine().programs().save(loyalty::sync::test::link_program(), "ops").ok());
    auto r = hub->apply({batch_of(b, credited, 1000)}, 2000);
    REQUIRE(r.ok());
    CHECK(r->dead_letters == 0);
    CHECK(hub->member("TEST", member_uid(0))->points == 0);  // never below zero
    CHECK(hub->shortfall_points("TEST") == 300);
    CHECK(hub->engine().ledger().verify_all().empty());
}

namespace {

Ack ack_of(const HubApplyReport& report, const TerminalAddress& a) {
    for (const auto& out : report.publish)
        if (out.topic == acks_topic(a)) {
            auto ack = decode_ack(out.payload);
            REQUIRE(ack.ok());
            return *ack;
        }
    FAIL("no ack for " << a.store << "/" << a.terminal);
    return {};
}

// A sale the hub parks because it does not know the program yet: the terminal's first sale and
// its program's own event were cleared from the outbox, so the second reaches the hub alone.
void park_sale_of_unknown_program(Terminal& t, const std::filesystem::path& hub_db) {
    t.sell(0);
    const auto cleared = t.last_seq();
    engine_database(t.engine()).exec("DELETE FROM outbox");  // the program's own event goes with it
    t.sell(0);
    auto hub = open_hub(hub_db);
    auto r = hub->apply({batch_of(t, cleared, 100)}, 1000);
    REQUIRE(r.ok());
    REQUIRE(r->dead_letters > 0);
    CHECK_FALSE(hub->member("TEST", member_uid(0)));
}

}  // namespace

TEST_CASE(
    "an event that cannot be applied is parked alone: its batch and another store's in the same "
    "transaction commit") {
    loyalty::test::TempDir dir;
    Terminal t(dir.path() / "t1.db", "S001", "T01", 1);
    Terminal other(dir.path() / "t2.db", "S002", "T01", 1);
    for (int i = 0; i < 3; ++i) t.sell(0);
    for (int i = 0; i < 2; ++i) other.sell(0);
    auto events = t.engine().outbox().pending("S001", "T01", 0, 1000);
    // A second sale under receipt T01-1 in the middle of the batch (a store's
    // software reusing a number): its ledger keys and receipt are taken.
    const auto first_sale = std::find_if(events.begin(), events.end(), [](const OutboxEvent& e) {
        return e.type == "sale.committed";
    });
    REQUIRE(first_sale != events.end());
    auto copy = *first_sale;
    copy.event_id = "reused-receipt";
    events.insert(first_sale + 1, copy);
    for (std::size_t i = 0; i < events.size(); ++i)
        events[i].seq = static_cast<std::int64_t>(i) + 1;
    const auto parked_seq = std::find_if(events.begin(), events.end(), [](const OutboxEvent& e) {
                                return e.event_id == "reused-receipt";
                            })->seq;
    const auto all = static_cast<std::int64_t>(events.size());
    const auto a = address_of(t);
    auto hub = open_hub(hub_database(dir.path()));
    auto r = hub->apply(
        {{events_topic(a), encode_batch(a, 0, 0, events), {}}, batch_of(other, 0, 1000)}, 1000);
    REQUIRE(r.ok());
    CHECK(r->dead_letters == 1);
    CHECK(r->applied == all + other.last_seq());  // the parked one is consumed too
    CHECK(ack_of(*r, a).through == all);
    CHECK(ack_of(*r, address_of(other)).through == other.last_seq());
    const auto dead = hub->dead_letters();
    REQUIRE(dead.size() == 1);
    CHECK(dead[0].reason == "conflict");
    CHECK(dead[0].event_id == "reused-receipt");
    CHECK(dead[0].store == "S001");
    CHECK(dead[0].seq == parked_seq);
    // Nothing of it was booked: each store's member has exactly its terminals' points.
    const auto uid = member_uid(0);
    CHECK(hub->member("TEST", uid)->points == t.ledger_points(uid) + other.ledger_points(uid));
    CHECK(hub->engine().ledger().verify_all().empty());

    // Replayed without a fix it is refused again, with its reason, and changes nothing.
    auto again = hub->replay(dead[0].id, 2000);
    REQUIRE(again.ok());
    CHECK_FALSE(again->applied);
    CHECK(again->reason.starts_with("conflict"));
    CHECK(hub->member("TEST", uid)->points == t.ledger_points(uid) + other.ledger_points(uid));
    CHECK(hub->dead_letters().size() == 1);
}

TEST_CASE(
    "loyalty-hub --dead-letters lists a parked event and --replay applies it once the program is "
    "known") {
    loyalty::test::TempDir dir;
    Terminal t(dir.path() / "t1.db", "S001", "T01", 1);
    park_sale_of_unknown_program(t, hub_database(dir.path()));
    const auto config = dir.path() / "hub.toml";
    std::ofstream(config) << "[hub]\ndatabase = \"" << hub_database(dir.path()).string()
                          << "\"\n[broker]\nuri = \"tcp://127.0.0.1:1\"\n";
    const auto log = dir.path() / "hub-cli.log";
    auto output = [&] {
        std::ifstream in(log);
        return std::string(std::istreambuf_iterator<char>(in), {});
    };
    REQUIRE(run_command({LOYALTY_HUB_EXE, "-c", config.string(), "--dead-letters"}, log) == 0);
    CHECK(output().find("unknown_program") != std::string::npos);
    CHECK(output().find("S001") != std::string::npos);

    auto hub = open_hub(hub_database(dir.path()));
    const auto parked = hub->dead_letters();
    REQUIRE(!parked.empty());
    // Still no program: the replay says why and changes nothing.
    CHECK(run_command({LOYALTY_HUB_EXE, "-c", config.string(), "--replay",
                       std::to_string(parked.front().id)},
                      log) == 3);
    CHECK(output().find("not applied: unknown_program") != std::string::npos);
    // Head office loads the program; each parked event then applies, once.
    REQUIRE(hub->engine().programs().save(loyalty::sync::test::link_program(), "ops").ok());
    for (const auto& d : parked)
        CHECK(
            run_command({LOYALTY_HUB_EXE, "-c", config.string(), "--replay", std::to_string(d.id)},
                        log) == 0);
    REQUIRE(hub->member("TEST", member_uid(0)));
    const auto points = hub->member("TEST", member_uid(0))->points;
    CHECK(points > 0);
    CHECK(run_command({LOYALTY_HUB_EXE, "-c", config.string(), "--replay",
                       std::to_string(parked.back().id)},
                      log) == 2);
    CHECK(hub->member("TEST", member_uid(0))->points == points);
    for (const auto& d : hub->dead_letters()) CHECK(d.replayed_at_ms.has_value());
}

TEST_CASE(
    "on PostgreSQL a replay that lost to another worker's transaction is run again, and applies "
    "once") {
    if (!hub_on_postgres()) return;  // SQLite's writers wait their turn at BEGIN IMMEDIATE
    loyalty::test::TempDir dir;
    Terminal t(dir.path() / "t1.db", "S001", "T01", 1);
    park_sale_of_unknown_program(t, hub_database(dir.path()));
    auto hub = open_hub(hub_database(dir.path()));
    const auto parked = hub->dead_letters();
    REQUIRE(parked.size() == 1);
    REQUIRE(hub->engine().programs().save(loyalty::sync::test::link_program(), "ops").ok());

    // Another worker writes the letter's row and holds it: the replay takes its snapshot,
    // books, and waits for that row; the other then commits, after the replay's snapshot.
    auto other = Database::open(hub_database(dir.path()));
    REQUIRE(other.ok());
    auto& o = **other;
    auto watcher = Database::open(hub_database(dir.path()));
    REQUIRE(watcher.ok());
    std::optional<Transaction> holding(std::in_place, o);
    o.prepare("UPDATE hub_dead_letters SET detail = detail WHERE id = ?")
        .bind(1, parked[0].id)
        .run();
    REQUIRE(o.changes() == 1);  // sent, and the row is locked
    auto replayed = std::async(std::launch::async, [&] { return hub->replay(parked[0].id, 2000); });
    const bool waiting = eventually([&] {
        return (*watcher)
                   ->prepare(
                       "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND "
                       "datname = current_database()")
                   .scalar()
                   .value_or(0) > 0;
    });
    holding->commit();
    holding.reset();
    CHECK(waiting);
    auto outcome = replayed.get();
    REQUIRE_MESSAGE(outcome.ok(), (outcome.ok() ? "" : outcome.error().message));
    CHECK(outcome->applied);
    // Booked once, though booked twice: the first try's booking went with its rollback.
    REQUIRE(hub->member("TEST", member_uid(0)));
    CHECK(hub->member("TEST", member_uid(0))->points > 0);
    CHECK(hub->db().prepare("SELECT count(*) FROM sales").scalar().value_or(0) == 1);
    CHECK(hub->engine().ledger().verify_all().empty());
    CHECK(hub->dead_letters().front().replayed_at_ms.has_value());
}

TEST_CASE(
    "a forked terminal's batches apply nothing until it renumbers, even those above the hub's "
    "counter") {
    loyalty::test::TempDir dir;
    Terminal before(dir.path() / "t1.db", "S001", "T01", 1);
    before.sell(0);
    auto hub = open_hub(hub_database(dir.path()));
    REQUIRE(hub->apply({batch_of(before, 0, 1000)}, 1000).ok());
    const auto n = before.last_seq();
    REQUIRE(hub->last_seq("S001", "T01") == n);
    // The same codes with another history, longer than what the hub has (a
    // database restored from an older backup, then more sales).
    Terminal forked(dir.path() / "t1-restored.db", "S001", "T01", 1);
    while (forked.last_seq() < n + 3) forked.sell(0);
    const auto m = forked.last_seq();
    const auto a = address_of(forked);
    auto r =
        hub->apply({batch_of(forked, 0, static_cast<int>(n)), batch_of(forked, n, 1000, 0)}, 2000);
    REQUIRE(r.ok());
    CHECK(r->applied == 0);  // not even the events above the counter: they may follow the fork
    CHECK(r->resequences == 2);
    CHECK(hub->last_seq("S001", "T01") == n);
    bool told = false;
    for (const auto& out : r->publish) {
        REQUIRE(out.topic ==
                acks_topic(a));  // no ack: only the resequence, on the stream's acks topic
        auto rs = decode_resequence(out.payload);
        REQUIRE(rs.ok());
        CHECK(rs->through == n);
        told = true;
    }
    CHECK(told);
    auto asked = [&] { return hub->terminals().at(0).resequence_through; };  // for --status
    CHECK(asked() == n);

    // The agent's answer: its waiting events after the hub's sequence, in order.
    const auto old_numbering = forked.engine().outbox().pending("S001", "T01", 0, 1000);
    REQUIRE(forked.engine().outbox().renumber_after("S001", "T01", n) == static_cast<int>(m));
    auto renumbered = hub->apply({batch_of(forked, n, 1000)}, 3000);
    REQUIRE(renumbered.ok());
    CHECK(renumbered->resequences == 0);
    CHECK(ack_of(*renumbered, a).through == n + m);
    CHECK(hub->last_seq("S001", "T01") == n + m);
    CHECK_FALSE(asked());
    // A late copy of the old numbering changes nothing: its events are known by id.
    const auto applied = hub->applied_count();
    auto late = hub->apply({{events_topic(a), encode_batch(a, 0, 0, old_numbering), {}}}, 4000);
    REQUIRE(late.ok());
    CHECK(late->applied == 0);
    CHECK(late->resequences == 0);
    CHECK(ack_of(*late, a).through == n + m);
    CHECK(hub->applied_count() == applied);
}

TEST_CASE(
    "on PostgreSQL an engine call that lost to another worker's transaction is told from a real "
    "failure, and its transaction's commit fails as busy, to be run again") {
    if (!hub_on_postgres()) return;  // SQLite's writers wait their turn at BEGIN IMMEDIATE
    loyalty::test::TempDir dir;
    Terminal t(dir.path() / "t1.db", "S001", "T01", 1);
    auto hub = open_hub(hub_database(dir.path()));
    REQUIRE(hub->apply({batch_of(t, 0, 1000)}, 1000).ok());
    const auto member = hub->engine().members().get_by_uid(member_uid(0));
    REQUIRE(member.ok());
    auto other = Database::open(hub_database(dir.path()));
    REQUIRE(other.ok());

    Transaction tx(hub->db());
    CHECK(hub->engine().members().get(member->id).ok());  // the snapshot is taken here
    (*other)
        ->prepare("UPDATE members SET points_available = points_available + 5 WHERE id = ?")
        .bind(1, member->id)
        .run();  // another worker commits a change to the same member
    auto adjusted = hub->engine().ledger().adjust(member->id, 100, "goodwill", "mgr", "adj-1");
    REQUIRE_FALSE(adjusted.ok());
    CHECK(adjusted.error().code == Errc::storage);
    CHECK(hub->db().lost_to_another_transaction());
    try {
        tx.commit();
        FAIL("a transaction that lost committed");
    } catch (const StorageError& e) {
        CHECK(e.is_busy());
    }
}
