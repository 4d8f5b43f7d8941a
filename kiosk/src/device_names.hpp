#pragma once
// What the manager's health screen calls a device: its model and the USB port it is in
// ("ACR122U NFC reader · USB 1-3"), not the bridge's "usb:072f:2200@1-3"; a camera by its
// device ("摄像头 /dev/video0"), or a recording played as one by its file name.
#include <string>

namespace loyalty::kiosk {

// `lang` chooses the words the kiosk adds ("USB", "camera", "simulated reader").
std::string device_name(const std::string& source, const std::string& lang);

}  // namespace loyalty::kiosk
