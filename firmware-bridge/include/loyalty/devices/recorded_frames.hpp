#pragma once
// Recorded frames played back as a camera: a YUV4MPEG2 file (.y4m; the luma plane of
// each frame, any of the 8-bit 4:2:0, 4:2:2, 4:4:4 or mono layouts) or a folder of
// images (PNG, PGM, JPEG... read with stb_image and turned grey), at a given frame
// rate, looping or once, on the source's own thread. For the demo, tests and
// benchmarks, and for replaying what a real camera saw.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "loyalty/devices/frame_source.hpp"

namespace loyalty::devices {

// A grey image that owns its pixels (tightly packed rows).
struct GreyImage {
    int width = 0;
    int height = 0;
    std::vector<std::uint8_t> pixels;
    GreyFrame view() const { return {pixels.data(), width, height, width, 1}; }
};

// One image file, converted to grey (stb_image's luminance).
Result<GreyImage> read_grey_image(const std::filesystem::path& path);
// Writes an 8-bit grey PNG.
Result<void> write_grey_png(const std::filesystem::path& path, const GreyImage& image);
// Writes frames of one size as a 4:2:0 YUV4MPEG2 file (grey chroma) at `fps` frames per second.
Result<void> write_y4m(const std::filesystem::path& path, const std::vector<GreyImage>& frames,
                       int fps);

// True for the settings that name a recording rather than a camera: a .y4m file or a folder.
bool is_recording_path(const std::string& path);

class RecordedFrames : public FrameSource {
  public:
    struct Options {
        double fps = 0;    // 0: the Y4M header's rate (30 for a folder or a header without one)
        bool loop = true;  // false: plays once, then stops (OnStop without an error)
    };
    // Opens a .y4m file (frames are read from the file as they play) or a folder of images
    // (all decoded now, in name order, and kept in memory: keep folders short).
    static Result<std::unique_ptr<RecordedFrames>> open(const std::filesystem::path& path,
                                                        Options options);
    // Frames already in memory (the demo's rendered recordings).
    static std::unique_ptr<RecordedFrames> from_frames(std::vector<GreyImage> frames,
                                                       Options options);
    ~RecordedFrames() override;

    Result<void> start(OnFrame on_frame, OnStop on_stop = {}) override;
    std::size_t frame_count() const { return frame_count_; }
    double fps() const { return fps_; }
    int width() const { return width_; }
    int height() const { return height_; }

  private:
    RecordedFrames() = default;
    void play();
    // The next frame of the Y4M file into `y4m_frame_`; false at its end.
    Result<bool> read_y4m_frame();

    std::vector<GreyImage> frames_;  // a folder, or frames given
    struct FileCloser {
        void operator()(std::FILE* f) const { std::fclose(f); }
    };
    std::unique_ptr<std::FILE, FileCloser> y4m_;  // a Y4M file, read as it plays
    std::string y4m_name_;
    long y4m_first_frame_ = 0;
    std::size_t y4m_frame_bytes_ = 0;
    std::vector<std::uint8_t> y4m_frame_;
    std::size_t frame_count_ = 0;
    int width_ = 0, height_ = 0;
    double fps_ = 30;
    bool loop_ = true;

    OnFrame on_frame_;
    OnStop on_stop_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stop_ = false;
    std::thread thread_;
};

}  // namespace loyalty::devices
