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

#include "loyalty/devices/camera_scanner.hpp"
#include "loyalty/devices/device_manager.hpp"
#include "loyalty/devices/scan_queue.hpp"
#include "loyalty/devices/simulator.hpp"
#include "loyalty/devices/v4l2_camera.hpp"

namespace {
volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

std::string clock_text(std::chrono::system_clock::time_point at) {
    const auto t = std::chrono::system_clock::to_time_t(at);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[96];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
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
    app.add_option("--sim", sim_path, "simulator socket to listen on (empty: none)")->capture_default_str();
    app.add_flag("--usb", usb, "also watch USB readers (keyboard wedges, magstripe, ACR122U NFC)");
    app.add_option("--camera", camera_path, "also decode QR codes from this V4L2 camera (e.g. /dev/video0)");
    app.add_option("--count", count, "exit after this many events (0: run until Ctrl-C)");
    app.add_option("--seconds", seconds, "exit after this long (0: no limit)");
    CLI11_PARSE(app, argc, argv);

    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    ScanQueue queue(256);
    std::unique_ptr<SimulatorSource> sim;
    if (!sim_path.empty()) {
        auto s = SimulatorSource::listen(sim_path, queue);
        if (!s) {
            std::cerr << "loyalty-scan-monitor: " << s.error().message << "\n";
            return 1;
        }
        sim = std::move(*s);
        std::cerr << "listening for simulated scans on " << sim_path << "\n";
    }
    std::unique_ptr<DeviceManager> devices;
    if (usb) {
        auto m = DeviceManager::start(default_device_profiles(), queue,
                                      [](const std::string& msg) { std::cerr << "usb: " << msg << "\n"; });
        if (!m) {
            std::cerr << "loyalty-scan-monitor: " << m.error().message << "\n";
            return 1;
        }
        devices = std::move(*m);
    }
    std::unique_ptr<CameraScanner> scanner;
    std::unique_ptr<V4l2Camera> camera;  // declared after the scanner: stops first
    if (!camera_path.empty()) {
        auto cam = V4l2Camera::open(camera_path, 1280, 720);
        if (!cam) {
            std::cerr << "loyalty-scan-monitor: " << cam.error().message << "\n";
            return 1;
        }
        camera = std::move(*cam);
        scanner = std::make_unique<CameraScanner>("camera:" + camera_path, queue, CameraScanner::Options{},
                                                  [](const std::string& m) { std::cerr << m << "\n"; });
        if (auto r = camera->start([&](const GreyFrame& f) { scanner->on_frame(f, std::chrono::steady_clock::now()); }); !r) {
            std::cerr << "loyalty-scan-monitor: " << r.error().message << "\n";
            return 1;
        }
        std::cerr << "decoding QR codes from " << camera_path << " (" << camera->width() << "x" << camera->height() << ")\n";
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    int seen = 0;
    while (!g_stop && (count == 0 || seen < count) && (seconds <= 0 || std::chrono::steady_clock::now() < deadline)) {
        auto event = queue.wait_pop(std::chrono::milliseconds(100));
        if (!event) continue;
        std::cout << clock_text(event->at) << ' ' << event->source << ' ' << to_string(event->kind) << ' '
                  << event->payload << std::endl;
        ++seen;
    }
    return 0;
}
