// Parking credits from a mall's kiosk to its car park (PROTOCOL.md, "Parking credits"): the
// kiosk books a credit, its link ships the event, the hub applies it and publishes it once on
// loyalty/v1/{p}/carpark/credits, where a stand-in car park (tests/support/carpark_stand_in.py,
// Debian's python3-paho-mqtt) subscribed with its own credentials. Real mosquitto with the
// ACL, the real hub worker and link agent, real SQLite files.
#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "broker.hpp"
#include "hub_carpark.hpp"
#include "hub_database.hpp"
#include "loyalty/parking.hpp"
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

namespace {

constexpr const char* kPlate = "粤BD12345";

// The car park: the stand-in subscribed with `user`'s credentials, its log read back.
class CarparkStandIn {
  public:
    CarparkStandIn(const std::filesystem::path& dir, Mosquitto& broker,
                   const std::string& user = "carpark")
        : log_(dir / "carpark.jsonl") {
        std::filesystem::create_directories(dir);
        const auto b = broker.client(user, "carpark-" + user);
        process_ = ChildProcess(
            {"/usr/bin/python3", LOYALTY_SOURCE_DIR "/tests/support/carpark_stand_in.py", "--port",
             std::to_string(broker.port()), "--username", b.username, "--password", b.password,
             "--client-id", b.client_id, "--log", log_.string()},
            dir / "carpark-stand-in.log");
        REQUIRE_MESSAGE(eventually([&] { return !of("subscribed").empty(); }, 15000),
                        "the car park stand-in did not subscribe (python3-paho-mqtt installed?)");
    }
    std::vector<nlohmann::json> of(const std::string& event) const {
        std::vector<nlohmann::json> out;
        std::ifstream in(log_);
        for (std::string line; std::getline(in, line);) {
            auto j = nlohmann::json::parse(line, nullptr, false);
            if (j.is_object() && j.value("event", "") == event) out.push_back(std::move(j));
        }
        return out;
    }
    std::vector<nlohmann::json> credits() const { return of("credit"); }
    int count(const std::string& credit_id) const {
        int n = 0;
        for (const auto& c : credits()) n += c.value("credit_id", "") == credit_id;
        return n;
    }

  private:
    std::filesystem::path log_;
    ChildProcess process_;
};

// A kiosk of mall store S001 selling parking: silver parks 60 minutes free, an hour costs 100.
struct Kiosk {
    explicit Kiosk(const std::filesystem::path& db) : terminal(db, "S001", "K01", 1) {
        REQUIRE((*terminal.engine().programs().get("TEST"))->parking.points_per_hour == 100);
        REQUIRE(terminal.engine().parking().add_plate(member(), "粤B·D12345").ok());
        REQUIRE(terminal.engine().ledger().adjust(member(), 1000, "welcome", "mgr", "gift").ok());
    }
    MemberId member() const { return terminal.member_id(0); }
    ParkingCredit credit(const std::string& id, bool free_minutes, int hours) {
        ParkingCreditRequest r;
        r.program = "TEST";
        r.member = member();
        r.plate = kPlate;
        r.free_minutes = free_minutes;
        r.hours = hours;
        r.credit_id = id;
        auto out = terminal.engine().parking().credit(r);
        REQUIRE_MESSAGE(out.ok(), (out.ok() ? "" : out.error().message));
        return out->credit;
    }
    Terminal terminal;
};

std::string published_state(const std::filesystem::path& hub_db, const std::string& credit) {
    auto hub = HubStore::open(hub_db, HubStoreOptions{"probe", false, false, {}});
    if (!hub) return "";
    return (*hub)
        ->db()
        .prepare("SELECT state FROM hub_carpark_credits WHERE credit_id = ?")
        .bind(1, credit)
        .scalar<std::string>()
        .value_or("");
}

}  // namespace

