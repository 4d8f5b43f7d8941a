#pragma once
// One call for an app (kiosk, till, loyalty-scan-monitor) to start every scan
// source it is configured for, all feeding one ScanQueue; destroying the result
// stops them all. Which sources: the simulator socket (demo), USB readers, a camera.
#include <memory>
#include <string>
#include <vector>

#include "loyalty/devices/camera_scanner.hpp"
#include "loyalty/devices/device_manager.hpp"
#include "loyalty/devices/scan_queue.hpp"
#include "loyalty/devices/simulator.hpp"
#include "loyalty/devices/v4l2_camera.hpp"

namespace loyalty::devices {

struct ScanSourcesConfig {
    std::string sim_socket;  // empty: no simulator
    bool usb = false;
    std::vector<DeviceProfile> usb_profiles = default_device_profiles();
    std::string camera;  // e.g. /dev/video0; empty: no camera
    int camera_width = 1280;
    int camera_height = 720;
    CameraScanner::Options camera_options{};
};

class ScanSources {
  public:
    // Fails (and starts nothing) if a configured source cannot start.
    static Result<std::unique_ptr<ScanSources>> start(const ScanSourcesConfig& config,
                                                      ScanQueue& queue, DeviceLog log = {},
                                                      EventClock clock = {});
    ~ScanSources();
    ScanSources(const ScanSources&) = delete;
    ScanSources& operator=(const ScanSources&) = delete;

    const std::string& sim_socket() const;
    std::vector<std::string> usb_devices() const;

  private:
    ScanSources() = default;
    // Destroyed bottom-up: the camera stops before its scanner goes.
    std::unique_ptr<SimulatorSource> sim_;
    std::unique_ptr<DeviceManager> usb_;
    std::unique_ptr<CameraScanner> scanner_;
    std::unique_ptr<V4l2Camera> camera_;
};

}  // namespace loyalty::devices
