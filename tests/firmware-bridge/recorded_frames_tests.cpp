// Recorded frames as a camera (Y4M files, folders of images) and the camera runner that
// keeps a camera going: real files, real ZXing decoding of rendered phone frames.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <thread>

#include "loyalty/devices/camera_runner.hpp"
#include "loyalty/devices/frame_render.hpp"
#include "loyalty/devices/recorded_frames.hpp"
#include "temp_dir.hpp"

using namespace loyalty::devices;
using namespace std::chrono_literals;

namespace {

// Frames that tell each other apart: frame i has the value i in its first pixels.
std::vector<GreyImage> numbered_frames(int n, int w = 64, int h = 48) {
    std::vector<GreyImage> frames;
    for (int i = 0; i < n; ++i) {
        GreyImage f{w, h, std::vector<std::uint8_t>(static_cast<std::size_t>(w * h), 90)};
        for (int x = 0; x < 8; ++x)
            f.pixels[static_cast<std::size_t>(x)] = static_cast<std::uint8_t>(i);
        f.pixels.back() = static_cast<std::uint8_t>(200 + i);
        frames.push_back(std::move(f));
    }
    return frames;
}

// What a source delivered, copied on its thread.
struct Collected {
    std::mutex mutex;
    std::vector<GreyImage> frames;
    std::atomic<bool> stopped{false};
    std::optional<loyalty::Error> error;
    FrameSource::OnFrame on_frame() {
        return [this](const GreyFrame& f) {
            GreyImage copy{f.width, f.height, {}};
            for (int y = 0; y < f.height; ++y)
                for (int x = 0; x < f.width; ++x)
                    copy.pixels.push_back(
                        f.data[static_cast<std::size_t>(y * f.stride + x * f.pixel_stride)]);
            std::lock_guard lock(mutex);
            frames.push_back(std::move(copy));
        };
    }
    FrameSource::OnStop on_stop() {
        return [this](std::optional<loyalty::Error> e) {
            error = std::move(e);
            stopped = true;
        };
    }
    std::size_t count() {
        std::lock_guard lock(mutex);
        return frames.size();
    }
};

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds within = 5000ms) {
    const auto until = std::chrono::steady_clock::now() + within;
    while (!pred()) {
        if (std::chrono::steady_clock::now() > until) return false;
        std::this_thread::sleep_for(5ms);
    }
    return true;
}

// A Y4M file written by hand in a given colour space: luma i+1 for frame i, chroma 77.
void write_y4m_by_hand(const std::filesystem::path& path, const std::string& colour, int w, int h,
                       int frames, std::size_t chroma_bytes) {
    std::ofstream out(path, std::ios::binary);
    out << "YUV4MPEG2 W" << w << " H" << h << " F25:1 Ip A0:0"
        << (colour.empty() ? "" : " C" + colour) << " XYSCSS=TEST\n";
    for (int i = 0; i < frames; ++i) {
        out << (i == 1 ? "FRAME Ixyz\n" : "FRAME\n");  // frame parameters are allowed
        out << std::string(static_cast<std::size_t>(w * h), static_cast<char>(i + 1));
        out << std::string(chroma_bytes, static_cast<char>(77));
    }
}

}  // namespace

TEST_CASE("a Y4M recording plays every frame's luma plane once, in order, then stops") {
    test::TempDir dir;
    const auto frames = numbered_frames(5);
    REQUIRE(write_y4m(dir.path() / "five.y4m", frames, 30));
    auto source = RecordedFrames::open(dir.path() / "five.y4m", {200, false});
    REQUIRE(source);
    CHECK((*source)->frame_count() == 5);
    CHECK((*source)->width() == 64);
    Collected got;
    REQUIRE((*source)->start(got.on_frame(), got.on_stop()));
    REQUIRE(eventually([&] { return got.stopped.load(); }));
    CHECK_FALSE(got.error);
    REQUIRE(got.count() == 5);
    for (int i = 0; i < 5; ++i)
        CHECK(got.frames[static_cast<std::size_t>(i)].pixels ==
              frames[static_cast<std::size_t>(i)].pixels);
}

