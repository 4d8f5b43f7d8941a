#pragma once
// HID POS barcode scanners (usage page 0x8C, "Scanned Data Report"): the scanner
// sends the decoded bytes, not keystrokes, so nothing depends on a keyboard layout
// and binary or non-ASCII payloads survive. Report layout (64 bytes, as Honeywell
// and other HID POS scanners send it):
//   [0] report id (0x02)   [1] bytes of data in this report (0..56)
//   [2..4] AIM symbology identifier, e.g. "]Q1" QR, "]E0" EAN-13, "]C0" Code 128
//   [5..60] data           [63] bit 0: more data follows in the next report
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "loyalty/devices/scan_event.hpp"
#include "loyalty/result.hpp"

namespace loyalty::devices {

inline constexpr std::uint16_t kHidPosUsagePage = 0x8C;
inline constexpr std::uint8_t kHidPosScannedDataReport = 0x02;

struct HidPosScan {
    std::string aim_id;  // "]Q1"
    ScanKind kind = ScanKind::barcode;
    std::string data;  // raw bytes as sent (not necessarily UTF-8)
};

// Joins continued reports into one scan. A malformed report drops what was pending
// and says why; the next good report starts afresh.
class HidPosAssembler {
  public:
    // nullopt: more reports to come (or a report of another id, ignored).
    std::optional<Result<HidPosScan>> feed(std::span<const std::uint8_t> report);

  private:
    std::string pending_;
    std::string aim_;
};

// Payload text for a ScanEvent: the data if it is printable UTF-8, else upper-case hex
// (the contract: binary payloads are hex-encoded by the adapter).
std::string scan_payload(const std::string& data);

}  // namespace loyalty::devices
