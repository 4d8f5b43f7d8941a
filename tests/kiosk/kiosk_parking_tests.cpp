// Parking at the kiosk (停车缴费, issue 18): a plate typed with its province and saved on the
// member, picked, removed; the tier's free minutes credited once a day; hours bought with points
// at the program's rate, cleared with headquarters as a reward's points are; offline the free
// minutes only, said on the screen; a double tap books once.
#include <algorithm>
#include <fstream>

#include "broker.hpp"
#include "kiosk_controller.hpp"
#include "kiosk_harness.hpp"
#include "loyalty/engine.hpp"
#include "loyalty/parking.hpp"
#include "loyalty/signed_codes.hpp"
#include "loyalty/storage/engine_storage.hpp"
#include "loyalty/sync/hub.hpp"
#include "loyalty/sync/store_agent.hpp"
#include "process.hpp"
#include "running.hpp"
#include "terminal.hpp"
#include "test_configs.hpp"
#include "test_support.hpp"

using namespace loyalty;
using kiosk_test::Kiosk;

namespace {

constexpr Points kRate = 200;  // points an hour
constexpr int kCap = 4;        // hours a day

// The demo program sells parking hours for points (its tiers park free already).
void with_parking(const std::filesystem::path& db) {
    kiosk_test::change_demo_program(db, [](ProgramConfig& config) {
        config.parking.points_per_hour = kRate;
        config.parking.max_bought_hours = kCap;
    });
}

long long available(const Kiosk& k) {
    return k.state()["member"]["available"].get<long long>();
}

bool shows(const Kiosk& k, const std::string& text) {
    const auto texts = k.texts();
    return std::any_of(texts.begin(), texts.end(),
                       [&](const std::string& t) { return t.find(text) != std::string::npos; });
}

// The member's credits booked today, read from the store database.
std::int64_t credits_booked(const Kiosk& k) {
    SystemClock clock;
    auto engine = Engine::open(k.db(), clock);
    REQUIRE(engine.ok());
    return engine_database(**engine)
        .prepare("SELECT count(*) FROM parking_credits")
        .scalar<std::int64_t>()
        .value_or(-1);
}

// Member home to the parking screen, a plate typed and saved: province tapped, then the rest.
void add_plate(Kiosk& k, const std::string& province, const std::string& rest) {
    k.tap("parking.add");
    REQUIRE(k.screen() == "parking_plate");
    k.tap("plate.prov." + province);
    k.keys("plate", rest);
    k.tap("plate.save");
}

}  // namespace

TEST_CASE("parking: a plate is typed with its province, saved on the member, picked and removed") {
    Kiosk k(1080, 1920, 600, with_parking);
    k.tap("demo.card.0");
    REQUIRE(k.screen() == "member_home");
    CHECK(k.state()["parking_offered"] == true);
    k.tap("home.parking");
    REQUIRE(k.screen() == "parking");
    CHECK(k.state()["parking"]["plates"].empty());

    // Letters and digits without a province: nothing to save yet.
    k.tap("parking.add");
    k.keys("plate", "B12345");
    CHECK(k.state()["parking"]["typed"] == "B12345");
    k.tap("plate.save");
    CHECK(k.screen() == "parking_plate");
    // A province tapped goes first, wherever the typing is; too short is refused with why.
    k.tap("plate.prov.粤");
    k.tap("plate.key.erase");
    CHECK(k.state()["parking"]["typed"] == "粤B1234");
    k.tap("plate.save");
    CHECK(k.screen() == "parking_plate");
    CHECK(k.state()["notice"]["key"] == "error.parking_plate_invalid");
    k.keys("plate", "5");
    k.tap("plate.save");
    REQUIRE(k.screen() == "parking");
    CHECK(k.state()["notice"]["key"] == "notice.parking_plate_saved");
    CHECK(k.state()["parking"]["plates"] == nlohmann::json::array({"粤B12345"}));
    CHECK(k.state()["parking"]["plate"] == "粤B12345");
    CHECK(shows(k, "粤B·12345"));

    // A province not in the common row: behind "more". A new-energy plate (six after the letter).
    k.tap("parking.add");
    k.tap("plate.more");
    k.tap("plate.all.晋");
    k.keys("plate", "AD12345");
    k.shot("plate-entry.png");
    CHECK(kiosk_test::overlaps(k.state()).empty());
    k.tap("plate.save");
    REQUIRE(k.screen() == "parking");
    CHECK(k.state()["parking"]["plates"] == nlohmann::json::array({"粤B12345", "晋AD12345"}));
    CHECK(k.state()["parking"]["plate"] == "晋AD12345");  // the plate just added is chosen
    k.tap("parking.plate.0");
    CHECK(k.state()["parking"]["plate"] == "粤B12345");
    // Kept on the member: a new visit finds them.
    k.tap("parking.back");
    k.tap("home.parking");
    CHECK(k.state()["parking"]["plates"].size() == 2);
    k.tap("parking.plate.1");
    k.tap("parking.remove");
    CHECK(k.state()["notice"]["key"] == "notice.parking_plate_removed");
    CHECK(k.state()["parking"]["plates"] == nlohmann::json::array({"粤B12345"}));
}

