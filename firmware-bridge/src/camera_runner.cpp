#include "loyalty/devices/camera_runner.hpp"

#include <algorithm>
#include <filesystem>

#include "loyalty/devices/recorded_frames.hpp"
#include "loyalty/devices/v4l2_camera.hpp"

namespace loyalty::devices {

const char* to_string(CameraState state) {
    switch (state) {
        case CameraState::off:
            return "off";
        case CameraState::starting:
            return "starting";
        case CameraState::streaming:
            return "streaming";
        case CameraState::failed:
            return "failed";
        case CameraState::disconnected:
            return "disconnected";
    }
    return "off";
}

CameraChoice choose_camera(const CameraSetting& setting) {
    std::string path = setting.setting;
    if (path.empty() || path == "none" || path == "off") return {};
    if (path == "auto") {
        std::error_code ec;
        if (!std::filesystem::exists("/dev/video0", ec)) return {};
        path = "/dev/video0";
    }
    // Decided at each opening: a folder that appears later is a recording, not a device.
    FrameSourceFactory open = [path, setting]() -> Result<std::unique_ptr<FrameSource>> {
        if (is_recording_path(path)) {
            auto r = RecordedFrames::open(path, {setting.fps, true});
            if (!r) return r.error();
            return std::unique_ptr<FrameSource>(std::move(*r));
        }
        auto cam = V4l2Camera::open(path, setting.width, setting.height);
        if (!cam) return cam.error();
        return std::unique_ptr<FrameSource>(std::move(*cam));
    };
    return {"camera:" + path, path, std::move(open)};
}

CameraRunner::CameraRunner(Options options, ScanQueue& queue, DeviceLog log, EventClock clock)
    : options_(std::move(options)),
      log_(std::move(log)),
      scanner_(options_.source, queue, options_.scanner, log_, std::move(clock)) {
    thread_ = std::thread([this] { supervise(); });
}

CameraRunner::~CameraRunner() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

CameraHealth CameraRunner::health() const {
    CameraHealth h;
    h.source = options_.source;
    {
        std::lock_guard lock(mutex_);
        h.state = state_;
        h.last_error = last_error_;
    }
    const auto counts = scanner_.counts();
    h.frames_seen = counts.frames;
    h.frames_decoded = counts.decoded;
    h.codes_read = counts.codes;
    return h;
}

void CameraRunner::play_once(FrameSourceFactory open) {
    {
        std::lock_guard lock(mutex_);
        once_ = std::move(open);
    }
    wake_.notify_all();
}

Result<CapturedFrame> CameraRunner::capture(std::chrono::milliseconds within) {
    std::lock_guard one_at_a_time(capture_call_);
    {
        std::lock_guard lock(mutex_);
        if (state_ != CameraState::streaming)
            return make_error(Errc::device_gone,
                              options_.source + " is " + to_string(state_) +
                                  (last_error_.empty() ? "" : ": " + last_error_));
    }
    std::unique_lock lock(capture_mutex_);
    captured_.reset();
    capture_wanted_.store(true);
    const bool got = captured_cv_.wait_for(lock, within, [&] { return captured_.has_value(); });
    capture_wanted_.store(false);
    if (!got)
        return make_error(Errc::device, options_.source + " gave no frame within " +
                                            std::to_string(within.count()) + " ms");
    auto frame = std::move(*captured_);
    captured_.reset();
    return frame;
}

void CameraRunner::offer_frame(const GreyFrame& frame) {
    if (!capture_wanted_.load(std::memory_order_relaxed)) return;
    CapturedFrame copy;
    copy.width = frame.width;
    copy.height = frame.height;
    copy.pixels.resize(static_cast<std::size_t>(frame.width) *
                       static_cast<std::size_t>(frame.height));
    for (int y = 0; y < frame.height; ++y) {
        const auto* row = frame.data + static_cast<std::ptrdiff_t>(y) * frame.stride;
        auto* out = copy.pixels.data() + static_cast<std::ptrdiff_t>(y) * frame.width;
        if (frame.pixel_stride == 1)
            std::copy(row, row + frame.width, out);
        else
            for (int x = 0; x < frame.width; ++x)
                out[x] = row[static_cast<std::ptrdiff_t>(x) * frame.pixel_stride];
    }
    {
        std::lock_guard lock(capture_mutex_);
        if (!capture_wanted_.load() || captured_) return;
        captured_ = std::move(copy);
    }
    captured_cv_.notify_all();
}

void CameraRunner::set_state(CameraState state, const std::string& error) {
    const bool changed = state != state_ || (!error.empty() && error != last_error_);
    state_ = state;
    if (!error.empty()) last_error_ = error;
    if (!changed || !log_) return;
    // One line per change, not one per retry.
    std::string line = options_.source + ": " + to_string(state);
    if (!error.empty()) line += " (" + error + ")";
    if (state == CameraState::failed || state == CameraState::disconnected)
        line += "; retrying every " + std::to_string(options_.retry_after.count()) + " ms";
    log_(line);
}

bool CameraRunner::wait(std::unique_lock<std::mutex>& lock,
                        std::chrono::steady_clock::time_point until, bool for_source) {
    wake_.wait_until(lock, until, [&] {
        return stop_ || static_cast<bool>(once_) || (for_source && source_ended_);
    });
    return !stop_;
}

void CameraRunner::supervise() {
    using Clock = std::chrono::steady_clock;
    bool streamed = false;  // a failure after streaming is a disconnection
    std::unique_lock lock(mutex_);
    set_state(CameraState::starting);
    while (!stop_) {
        FrameSourceFactory open = options_.open;
        const bool once = static_cast<bool>(once_);
        if (once) open = std::exchange(once_, nullptr);
        source_ended_ = false;
        source_error_.reset();
        lock.unlock();
        auto source = open ? open()
                           : Result<std::unique_ptr<FrameSource>>(
                                 make_error(Errc::invalid_argument, "no camera configured"));
        Result<void> started = source ? Result<void>{} : Result<void>(source.error());
        if (source)
            started = (*source)->start(
                [this](const GreyFrame& frame) {
                    offer_frame(frame);
                    scanner_.on_frame(frame, Clock::now());
                },
                [this](std::optional<Error> error) {
                    {
                        std::lock_guard stopped(mutex_);
                        source_ended_ = true;
                        source_error_ = std::move(error);
                    }
                    wake_.notify_all();
                });
        lock.lock();
        if (!started) {
            if (source) {
                lock.unlock();
                source->reset();
                lock.lock();
            }
            if (once) {  // the demo's recording could not play: back to the camera at once
                if (log_) log_(options_.source + ": " + started.error().message);
                continue;
            }
            set_state(streamed ? CameraState::disconnected : CameraState::failed,
                      started.error().message);
            wait(lock, Clock::now() + options_.retry_after, false);
            continue;
        }
        if (!once) {
            streamed = true;
            set_state(CameraState::streaming);
        }
        wake_.wait(lock, [&] { return stop_ || source_ended_ || static_cast<bool>(once_); });
        const bool ended = source_ended_;
        const auto error = source_error_;
        lock.unlock();
        source->reset();  // stops and joins its thread
        lock.lock();
        if (stop_) break;
        if (ended && error) {
            set_state(CameraState::disconnected, error->message);
            wait(lock, Clock::now() + options_.retry_after, false);
        } else if (ended && !once) {
            set_state(CameraState::off);  // a recording played once: nothing more to show
            wake_.wait(lock, [&] { return stop_ || static_cast<bool>(once_); });
        }
    }
    state_ = CameraState::off;
}

}  // namespace loyalty::devices
