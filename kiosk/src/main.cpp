// loyalty-kiosk: the self-service touchscreen. `--demo` adds the simulated
// reader; `--script` drives it headless and writes screenshots and state dumps.
// Settings come from the command line and/or a --config file (TOML: any option
// without its dashes, e.g. store = "S001"); the command line wins.
#include <SDL.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>

#include "loyalty/kiosk/app.hpp"

namespace {

// SIGTERM (systemctl stop) and Ctrl-C end the loop. Installed before SDL starts, so SDL keeps
// its own handlers off: they would turn the signals into SDL_QUIT, which a locked kiosk ignores.
std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free);
extern "C" void on_stop_signal(int) {
    g_stop.store(true);
}

}  // namespace

int main(int argc, char** argv) {
    // Receipt photos are read by Tesseract, whose OpenMP threads spin against the UI on a 2-core
    // board (5x the CPU per receipt, measured): one thread. libgomp reads the limit only as the
    // process starts, so the kiosk sets it and starts itself again (the service also sets it).
    if (std::getenv("OMP_THREAD_LIMIT") == nullptr && ::setenv("OMP_THREAD_LIMIT", "1", 1) == 0)
        ::execv("/proc/self/exe", argv);  // returns only on failure: carry on as we are
    using namespace loyalty::kiosk;
    const auto started = std::chrono::steady_clock::now();
    AppOptions options;
    options.assets = LOYALTY_ASSETS_DIR;
    std::string size = "1080x1920";
    std::string script, out_dir = ".";
    bool first_frame_exit = false;
    bool no_devices = false;
    bool windowed = false;
    CLI::App cli{"OMO loyalty kiosk"};
    cli.set_config(
        "--config", "",
        "settings file (TOML), e.g. /etc/loyalty/kiosk.toml: program, store, terminal, db, ...");
    cli.allow_config_extras(
        CLI::config_extras_mode::error);  // a misspelt setting is an error, not ignored
    cli.add_option("--db", options.db, "store database")->required();
    cli.add_flag(
        "--demo", options.demo,
        "simulated card reader, camera and app (demo buttons, keys 1-3 q w e u r p x g c)");
    cli.add_option("--size", size, "window size, WxH (1080x1920 portrait, 1920x1080 landscape)")
        ->capture_default_str();
    cli.add_flag("--fullscreen", options.fullscreen,
                 "full screen and locked, also with --demo (the default without --demo)");
    cli.add_flag("--windowed", windowed,
                 "a window that closes like any other (development); the default with --demo");
    cli.add_option("--program", options.program, "program code (required)");
    cli.add_option("--store", options.store,
                   "this store's code: its events are booked and shipped under it (required)");
    cli.add_option("--terminal", options.terminal,
                   "this kiosk's terminal code, unique in the store (required)");
    cli.add_option("--also_programs", options.also_programs,
                   "other programs' cards a member may hold, shown beside this program's "
                   "(a brand's club at a mall's kiosk; repeatable)");
    cli.add_option("--trust", options.trusted_keys, "trusted signing key, key_id:hex (repeatable)");
    cli.add_option("--link_config", options.link_config,
                   "the store's link.toml: members of other stores are found at the member hub "
                   "and spends cleared with it (default: none, this store's database alone)");
    cli.add_option("--manager", options.manager_id, "manager staff id")->capture_default_str();
    cli.add_option("--offline_banner", options.offline_banner_seconds,
                   "with --link_config: seconds headquarters may be out of reach before shoppers "
                   "see the offline banner")
        ->default_val(60)
        ->check(CLI::Range(0, 86400));
    cli.add_option("--idle", options.idle_seconds, "seconds before an idle session clears")
        ->capture_default_str();
    cli.add_option("--photo_keep_days", options.photo_keep_days,
                   "days a decided receipt claim's photo is kept before it is deleted")
        ->capture_default_str()
        ->check(CLI::Range(1, 3650));
    cli.add_option("--lang", options.lang, "zh-CN or en")->capture_default_str();
    cli.add_option("--assets", options.assets, "assets directory")->capture_default_str();
    cli.add_option("--font", options.font, "CJK font file")->capture_default_str();
    cli.add_option("--script", script, "run a script headless (SDL offscreen) and exit");
    cli.add_option("--out", out_dir, "where --script writes screenshots and dumps")
        ->capture_default_str();
    cli.add_option("--printer", options.printer,
                   "receipt printer: usb, or a path (/dev/usb/lp0); --demo prints to a file");
    cli.add_flag("--no-devices", no_devices,
                 "do not claim USB card readers and scanners (nor the camera, unless --camera "
                 "names one)");
    std::string camera = "auto";
    cli.add_option("--camera", camera,
                   "QR camera: auto (/dev/video0 if present), none, a V4L2 device, or recorded "
                   "frames (a .y4m file or a folder of PNG/PGM images)")
        ->capture_default_str();
    cli.add_option("--camera_fps", options.camera_fps,
                   "recorded frames: frames per second (0: the file's own rate, 30 for a folder)")
        ->capture_default_str()
        ->check(CLI::Range(0.0, 240.0));
    cli.add_flag("--first-frame-exit", first_frame_exit,
                 "exit after the first frame (cold-start measurement)");
    CLI11_PARSE(cli, argc, argv);
    if (std::sscanf(size.c_str(), "%dx%d", &options.width, &options.height) != 2) {
        std::fprintf(stderr, "loyalty-kiosk: --size is WxH\n");
        return 2;
    }
    options.devices = !no_devices && script.empty() && !first_frame_exit;
    // "auto" only where the kiosk claims devices; a camera named outright is opened anyway (a
    // script may play recorded frames).
    options.camera = camera == "auto" && !options.devices ? "none" : camera;
    // A store's kiosk is full screen and locked: no way out from the touch screen or the keyboard
    // but the manager's Close. --demo and --windowed keep a plain window (make demo, development).
    const bool interactive = script.empty() && !first_frame_exit;
    if (windowed)
        options.fullscreen = false;
    else if (!options.demo)
        options.fullscreen = true;
    options.locked = interactive && options.fullscreen;
    options.stop = &g_stop;
    std::signal(SIGTERM, on_stop_signal);
    // Ctrl-C on a keyboard plugged into the kiosk (its tty) is no way out of a locked kiosk.
    std::signal(SIGINT, options.locked ? SIG_IGN : on_stop_signal);
    if (!script.empty()) {
        setenv("SDL_VIDEODRIVER", "offscreen", 0);
        options.animate = false;
    }
    auto app = App::create(options);
    if (!app) {
        std::fprintf(stderr, "loyalty-kiosk: %s\n", app.error().message.c_str());
        return 1;
    }
    if (script.empty() && !first_frame_exit) {
        // Without a display SDL may fall back to a driver that shows nothing: say so, rather than
        // seem to hang.
        const char* driver = SDL_GetCurrentVideoDriver();
        const std::string name = driver ? driver : "none";
        if (name == "offscreen" || name == "dummy" || name == "evdev") {
            std::fprintf(stderr,
                         "loyalty-kiosk: no display found (SDL video driver '%s'): the kiosk runs "
                         "but shows nothing; "
                         "run it on a desktop or the kiosk's screen\n",
                         name.c_str());
            // Locked, Ctrl-C is ignored: say how to stop it.
            if (options.locked)
                std::fprintf(
                    stderr,
                    "loyalty-kiosk: locked kiosk (no --demo, no --windowed): Ctrl-C is ignored; "
                    "stop it with `kill %ld` (or systemctl stop), or start it with --windowed\n",
                    static_cast<long>(getpid()));
            else
                std::fprintf(stderr, "loyalty-kiosk: Ctrl-C to stop\n");
        }
    }
    if (first_frame_exit) {
        (*app)->step(std::chrono::milliseconds{0});
        std::printf("first_frame_ms %.1f\n", std::chrono::duration<double, std::milli>(
                                                 std::chrono::steady_clock::now() - started)
                                                 .count());
        return 0;
    }
    if (!script.empty()) {
        auto ran = run_script(**app, script, out_dir);
        if (!ran) {
            std::fprintf(stderr, "loyalty-kiosk: %s\n", ran.error().message.c_str());
            return 1;
        }
        return 0;
    }
    return (*app)->run();
}