TEST_CASE("parking: the tier's free minutes are credited once a day, and the screen says so") {
    Kiosk k(1080, 1920, 600, with_parking);
    k.tap("demo.card.0");
    const auto before = available(k);
    k.tap("home.parking");
    add_plate(k, "粤", "D12345");
    auto p = k.state()["parking"];
    const int free_min = p["tier_free_minutes"];
    REQUIRE(free_min > 0);
    CHECK(p["free_minutes_left"] == true);
    CHECK(shows(k, "将为 粤D·12345 减免 " + std::to_string(free_min) + " 分钟"));
    k.tap("parking.confirm");
    REQUIRE(k.screen() == "parking_done");
    const auto last = k.state()["parking"]["last"];
    CHECK(last["free_minutes"] == free_min);
    CHECK(last["bought_hours"] == 0);
    CHECK(last["points"] == 0);
    CHECK(shows(k, "已为 粤D·12345 减免 " + std::to_string(free_min) + " 分钟"));
    CHECK(available(k) == before);
    CHECK(credits_booked(k) == 1);

    // Again today: used, said, and nothing more to credit without hours.
    k.tap("parking.again");
    REQUIRE(k.screen() == "parking");
    CHECK(k.state()["parking"]["free_minutes_left"] == false);
    CHECK(shows(k, "今日已使用"));
    k.tap("parking.confirm");  // off: nothing to credit
    CHECK(k.screen() == "parking");
    CHECK(credits_booked(k) == 1);
    k.tap("lang");
    CHECK(shows(k, "Used today (" + std::to_string(free_min) + " min credited)"));
    // A second plate does not get them a second time either.
    add_plate(k, "京", "A88888");
    CHECK(k.state()["parking"]["free_minutes_left"] == false);
    CHECK(credits_booked(k) == 1);
}

TEST_CASE("parking: hours bought with points debit the program's rate, up to the day's cap") {
    Kiosk k(1080, 1920, 600, with_parking);
    k.tap("demo.card.0");
    const auto before = available(k);
    REQUIRE(before >= kRate * kCap);
    k.tap("home.parking");
    add_plate(k, "沪", "C55555");
    CHECK(k.state()["parking"]["points_per_hour"] == kRate);
    CHECK(k.state()["parking"]["hours_buyable"] == kCap);
    k.tap("parking.hours.more");
    k.tap("parking.hours.more");
    k.tap("parking.hours.less");
    k.tap("parking.hours.more");
    CHECK(k.state()["parking"]["hours"] == 2);
    // The cost and the balance after, as the shopper reads them.
    CHECK(shows(k, "400 积分，兑换后余额 " + group_thousands(before - 2 * kRate) + " 积分"));
    k.tap("parking.confirm");
    REQUIRE(k.screen() == "parking_done");
    auto last = k.state()["parking"]["last"];
    CHECK(last["bought_hours"] == 2);
    CHECK(last["points"] == 2 * kRate);
    CHECK(last["minutes"] == last["free_minutes"].get<int>() + 120);
    CHECK(available(k) == before - 2 * kRate);

    // Two more reach the cap; beyond it the stepper stops, and the screen says why.
    k.tap("parking.again");
    CHECK(k.state()["parking"]["hours_buyable"] == kCap - 2);
    for (int i = 0; i < 4; ++i) k.tap("parking.hours.more");
    CHECK(k.state()["parking"]["hours"] == kCap - 2);
    k.tap("parking.confirm");
    REQUIRE(k.screen() == "parking_done");
    CHECK(k.state()["parking"]["last"]["free_minutes"] == 0);  // credited with the first
    CHECK(available(k) == before - kCap * kRate);
    k.tap("parking.again");
    CHECK(k.state()["parking"]["hours_buyable"] == 0);
    CHECK(shows(k, "今日积分购买时长已达上限"));
    k.tap("parking.hours.more");
    CHECK(k.state()["parking"]["hours"] == 0);
    CHECK(credits_booked(k) == 2);
    CHECK(kiosk_test::overlaps(k.state()).empty());
}

