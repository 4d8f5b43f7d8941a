#include <doctest/doctest.h>

#include "loyalty/devices/camera_scanner.hpp"
#include "loyalty/devices/v4l2_camera.hpp"
#include "synthetic_frames.hpp"

using namespace loyalty::devices;
using namespace std::chrono_literals;
using TimePoint = std::chrono::steady_clock::time_point;

TEST_CASE("a member QR held in front of the camera for many frames is one qr event") {
    ScanQueue queue;
    CameraScanner scanner("camera:test", queue, {.pacing = {.cpu_share = 1.0}});
    auto frame = test::textured_frame(640, 480, 11);
    test::draw(frame, test::encode("LM1.hub-1.held"), {.module_px = 5});
    TimePoint t{};
    for (int i = 0; i < 10; ++i, t += 33ms) scanner.on_frame(frame.view(), t);
    auto e = queue.try_pop();
    REQUIRE(e);
    CHECK(e->kind == ScanKind::qr);
    CHECK(e->payload == "LM1.hub-1.held");
    CHECK(e->source == "camera:test");
    CHECK_FALSE(queue.try_pop());
    // Taken away for longer than the debounce window and shown again: a new scan.
    auto empty = test::textured_frame(640, 480, 12);
    for (int i = 0; i < 80; ++i, t += 33ms) scanner.on_frame(empty.view(), t);
    for (int i = 0; i < 5; ++i, t += 33ms) scanner.on_frame(frame.view(), t);
    CHECK(queue.try_pop());
}

TEST_CASE("a torn QR in view is logged for the operator, rate-limited, and makes no event") {
    ScanQueue queue;
    std::vector<std::string> logs;
    CameraScanner scanner("camera:test", queue, {.pacing = {.cpu_share = 1.0}},
                          [&](const std::string& m) { logs.push_back(m); });
    auto modules = test::encode("LM1.hub-1.torn", test::Symbology::qr, 0);
    test::garble(modules, 0.6);
    auto frame = test::textured_frame(640, 480, 13);
    test::draw(frame, modules, {.module_px = 6});
    TimePoint t{};
    for (int i = 0; i < 20; ++i, t += 33ms) scanner.on_frame(frame.view(), t);
    CHECK_FALSE(queue.try_pop());
    REQUIRE(logs.size() == 1);
    CHECK(logs[0].find("camera:test: a code is in view but") == 0);
}

TEST_CASE("the pacer keeps decoding within its CPU share and idles on empty scenes") {
    FramePacer pacer({.cpu_share = 0.5, .idle_after = 3, .idle_interval = 100ms});
    TimePoint t{};
    CHECK(pacer.should_decode(t));
    pacer.decoded(t, t + 10ms, false);  // 10 ms of work -> rest 10 ms
    CHECK_FALSE(pacer.should_decode(t + 15ms));
    CHECK(pacer.should_decode(t + 20ms));
    pacer.decoded(t + 20ms, t + 25ms, false);
    pacer.decoded(t + 40ms, t + 45ms, false);  // third empty frame: idle now
    CHECK(pacer.idle());
    CHECK_FALSE(pacer.should_decode(t + 100ms));
    CHECK(pacer.should_decode(t + 145ms));
    pacer.decoded(t + 145ms, t + 150ms, true);  // something code-like: full rate again
    CHECK_FALSE(pacer.idle());
    CHECK(pacer.should_decode(t + 155ms));
}

TEST_CASE("opening something that is not a camera is an error value") {
    auto missing = V4l2Camera::open("/dev/video-does-not-exist", 1280, 720);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().message.find("/dev/video-does-not-exist") != std::string::npos);
    auto not_v4l2 = V4l2Camera::open("/dev/null", 1280, 720);
    REQUIRE_FALSE(not_v4l2);
    CHECK(not_v4l2.error().message.find("not a V4L2 device") != std::string::npos);
}
