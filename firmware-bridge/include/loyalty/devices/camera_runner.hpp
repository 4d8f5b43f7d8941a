#pragma once
// A camera the app can leave running: it owns a frame source (a V4L2 camera or a
// recording) and the CameraScanner it feeds, pushes codes into the app's ScanQueue
// beside the USB readers, and keeps trying: a camera that will not open, or that
// disappears while streaming, is reopened every `retry_after` until it works again.
// health() says how it is doing, for the manager's health screen.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "loyalty/devices/camera_scanner.hpp"
#include "loyalty/devices/frame_source.hpp"

namespace loyalty::devices {

enum class CameraState {
    off,           // not started, or stopped (a recording played once has ended)
    starting,      // opening
    streaming,     // frames arrive
    failed,        // could not be opened; retried every retry_after
    disconnected,  // streamed, then stopped with an error (unplugged); retried
};
const char* to_string(CameraState state);

struct CameraHealth {
    std::string source;  // as its scans say: "camera:/dev/video0"
    CameraState state = CameraState::off;
    std::string last_error;  // the latest failure, kept after a recovery; empty: none yet
    std::uint64_t frames_seen = 0;
    std::uint64_t frames_decoded = 0;
    std::uint64_t codes_read = 0;
};

// A still taken from the camera: one frame, copied (8-bit grey, rows tightly packed).
struct CapturedFrame {
    int width = 0;
    int height = 0;
    std::vector<std::uint8_t> pixels;
    GreyFrame view() const { return {pixels.data(), width, height, width, 1}; }
};

// Opens the source anew (the runner calls it at start and at every retry).
using FrameSourceFactory = std::function<Result<std::unique_ptr<FrameSource>>()>;

// What an app's camera setting names: "auto" (/dev/video0 when it exists), "none" or "off",
// a device path, a .y4m file or a folder of images (recordings, played at `fps`, looping).
struct CameraSetting {
    std::string setting = "auto";
    double fps = 0;  // recordings: 0 = the file's own rate (30 for a folder)
    int width = 1280;
    int height = 720;
};
struct CameraChoice {
    std::string source;  // "camera:PATH"; empty: no camera
    std::string path;
    FrameSourceFactory open;
};
CameraChoice choose_camera(const CameraSetting& setting);

class CameraRunner {
  public:
    struct Options {
        std::string source;  // names its scans and its health row: "camera:/dev/video0"
        FrameSourceFactory open;
        std::chrono::milliseconds retry_after{3000};
        CameraScanner::Options scanner{};
    };
    // Starts at once on its own thread; never fails (a camera that cannot open is retried).
    CameraRunner(Options options, ScanQueue& queue, DeviceLog log = {}, EventClock clock = {});
    ~CameraRunner();
    CameraRunner(const CameraRunner&) = delete;
    CameraRunner& operator=(const CameraRunner&) = delete;

    CameraHealth health() const;
    // Plays another source once in place of the usual one, then goes back to it (the demo's
    // "show a member code to the camera"). Its frames go through the same scanner.
    void play_once(FrameSourceFactory open);
    // The next frame the camera delivers, copied for the caller (a receipt photo). Blocks up to
    // `within`: call it off the UI thread. The frame loop pays one copy per call and a relaxed
    // atomic load per frame otherwise. Errc::device_gone when the camera is not streaming,
    // Errc::device when no frame came in time.
    Result<CapturedFrame> capture(std::chrono::milliseconds within);

  private:
    void supervise();
    void offer_frame(const GreyFrame& frame);  // on the source's thread, before the scanner
    void set_state(CameraState state, const std::string& error = {});
    // Waits until `until`, a stop, or (when `for_source`) the source's end or a play_once.
    bool wait(std::unique_lock<std::mutex>& lock, std::chrono::steady_clock::time_point until,
              bool for_source);

    Options options_;
    DeviceLog log_;
    CameraScanner scanner_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool stop_ = false;
    bool source_ended_ = false;
    std::optional<Error> source_error_;
    FrameSourceFactory once_;
    CameraState state_ = CameraState::off;
    std::string last_error_;
    // capture(): one caller at a time asks, the frame thread answers.
    std::mutex capture_call_;
    std::mutex capture_mutex_;
    std::condition_variable captured_cv_;
    std::atomic<bool> capture_wanted_{false};
    std::optional<CapturedFrame> captured_;
    std::thread thread_;
};

}  // namespace loyalty::devices
