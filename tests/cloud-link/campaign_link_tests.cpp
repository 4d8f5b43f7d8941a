// Campaign files distributed by the hub through cloud-link: the real
// loyalty-hub --publish-campaigns, a real mosquitto, the terminal agent on a
// thread of this process installing into the terminal database.
#include <doctest/doctest.h>
#include <mqtt/async_client.h>

#include <fstream>
#include <thread>

#include "broker.hpp"
#include "hub_database.hpp"
#include "loyalty/sync/down_state.hpp"
#include "loyalty/sync/hub.hpp"
#include "loyalty/sync/store_agent.hpp"
#include "loyalty/sync/topics.hpp"
#include "running.hpp"
#include "terminal.hpp"
#include "test_support.hpp"

using namespace loyalty;
using namespace loyalty::sync;
using namespace loyalty::sync::test;
namespace fs = std::filesystem;

namespace {

// One campaign of the test program; `trigger` lets a test make it invalid.
std::string campaign_file(int version, const std::string& trigger = "purchase",
                          const std::string& code = "spend-100") {
    return R"({"schema":1,"program":"TEST","campaigns":[{"code":")" + code + R"(","version":)" +
           std::to_string(version) + R"(,"name":"Spend 100, get 50","trigger":{"type":")" +
           trigger +
           R"(","min_spend_minor":10000},"actions":[{"type":"bonus_points","points":50}]}]})";
}

void write_file(const fs::path& path, const std::string& text) {
    std::ofstream out(path);
    out << text;
}

// The agent of terminal S001/T01, quick to reconnect.
AgentConfig store_agent(Mosquitto& broker, const fs::path& db) {
    AgentConfig ac;
    ac.db = db;
    ac.address = {"TEST", "S001", "T01"};
    ac.broker = broker.client("S001", "link-S001-T01");
    ac.full_sync = false;
    ac.backoff_initial_ms = 50;
    ac.backoff_max_ms = 500;
    return ac;
}

// The operator's hub.toml (hub database dir/hub.db): what `loyalty-hub -c` reads.
fs::path write_hub_config(Mosquitto& broker, const fs::path& dir) {
    const auto hub = broker.client("hub", "hub-w1");
    const auto path = dir / "hub.toml";
    write_file(path, "[hub]\ndb = \"" + hub_database(dir).string() +
                         "\"\nfull_sync = false\n\n[broker]\nuri = \"" + hub.uri +
                         "\"\nusername = \"hub\"\npassword = \"" + hub.password +
                         "\"\nconnect_timeout_ms = 2000\n");
    return path;
}

// What a hub worker (or a stray publisher) could put on the store's down topic.
void publish_raw(const BrokerConfig& b, const std::string& topic, const std::string& payload) {
    mqtt::async_client client(b.uri, b.client_id, mqtt::create_options(MQTTVERSION_5), nullptr);
    auto opts = mqtt::connect_options_builder().mqtt_version(MQTTVERSION_5).clean_start(true);
    opts.user_name(b.username).password(b.password);
    client.connect(opts.finalize())->wait();
    client.publish(topic, payload.data(), payload.size(), 1, false)->wait();
    client.disconnect(std::chrono::milliseconds(0))->wait();
}

}  // namespace

