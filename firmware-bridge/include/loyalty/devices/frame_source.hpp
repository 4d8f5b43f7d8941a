#pragma once
// Where camera frames come from: a V4L2 camera (v4l2_camera.hpp) or a recording played
// back as if it were one (recorded_frames.hpp). Each delivers grey frames on its own
// thread; destroying a source stops that thread and joins it.
#include <functional>
#include <optional>

#include "loyalty/devices/camera_decoder.hpp"
#include "loyalty/result.hpp"

namespace loyalty::devices {

class FrameSource {
  public:
    // Runs on the source's thread for every frame; the view is valid during the call only.
    using OnFrame = std::function<void(const GreyFrame&)>;
    // Runs once on the source's thread when the source stops by itself: with an error
    // (the camera was unplugged, a read failed), or without one (a recording played once
    // reached its end). Not called when the owner destroys the source.
    using OnStop = std::function<void(std::optional<Error>)>;

    virtual ~FrameSource() = default;
    FrameSource() = default;
    FrameSource(const FrameSource&) = delete;
    FrameSource& operator=(const FrameSource&) = delete;

    virtual Result<void> start(OnFrame on_frame, OnStop on_stop = {}) = 0;
};

}  // namespace loyalty::devices
