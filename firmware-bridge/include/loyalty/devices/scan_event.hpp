#pragma once
// What every input device becomes: one stream of scan events. Nothing above
// firmware-bridge/ sees USB, V4L2 or key codes, only these.
#include <chrono>
#include <string>
#include <string_view>

namespace loyalty::devices {

enum class ScanKind {
    card_uid,   // NFC/RFID card UID, upper-case hex ("04A1B2C3D4E5F6")
    magstripe,  // the account field of an ISO/IEC 7813 track (track 2 preferred)
    barcode,    // 1D code from a scanner or the camera
    qr,         // 2D code (member QR, receipt QR) from a scanner or the camera
};

struct ScanEvent {
    std::string source;  // device that produced it, e.g. "usb:072f:2200@1-3" or
                         // "camera:/dev/video0" or "sim"
    ScanKind kind = ScanKind::barcode;
    std::string payload;  // decoded text; binary payloads are hex-encoded by the device adapter
    std::chrono::system_clock::time_point at{};
};

constexpr std::string_view to_string(ScanKind kind) {
    switch (kind) {
        case ScanKind::card_uid:
            return "card_uid";
        case ScanKind::magstripe:
            return "magstripe";
        case ScanKind::barcode:
            return "barcode";
        case ScanKind::qr:
            return "qr";
    }
    return "unknown";
}

}  // namespace loyalty::devices
