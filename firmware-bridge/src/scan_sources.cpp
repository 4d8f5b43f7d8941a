#include "loyalty/devices/scan_sources.hpp"

namespace loyalty::devices {

Result<std::unique_ptr<ScanSources>> ScanSources::start(const ScanSourcesConfig& config,
                                                        ScanQueue& queue, DeviceLog log,
                                                        EventClock clock) {
    std::unique_ptr<ScanSources> s(new ScanSources());
    if (!config.sim_socket.empty()) {
        auto sim = SimulatorSource::listen(config.sim_socket, queue, clock);
        if (!sim) return sim.error();
        s->sim_ = std::move(*sim);
    }
    if (config.usb) {
        auto usb = DeviceManager::start(config.usb_profiles, queue, log, clock);
        if (!usb) return usb.error();
        s->usb_ = std::move(*usb);
    }
    if (!config.camera.empty()) {
        auto cam = V4l2Camera::open(config.camera, config.camera_width, config.camera_height);
        if (!cam) return cam.error();
        s->scanner_ = std::make_unique<CameraScanner>("camera:" + config.camera, queue,
                                                      config.camera_options, log, clock);
        CameraScanner* scanner = s->scanner_.get();
        if (auto r = (*cam)->start([scanner](const GreyFrame& f) {
                scanner->on_frame(f, std::chrono::steady_clock::now());
            });
            !r)
            return r.error();
        s->camera_ = std::move(*cam);
    }
    return s;
}

ScanSources::~ScanSources() {
    camera_.reset();  // its thread calls into the scanner
    scanner_.reset();
    usb_.reset();
    sim_.reset();
}

const std::string& ScanSources::sim_socket() const {
    static const std::string none;
    return sim_ ? sim_->path() : none;
}

std::vector<std::string> ScanSources::usb_devices() const {
    return usb_ ? usb_->attached() : std::vector<std::string>{};
}

}  // namespace loyalty::devices
