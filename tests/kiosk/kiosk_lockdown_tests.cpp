// The kiosk locked down on a desktop: the window manager cannot close it, only the manager
// can (PIN, Close, confirm), and a restart after a crash shows nothing of the last shopper.
// Real app under the offscreen driver; the desktop's requests are real SDL events through the real
// loop.
#include <SDL.h>

#include <chrono>
#include <set>

#include "kiosk_harness.hpp"

using namespace kiosk_test;

namespace {

void lock(loyalty::kiosk::AppOptions& o) {
    o.locked = true;
}

// What a window manager sends when the user closes the window or presses Alt+F4.
void desktop_close_requests() {
    SDL_Event e{};
    e.type = SDL_WINDOWEVENT;
    e.window.event = SDL_WINDOWEVENT_CLOSE;
    REQUIRE(SDL_PushEvent(&e) == 1);
    SDL_Event alt_f4{};
    alt_f4.type = SDL_KEYDOWN;
    alt_f4.key.keysym.sym = SDLK_F4;
    alt_f4.key.keysym.mod = KMOD_LALT;
    REQUIRE(SDL_PushEvent(&alt_f4) == 1);
    SDL_Event quit{};
    quit.type = SDL_QUIT;
    REQUIRE(SDL_PushEvent(&quit) == 1);
}

bool has_widget(Kiosk& k, const std::string& id) {
    const auto s = k.state();
    for (const auto& w : s["widgets"])
        if (w["id"] == id) return true;
    return false;
}

void manager_signs_in(Kiosk& k, const std::string& pin) {
    k.hold("manager.open");
    REQUIRE(k.screen() == "manager_pin");
    k.keys("manager", pin);
    k.tap("manager.ok");
}

}  // namespace

TEST_CASE(
    "a locked kiosk ignores the desktop's close, Alt+F4 and quit, and keeps drawing and serving") {
    Kiosk k(1080, 1920, 60, {}, lock);
    auto& app = k.app();
    for (int round = 0; round < 3; ++round) {
        const auto frames = app.frames_presented();
        desktop_close_requests();
        for (int i = 0; i < 5; ++i) app.step(std::chrono::milliseconds{20});
        CHECK_FALSE(app.quit_requested());
        CHECK(app.frames_presented() > frames);  // the loop still turns and presents
    }
    // Still a working kiosk: a shopper's card tap is served.
    k.tap("demo.card.0");
    CHECK(k.screen() == "member_home");
    desktop_close_requests();
    app.step(std::chrono::milliseconds{20});
    CHECK_FALSE(app.quit_requested());
    CHECK(k.screen() == "member_home");
}

TEST_CASE("unlocked (make demo, --windowed), the window's close ends the loop as on any desktop") {
    Kiosk k;
    SDL_Event quit{};
    quit.type = SDL_QUIT;
    REQUIRE(SDL_PushEvent(&quit) == 1);
    k.app().step(std::chrono::milliseconds{20});
    CHECK(k.app().quit_requested());
    CHECK(k.app().run() == 0);
}

TEST_CASE("the manager's PIN, Close and its confirmation end the loop with exit code 0") {
    Kiosk k(1080, 1920, 60, {}, lock);
    CHECK_FALSE(has_widget(k, "manager.quit"));  // not on the shopper's screens
    manager_signs_in(k, "246810");
    REQUIRE(k.screen() == "manager_closing");
    k.tap("manager.quit");
    REQUIRE(k.screen() == "manager_quit_confirm");
    CHECK_FALSE(k.app().quit_requested());
    // Back is a way out of the question, not out of the kiosk.
    k.tap("quit.cancel");
    CHECK(k.screen() == "manager_closing");
    CHECK_FALSE(k.app().quit_requested());
    // From the health screen too.
    k.tap("closing.health");
    REQUIRE(k.screen() == "manager_health");
    k.tap("manager.quit");
    REQUIRE(k.screen() == "manager_quit_confirm");
    k.tap("quit.confirm");
    CHECK(k.app().quit_requested());
    CHECK(k.screen() == "attract");  // nothing of the manager's screens left while it closes
    CHECK(k.app().run() == 0);       // the real loop ends at once, exit code 0
}

TEST_CASE("a wrong manager PIN gives no way to close the kiosk") {
    Kiosk k(1080, 1920, 60, {}, lock);
    manager_signs_in(k, "111111");
    CHECK(k.screen() == "manager_pin");
    CHECK_FALSE(has_widget(k, "manager.quit"));
    CHECK_FALSE(k.app().tap("manager.quit"));
    CHECK_FALSE(k.app().tap("quit.confirm"));
    desktop_close_requests();
    k.app().step(std::chrono::milliseconds{20});
    CHECK_FALSE(k.app().quit_requested());
    CHECK(k.screen() == "manager_pin");
}

TEST_CASE("after a crash the kiosk starts on the attract screen with nothing of the last shopper") {
    Kiosk k(1080, 1920, 60, {}, lock);
    k.tap("demo.card.0");
    REQUIRE(k.screen() == "member_home");
    const auto before = k.state();
    // (The demo reader's panel names its demo members on every screen; the phone and uid are the
    // shopper's.)
    const std::string phone = before["member"]["phone"];
    const std::string uid = before["member"]["uid"];
    REQUIRE_FALSE(phone.empty());
    REQUIRE_FALSE(uid.empty());
    k.restart();  // no end of session: the process died mid-visit
    CHECK(k.screen() == "attract");
    const auto after = k.state();
    CHECK(after["member"].is_null());
    const auto dump = after.dump();
    CHECK(dump.find(phone) == std::string::npos);
    CHECK(dump.find(uid) == std::string::npos);
    // The kiosk keeps nothing of its own beside the store database (the demo's printer file aside).
    std::set<std::string> files;
    for (const auto& f : std::filesystem::directory_iterator(k.dir()))
        files.insert(f.path().filename().string());
    for (const auto& f : files)
        CHECK_MESSAGE((f.rfind("store.db", 0) == 0 || f == "receipt-printer.bin"),
                      "unexpected file " << f);
}

TEST_CASE(
    "the manager's entry is a long press on the kiosk's name, not a button shoppers tap (issue "
    "19)") {
    Kiosk k;
    // No button on the attract screen leads there: the entry is the kiosk's name itself.
    const auto widgets_now = k.state()["widgets"];
    for (const auto& w : widgets_now) {
        const auto id = w["id"].get<std::string>();
        if (!w["interactive"].get<bool>() || id.rfind("demo.", 0) == 0) continue;
        CHECK((id == "manager.open" || id.rfind("attract.", 0) == 0 || id == "lang"));
        if (id == "manager.open") CHECK(w["text"] == "悦享会 会员自助");
    }
    k.tap("manager.open");  // a shopper's tap on the name
    CHECK(k.screen() == "attract");
    k.hold("manager.open", std::chrono::seconds{1});  // too short
    CHECK(k.screen() == "attract");
    k.hold("manager.open");
    CHECK(k.screen() == "manager_pin");
}
