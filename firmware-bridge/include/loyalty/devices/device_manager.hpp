#pragma once
// USB readers that come and go: keyboard-wedge card readers and barcode guns
// (HID boot reports), magstripe readers that type their tracks, and ACR122U-style
// NFC readers (CCID). Matching devices are claimed as they are plugged in, their
// reads become ScanEvents, and a device that misbehaves is reported and retried;
// nothing a device does takes the app down.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "loyalty/devices/scan_queue.hpp"
#include "loyalty/devices/simulator.hpp"
#include "loyalty/devices/wedge_decoder.hpp"
#include "loyalty/result.hpp"

namespace loyalty::devices {

enum class DeviceRole {
    keyboard_wedge,  // HID boot keyboard; wedge.kind says what a read is (magstripe reads are
                     // parsed as tracks)
    ccid_nfc,        // CCID reader answering the get-UID APDU (ACR122U)
    hid_pos,         // HID POS barcode scanner (usage page 0x8C): decoded bytes, no keystrokes
};

struct DeviceProfile {
    std::string name;
    std::uint16_t vendor_id = 0;
    std::uint16_t product_id = 0;
    DeviceRole role = DeviceRole::keyboard_wedge;
    WedgeConfig wedge{};                           // keyboard_wedge only
    std::chrono::milliseconds poll_interval{200};  // ccid_nfc: how often to ask for a UID
    bool acknowledge = true;                       // ccid_nfc: LED + beep on a new card
    std::chrono::milliseconds retry_after{2000};   // a failed device is reopened after this
};

// Readers this terminal knows out of the box (ACR122U; common wedge readers).
std::vector<DeviceProfile> default_device_profiles();

// Operator-facing messages (attached, refused swipe, failed and retried...). Called
// from the manager's threads, possibly several at once: it must be thread-safe.
using DeviceLog = std::function<void(const std::string&)>;

class DeviceManager {
  public:
    // Starts watching USB (hot-plug where libusb supports it, enumeration polling
    // otherwise) on its own thread. Devices already plugged in are picked up at once.
    static Result<std::unique_ptr<DeviceManager>> start(std::vector<DeviceProfile> profiles,
                                                        ScanQueue& queue, DeviceLog log = {},
                                                        EventClock clock = {});
    ~DeviceManager();
    DeviceManager(const DeviceManager&) = delete;
    DeviceManager& operator=(const DeviceManager&) = delete;

    // Sources ("usb:072f:2200@1-3") of the devices currently claimed.
    std::vector<std::string> attached() const;

    struct Impl;

  private:
    explicit DeviceManager(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace loyalty::devices