TEST_CASE("Y4M files in 4:2:0, 4:2:2, mono and the default layout give their luma plane") {
    test::TempDir dir;
    const int w = 33, h = 17;  // odd sizes: chroma planes round up
    const std::size_t half_w = (w + 1) / 2, half_h = (h + 1) / 2;
    struct Layout {
        std::string colour;
        std::size_t chroma;
    };
    for (const auto& [colour, chroma] :
         {Layout{"420jpeg", 2 * half_w * half_h}, Layout{"420mpeg2", 2 * half_w * half_h},
          Layout{"422", 2 * half_w * h}, Layout{"mono", 0}, Layout{"", 2 * half_w * half_h}}) {
        CAPTURE(colour);
        const auto path = dir.path() / ("c" + colour + ".y4m");
        write_y4m_by_hand(path, colour, w, h, 3, chroma);
        auto source = RecordedFrames::open(path, {500, false});
        REQUIRE(source);
        CHECK((*source)->frame_count() == 3);
        CHECK((*source)->fps() == 500);
        Collected got;
        REQUIRE((*source)->start(got.on_frame(), got.on_stop()));
        REQUIRE(eventually([&] { return got.stopped.load(); }));
        REQUIRE(got.count() == 3);
        for (std::size_t i = 0; i < 3; ++i)
            CHECK(got.frames[i].pixels ==
                  std::vector<std::uint8_t>(static_cast<std::size_t>(w * h),
                                            static_cast<std::uint8_t>(i + 1)));
    }
    // The file's own rate when none is asked for.
    auto own = RecordedFrames::open(dir.path() / "c422.y4m", {0, false});
    REQUIRE(own);
    CHECK((*own)->fps() == 25);
}

TEST_CASE("a recording that cannot be read is refused with a reason") {
    test::TempDir dir;
    auto missing = RecordedFrames::open(dir.path() / "missing.y4m", {});
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == loyalty::Errc::not_found);
    CHECK(missing.error().message.find("missing.y4m") != std::string::npos);
    write_y4m_by_hand(dir.path() / "deep.y4m", "420p10", 8, 8, 1, 96);
    auto deep = RecordedFrames::open(dir.path() / "deep.y4m", {});
    REQUIRE_FALSE(deep);
    CHECK(deep.error().message.find("420p10") != std::string::npos);
    std::ofstream(dir.path() / "not.y4m") << "P5 1 1 255\n";
    CHECK_FALSE(RecordedFrames::open(dir.path() / "not.y4m", {}));
    std::filesystem::create_directories(dir.path() / "empty");
    CHECK_FALSE(RecordedFrames::open(dir.path() / "empty", {}));
    // A truncated last frame is not played.
    write_y4m_by_hand(dir.path() / "cut.y4m", "mono", 10, 10, 3, 0);
    std::filesystem::resize_file(dir.path() / "cut.y4m",
                                 std::filesystem::file_size(dir.path() / "cut.y4m") - 5);
    auto cut = RecordedFrames::open(dir.path() / "cut.y4m", {});
    REQUIRE(cut);
    CHECK((*cut)->frame_count() == 2);
}

TEST_CASE("a folder of PNG and PGM images plays in name order as grey frames, looping") {
    test::TempDir dir;
    const auto frames = numbered_frames(3);
    REQUIRE(write_grey_png(dir.path() / "a-0.png", frames[0]));
    REQUIRE(write_grey_png(dir.path() / "a-1.png", frames[1]));
    {
        std::ofstream pgm(dir.path() / "a-2.pgm", std::ios::binary);
        pgm << "P5\n64 48\n255\n";
        pgm.write(reinterpret_cast<const char*>(frames[2].pixels.data()),
                  static_cast<std::streamsize>(frames[2].pixels.size()));
    }
    std::ofstream(dir.path() / "notes.txt") << "not a frame";
    auto source = RecordedFrames::open(dir.path(), {300, true});
    REQUIRE(source);
    CHECK((*source)->frame_count() == 3);
    Collected got;
    REQUIRE((*source)->start(got.on_frame(), got.on_stop()));
    REQUIRE(eventually([&] { return got.count() >= 8; }));
    source->reset();  // stops and joins: nothing arrives after
    const auto seen = got.count();
    std::this_thread::sleep_for(30ms);
    CHECK(got.count() == seen);
    CHECK_FALSE(got.stopped.load());  // stopped by its owner: no OnStop
    for (std::size_t i = 0; i < seen; ++i) CHECK(got.frames[i].pixels == frames[i % 3].pixels);
}

