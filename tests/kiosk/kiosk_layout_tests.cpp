// Layout: every main screen in portrait and landscape, no widget overlapping
// another or leaving the screen; the glyph atlas small; the scripted CLI mode.
#include <cstdlib>
#include <fstream>

#include "kiosk_harness.hpp"

using namespace kiosk_test;

namespace {

void check_layout(Kiosk& k, const std::string& label) {
    const auto s = k.state();
    INFO(label << " at " << s["width"] << "x" << s["height"] << " on " << s["screen"]);
    const auto bad = overlaps(s);
    for (const auto& b : bad) CHECK_MESSAGE(false, b);
    CHECK(bad.empty());
}

void walk_every_screen(Kiosk& k, char variant) {
    for (const auto* lang : {"zh-CN", "en"}) {
        // Each new shopper starts in the kiosk's language: choose it again after a session ends.
        const auto in_lang = [&] {
            if (k.state()["lang"] != lang) k.tap("lang");
        };
        in_lang();
        check_layout(k, "attract");
        k.tap("attract.phone");
        k.keys("phone", "13900000001");
        check_layout(k, "phone");
        k.tap("phone.back");
        k.tap("attract.enroll");
        k.keys("enroll",
               std::string("137123456") + (std::string(lang) == "en" ? "1" : "2") + variant);
        k.tap("enroll.privacy");
        check_layout(k, "enroll");
        k.tap("enroll.submit");
        check_layout(k, "enroll done");
        k.tap("enroll.set_pin");
        check_layout(k, "set pin");
        k.tap("set_pin.back");  // to the member's home
        check_layout(k, "new member home");
        k.tap("home.done");
        k.tap("rating.skip");
        in_lang();
        k.tap("demo.unknown");
        check_layout(k, "unknown card");
        k.tap("unknown.back");
        in_lang();
        k.tap("demo.card.0");
        check_layout(k, "member home");
        k.tap("home.rewards");
        check_layout(k, "rewards");
        k.tap("rewards.CPN-20");
        check_layout(k, "confirm");
        k.tap("redeem.confirm");
        check_layout(k, "coupon");
        k.tap("coupon.home");
        k.tap("home.claim");
        check_layout(k, "claim");
        k.tap("claim.cancel");
        k.tap("home.done");
        check_layout(k, "rating");
        k.tap("rating.skip");
        in_lang();
        k.hold("manager.open");
        k.keys("manager", "246810");
        check_layout(k, "manager pin");
        k.tap("manager.ok");
        check_layout(k, "closing");
        k.tap("closing.health");
        check_layout(k, "health");
        k.tap("manager.exit");
    }
}

}  // namespace

TEST_CASE("no widgets overlap on any screen in portrait 1080x1920") {
    Kiosk k(1080, 1920);
    walk_every_screen(k, '1');
}

TEST_CASE("no widgets overlap on any screen in landscape 1920x1080") {
    Kiosk k(1920, 1080);
    walk_every_screen(k, '2');
}

TEST_CASE("the glyph atlas holds the characters shown, not the whole Chinese range") {
    Kiosk k;
    const auto before = k.state()["glyphs"].get<int>();
    k.tap("demo.card.0");  // a member's name and the rewards bring new characters
    k.tap("home.rewards");
    const auto s = k.state();
    CHECK(s["glyphs"].get<int>() >= before);
    CHECK(s["glyphs"].get<int>() < 2500);
    CHECK(s["atlas"][1].get<int>() <= 4096);
    // Every reward name on screen is drawn, none as '?' boxes: it has ink.
    const auto pixels = k.shot("rewards.png");
    for (const auto& w : s["widgets"])
        if (w["id"].get<std::string>().rfind("rewards.CPN", 0) == 0)
            CHECK(pixels.ink(w["x"], w["y"], w["w"], w["h"]) > 100);
}

TEST_CASE("scripted mode: the executable runs a script and writes screenshots and a state dump") {
    Kiosk k;  // for its demo database
    const auto out = k.dir() / "script-out";
    const auto script = k.dir() / "walk.script";
    std::ofstream(script) << "# a shopper taps a card and looks at the rewards\n"
                             "shot attract.png\n"
                             "tap demo.card.0\n"
                             "expect_screen member_home\n"
                             "tap home.rewards\n"
                             "size 1920 1080\n"
                             "shot rewards-landscape.png\n"
                             "dump state.json\n";
    const auto db_copy = k.dir() / "script.db";
    std::filesystem::copy_file(k.db(), db_copy);
    const std::string cmd = std::string(LOYALTY_KIOSK_EXE) + " --config " + LOYALTY_SOURCE_DIR +
                            "/assets/config/kiosk.toml --db " + db_copy.string() +
                            " --demo --assets " + LOYALTY_SOURCE_DIR + "/assets --script " +
                            script.string() + " --out " + out.string();
    REQUIRE(std::system(cmd.c_str()) == 0);
    CHECK(std::filesystem::file_size(out / "attract.png") > 10000);
    CHECK(std::filesystem::file_size(out / "rewards-landscape.png") > 10000);
    std::ifstream in(out / "state.json");
    const auto state = nlohmann::json::parse(in);
    CHECK(state["screen"] == "rewards");
    CHECK(state["width"] == 1920);

    std::ofstream(script) << "tap no.such.widget\n";
    CHECK(std::system((cmd + " 2>/dev/null").c_str()) != 0);
}
