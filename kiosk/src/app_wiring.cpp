// The kiosk behind the display: the controller and its engine worker, the demo reader,
// the receipt printer, the real card readers and scanners, the camera, and the pump that
// hands their scans to the UI loop.
#include <SDL.h>

#include "app_impl.hpp"
#include "loyalty/devices/usb_printer.hpp"

namespace loyalty::kiosk {

void start_kiosk(AppImpl& a, KioskConfig config) {
    const auto& options = a.options;
    config.default_lang = options.lang;
    a.controller = std::make_unique<KioskController>(
        std::move(config), options.db, [&a] { a.wake(); },
        std::chrono::seconds{options.idle_seconds});
    a.controller->set_clock([&a] { return a.now(); });
    if (options.demo) {
        a.demo = std::make_unique<DemoReader>(a.scans, *a.controller);
        a.demo->set_up();
    }
    auto printer_path = options.printer;
    if (printer_path.empty() && options.demo)
        printer_path = (options.db.parent_path() / "receipt-printer.bin").string();
    if (printer_path == "usb")
        a.controller->set_printer(std::make_shared<devices::UsbPrinter>());
    else if (!printer_path.empty())
        a.controller->set_printer(std::make_shared<devices::PathPrinter>(printer_path));
    if (options.devices) {
        // Real readers push into the same queue as the demo reader; a kiosk without any still runs.
        auto manager = devices::DeviceManager::start(
            devices::default_device_profiles(), a.scans,
            [](const std::string& line) { SDL_Log("devices: %s", line.c_str()); });
        if (manager) {
            a.device_manager = std::move(manager.value());
            a.controller->set_attached_devices([&a] { return a.device_manager->attached(); });
        } else {
            SDL_Log("devices: %s", manager.error().message.c_str());
        }
    }
    // The camera feeds the same queue. One that cannot open, or is unplugged, is retried by its
    // runner while the kiosk goes on with its other readers; the health screen shows its state.
    auto camera = devices::choose_camera({options.camera, options.camera_fps});
    if (!camera.source.empty()) {
        a.camera = std::make_unique<devices::CameraRunner>(
            devices::CameraRunner::Options{
                camera.source, std::move(camera.open), std::chrono::milliseconds{3000}, {}},
            a.scans, [](const std::string& line) { SDL_Log("camera: %s", line.c_str()); });
        a.controller->set_device_states([&a] {
            const auto h = a.camera->health();
            DeviceHealth d{h.source, std::nullopt, 0};
            d.state = devices::to_string(h.state);
            d.error = h.last_error;
            d.frames = static_cast<std::int64_t>(h.frames_seen);
            d.decoded = static_cast<std::int64_t>(h.frames_decoded);
            return std::vector<DeviceHealth>{d};
        });
        // A receipt photographed for a claim: the camera's next frame, taken on the worker.
        a.controller->set_camera(
            [&a](std::chrono::milliseconds within) { return a.camera->capture(within); },
            [&a] { return a.camera->health().state == devices::CameraState::streaming; });
    }
    // Devices push from their own threads; this pump hands their scans to the UI loop.
    a.pump = std::thread([&a] {
        while (!a.stop_pump) {
            if (auto scan = a.scans.wait_pop(std::chrono::milliseconds{200})) {
                {
                    std::lock_guard lock(a.inbox_mutex);
                    a.inbox.push_back(std::move(*scan));
                }
                a.wake();
            }
        }
    });
}

}  // namespace loyalty::kiosk
