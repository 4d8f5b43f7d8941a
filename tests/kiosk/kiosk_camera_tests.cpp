// The camera at the kiosk: recorded frames of a phone showing a member code, played as the
// kiosk's camera (--camera FILE.y4m), decoded by ZXing and signing the member in, with the
// camera's state on the manager's health screen; a printed e-invoice filmed opens its claim.
#include <algorithm>
#include <thread>

#include "kiosk_harness.hpp"
#include "loyalty/demo_data.hpp"
#include "loyalty/devices/frame_render.hpp"
#include "loyalty/engine.hpp"
#include "loyalty/signed_codes.hpp"

using namespace loyalty;
using kiosk_test::Kiosk;

namespace {

// Steps the real loop until the kiosk shows `screen` (the camera plays in real time).
bool wait_for_screen(Kiosk& k, const std::string& screen, std::chrono::seconds within) {
    const auto until = std::chrono::steady_clock::now() + within;
    while (k.screen() != screen && std::chrono::steady_clock::now() < until)
        k.app().step(std::chrono::milliseconds{20});
    k.app().settle();
    return k.screen() == screen;
}

bool shows(const std::vector<std::string>& texts, const std::string& part) {
    return std::any_of(texts.begin(), texts.end(),
                       [&](const std::string& t) { return t.find(part) != std::string::npos; });
}

}  // namespace

TEST_CASE("a phone's member code filmed by the camera signs the member in") {
    auto key = signing_key_from_seed_hex("cam-1", std::string(64, '5'));
    REQUIRE(key);
    std::string uid;
    std::filesystem::path recording;
    Kiosk k(
        1080, 1920, 600,
        [&](const std::filesystem::path& db) {
            SystemClock clock;
            auto engine = Engine::open(db, clock);
            REQUIRE(engine);
            const auto ids = demo_showcase_members(**engine, "DEMO", 2);
            REQUIRE(ids.size() == 2);
            uid = (*engine)->members().get(ids[1])->uid;
            // The shopper's app shows a fresh code; the camera films counter, phone, counter.
            const auto code = mint_member_code(
                MemberCode{"DEMO", uid,
                           std::chrono::time_point_cast<std::chrono::seconds>(clock.now()),
                           "camera-test-1"},
                *key);
            const auto blank = devices::render_blank_frame(1280, 720, 21);
            auto phone = devices::render_phone_qr_frame(code, 1280, 720, 21);
            REQUIRE(phone);
            std::vector<devices::GreyImage> frames(10, blank);
            frames.insert(frames.end(), 20, *phone);
            frames.insert(frames.end(), 150, blank);  // no second read within this test
            recording = db.parent_path() / "phone.y4m";
            REQUIRE(devices::write_y4m(recording, frames, 30));
        },
        [&](kiosk::AppOptions& o) {
            o.camera = recording.string();
            o.trusted_keys = {"cam-1:" + public_key_hex(*key)};
        });
    REQUIRE(wait_for_screen(k, "member_home", std::chrono::seconds{10}));
    CHECK(k.state()["member"]["uid"] == uid);

    // The manager's health screen lists the camera, connected, with the one code it read.
    k.app().end_session();
    k.app().settle();
    k.hold("manager.open");
    REQUIRE(k.screen() == "manager_pin");
    k.keys("manager", "246810");
    k.tap("manager.ok");
    k.tap("closing.health");
    REQUIRE(k.screen() == "manager_health");
    const auto texts = k.texts();
    CHECK(shows(texts, "摄像头（录像 phone.y4m） · 已连接"));
    CHECK(shows(texts, "  x1"));
    CHECK(shows(texts, "解码"));
}

TEST_CASE("a kiosk whose camera is missing keeps working and says so on the health screen") {
    Kiosk k(1080, 1920, 600, {}, [](kiosk::AppOptions& o) { o.camera = "/dev/video-none-here"; });
    k.tap("demo.card.0");  // the other readers still work
    REQUIRE(k.screen() == "member_home");
    k.app().end_session();
    k.app().settle();
    k.hold("manager.open");
    k.keys("manager", "246810");
    k.tap("manager.ok");
    k.tap("closing.health");
    REQUIRE(k.screen() == "manager_health");
    const auto texts = k.texts();
    CHECK(shows(texts, "摄像头 /dev/video-none-here · 无法打开，每 3 秒重试"));
    CHECK(shows(texts, "/dev/video-none-here"));
}

TEST_CASE("the demo's camera button films a fresh member code that signs the member in") {
    std::filesystem::path idle;
    Kiosk k(
        1080, 1920, 600,
        [&](const std::filesystem::path& db) {
            idle = db.parent_path() / "idle.y4m";
            REQUIRE(devices::write_y4m(idle, {devices::render_blank_frame(1280, 720, 4)}, 30));
        },
        [&](kiosk::AppOptions& o) { o.camera = idle.string(); });
    k.tap("demo.camera.0");
    REQUIRE(wait_for_screen(k, "member_home", std::chrono::seconds{10}));
    // Played once: back on the empty counter, the kiosk does not sign the member in again.
    k.app().end_session();
    k.app().settle();
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds{2500};
    while (std::chrono::steady_clock::now() < until) k.app().step(std::chrono::milliseconds{20});
    CHECK(k.screen() == "attract");
}

TEST_CASE("a printed e-invoice's QR filmed by the camera opens the receipt claim of the member") {
    std::filesystem::path recording;
    const auto invoice =
        "01,10,044031900111,20261205,268.00," + kiosk_test::local_today() + ",77,C3D4,";
    Kiosk k(
        1080, 1920, 600,
        [&](const std::filesystem::path& db) {
            kiosk_test::change_demo_program(db, [](ProgramConfig& config) {
                MallShop shop;
                shop.code = "1023";
                shop.name = "优衣库";
                shop.category = "apparel";
                config.receipt_claims.shops = {shop};
            });
            // The counter for five seconds (the member taps a card meanwhile), then the invoice
            // held under the camera.
            auto printed = devices::render_phone_qr_frame(invoice, 1280, 720, 23);
            REQUIRE(printed);
            const auto blank = devices::render_blank_frame(1280, 720, 23);
            std::vector<devices::GreyImage> frames(150, blank);
            frames.insert(frames.end(), 20, *printed);
            frames.insert(frames.end(), 300, blank);
            recording = db.parent_path() / "invoice.y4m";
            REQUIRE(devices::write_y4m(recording, frames, 30));
        },
        [&](kiosk::AppOptions& o) { o.camera = recording.string(); });
    k.tap("demo.card.0");
    REQUIRE(k.screen() == "member_home");
    REQUIRE(wait_for_screen(k, "claim_confirm", std::chrono::seconds{15}));
    const auto s = k.state();
    CHECK(s["claim"]["receipt"] == "044031900111-20261205");
    CHECK(s["claim"]["amount"] == 26800);
    CHECK(s["claim"]["source"] == "e_invoice");
}
