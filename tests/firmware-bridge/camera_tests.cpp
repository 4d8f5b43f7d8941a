#include <doctest/doctest.h>

#include "loyalty/devices/camera_decoder.hpp"
#include "loyalty/devices/camera_scanner.hpp"
#include "loyalty/engine.hpp"
#include "loyalty/signed_codes.hpp"
#include "synthetic_frames.hpp"
#include "temp_dir.hpp"

using namespace loyalty::devices;
using namespace std::chrono_literals;
using test::Placement;
using Status = FrameDecode::Status;

namespace {
const std::string kSeed = "7f3c9a1b2d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8";

test::Frame frame_with(const std::string& text, int w, int h, const Placement& where, int blur = 1,
                       test::Symbology sym = test::Symbology::qr) {
    auto f = test::textured_frame(w, h, 0xC0FFEEu + static_cast<std::uint32_t>(w));
    test::draw(f, test::encode(text, sym), where);
    test::box_blur(f, blur);
    test::add_noise(f, 10, 99);
    return f;
}
}  // namespace

TEST_CASE("a member's signed QR shown to a 1080p camera becomes a qr event that verifies") {
    auto key = loyalty::signing_key_from_seed_hex("hub-1", kSeed);
    REQUIRE(key);
    const auto issued = loyalty::from_unix(1'780'000'000);
    const std::string code = loyalty::mint_member_code({"mall", "M000042", issued, "n-1"}, *key);
    auto frame = frame_with(code, 1920, 1080, {.centre_x = 0.4, .centre_y = 0.55, .module_px = 6});
    FrameDecoder decoder;
    const auto d = decoder.decode(frame.view());
    REQUIRE(d.status == Status::decoded);
    CHECK(d.kind == ScanKind::qr);
    CHECK(d.text == code);

    loyalty::TrustedKeys keys;
    keys.add(*key);
    auto member = loyalty::verify_member_code(d.text, keys, issued + std::chrono::seconds(10));
    REQUIRE(member);
    CHECK(member->member_uid == "M000042");
    // The same decoded text a minute and a half later is refused as expired.
    CHECK_FALSE(loyalty::verify_member_code(d.text, keys, issued + std::chrono::seconds(90)));
}

TEST_CASE("a forged member code decodes from the camera and is refused by verification") {
    auto key = loyalty::signing_key_from_seed_hex("hub-1", kSeed);
    REQUIRE(key);
    const auto issued = loyalty::from_unix(1'780'000'000);
    std::string code = loyalty::mint_member_code({"mall", "M000042", issued, "n-2"}, *key);
    std::string forged = code;
    forged[forged.find('.', 4) + 3] ^= 0x01;  // one flipped bit in the payload
    auto frame = frame_with(forged, 1280, 720, {.module_px = 5});
    FrameDecoder decoder;
    const auto d = decoder.decode(frame.view());
    REQUIRE(d.status == Status::decoded);
    CHECK(d.text == forged);
    loyalty::TrustedKeys keys;
    keys.add(*key);
    CHECK_FALSE(loyalty::verify_member_code(d.text, keys, issued));
}

TEST_CASE("QR codes decode at several sizes, positions, angles and blur") {
    FrameDecoder decoder;
    struct Case {
        int w, h;
        Placement where;
        int blur;
    };
    const Case cases[] = {
        {1920,
         1080,
         {.centre_x = 0.5, .centre_y = 0.5, .module_px = 3.2},
         0},  // small, centre: full-res pass
        {1920,
         1080,
         {.centre_x = 0.6, .centre_y = 0.4, .module_px = 2.5},
         0},  // far away, off centre
        {1280, 720, {.centre_x = 0.3, .centre_y = 0.7, .module_px = 2.5}, 0},
        {1920,
         1080,
         {.centre_x = 0.2, .centre_y = 0.3, .module_px = 8},
         1},  // big, corner: half-res pass
        {1920, 1080, {.centre_x = 0.7, .centre_y = 0.6, .module_px = 6, .angle_deg = 17}, 1},
        {1280, 720, {.centre_x = 0.5, .centre_y = 0.5, .module_px = 4, .angle_deg = 45}, 1},
        {1280, 720, {.centre_x = 0.35, .centre_y = 0.5, .module_px = 5, .angle_deg = 180}, 2},
        {640, 480, {.centre_x = 0.5, .centre_y = 0.5, .module_px = 3, .angle_deg = -8}, 0},
        // photographed-style: a tilted phone (keystone), rotated, soft, in a corner
        {1920,
         1080,
         {.centre_x = 0.3, .centre_y = 0.65, .module_px = 6, .angle_deg = 12, .tilt = 0.15},
         2},
        {1280,
         720,
         {.centre_x = 0.6, .centre_y = 0.45, .module_px = 4.5, .angle_deg = -20, .tilt = 0.12},
         1},
        // low contrast under poor light
        {1280,
         720,
         {.centre_x = 0.5, .centre_y = 0.5, .module_px = 5, .dark = 90, .light = 160},
         1},
    };
    int i = 0;
    for (const auto& c : cases) {
        const std::string text = "LR1.till-7.receipt-" + std::to_string(i++);
        auto frame = frame_with(text, c.w, c.h, c.where, c.blur);
        CAPTURE(i);
        const auto d = decoder.decode(frame.view());
        CHECK(d.status == Status::decoded);
        CHECK(d.text == text);
    }
}

TEST_CASE("a frame with no code is reported as nothing, quickly and without error") {
    FrameDecoder decoder;
    for (auto [w, h] : {std::pair{1920, 1080}, std::pair{1280, 720}, std::pair{320, 240}}) {
        auto frame = test::textured_frame(w, h, 7);
        const auto d = decoder.decode(frame.view());
        CHECK(d.status == Status::none);
        CHECK(d.text.empty());
    }
    CHECK(decoder.decode(GreyFrame{}).status == Status::none);  // no frame at all
}

TEST_CASE("a garbled QR is reported as unreadable with a reason, not as a scan and not a crash") {
    auto modules = test::encode("LM1.hub-1.this-code-was-torn.sig", test::Symbology::qr, 0);
    test::garble(modules, 0.6);
    for (auto [w, h] : {std::pair{1920, 1080}, std::pair{1280, 720}}) {
        auto frame = test::textured_frame(w, h, 3);
        test::draw(frame, modules, {.module_px = 7});
        FrameDecoder decoder;
        const auto d = decoder.decode(frame.view());
        CHECK(d.status == Status::unreadable);
        CHECK(d.text.empty());
        CHECK(d.error.find("a code is in view but") == 0);
    }
}

TEST_CASE("1-D codes are read only when asked for") {
    auto frame =
        frame_with("6901234567892", 1280, 720, {.module_px = 3}, 0, test::Symbology::ean13);
    FrameDecoder qr_only;
    CHECK(qr_only.decode(frame.view()).status == Status::none);
    FrameDecoder with_ean({.ean13 = true, .code128 = true});
    const auto d = with_ean.decode(frame.view());
    REQUIRE(d.status == Status::decoded);
    CHECK(d.kind == ScanKind::barcode);
    CHECK(d.text == "6901234567892");

    auto receipt =
        frame_with("R-20261130-0042", 1280, 720, {.module_px = 3}, 0, test::Symbology::code128);
    CHECK(with_ean.decode(receipt.view()).text == "R-20261130-0042");
}

TEST_CASE("the luminance plane of a YUYV frame is read in place") {
    auto grey = frame_with("YUYV-member", 640, 480, {.module_px = 4}, 0);
    std::vector<std::uint8_t> yuyv(grey.pixels.size() * 2, 128);
    for (std::size_t i = 0; i < grey.pixels.size(); ++i) yuyv[2 * i] = grey.pixels[i];
    FrameDecoder decoder;
    const auto d = decoder.decode(GreyFrame{yuyv.data(), 640, 480, 640 * 2, 2});
    CHECK(d.status == Status::decoded);
    CHECK(d.text == "YUYV-member");
}

TEST_CASE("garbage frames of odd shapes are handled") {
    FrameDecoder decoder;
    std::vector<std::uint8_t> noise(1921 * 3, 0);
    for (std::size_t i = 0; i < noise.size(); ++i)
        noise[i] = static_cast<std::uint8_t>(i * 2654435761u >> 24);
    CHECK(decoder.decode(GreyFrame{noise.data(), 1921, 3, 1921, 1}).status == Status::none);
    CHECK(decoder.decode(GreyFrame{noise.data(), 3, 1921, 3, 1}).status == Status::none);
    CHECK(decoder.decode(GreyFrame{noise.data(), 1001, 5, 1001, 1}).status == Status::none);
}

TEST_CASE("the same code held in view is one scan until it leaves for the debounce window") {
    CodeDebouncer debounce(2s);
    const CodeDebouncer::TimePoint t0{};
    CHECK(debounce.accept("LM1.a", t0));
    CHECK_FALSE(debounce.accept("LM1.a", t0 + 500ms));
    CHECK_FALSE(debounce.accept("LM1.a", t0 + 2000ms));  // still in view: the window restarts
    CHECK(debounce.accept("LM1.b", t0 + 2100ms));        // another code is reported at once
    CHECK(debounce.accept("LM1.a", t0 + 4500ms));        // shown again after leaving
}

TEST_CASE("a member code shown to the camera a second time is refused as replayed by the engine") {
    auto key = loyalty::signing_key_from_seed_hex("hub-1", kSeed);
    REQUIRE(key);
    const auto issued = loyalty::from_unix(1'780'000'000);
    const std::string code =
        loyalty::mint_member_code({"mall", "M000042", issued, "nonce-replay"}, *key);
    auto frame = frame_with(code, 1280, 720, {.module_px = 5});

    test::TempDir dir;
    loyalty::ManualClock clock(issued + std::chrono::seconds(5));
    auto engine = loyalty::Engine::open(dir.path() / "terminal.db", clock);
    REQUIRE(engine);
    loyalty::TrustedKeys keys;
    keys.add(*key);

    ScanQueue queue;
    CameraScanner scanner("camera:test", queue, {.debounce = 1s, .pacing = {.cpu_share = 1.0}});
    std::chrono::steady_clock::time_point t{};
    scanner.on_frame(frame.view(), t);
    scanner.on_frame(frame.view(), t + 5s);  // shown again after the debounce window: a second scan
    std::vector<std::string> outcomes;       // "accepted" or the refusal's code
    while (auto e = queue.try_pop()) {
        auto member = loyalty::verify_member_code(e->payload, keys, clock.now());
        REQUIRE(member);
        auto used = (*engine)->used_codes().consume_once("member_code", member->nonce);
        outcomes.push_back(used ? "accepted" : loyalty::to_string(used.error().code));
    }
    CHECK(outcomes ==
          std::vector<std::string>{"accepted", loyalty::to_string(loyalty::Errc::already_used)});
}
