#pragma once
// A V4L2 camera as a source of grey frames: memory-mapped streaming, YUYV or GREY,
// the luminance plane handed over in place (no copy), on its own thread.
// Thin on purpose: everything it feeds (CameraScanner) is tested without a camera.
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "loyalty/devices/camera_decoder.hpp"
#include "loyalty/devices/frame_source.hpp"
#include "loyalty/result.hpp"

namespace loyalty::devices {

class V4l2Camera : public FrameSource {
  public:
    // Opens `path` (e.g. /dev/video0) and asks for width x height in YUYV (or GREY).
    static Result<std::unique_ptr<V4l2Camera>> open(const std::string& path, int width, int height);
    ~V4l2Camera() override;

    // Starts streaming; `on_frame` runs on the capture thread for every frame. A read that
    // fails (ENODEV: unplugged) ends the thread and is handed to `on_stop`.
    Result<void> start(OnFrame on_frame, OnStop on_stop = {}) override;
    int width() const { return width_; }
    int height() const { return height_; }

  private:
    struct Buffer {
        void* start = nullptr;
        std::size_t length = 0;
    };
    V4l2Camera(std::string path, int fd, int width, int height, int stride, int pixel_stride);
    void capture_loop();

    std::string path_;
    int fd_;
    int width_, height_, stride_, pixel_stride_;
    std::vector<Buffer> buffers_;
    OnFrame on_frame_;
    OnStop on_stop_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
    bool streaming_ = false;
};

}  // namespace loyalty::devices
