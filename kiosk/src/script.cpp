// Scripted mode: one command per line, '#' starts a comment.
//   size W H                 resize the window (1080 1920 portrait, 1920 1080 landscape)
//   tap WIDGET_ID            press and release on a widget drawn in the last frame
//   tap_at X Y               press and release at a point
//   hold WIDGET_ID SECONDS   press, keep the finger down that long, release (the manager's entry)
//   keys DIGITS              tap keypad keys: "keys 13900000000" (KEYPAD.key.N)
//   scan KIND PAYLOAD        push a ScanEvent: card_uid | magstripe | barcode | qr
//   idle SECONDS             let time pass without a touch
//   settle                   wait for the engine and redraw
//   shot FILE.png            screenshot into the output directory
//   dump FILE.json           state dump into the output directory
//   expect_screen NAME       fail unless this screen is showing
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "loyalty/kiosk/app.hpp"

namespace loyalty::kiosk {

namespace {

std::optional<devices::ScanKind> kind_of(const std::string& s) {
    if (s == "card_uid") return devices::ScanKind::card_uid;
    if (s == "magstripe") return devices::ScanKind::magstripe;
    if (s == "barcode") return devices::ScanKind::barcode;
    if (s == "qr") return devices::ScanKind::qr;
    return std::nullopt;
}

}  // namespace

Result<void> run_script(App& app, const std::filesystem::path& script,
                        const std::filesystem::path& out_dir) {
    std::ifstream in(script);
    if (!in) return make_error(Errc::not_found, "no script " + script.string());
    std::string line;
    int number = 0;
    std::string keypad = "phone";
    app.settle();
    while (std::getline(in, line)) {
        ++number;
        if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
        std::istringstream words(line);
        std::string cmd;
        if (!(words >> cmd)) continue;
        auto fail = [&](const std::string& why) {
            return make_error(Errc::invalid_argument,
                              script.string() + ":" + std::to_string(number) + ": " + why);
        };
        if (cmd == "size") {
            int w = 0, h = 0;
            if (!(words >> w >> h)) return fail("size W H");
            app.resize(w, h);
        } else if (cmd == "tap") {
            std::string id;
            words >> id;
            if (!app.tap(id)) return fail("no widget " + id + " on screen " + app.screen_name());
        } else if (cmd == "hold") {
            std::string id;
            int seconds = 0;
            if (!(words >> id >> seconds)) return fail("hold WIDGET_ID SECONDS");
            if (!app.hold(id, std::chrono::seconds{seconds}))
                return fail("no widget " + id + " on screen " + app.screen_name());
        } else if (cmd == "tap_at") {
            float x = 0, y = 0;
            words >> x >> y;
            app.tap_at(x, y);
        } else if (cmd == "keypad") {
            words >> keypad;
        } else if (cmd == "keys") {
            std::string digits;
            words >> digits;
            for (char d : digits)
                if (!app.tap(keypad + ".key." + std::string(1, d)))
                    return fail("no key " + std::string(1, d));
        } else if (cmd == "scan") {
            std::string kind, payload;
            words >> kind >> payload;
            auto k = kind_of(kind);
            if (!k) return fail("unknown scan kind " + kind);
            app.scans().push(
                devices::ScanEvent{"script", *k, payload, std::chrono::system_clock::now()});
            app.settle();
        } else if (cmd == "idle") {
            int seconds = 0;
            words >> seconds;
            app.advance_idle(std::chrono::seconds{seconds});
        } else if (cmd == "settle") {
            app.settle();
        } else if (cmd == "shot") {
            std::string file;
            words >> file;
            if (auto shot = app.screenshot(out_dir / file); !shot)
                return fail(shot.error().message);
        } else if (cmd == "dump") {
            std::string file;
            words >> file;
            std::filesystem::create_directories(out_dir);
            std::ofstream(out_dir / file) << app.state_json();
        } else if (cmd == "expect_screen") {
            std::string name;
            words >> name;
            if (app.screen_name() != name)
                return fail("expected screen " + name + ", showing " + app.screen_name());
        } else {
            return fail("unknown command " + cmd);
        }
    }
    return {};
}

}  // namespace loyalty::kiosk
