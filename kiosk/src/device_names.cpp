#include "device_names.hpp"

#include <cstdio>
#include <filesystem>

#include "loyalty/devices/device_manager.hpp"

namespace loyalty::kiosk {

std::string device_name(const std::string& source, const std::string& lang) {
    const bool zh = lang.starts_with("zh");
    if (source == "sim" || source == "script")
        return zh ? "模拟读卡器（演示）" : "Simulated reader (demo)";
    if (source.starts_with("camera:")) {
        const auto path = source.substr(7);
        if (path.starts_with("/dev/")) return (zh ? "摄像头 " : "Camera ") + path;
        // A recording played as the camera (the demo, a test): its file or folder name.
        auto trimmed = path;
        while (trimmed.size() > 1 && trimmed.back() == '/') trimmed.pop_back();
        const auto name = std::filesystem::path(trimmed).filename().string();
        return zh ? "摄像头（录像 " + name + "）" : "Camera (recording " + name + ")";
    }
    unsigned vid = 0, pid = 0;
    char port[32] = {};
    if (std::sscanf(source.c_str(), "usb:%4x:%4x@%31s", &vid, &pid, port) == 3) {
        std::string model;
        for (const auto& p : devices::default_device_profiles())
            if (p.vendor_id == vid && p.product_id == pid) model = p.name;
        if (model.empty()) {
            char ids[32];
            std::snprintf(ids, sizeof ids, "%04x:%04x", vid, pid);
            model = (zh ? "USB 设备 " : "USB device ") + std::string(ids);
        }
        return model + (zh ? " · USB 接口 " : " · USB port ") + port;
    }
    return source;
}

}  // namespace loyalty::kiosk
