#pragma once
// The kiosk application: an SDL window with Dear ImGui screens over the loyalty
// engine. Interactive (`run`) or driven step by step by a script, a test or a
// benchmark, through the same event loop.
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "loyalty/devices/scan_event.hpp"
#include "loyalty/devices/scan_queue.hpp"
#include "loyalty/result.hpp"

namespace loyalty::kiosk {

// How long the manager holds a finger on the kiosk's name to reach the PIN screen.
inline constexpr std::chrono::seconds kManagerHold{3};

struct AppOptions {
    std::filesystem::path db;
    bool demo = false;                // the simulated reader and its demo buttons
    int width = 1080, height = 1920;  // portrait; 1920x1080 is landscape
    bool fullscreen =
        false;  // full screen on the desktop's display (never under the offscreen driver)
    // A store's kiosk: the window manager's close (SDL_QUIT, the window's close, Alt+F4) is ignored
    // and the keyboard is grabbed; only the manager's Close (behind the manager PIN) ends the loop.
    bool locked = false;
    // Set from outside (SIGTERM from systemd, Ctrl-C): ends run() within a second, locked or not.
    const std::atomic<bool>* stop = nullptr;
    std::filesystem::path assets;  // holds i18n/
    std::filesystem::path font = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";
    // Who this kiosk is: the program it serves and the store and terminal its events are
    // booked under (the store's link agent ships them). Codes of 1 to 32 of A-Z a-z 0-9 _ -;
    // create() refuses a missing or malformed one.
    std::string program;
    std::string store;
    std::string terminal;
    // Other programs whose card a member of `program` may also hold (a brand's club at a mall's
    // kiosk): the member home shows each one's balance, and their member codes sign in too.
    std::vector<std::string> also_programs;
    std::vector<std::string> trusted_keys;  // "key_id:hex public key"
    std::string manager_id = "M001";
    // The store's link.toml (loyalty-link's settings: broker, credentials, offline limit): with it
    // the kiosk finds members of other stores at the member hub and clears spends with it. Empty:
    // the store database alone.
    std::filesystem::path link_config;
    // With a link: shoppers see the offline banner once headquarters is out of reach this long.
    int offline_banner_seconds = 60;
    int idle_seconds = 60;
    // Receipt photos of decided claims are deleted this many days after the decision.
    int photo_keep_days = 90;
    std::string lang = "zh-CN";
    bool software_renderer = false;  // always under the offscreen driver
    bool animate = true;             // off for scripts: the same frame every time
    // The receipt printer: "" none (with --demo: a file beside the database), "usb" the first
    // USB printer-class device, anything else a path (/dev/usb/lp0, a tty, a file).
    std::string printer;
    bool devices = false;  // claim USB card readers and barcode scanners (firmware-bridge)
    // The camera that reads member and receipt QR codes: "none" (also "off"), "auto" (/dev/video0
    // when it exists), a V4L2 device path, or a recording played as a camera (a .y4m file or a
    // folder of images, at camera_fps; 0 = the file's rate, 30 for a folder). loyalty-kiosk's
    // --camera defaults to "auto"; here, for tests and benchmarks, to none.
    std::string camera = "none";
    double camera_fps = 0;
    // Where the closing report goes: a USB stick mounted under one of these roots when there is
    // one (the kernel's mounts table says), else the export folder beside the database.
    std::filesystem::path mounts_table = "/proc/self/mounts";
    std::vector<std::filesystem::path> removable_media_roots = {"/media", "/run/media"};
};

struct AppImpl;

class App {
  public:
    static Result<std::unique_ptr<App>> create(const AppOptions& options);
    ~App();
    App(const App&) = delete;
    App& operator=(const App&) = delete;

    // The interactive loop, until the window closes (unlocked), the manager closes the kiosk or
    // `stop` is set. Returns the process exit code: 0.
    int run();
    // One pass of the real loop: wait up to `max_wait` for input, scans or engine
    // results, apply them and draw if anything changed. True if a frame was presented.
    bool step(std::chrono::milliseconds max_wait);

    // Devices push here (the demo reader, tests, benchmarks, the real adapters).
    devices::ScanQueue& scans();

    // Script and test helpers.
    void settle();                           // engine idle, results applied, frames redrawn
    bool tap(const std::string& widget_id);  // press and release on a widget drawn last frame
    // Press, keep the finger down for `held` (the kiosk's clock moves on), release.
    bool hold(const std::string& widget_id, std::chrono::seconds held);
    void tap_at(float x, float y);
    void advance_idle(std::chrono::seconds by);  // as if the shopper walked away this long
    Result<void> screenshot(const std::filesystem::path& png);
    std::string state_json() const;  // screen, session, member, widgets, texts...
    std::string screen_name() const;
    std::uint64_t frames_presented() const;
    // The loop has been asked to end (the manager's confirmed Close, or an unlocked window's
    // close).
    bool quit_requested() const;
    // Called after each present with the screen shown (benchmarks).
    void on_present(std::function<void(const std::string& screen)> hook);
    void end_session();
    void resize(int width, int height);

  private:
    App() = default;
    std::unique_ptr<AppImpl> impl_;
};

// Runs a script of taps and scans (see kiosk/README.md); screenshots and state
// dumps go to out_dir. Returns the first failing line as an error.
Result<void> run_script(App& app, const std::filesystem::path& script,
                        const std::filesystem::path& out_dir);

}  // namespace loyalty::kiosk