TEST_CASE("a rendered phone showing a member code, played from a folder, is read by the scanner") {
    test::TempDir dir;
    const std::string code =
        "LM1.demo-1."
        "eyJtIjoiMDFKM0VYQU1QTEUiLCJuIjoiMTIzNDU2Nzg5IiwicCI6IkRFTU8iLCJ0IjoxNzY0OTAwMDAwfQ."
        "c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmUtc2lnbmF0dXJlLXNpZ25hdHVyZQ";
    const auto blank = render_blank_frame(1280, 720, 3);
    auto phone = render_phone_qr_frame(code, 1280, 720, 3);
    REQUIRE(phone);
    REQUIRE(write_grey_png(dir.path() / "0.png", blank));
    REQUIRE(write_grey_png(dir.path() / "1.png", *phone));
    REQUIRE(write_grey_png(dir.path() / "2.png", blank));
    auto source = RecordedFrames::open(dir.path(), {60, false});
    REQUIRE(source);
    ScanQueue queue;
    CameraScanner scanner("camera:" + dir.path().string(), queue, {});
    Collected got;
    REQUIRE((*source)->start(
        [&](const GreyFrame& f) { scanner.on_frame(f, std::chrono::steady_clock::now()); },
        got.on_stop()));
    REQUIRE(eventually([&] { return got.stopped.load(); }));
    auto e = queue.try_pop();
    REQUIRE(e);
    CHECK(e->payload == code);
    CHECK(e->kind == ScanKind::qr);
    CHECK(scanner.counts().frames == 3);
    CHECK(scanner.counts().codes == 1);
}

TEST_CASE("the camera setting: none, auto, a device path, a recording") {
    CHECK(choose_camera({"none"}).source.empty());
    CHECK(choose_camera({"off"}).source.empty());
    CHECK(choose_camera({""}).source.empty());
    const auto automatic = choose_camera({"auto"});
    CHECK(automatic.source == (std::filesystem::exists("/dev/video0") ? "camera:/dev/video0" : ""));
    const auto dev = choose_camera({"/dev/video7"});
    CHECK(dev.source == "camera:/dev/video7");
    REQUIRE(dev.open);
    CHECK_FALSE(dev.open());  // no such camera here: an error, not a throw
    CHECK(choose_camera({"/tmp/x.y4m"}).path == "/tmp/x.y4m");
}

TEST_CASE("a camera whose recording is missing is retried and streams once it appears") {
    test::TempDir dir;
    const auto folder = dir.path() / "camera";
    ScanQueue queue;
    std::mutex log_mutex;
    std::vector<std::string> logs;
    CameraRunner runner(
        {"camera:" + folder.string(), choose_camera({folder.string(), 60}).open, 50ms, {}}, queue,
        [&](const std::string& line) {
            std::lock_guard lock(log_mutex);
            logs.push_back(line);
        });
    REQUIRE(eventually([&] { return runner.health().state == CameraState::failed; }));
    CHECK(runner.health().last_error.find("camera") != std::string::npos);
    CHECK(runner.health().frames_seen == 0);
    // The folder appears (a camera plugged in): a phone with a code, then blank frames.
    std::filesystem::create_directories(dir.path() / "staging");
    auto phone = render_phone_qr_frame("LR1.test.appeared", 1280, 720, 5);
    REQUIRE(phone);
    REQUIRE(write_grey_png(dir.path() / "staging" / "0.png", *phone));
    REQUIRE(write_grey_png(dir.path() / "staging" / "1.png", render_blank_frame(1280, 720, 5)));
    std::filesystem::rename(dir.path() / "staging", folder);
    REQUIRE(eventually([&] { return runner.health().state == CameraState::streaming; }));
    REQUIRE(eventually([&] { return runner.health().codes_read >= 1; }));
    auto e = queue.try_pop();
    REQUIRE(e);
    CHECK(e->payload == "LR1.test.appeared");
    CHECK(e->source == "camera:" + folder.string());
    const auto h = runner.health();
    CHECK(h.frames_seen >= h.frames_decoded);
    CHECK(h.frames_decoded >= 1);
    std::lock_guard lock(log_mutex);
    REQUIRE(logs.size() >= 2);
    CHECK(logs.front().find("starting") != std::string::npos);
    // One line for the failure, however many retries, then one for streaming.
    CHECK(std::count_if(logs.begin(), logs.end(), [](const std::string& l) {
              return l.find("failed") != std::string::npos;
          }) == 1);
    CHECK(logs.back().find("streaming") != std::string::npos);
}

