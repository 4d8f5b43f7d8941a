#pragma once
// Camera frames -> member and receipt codes. Frames are grey (the luminance plane
// of YUYV or a GREY camera, used in place). Most frames hold no code, so the cheap
// answer "nothing here" is what the pipeline is tuned for.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "loyalty/devices/scan_event.hpp"

namespace loyalty::devices {

// A view of 8-bit luminance; `stride` is bytes between rows (YUYV: pixel_stride 2).
struct GreyFrame {
    const std::uint8_t* data = nullptr;
    int width = 0;
    int height = 0;
    int stride = 0;        // bytes per row
    int pixel_stride = 1;  // bytes between horizontal neighbours
};

struct FrameDecoderOptions {
    bool qr = true;
    bool ean13 = false;    // product / card numbers printed as EAN-13
    bool code128 = false;  // receipt numbers printed as Code 128
    // Frames wider than this are searched at half resolution first (a phone held up
    // to the kiosk fills a good part of the frame). Only when a cheap look finds
    // QR finder patterns there is full resolution searched: around those patterns
    // first, the whole frame if that fails; with 1-D codes enabled the
    // full-resolution centre is searched as well.
    int half_resolution_above = 1000;
};

struct FrameDecode {
    enum class Status { none, decoded, unreadable };
    Status status = Status::none;
    ScanKind kind = ScanKind::qr;
    std::string text;   // decoded text (UTF-8) when decoded
    std::string error;  // why a code that was seen could not be read
};

// Stateless per frame apart from a reusable scratch buffer: one per camera thread.
class FrameDecoder {
  public:
    explicit FrameDecoder(FrameDecoderOptions options = {}) : options_(options) {}
    FrameDecode decode(const GreyFrame& frame);

  private:
    FrameDecoderOptions options_;
    std::vector<std::uint8_t> half_;
};

// The same code shown for seconds is one scan: a code seen again within `window`
// of when it was last seen is not reported again.
class CodeDebouncer {
  public:
    using TimePoint = std::chrono::steady_clock::time_point;
    explicit CodeDebouncer(std::chrono::milliseconds window = std::chrono::milliseconds(2000))
        : window_(window) {}
    bool accept(const std::string& text, TimePoint now);

  private:
    std::chrono::milliseconds window_;
    std::map<std::string, TimePoint> last_seen_;
};

}  // namespace loyalty::devices
