#pragma once
// A real kiosk for each test: a demo database in a temp dir, the app under
// SDL's offscreen driver, driven by taps and scans as a shopper would.
#include <doctest/doctest.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "loyalty/kiosk/app.hpp"
#include "loyalty/program_config.hpp"

namespace kiosk_test {

struct Pixels {
    int w = 0, h = 0;
    std::vector<unsigned char> rgba;
    // Pixels in the rectangle that differ clearly from the background colour.
    int ink(float x, float y, float rw, float rh) const;
};

class Kiosk {
  public:
    // `before_start` sees the store database before the kiosk opens it (campaigns to load, ...).
    // `configure` changes the app's options before it starts (a locked kiosk, ...).
    explicit Kiosk(int width = 1080, int height = 1920, int idle_seconds = 60,
                   const std::function<void(const std::filesystem::path&)>& before_start = {},
                   const std::function<void(loyalty::kiosk::AppOptions&)>& configure = {});
    ~Kiosk();

    loyalty::kiosk::App& app() { return *app_; }
    // The app goes away as a crashed process does (no session ended) and starts again on the same
    // database.
    void restart();
    nlohmann::json state() const { return nlohmann::json::parse(app_->state_json()); }
    std::string screen() const { return app_->screen_name(); }
    void tap(const std::string& id);
    // A finger held down on a widget (the manager's entry on the kiosk's name).
    void hold(const std::string& id, std::chrono::seconds held = loyalty::kiosk::kManagerHold);
    void keys(const std::string& keypad, const std::string& digits);
    void scan(loyalty::devices::ScanKind kind, const std::string& payload);
    Pixels shot(const std::string& name);
    std::vector<std::string> texts() const;
    const std::filesystem::path& dir() const { return dir_; }
    const std::filesystem::path& db() const { return db_; }

  private:
    std::filesystem::path dir_;
    std::filesystem::path db_;
    loyalty::kiosk::AppOptions options_;
    std::unique_ptr<loyalty::kiosk::App> app_;
};

bool has_cjk(const std::string& utf8);
// Widgets that overlap one another, as "a / b" pairs.
std::vector<std::string> overlaps(const nlohmann::json& state);

// Today in the demo program's local time (UTC+8), as receipts print it: "20261205", or with
// dashes "2026-12-05" (the kiosk runs on the real clock).
std::string local_today(bool dashes = false);

// Two of a mall's shops the kiosk tests claim at: UNIQLO (1023, apparel, its own receipt QR
// "UQ|{receipt}|{amount}|{date}", ¥10 to `uniqlo_max`) and Starbucks (3001, dining).
std::vector<loyalty::MallShop> two_mall_shops(loyalty::Money uniqlo_max);

// Changes the demo program saved in the store database `db` (before the kiosk opens).
void change_demo_program(const std::filesystem::path& db,
                         const std::function<void(loyalty::ProgramConfig&)>& change);

}  // namespace kiosk_test
