#pragma once
// Camera-like grey frames for tests and the benchmark: a textured, unevenly lit,
// noisy background with a real code (encoded by ZXing's own writer) drawn in at a
// chosen size, angle and contrast, then blurred like a slightly soft lens.
#include <cstdint>
#include <string>
#include <vector>

#include "loyalty/devices/camera_decoder.hpp"

namespace loyalty::devices::test {

struct Frame {
    int width = 0;
    int height = 0;
    std::vector<std::uint8_t> pixels;
    GreyFrame view() const { return {pixels.data(), width, height, width, 1}; }
};

// Module grid of a code: true = dark.
struct Modules {
    int width = 0;
    int height = 0;
    std::vector<bool> dark;
    bool at(int x, int y) const {
        return dark[static_cast<std::size_t>(y) * static_cast<std::size_t>(width) +
                    static_cast<std::size_t>(x)];
    }
};

enum class Symbology { qr, ean13, code128 };
// ecc_level 0..8 as MultiFormatWriter takes it (QR: 0-1 L, 2-3 M, 4-5 Q, 6-8 H).
Modules encode(const std::string& text, Symbology symbology = Symbology::qr, int ecc_level = 2);

Frame textured_frame(int width, int height, std::uint32_t seed, int noise = 24);

struct Placement {
    double centre_x = 0.5;  // fraction of the frame
    double centre_y = 0.5;
    double module_px = 6;  // size of one module in pixels (bar height for 1-D: 60 modules)
    double angle_deg = 0;
    double tilt = 0;  // keystone (bilinear, not a true perspective: keep it under ~0.15): top edge
                      // = (1 - tilt) x bottom
    std::uint8_t dark = 35;
    std::uint8_t light = 215;
};
void draw(Frame& frame, const Modules& code, const Placement& where);
void box_blur(Frame& frame, int radius);
void add_noise(Frame& frame, int amplitude, std::uint32_t seed);

// Flips the modules of a central block of the symbol, leaving finder patterns intact,
// so a reader finds the code but cannot correct it.
void garble(Modules& code, double fraction_of_side);

}  // namespace loyalty::devices::test