TEST_CASE(
    "Parking credit reaches a subscriber on the documented topic exactly once across a link "
    "restart") {
    loyalty::test::TempDir dir;
    Mosquitto broker(dir.path() / "broker", {"hub", "S001", "carpark"});
    CarparkStandIn carpark(dir.path() / "carpark", broker);
    // A store's own credentials read no credits: its car park subscription stays empty.
    CarparkStandIn snooper(dir.path() / "snooper", broker, "S001");
    Kiosk kiosk(dir.path() / "s001.db");
    const auto hub_db = hub_database(dir.path());
    const auto uid = member_uid(0);

    // Free minutes and two hours, with everything up.
    const auto first = kiosk.credit("park-1", true, 2);
    CHECK(first.uid == "S001/K01/park-1");
    CHECK(first.points == 200);
    {
        Running<HubWorker> hub(hub_config(broker, hub_db));
        Running<StoreAgent> link(agent_config(broker, dir.path() / "s001.db", "S001", "K01"));
        REQUIRE(eventually([&] { return carpark.count(first.uid) == 1; }));
        // Marked once the broker took it: a restart from here sends it no more.
        REQUIRE(eventually([&] { return published_state(hub_db, first.uid) == "published"; }));
    }
    const auto got = carpark.credits().front();
    CHECK(got.at("topic") == "loyalty/v1/TEST/carpark/credits");
    const auto& p = got.at("payload");
    CHECK(p.at("v") == 1);
    CHECK(p.at("kind") == "parking_credit");
    CHECK(p.at("plate") == kPlate);
    CHECK(p.at("free_minutes") == 60);
    CHECK(p.at("bought_hours") == 2);
    CHECK(p.at("minutes") == 180);
    CHECK(p.at("store") == "S001");
    CHECK(p.at("date") == "2026-03-10");
    CHECK(p.contains("at"));
    CHECK_FALSE(p.contains("member_uid"));  // the car park needs the plate, not the member

    // An hour more while the hub is down; the link ships it and is restarted before the hub
    // is back; then both run again, and the link resends what was never acknowledged.
    const auto second = kiosk.credit("park-2", false, 1);
    {
        Running<StoreAgent> link(agent_config(broker, dir.path() / "s001.db", "S001", "K01"));
        std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    }
    {
        Running<StoreAgent> link(agent_config(broker, dir.path() / "s001.db", "S001", "K01"));
        Running<HubWorker> hub(hub_config(broker, hub_db));
        REQUIRE(eventually([&] { return carpark.count(second.uid) == 1; }));
        REQUIRE(eventually([&] { return published_state(hub_db, second.uid) == "published"; }));
        REQUIRE(eventually([&] { return kiosk.terminal.backlog() == 0; }));
        // The hub restarted once more with everything applied: nothing goes out again.
    }
    {
        Running<HubWorker> hub(hub_config(broker, hub_db));
        Running<StoreAgent> link(agent_config(broker, dir.path() / "s001.db", "S001", "K01"));
        std::this_thread::sleep_for(std::chrono::milliseconds(2000));
    }
    CHECK(carpark.count(first.uid) == 1);
    CHECK(carpark.count(second.uid) == 1);
    CHECK(carpark.credits().size() == 2);
    CHECK(snooper.credits().empty());

    // The points spent on parking are the hub's too: 1000 given, 200 + 100 spent.
    auto hub = HubStore::open(hub_db, HubStoreOptions{"check", false, false, {}});
    REQUIRE(hub.ok());
    const auto snapshot = (*hub)->member("TEST", uid);
    REQUIRE(snapshot);
    CHECK(snapshot->points == 700);
    CHECK(kiosk.terminal.ledger_points(uid) == 700);
    CHECK((*hub)->db().prepare("SELECT count(*) FROM parking_credits").scalar().value_or(0) == 2);
    CHECK((*hub)->dead_letters().empty());
}