TEST_CASE(
    "the hub publishes a campaign file, the terminal installs it; a bad or older one changes "
    "nothing") {
    loyalty::test::TempDir dir;
    Mosquitto broker(dir.path() / "broker", {"hub", "S001"});
    Terminal t(dir.path() / "t1.db", "S001", "T01");
    EnrollRequest join;  // campaigns reach members who agreed to marketing
    join.program = "TEST";
    join.uid = member_uid(0);
    join.phone = "13910000000";
    join.display_name = "会员";
    join.consent_privacy = true;
    join.consent_marketing = true;
    auto member = t.engine().members().enroll(join);
    REQUIRE(member.ok());
    CHECK(t.engine().campaigns().active("TEST").empty());

    Running<StoreAgent> agent(store_agent(broker, dir.path() / "t1.db"));
    REQUIRE(eventually([&] { return agent->stats().connected; }));

    // The operator's command: loyalty-hub -c hub.toml --publish-campaigns FILE --program TEST
    // --stores S001
    const auto hub_toml = write_hub_config(broker, dir.path());
    // The hub's CLI, a process of its own: what the operator runs, and quicker
    // here than a second Paho client beside the agent's (about 2 s a publish).
    int files = 0;
    auto publish = [&](const std::string& text) {
        const auto file = dir.path() / ("campaigns-" + std::to_string(++files) + ".json");
        write_file(file, text);
        return run_command({LOYALTY_HUB_EXE, "-c", hub_toml.string(), "--publish-campaigns",
                            file.string(), "--program", "TEST", "--stores", "S001"},
                           dir.path() / "publish.log");
    };
    REQUIRE(publish(campaign_file(1)) == 0);
    REQUIRE(eventually([&] { return agent->stats().campaigns_installed == 1; }));
    CHECK(t.engine().campaigns().active("TEST") == std::vector<std::string>{"spend-100@1"});

    // In force at the till: a sale of 100.00 for the member earns the bonus.
    CampaignEvent sale;
    sale.trigger = CampaignTrigger::purchase;
    sale.member = member->member.id;
    sale.reference = "sale:S001/T01/preview";
    sale.store = "S001";
    sale.net = Money{12000};
    CHECK(t.engine().campaigns().matching("TEST", sale) == std::vector<std::string>{"spend-100"});

    // Version 2 of the hub's file carries an unknown trigger: refused with a
    // reason, version 1 of the campaign stays in force.
    REQUIRE(publish(campaign_file(2, "moon_phase")) == 0);
    REQUIRE(eventually([&] { return agent->stats().campaigns_refused == 1; }));
    CHECK(agent->stats().campaigns_installed == 1);
    CHECK(t.engine().campaigns().active("TEST") == std::vector<std::string>{"spend-100@1"});

    // A late copy of an older file (version 1 < 2 already seen) never replaces
    // the newer one, even though its campaign would be valid.
    const auto down = store_down_topic("TEST", "S001");
    const auto stale_before = agent->stats().down_stale;
    auto old = encode_config("TEST", "campaigns", 1, campaign_file(7, "purchase", "late-offer"));
    REQUIRE(old.ok());
    publish_raw(broker.client("hub", "raw-hub"), down, *old);
    REQUIRE(eventually([&] { return agent->stats().down_stale == stale_before + 1; }));
    CHECK(t.engine().campaigns().active("TEST") == std::vector<std::string>{"spend-100@1"});

    // An item that is no campaign document at all is dead-lettered.
    const auto dead_before = agent->stats().dead_letters;
    publish_raw(
        broker.client("hub", "raw-hub"), down,
        R"({"v":1,"kind":"config","program":"TEST","items":[{"key":"campaigns","version":9,"body":"nope"}]})");
    REQUIRE(eventually([&] { return agent->stats().dead_letters == dead_before + 1; }));

    // A good version 3 still installs after all that.
    REQUIRE(publish(campaign_file(2)) == 0);
    REQUIRE(eventually([&] { return agent->stats().campaigns_installed == 2; }));
    CHECK(t.engine().campaigns().active("TEST") == std::vector<std::string>{"spend-100@2"});

    // The hub's counter: one version per publish, kept in its database.
    std::ifstream log(dir.path() / "publish.log");
    std::string all((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    CHECK(all.find("campaigns version 1 published to S001") != std::string::npos);
    CHECK(all.find("campaigns version 3 published to S001") != std::string::npos);
    // Stores default to those the hub has seen: none yet in this hub database.
    write_file(dir.path() / "none.json", campaign_file(3));
    CHECK(run_command({LOYALTY_HUB_EXE, "-c", hub_toml.string(), "--publish-campaigns",
                       (dir.path() / "none.json").string(), "--program", "TEST"},
                      dir.path() / "publish-none.log") == 1);
}

TEST_CASE(
    "head office's program reaches a terminal that connects after it was sent; a hub coupon "
    "reaches the member's store") {
    loyalty::test::TempDir dir;
    Mosquitto broker(dir.path() / "broker", {"hub", "S001"});
    Terminal t(dir.path() / "t1.db", "S001", "T01", 1);
    t.sell(0);
    const auto hub_db = hub_database(dir.path());
    const auto hub_toml = write_hub_config(broker, dir.path());
    {  // The hub has booked the terminal's events (the member, the sale at S001).
        auto hub = HubStore::open(hub_db);
        REQUIRE(hub.ok());
        auto events = t.engine().outbox().pending("S001", "T01", 0, 1000);
        const TerminalAddress a{"TEST", "S001", "T01"};
        REQUIRE((*hub)->apply({{events_topic(a), encode_batch(a, 0, 0, events), {}}}, 1000).ok());
        REQUIRE((*hub)->member("TEST", member_uid(0)));
    }

    // Head office changes the rules while the terminal is switched off.
    auto rules = link_program();
    rules.name = "Rules from head office";
    rules.earning.return_window_days = 3;
    write_file(dir.path() / "program.json", program_config_to_json(rules));
    auto hub_cli = [&](std::vector<std::string> args, const std::string& log) {
        args.insert(args.begin(), {LOYALTY_HUB_EXE, "-c", hub_toml.string()});
        return run_command(args, dir.path() / log);
    };
    REQUIRE(
        hub_cli({"--publish-program", (dir.path() / "program.json").string(), "--program", "TEST"},
                "program.log") == 0);
    CHECK((*t.engine().programs().get("TEST"))->name != "Rules from head office");
    // A file for another program, or one that is no program at all, is refused before anything is
    // sent.
    CHECK(
        hub_cli({"--publish-program", (dir.path() / "program.json").string(), "--program", "MALL"},
                "other.log") == 2);
    write_file(dir.path() / "broken.json", R"({"code":"TEST"})");
    CHECK(hub_cli({"--publish-program", (dir.path() / "broken.json").string(), "--program", "TEST"},
                  "broken.log") == 1);

    Running<StoreAgent> agent(store_agent(broker, dir.path() / "t1.db"));
    // The retained config arrives on subscribe: installed through the engine.
    REQUIRE(eventually([&] { return agent->stats().programs_installed == 1; }));
    // This test's own engine (another connection, like the kiosk's) sees the new rules within a
    // second.
    REQUIRE(eventually(
        [&] { return (*t.engine().programs().get("TEST"))->name == "Rules from head office"; }));
    CHECK((*t.engine().programs().get("TEST"))->earning.return_window_days == 3);

    // A coupon from head office, sent to the store where the member shops.
    REQUIRE(hub_cli({"--issue-coupon", "Welcome back", "--program", "TEST", "--member",
                     member_uid(0), "--value", "2000", "--valid-days", "14"},
                    "coupon.log") == 0);
    REQUIRE(eventually([&] { return agent->stats().coupons_accepted == 1; }));
    const auto coupons = t.engine().rewards().coupons_of(t.member_id(0), true);
    REQUIRE(coupons.size() == 1);
    CHECK(coupons.front().title == "Welcome back");
    CHECK(coupons.front().value.minor == 2000);
    CHECK(coupons.front().expires_at - coupons.front().issued_at == Days{14});
    // An unknown member gets nothing and the command says so.
    CHECK(hub_cli({"--issue-coupon", "Nobody", "--program", "TEST", "--member", "no-such-uid",
                   "--value", "100"},
                  "nobody.log") == 1);
}
