#define ZX_USE_UTF8
#include "synthetic_frames.hpp"

#include <ZXing/BitMatrix.h>
#include <ZXing/MultiFormatWriter.h>

#include <algorithm>
#include <cmath>
#include <numbers>

namespace loyalty::devices::test {
namespace {
std::uint32_t next(std::uint32_t& s) {  // xorshift32: fast, reproducible noise
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    return s;
}
std::uint8_t clamp8(int v) {
    return static_cast<std::uint8_t>(std::clamp(v, 0, 255));
}
}  // namespace

Modules encode(const std::string& text, Symbology symbology, int ecc_level) {
    const auto format = symbology == Symbology::qr      ? ZXing::BarcodeFormat::QRCode
                        : symbology == Symbology::ean13 ? ZXing::BarcodeFormat::EAN13
                                                        : ZXing::BarcodeFormat::Code128;
    ZXing::MultiFormatWriter writer(format);
    writer.setMargin(0);
    if (symbology == Symbology::qr) writer.setEccLevel(ecc_level);
    // Width/height 1 asks for the natural size: one pixel per module.
    const auto bits = writer.encode(text, 1, 1);
    Modules m;
    m.width = bits.width();
    m.height = symbology == Symbology::qr ? bits.height() : 60;  // 1-D: bars 60 modules tall
    m.dark.resize(static_cast<std::size_t>(m.width) * static_cast<std::size_t>(m.height));
    for (int y = 0; y < m.height; ++y)
        for (int x = 0; x < m.width; ++x)
            m.dark[static_cast<std::size_t>(y * m.width + x)] =
                bits.get(x, symbology == Symbology::qr ? y : 0);
    return m;
}

Frame textured_frame(int width, int height, std::uint32_t seed, int noise) {
    Frame f{width, height,
            std::vector<std::uint8_t>(static_cast<std::size_t>(width) *
                                      static_cast<std::size_t>(height))};
    std::uint32_t s = seed | 1u;
    for (int y = 0; y < height; ++y) {
        for (int x = 0; x < width; ++x) {
            // Lighting falls off to one side; a woven texture (clothes, counter, hands);
            // sensor noise on top.
            const double light = 70.0 * x / width + 30.0 * y / height;
            const double texture =
                28 * std::sin(x * 0.11 + 3 * std::sin(y * 0.013)) * std::cos(y * 0.07 + x * 0.004) +
                14 * std::sin((x + y) * 0.31);
            const int n =
                noise > 0
                    ? static_cast<int>(next(s) % static_cast<std::uint32_t>(2 * noise + 1)) - noise
                    : 0;
            f.pixels[static_cast<std::size_t>(y) * static_cast<std::size_t>(width) +
                     static_cast<std::size_t>(x)] =
                clamp8(static_cast<int>(80 + light + texture) + n);
        }
    }
    return f;
}

void draw(Frame& frame, const Modules& code, const Placement& p) {
    const int quiet = code.height == 60 ? 10 : 4;  // light margin in modules
    const double w = (code.width + 2 * quiet) * p.module_px,
                 h = (code.height + 2 * quiet) * p.module_px;
    const double a = p.angle_deg * std::numbers::pi / 180.0, ca = std::cos(a), sa = std::sin(a);
    const double cx = p.centre_x * frame.width, cy = p.centre_y * frame.height;
    const double reach = std::hypot(w, h) / 2 + 2;
    const int x0 = std::max(0, static_cast<int>(cx - reach)),
              x1 = std::min(frame.width - 1, static_cast<int>(cx + reach));
    const int y0 = std::max(0, static_cast<int>(cy - reach)),
              y1 = std::min(frame.height - 1, static_cast<int>(cy + reach));
    for (int y = y0; y <= y1; ++y) {
        for (int x = x0; x <= x1; ++x) {
            // Into the symbol's own axes, then into module coordinates.
            double dx = x + 0.5 - cx;
            const double dy = y + 0.5 - cy;
            // Keystone: rows further up are narrower (a simple perspective of a tilted phone).
            dx /= 1.0 - p.tilt * (0.5 - dy / h);  // 1 - tilt at the top edge, 1 at the bottom
            const double u = (ca * dx + sa * dy + w / 2) / p.module_px - quiet;
            const double v = (-sa * dx + ca * dy + h / 2) / p.module_px - quiet;
            if (u < -quiet || v < -quiet || u >= code.width + quiet || v >= code.height + quiet)
                continue;
            const int mx = static_cast<int>(std::floor(u)), my = static_cast<int>(std::floor(v));
            const bool dark =
                mx >= 0 && my >= 0 && mx < code.width && my < code.height && code.at(mx, my);
            frame.pixels[static_cast<std::size_t>(y) * static_cast<std::size_t>(frame.width) +
                         static_cast<std::size_t>(x)] = dark ? p.dark : p.light;
        }
    }
}

void box_blur(Frame& f, int r) {
    if (r <= 0) return;
    std::vector<std::uint8_t> tmp(f.pixels.size());
    const int n = 2 * r + 1;
    auto idx = [&](int x, int y) {
        return static_cast<std::size_t>(y) * static_cast<std::size_t>(f.width) +
               static_cast<std::size_t>(x);
    };
    for (int y = 0; y < f.height; ++y)
        for (int x = 0; x < f.width; ++x) {
            int sum = 0;
            for (int k = -r; k <= r; ++k)
                sum += f.pixels[idx(std::clamp(x + k, 0, f.width - 1), y)];
            tmp[idx(x, y)] = static_cast<std::uint8_t>(sum / n);
        }
    for (int y = 0; y < f.height; ++y)
        for (int x = 0; x < f.width; ++x) {
            int sum = 0;
            for (int k = -r; k <= r; ++k) sum += tmp[idx(x, std::clamp(y + k, 0, f.height - 1))];
            f.pixels[idx(x, y)] = static_cast<std::uint8_t>(sum / n);
        }
}

void add_noise(Frame& f, int amplitude, std::uint32_t seed) {
    std::uint32_t s = seed | 1u;
    for (auto& px : f.pixels)
        px = clamp8(px + static_cast<int>(next(s) % static_cast<std::uint32_t>(2 * amplitude + 1)) -
                    amplitude);
}

void garble(Modules& code, double fraction) {
    const int side = static_cast<int>(code.width * fraction);
    const int start = (code.width - side) / 2;
    for (int y = start; y < start + side; ++y)
        for (int x = start; x < start + side; ++x) {
            auto i = static_cast<std::size_t>(y * code.width + x);
            code.dark[i] = ((x * 7 + y * 13) % 3 == 0) ? !code.dark[i] : code.dark[i];
        }
}

}  // namespace loyalty::devices::test
