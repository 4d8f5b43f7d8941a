// Every parser meets bytes it was not built for: random, truncated and hostile
// inputs must come back as refusals (or nothing), never as a crash or a hang.
#include <doctest/doctest.h>

#include <random>

#include "loyalty/devices/ccid.hpp"
#include "loyalty/devices/hid_pos.hpp"
#include "loyalty/devices/magstripe.hpp"
#include "loyalty/devices/simulator.hpp"
#include "loyalty/devices/wedge_decoder.hpp"
#include "synthetic_frames.hpp"

using namespace loyalty::devices;

namespace {
std::vector<std::uint8_t> random_bytes(std::mt19937& rng, std::size_t max_len) {
    std::vector<std::uint8_t> b(rng() % (max_len + 1));
    for (auto& x : b) x = static_cast<std::uint8_t>(rng());
    return b;
}
std::string as_text(const std::vector<std::uint8_t>& b) {
    return {b.begin(), b.end()};
}
}  // namespace

TEST_CASE("random bytes into every parser are refused or ignored, never a crash") {
    std::mt19937 rng(20261130);
    WedgeDecoder wedge({.max_length = 64});
    HidPosAssembler pos;
    int accepted_tracks = 0;
    for (int i = 0; i < 3000; ++i) {
        const auto b = random_bytes(rng, 80);
        const auto text = as_text(b);
        accepted_tracks +=
            parse_track1(text).ok() + parse_track2(text).ok() + parse_swipe(text).ok();
        (void)wedge.feed(b, {});
        (void)pos.feed(b);
        (void)ccid::parse_data_block(b, static_cast<std::uint8_t>(i));
        (void)ccid::uid_from_response(b);
        (void)parse_sim_line(text, "sim", {});
        (void)scan_payload(text);
        CHECK(wedge.pending().size() <= 64);
    }
    CHECK(accepted_tracks == 0);  // random bytes are never a valid track
}

TEST_CASE("tracks with sentinels but hostile contents are refused") {
    const char* corpus[] = {";?",
                            ";=?",
                            ";==?",
                            "%B^^?",
                            "%B1^AB^?",
                            ";1=1?",
                            ";1=12345?",
                            ";\x00"
                            "1=2812101?",
                            "%B1^\xFF\xFE^2812101?",
                            ";6280=2812101??",
                            "%%B1^AB^2812101?",
                            ";12345678901234567890=2812101?"};
    for (const char* t : corpus) {
        CAPTURE(t);
        CHECK_FALSE(parse_swipe(t));
    }
}

TEST_CASE("truncated reports at every length are handled") {
    std::vector<std::uint8_t> report(64, 0);
    report[0] = 0x02;
    report[1] = 10;
    report[2] = ']';
    report[3] = 'Q';
    report[4] = '1';
    for (std::size_t n = 0; n <= report.size(); ++n) {
        HidPosAssembler pos;
        WedgeDecoder wedge;
        (void)pos.feed(std::span(report).first(n));
        (void)wedge.feed(std::span(report).first(n), {});
        (void)ccid::parse_data_block(std::span(report).first(n), 0);
    }
    CHECK(true);
}

TEST_CASE("random noise frames of many sizes decode to nothing") {
    std::mt19937 rng(7);
    FrameDecoder decoder;
    for (int i = 0; i < 12; ++i) {
        const int w = 21 + static_cast<int>(rng() % 1400), h = 21 + static_cast<int>(rng() % 300);
        std::vector<std::uint8_t> px(static_cast<std::size_t>(w) * static_cast<std::size_t>(h));
        for (auto& p : px) p = static_cast<std::uint8_t>(rng());
        CHECK(decoder.decode(GreyFrame{px.data(), w, h, w, 1}).status !=
              FrameDecode::Status::decoded);
    }
}
