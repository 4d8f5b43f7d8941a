#pragma once
// Camera frames -> ScanEvents: decodes (FrameDecoder), reports a code held in view
// once (CodeDebouncer), and paces itself so decoding never starves the kiosk UI.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "loyalty/devices/camera_decoder.hpp"
#include "loyalty/devices/device_manager.hpp"
#include "loyalty/devices/scan_queue.hpp"

namespace loyalty::devices {

// Which frames to decode. Decoding takes at most `cpu_share` of the time (the next
// frame is skipped until decode time / share has passed), and after `idle_after`
// frames without a code only one frame per `idle_interval` is looked at, until
// something code-like shows up again. 50 ms is every second frame of a 30 fps camera: a
// phone held up is decoded at most one frame late (kiosk_camera_bench: frame to member home
// p99 under 100 ms; at 100 ms it was 118 ms), for about 2 % of a core on an idle 1280x720 stream.
class FramePacer {
  public:
    using TimePoint = std::chrono::steady_clock::time_point;
    struct Options {
        double cpu_share = 0.5;
        int idle_after = 30;
        std::chrono::milliseconds idle_interval{50};
    };
    FramePacer() : FramePacer(Options{}) {}
    explicit FramePacer(Options o) : o_(o) {}
    bool should_decode(TimePoint now) const { return now >= next_; }
    void decoded(TimePoint started, TimePoint finished, bool something_seen);
    bool idle() const { return empty_frames_ >= o_.idle_after; }

  private:
    Options o_;
    TimePoint next_{};
    int empty_frames_ = 0;
};

class CameraScanner {
  public:
    struct Options {
        FrameDecoderOptions decoder{};
        std::chrono::milliseconds debounce{2000};
        FramePacer::Options pacing{};
    };
    CameraScanner(std::string source, ScanQueue& queue, Options options, DeviceLog log = {},
                  EventClock clock = {});

    // Called on the capture thread for every frame. Returns true if the frame was decoded.
    bool on_frame(const GreyFrame& frame, std::chrono::steady_clock::time_point now);

    // Since construction: frames handed in, frames decoded (the rest were skipped by the
    // pacer), codes reported (debounced). Safe to read from any thread.
    struct Counts {
        std::uint64_t frames = 0;
        std::uint64_t decoded = 0;
        std::uint64_t codes = 0;
    };
    Counts counts() const { return {frames_.load(), decoded_.load(), codes_.load()}; }

  private:
    std::string source_;
    ScanQueue& queue_;
    FrameDecoder decoder_;
    CodeDebouncer debounce_;
    FramePacer pacer_;
    DeviceLog log_;
    EventClock clock_;
    std::optional<std::chrono::steady_clock::time_point> last_unreadable_log_;
    std::atomic<std::uint64_t> frames_{0}, decoded_{0}, codes_{0};
};

}  // namespace loyalty::devices
