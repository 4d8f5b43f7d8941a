#pragma once
// Keyboard-wedge readers and scanners "type" what they read as HID boot-keyboard
// reports. This turns that report stream back into one string per scan.
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "loyalty/devices/scan_event.hpp"

namespace loyalty::devices {

// Per device (vendor:product id) settings of a wedge reader.
struct WedgeConfig {
    std::uint16_t vendor_id = 0;
    std::uint16_t product_id = 0;
    ScanKind kind = ScanKind::barcode;  // what a completed read means for this device
    // A read whose keystrokes stop for this long without a terminator is dropped:
    // a half swipe must not be glued to the next one.
    std::chrono::milliseconds partial_timeout{300};
    bool tab_terminates = true;    // some scanners end with Tab instead of Enter
    std::size_t max_length = 512;  // garbage protection
};

// Decodes 8-byte boot-keyboard reports: byte 0 modifiers, byte 1 reserved,
// bytes 2..7 the keys held. A key counts once, when it first appears.
class WedgeDecoder {
  public:
    using TimePoint = std::chrono::steady_clock::time_point;

    explicit WedgeDecoder(WedgeConfig config = {}) : config_(config) {}

    // Feeds one report; returns the completed read when the report carried the terminator.
    // Reports shorter than 3 bytes or in error-rollover state are ignored.
    std::optional<std::string> feed(std::span<const std::uint8_t> report, TimePoint at);

    // Drops a partial read older than the timeout. True when something was dropped.
    bool expire(TimePoint now);

    const std::string& pending() const { return buffer_; }
    std::size_t dropped_partials() const { return dropped_; }
    const WedgeConfig& config() const { return config_; }

  private:
    WedgeConfig config_;
    std::string buffer_;
    std::uint8_t held_[6] = {};
    TimePoint last_key_{};
    std::size_t dropped_ = 0;
};

// The character a HID usage id types, or 0 for keys that type nothing we use.
char hid_usage_to_char(std::uint8_t usage, bool shift);

}  // namespace loyalty::devices
