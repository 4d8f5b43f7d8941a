// loyalty-scan-monitor: prints every scan event the terminal's devices produce,
// one line each. With no hardware, feed it through the simulator socket:
//   loyalty-scan-monitor --sim /tmp/loyalty-scan.sock &
//   loyalty-scan-sim --sim /tmp/loyalty-scan.sock card 04A1B2C3D4E5F6
#include <CLI/CLI.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <iostream>

#include "loyalty/devices/scan_sources.hpp"

namespace {
volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) {
    g_stop = 1;
}

std::string clock_text(std::chrono::system_clock::time_point at) {
    const auto t = std::chrono::system_clock::to_time_t(at);
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[96];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>(ms));
    return buf;
}
}  // namespace

int main(int argc, char** argv) {
    using namespace loyalty::devices;
    CLI::App app{"Print scan events from card readers, scanners, the camera and the simulator"};
    std::string sim_path = default_sim_socket();
    bool usb = false;
    std::string camera_path;
    int count = 0;
    double seconds = 0;
    app.add_option("--sim", sim_path, "simulator socket to listen on (empty: none)")
        ->capture_default_str();
    app.add_flag("--usb", usb, "also watch USB readers (keyboard wedges, magstripe, ACR122U NFC)");
    app.add_option("--camera", camera_path,
                   "also decode QR codes from this V4L2 camera (e.g. /dev/video0)");
    app.add_option("--count", count, "exit after this many events (0: run until Ctrl-C)");
    app.add_option("--seconds", seconds, "exit after this long (0: no limit)");
    CLI11_PARSE(app, argc, argv);

    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    ScanQueue queue(256);
    ScanSourcesConfig config;
    config.sim_socket = sim_path;
    config.usb = usb;
    config.camera = camera_path;
    auto sources =
        ScanSources::start(config, queue, [](const std::string& msg) { std::cerr << msg << "\n"; });
    if (!sources) {
        std::cerr << "loyalty-scan-monitor: " << sources.error().message << "\n";
        return 1;
    }
    if (!sim_path.empty()) std::cerr << "listening for simulated scans on " << sim_path << "\n";
    if (usb) std::cerr << "watching USB readers\n";
    if (!camera_path.empty()) std::cerr << "decoding codes from " << camera_path << "\n";
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    int seen = 0;
    while (!g_stop && (count == 0 || seen < count) &&
           (seconds <= 0 || std::chrono::steady_clock::now() < deadline)) {
        auto event = queue.wait_pop(std::chrono::milliseconds(100));
        if (!event) continue;
        std::cout << clock_text(event->at) << ' ' << event->source << ' ' << to_string(event->kind)
                  << ' ' << event->payload << std::endl;
        ++seen;
    }
    return 0;
}