TEST_CASE(
    "parking offline: headquarters out of reach, the tier's free minutes only, hours refused and "
    "said so") {
    loyalty::test::TempDir dir;
    // A link to a broker that is not there, with an offline limit that would let a reward's
    // points through: parking hours still need headquarters' word.
    const auto toml = dir.path() / "link.toml";
    std::ofstream(toml) << "[terminal]\ndb = \"unused.db\"\nprogram = \"DEMO\"\nstore = "
                           "\"S001\"\nterminal = \"K01\"\n[broker]\nuri = \"tcp://127.0.0.1:"
                        << sync::test::free_loopback_port()
                        << "\"\n[link]\noffline_redeem_limit = 5000\nhub_timeout_ms = 300\n";
    Kiosk k(1080, 1920, 600, with_parking, [&](kiosk::AppOptions& o) { o.link_config = toml; });
    k.tap("demo.card.0");
    REQUIRE(k.screen() == "member_home");
    const auto before = available(k);
    k.tap("home.parking");
    add_plate(k, "浙", "E66666");
    REQUIRE(k.screen() == "parking");
    if (k.state()["parking"]["offline"] == false) {
        // Not noticed yet: the first try at hours finds out, books nothing, and says so.
        k.tap("parking.hours.more");
        k.tap("parking.confirm");
        CHECK(k.screen() == "parking");
        CHECK(k.state()["notice"]["key"] == "error.parking_offline");
    }
    REQUIRE(k.state()["parking"]["offline"] == true);
    CHECK(shows(k, "网络中断：仅可使用会员免费停车时长"));
    k.tap("parking.hours.more");  // off, with the reason beside it
    CHECK(k.state()["parking"]["hours"] == 0);
    CHECK(credits_booked(k) == 0);
    k.shot("parking-offline.png");
    CHECK(kiosk_test::overlaps(k.state()).empty());
    k.tap("lang");
    CHECK(shows(k, "Network down: only your tier's free parking minutes can be used"));
    CHECK(kiosk_test::overlaps(k.state()).empty());
    // The free minutes are credited all the same, no points spent.
    k.tap("parking.confirm");
    REQUIRE(k.screen() == "parking_done");
    CHECK(k.state()["parking"]["last"]["free_minutes"].get<int>() > 0);
    CHECK(k.state()["parking"]["last"]["bought_hours"] == 0);
    CHECK(available(k) == before);
    CHECK(credits_booked(k) == 1);
}

TEST_CASE("parking: a double tap on Credit books once, under one credit id") {
    // The controller as the screens drive it, two taps before the worker answers.
    Kiosk app(1080, 1920, 600, with_parking);
    MemberId member = 0;
    {
        SystemClock clock;
        auto engine = Engine::open(app.db(), clock);
        REQUIRE(engine.ok());
        auto top = engine_database(**engine).prepare(
            "SELECT id FROM members ORDER BY points_available DESC, id LIMIT 1");
        REQUIRE(top.step());
        member = top.int64(0);
        REQUIRE((*engine)->parking().add_plate(member, "鄂A12345").ok());
    }
    kiosk::KioskConfig config;
    config.program = "DEMO";
    config.origin = Origin{"S001", "K02"};
    kiosk::KioskController k(
        config, app.db(), [] {}, std::chrono::seconds{600});
    auto settle = [&] {
        k.worker().wait_idle();
        k.apply_updates();
    };
    settle();
    REQUIRE(k.state().parking_offered);
    kiosk::MemberView view;
    view.id = member;
    k.state().member = view;
    k.state().screen = kiosk::Screen::member_home;
    k.open_parking();
    settle();
    REQUIRE(k.state().screen == kiosk::Screen::parking);
    REQUIRE(k.state().parking->plate == "鄂A12345");
    // Today's free minutes first, so what follows is hours only.
    k.confirm_parking();
    settle();
    REQUIRE(k.state().screen == kiosk::Screen::parking_done);
    k.open_parking();
    settle();
    const auto before = k.state().parking->today.available;

    k.parking_hours(1);
    k.confirm_parking();
    const auto id = k.state().parking->credit_id;
    CHECK_FALSE(id.empty());
    k.confirm_parking();  // the second tap, the first still with the worker
    settle();
    REQUIRE(k.state().screen == kiosk::Screen::parking_done);
    CHECK(k.state().parking->last->credit.credit_id == id);
    CHECK(k.state().parking->last->available_after == before - kRate);

    // A tap that gets through before the first answer arrives (the answer was slow; the screen
    // took it as lost) is the same choice, so the same credit: replayed, not booked again.
    k.open_parking();
    settle();
    k.parking_hours(1);
    k.confirm_parking();
    const auto second = k.state().parking->credit_id;
    CHECK(second != id);  // another purchase, another credit
    k.worker().wait_idle();
    k.state().busy = false;
    k.confirm_parking();
    CHECK(k.state().parking->credit_id == second);
    settle();
    REQUIRE(k.state().screen == kiosk::Screen::parking_done);
    CHECK(k.state().parking->last->replayed);
    CHECK(k.state().parking->last->available_after == before - 2 * kRate);
    CHECK(credits_booked(app) == 3);  // the free minutes, then one hour twice
}