TEST_CASE("a camera that breaks while streaming is disconnected, then reopened when it is back") {
    test::TempDir dir;
    const auto path = dir.path() / "cam.y4m";
    const auto frames = numbered_frames(20);
    REQUIRE(write_y4m(path, frames, 30));
    ScanQueue queue;
    CameraRunner runner(
        {"camera:" + path.string(), choose_camera({path.string(), 400}).open, 50ms, {}}, queue);
    REQUIRE(eventually([&] { return runner.health().state == CameraState::streaming; }));
    // The file shrinks under the player: the next pass cannot read its frames.
    std::filesystem::resize_file(path, 100);
    REQUIRE(eventually([&] { return runner.health().state == CameraState::disconnected; }));
    CHECK_FALSE(runner.health().last_error.empty());
    const auto seen = runner.health().frames_seen;
    REQUIRE(write_y4m(path, frames, 30));
    REQUIRE(eventually([&] { return runner.health().state == CameraState::streaming; }));
    REQUIRE(eventually([&] { return runner.health().frames_seen > seen; }));
}

TEST_CASE(
    "a recording played once in place of the camera goes through the scanner, then the camera is "
    "back") {
    test::TempDir dir;
    REQUIRE(write_y4m(dir.path() / "idle.y4m", {render_blank_frame(640, 360, 9)}, 30));
    ScanQueue queue;
    CameraRunner runner(
        {"camera:idle", choose_camera({(dir.path() / "idle.y4m").string(), 100}).open, 50ms, {}},
        queue);
    REQUIRE(eventually([&] { return runner.health().state == CameraState::streaming; }));
    auto phone = render_phone_qr_frame("LM1.once.shown", 640, 360, 9, 5);
    REQUIRE(phone);
    std::vector<GreyImage> shown{render_blank_frame(640, 360, 9), *phone, *phone};
    runner.play_once([shown]() -> loyalty::Result<std::unique_ptr<FrameSource>> {
        return std::unique_ptr<FrameSource>(RecordedFrames::from_frames(shown, {60, false}));
    });
    REQUIRE(eventually([&] { return runner.health().codes_read == 1; }));
    auto e = queue.try_pop();
    REQUIRE(e);
    CHECK(e->payload == "LM1.once.shown");
    CHECK(e->source == "camera:idle");
    const auto seen = runner.health().frames_seen;
    REQUIRE(eventually([&] { return runner.health().frames_seen > seen + 5; }));
    CHECK(runner.health().state == CameraState::streaming);
    CHECK(runner.health().codes_read == 1);
}

TEST_CASE(
    "a still taken from a streaming camera is its next frame, copied whole; none without one") {
    test::TempDir dir;
    const auto path = dir.path() / "cam.y4m";
    const auto frames = numbered_frames(6, 320, 240);
    REQUIRE(write_y4m(path, frames, 30));
    ScanQueue queue;
    CameraRunner runner(
        {"camera:" + path.string(), choose_camera({path.string(), 100}).open, 50ms, {}}, queue);
    REQUIRE(eventually([&] { return runner.health().state == CameraState::streaming; }));
    for (int i = 0; i < 3; ++i) {  // each call waits for a frame of its own
        auto still = runner.capture(2000ms);
        REQUIRE(still);
        CHECK(still->width == 320);
        CHECK(still->height == 240);
        REQUIRE(still->pixels.size() == 320u * 240u);
        // One of the recording's frames, whole: its number at the start and the end.
        const int n = still->pixels.front();
        REQUIRE(n < 6);
        CHECK(still->pixels.back() == 200 + n);
        CHECK(still->pixels[1000] == 90);
    }
    // The decoding went on meanwhile.
    const auto seen = runner.health().frames_seen;
    REQUIRE(eventually([&] { return runner.health().frames_seen > seen + 3; }));

    // A camera that is not streaming gives no still, and says why.
    CameraRunner missing(
        {"camera:missing", choose_camera({(dir.path() / "none").string(), 30}).open, 50ms, {}},
        queue);
    REQUIRE(eventually([&] { return missing.health().state == CameraState::failed; }));
    auto none = missing.capture(200ms);
    REQUIRE_FALSE(none);
    CHECK(none.error().code == loyalty::Errc::device_gone);
    CHECK(none.error().message.find("failed") != std::string::npos);
}
