#include "loyalty/devices/camera_scanner.hpp"

namespace loyalty::devices {

void FramePacer::decoded(TimePoint started, TimePoint finished, bool something_seen) {
    empty_frames_ = something_seen ? 0 : empty_frames_ + 1;
    const auto spent = finished - started;
    auto wait = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        spent * (1.0 / o_.cpu_share) - spent);
    if (idle()) wait = std::max<std::chrono::steady_clock::duration>(wait, o_.idle_interval);
    next_ = finished + wait;
}

CameraScanner::CameraScanner(std::string source, ScanQueue& queue, Options options, DeviceLog log,
                             EventClock clock)
    : source_(std::move(source)),
      queue_(queue),
      decoder_(options.decoder),
      debounce_(options.debounce),
      pacer_(options.pacing),
      log_(std::move(log)),
      clock_(std::move(clock)) {
    if (!clock_) clock_ = [] { return std::chrono::system_clock::now(); };
}

bool CameraScanner::on_frame(const GreyFrame& frame, std::chrono::steady_clock::time_point now) {
    ++frames_;
    if (!pacer_.should_decode(now)) return false;
    ++decoded_;
    const auto started = std::chrono::steady_clock::now();
    const auto d = decoder_.decode(frame);
    pacer_.decoded(now, now + (std::chrono::steady_clock::now() - started),
                   d.status != FrameDecode::Status::none);
    if (d.status == FrameDecode::Status::decoded) {
        if (debounce_.accept(d.text, now)) {
            ++codes_;
            queue_.push(ScanEvent{source_, d.kind, d.text, clock_()});
        }
    } else if (d.status == FrameDecode::Status::unreadable && log_ &&
               (!last_unreadable_log_ || now - *last_unreadable_log_ > std::chrono::seconds(2))) {
        // A torn or blurred code: worth telling the operator, not every frame.
        last_unreadable_log_ = now;
        log_(source_ + ": " + d.error);
    }
    return true;
}

}  // namespace loyalty::devices