TEST_CASE("a credit the hub committed but never published goes out once when a worker starts") {
    loyalty::test::TempDir dir;
    Mosquitto broker(dir.path() / "broker", {"hub", "S001", "carpark"});
    CarparkStandIn carpark(dir.path() / "carpark", broker);
    Kiosk kiosk(dir.path() / "s001.db");
    const auto credit = kiosk.credit("park-9", true, 0);
    const auto hub_db = hub_database(dir.path());
    // The hub applies the kiosk's events and dies before its publish (no worker, no broker).
    {
        auto hub = HubStore::open(hub_db, HubStoreOptions{"w1", false, false, {}});
        REQUIRE(hub.ok());
        const TerminalAddress a{"TEST", "S001", "K01"};
        const auto batch =
            encode_batch(a, 0, 0, kiosk.terminal.engine().outbox().pending("S001", "K01", 0, 1000));
        REQUIRE((*hub)->apply({HubIncoming{events_topic(a), batch, {}}}, 1764547200000).ok());
        // Applied twice (a resend): still one credit queued.
        REQUIRE((*hub)->apply({HubIncoming{events_topic(a), batch, {}}}, 1764547200500).ok());
        CHECK((*hub)->db().prepare("SELECT count(*) FROM hub_carpark_credits").scalar() == 1);
    }
    CHECK(published_state(hub_db, credit.uid) == "queued");
    {
        Running<HubWorker> hub(hub_config(broker, hub_db));
        REQUIRE(eventually([&] { return carpark.count(credit.uid) == 1; }));
        REQUIRE(eventually([&] { return published_state(hub_db, credit.uid) == "published"; }));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    CHECK(carpark.credits().size() == 1);
}

TEST_CASE("a credit the broker did not take is sent again, the same bytes, until it is") {
    loyalty::test::TempDir dir;
    Kiosk kiosk(dir.path() / "s001.db");
    const auto credit = kiosk.credit("park-3", false, 3);
    auto hub = HubStore::open(hub_database(dir.path()), HubStoreOptions{"w1", false, false, {}});
    REQUIRE(hub.ok());
    const TerminalAddress a{"TEST", "S001", "K01"};
    const auto batch =
        encode_batch(a, 0, 0, kiosk.terminal.engine().outbox().pending("S001", "K01", 0, 1000));
    REQUIRE((*hub)->apply({HubIncoming{events_topic(a), batch, {}}}, 1000).ok());

    std::vector<std::string> sent;
    bool broker_takes = false;
    const CarparkSend send = [&](const std::string& topic, const std::string& payload) {
        CHECK(topic == "loyalty/v1/TEST/carpark/credits");
        sent.push_back(payload);
        return std::function<bool()>([&] { return broker_takes; });
    };
    CHECK(drain_carpark_outbox(**hub, send, 1000) == 0);  // refused
    CHECK(drain_carpark_outbox(**hub, send, 1500) == 0);  // not due: retried after 1 s
    CHECK(sent.size() == 1);
    CHECK(drain_carpark_outbox(**hub, send, 2000) == 0);  // refused again: 2 s now
    CHECK(drain_carpark_outbox(**hub, send, 3500) == 0);
    CHECK(sent.size() == 2);
    broker_takes = true;
    CHECK(drain_carpark_outbox(**hub, send, 4000) == 1);
    CHECK(drain_carpark_outbox(**hub, send, 60000) == 0);  // published: never again
    REQUIRE(sent.size() == 3);
    CHECK(sent[0] == sent[2]);
    CHECK(nlohmann::json::parse(sent[2]).at("credit_id") == credit.uid);
}

TEST_CASE("the hub refuses a parking credit naming another terminal's id or booked before") {
    loyalty::test::TempDir dir;
    Kiosk kiosk(dir.path() / "s001.db");
    kiosk.credit("park-4", true, 1);
    auto hub = HubStore::open(hub_database(dir.path()), HubStoreOptions{"w1", false, false, {}});
    REQUIRE(hub.ok());
    const TerminalAddress a{"TEST", "S001", "K01"};
    auto events = kiosk.terminal.engine().outbox().pending("S001", "K01", 0, 1000);
    REQUIRE(events.back().type == "parking.credited");
    // The same credit again under a new event id, then one claiming another terminal's id.
    auto again = events.back();
    again.event_id = "dup-" + again.event_id;
    again.seq = events.back().seq + 1;
    auto foreign = again;
    foreign.event_id = "foreign-" + again.event_id;
    foreign.seq = again.seq + 1;
    auto p = nlohmann::json::parse(foreign.payload);
    p["credit"] = "S001/T99/park-4";
    foreign.payload = p.dump();
    events.push_back(again);
    events.push_back(foreign);
    REQUIRE((*hub)
                ->apply({HubIncoming{events_topic(a), encode_batch(a, 0, 0, events), {}}}, 1000)
                .ok());
    const auto letters = (*hub)->dead_letters();
    REQUIRE(letters.size() == 2);
    CHECK(letters[0].reason == "conflict");
    CHECK(letters[1].reason == "foreign_reference");
    CHECK((*hub)->db().prepare("SELECT count(*) FROM hub_carpark_credits").scalar() == 1);
    // Points taken once: 1000 given, 100 spent.
    CHECK((*hub)->member("TEST", member_uid(0))->points == 900);
}

TEST_CASE(
    "the hub refuses a parking credit beyond the program's rules, and the car park hears nothing "
    "of it") {
    loyalty::test::TempDir dir;
    Kiosk kiosk(dir.path() / "s001.db");
    const auto real = kiosk.credit("park-6", true, 1);  // 60 free minutes, an hour for 100
    auto hub = HubStore::open(hub_database(dir.path()), HubStoreOptions{"w1", false, false, {}});
    REQUIRE(hub.ok());
    const TerminalAddress a{"TEST", "S001", "K01"};
    auto events = kiosk.terminal.engine().outbox().pending("S001", "K01", 0, 1000);
    REQUIRE(events.back().type == "parking.credited");
    // Forged from the real one, each under its own credit id: too few points for the hours,
    // more free minutes than any tier's, more hours than the 5 a day (paid in full), points
    // with no hours bought.
    const std::vector<std::pair<std::string, nlohmann::json>> forged = {
        {"cheap", {{"bought_hours", 3}, {"points", 100}}},
        {"long", {{"free_minutes", 480}, {"bought_hours", 0}, {"points", 0}}},
        {"many", {{"bought_hours", 6}, {"points", 600}}},
        {"free-points", {{"bought_hours", 0}, {"points", 50}}},
    };
    auto next = events.back();
    for (const auto& [id, changes] : forged) {
        next.event_id = "forged-" + id;
        ++next.seq;
        auto p = nlohmann::json::parse(events.back().payload);
        p["credit"] = "S001/K01/" + id;
        p.update(changes);
        next.payload = p.dump();
        events.push_back(next);
    }
    REQUIRE((*hub)
                ->apply({HubIncoming{events_topic(a), encode_batch(a, 0, 0, events), {}}}, 1000)
                .ok());
    const auto letters = (*hub)->dead_letters();
    REQUIRE(letters.size() == forged.size());
    for (const auto& l : letters) CHECK(l.reason == "malformed_event");
    CHECK(letters[0].detail.find("3 h cost 300 points at 100 an hour, not 100") !=
          std::string::npos);
    CHECK(letters[1].detail.find("480 free minutes, no tier gives more than") != std::string::npos);
    CHECK(letters[2].detail.find("more than the 5 a day") != std::string::npos);
    // Only the real credit is booked, charged and sent on to the car park.
    CHECK((*hub)->db().prepare("SELECT count(*) FROM parking_credits").scalar() == 1);
    CHECK((*hub)->member("TEST", member_uid(0))->points == 900);
    std::vector<std::string> sent;
    const CarparkSend send = [&](const std::string&, const std::string& payload) {
        sent.push_back(payload);
        return std::function<bool()>([] { return true; });
    };
    CHECK(drain_carpark_outbox(**hub, send, 2000) == 1);
    REQUIRE(sent.size() == 1);
    CHECK(nlohmann::json::parse(sent[0]).at("credit_id") == real.uid);
}

TEST_CASE("a store's credentials may not publish a parking credit to the car park") {
    loyalty::test::TempDir dir;
    Mosquitto broker(dir.path() / "broker", {"hub", "S001", "carpark"});
    RawClient store(broker.client("S001", "forger"));
    CHECK(store.publish("loyalty/v1/TEST/carpark/credits",
                        R"({"v":1,"kind":"parking_credit","credit_id":"x","plate":"沪A12345"})") ==
          135);
    RawClient carpark(broker.client("carpark", "carpark-writer"));
    CHECK(carpark.publish("loyalty/v1/TEST/carpark/credits", "{}") == 135);  // read-only
}