TEST_CASE(
    "parking online: the hours' points are cleared with the hub as a reward's are, its hold "
    "captured once by the credit's event; the broker down, hours are refused") {
    using namespace loyalty::sync;
    using namespace loyalty::sync::test;
    loyalty::test::TempDir dir;
    Mosquitto broker(dir.path() / "broker", {"hub", "S001"});
    const auto db = dir.path() / "s001.db";
    Terminal store(db, "S001", "T01", 1);
    const auto uid = member_uid(0);
    {
        auto config = link_program();
        config.parking.points_per_hour = 100;
        REQUIRE(store.engine().programs().save(config, "test").ok());
        REQUIRE(store.engine().parking().add_plate(store.member_id(0), "粤B·D12345").ok());
        REQUIRE(
            store.engine().ledger().adjust(store.member_id(0), 1000, "gift", "mgr", "g-1").ok());
    }
    const auto hub_db = dir.path() / "hub.db";
    Running<HubWorker> worker(hub_config(broker, hub_db));
    REQUIRE(eventually([&] { return worker->stats().connected; }));
    Running<StoreAgent> link(agent_config(broker, db, "S001", "T01"));
    REQUIRE(eventually([&] { return store.backlog() == 0; }));
    auto opened = HubStore::open(hub_db);
    REQUIRE(opened.ok());
    auto& hub = **opened;
    const auto joined = hub.member("TEST", uid)->points;

    auto key = signing_key_from_seed_hex("hub-1", std::string(64, '7'));
    REQUIRE(key.ok());
    const auto toml = write_link_toml(broker, dir.path(), db, "S001", 5000);
    Kiosk k(1080, 1920, 600, {}, [&](kiosk::AppOptions& o) {
        o.db = db;
        o.program = "TEST";
        o.store = "S001";
        o.terminal = "K01";
        o.demo = false;
        o.link_config = toml;
        o.trusted_keys = {"hub-1:" + public_key_hex(*key)};
    });
    int nonce = 0;
    REQUIRE(eventually([&] {
        k.scan(devices::ScanKind::qr, mint_member_code(MemberCode{"TEST", uid, SystemClock().now(),
                                                                  "n-" + std::to_string(++nonce)},
                                                       *key));
        return k.screen() == "member_home";
    }));
    // The kiosk's own hub connection comes up beside it (the member was known here, so nothing
    // waited for it): until it is up the parking screen offers the free minutes only.
    REQUIRE(eventually([&] {
        if (k.screen() == "parking") k.tap("parking.back");
        k.tap("home.parking");
        return k.screen() == "parking" && k.state()["parking"]["offline"] == false;
    }));
    k.tap("parking.hours.more");
    k.tap("parking.hours.more");
    k.tap("parking.confirm");
    REQUIRE_MESSAGE(k.screen() == "parking_done", k.state()["notice"].dump());
    const auto id = k.state()["parking"]["last"]["credit_id"].get<std::string>();
    CHECK(k.state()["parking"]["last"]["points"] == 200);
    // The hub held the points under the credit's id, and its event captured them, once.
    const auto holds = [&](const std::string& state) {
        return hub.db()
            .prepare("SELECT count(*) FROM hub_holds WHERE auth = ? AND state = ?")
            .bind_all("parking/K01/" + id, state)
            .scalar<std::int64_t>()
            .value_or(-1);
    };
    CHECK(eventually([&] { return holds("captured") == 1; }));
    CHECK(hub.db().prepare("SELECT count(*) FROM hub_holds").scalar<std::int64_t>() == 1);
    CHECK(eventually([&] { return hub.member("TEST", uid)->points == joined - 200; }));

    // Headquarters out of reach: no hours, though the offline limit would allow the points.
    broker.stop();
    k.tap("parking.again");
    REQUIRE(k.screen() == "parking");
    const auto before = available(k);
    if (k.state()["parking"]["offline"] == false) {
        k.tap("parking.hours.more");
        k.tap("parking.confirm");
        CHECK(k.state()["notice"]["key"] == "error.parking_offline");
    }
    CHECK(k.state()["parking"]["offline"] == true);
    CHECK(k.state()["parking"]["hours"] == 0);
    CHECK(shows(k, "网络中断：仅可使用会员免费停车时长"));
    CHECK(available(k) == before);
}
