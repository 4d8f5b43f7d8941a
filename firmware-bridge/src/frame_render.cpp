#define ZX_USE_UTF8
#include "loyalty/devices/frame_render.hpp"

#include <ZXing/BitMatrix.h>
#include <ZXing/MultiFormatWriter.h>

#include <algorithm>
#include <cmath>

namespace loyalty::devices {
namespace {

std::uint8_t clamp8(int v) {
    return static_cast<std::uint8_t>(std::clamp(v, 0, 255));
}

void fill(GreyImage& image, int x0, int y0, int x1, int y1, int radius, std::uint8_t value) {
    for (int y = std::max(y0, 0); y < std::min(y1, image.height); ++y)
        for (int x = std::max(x0, 0); x < std::min(x1, image.width); ++x) {
            // Rounded corners: outside the quarter circle of a corner stays as it was.
            const int dx = x < x0 + radius    ? x0 + radius - x
                           : x >= x1 - radius ? x - (x1 - radius - 1)
                                              : 0;
            const int dy = y < y0 + radius    ? y0 + radius - y
                           : y >= y1 - radius ? y - (y1 - radius - 1)
                                              : 0;
            if (dx * dx + dy * dy > radius * radius) continue;
            image.pixels[static_cast<std::size_t>(y) * static_cast<std::size_t>(image.width) +
                         static_cast<std::size_t>(x)] = value;
        }
}

}  // namespace

GreyImage render_blank_frame(int width, int height, std::uint32_t seed) {
    GreyImage image{width, height,
                    std::vector<std::uint8_t>(static_cast<std::size_t>(width) *
                                              static_cast<std::size_t>(height))};
    std::uint32_t s = seed | 1u;
    for (int y = 0; y < height; ++y)
        for (int x = 0; x < width; ++x) {
            s ^= s << 13;  // xorshift32: reproducible sensor noise
            s ^= s >> 17;
            s ^= s << 5;
            // Light falls off to one side; a soft counter-top grain; noise of +-6.
            const double light = 40.0 * x / width + 20.0 * y / height;
            const double grain =
                10 * std::sin(x * 0.05 + 2 * std::sin(y * 0.01)) * std::cos(y * 0.03 + x * 0.002);
            image.pixels[static_cast<std::size_t>(y) * static_cast<std::size_t>(width) +
                         static_cast<std::size_t>(x)] =
                clamp8(static_cast<int>(100 + light + grain) + static_cast<int>(s % 13) - 6);
        }
    return image;
}

Result<GreyImage> render_phone_qr_frame(const std::string& text, int width, int height,
                                        std::uint32_t seed, int module_px) {
    ZXing::BitMatrix bits;
    try {
        ZXing::MultiFormatWriter writer(ZXing::BarcodeFormat::QRCode);
        writer.setMargin(0);
        writer.setEccLevel(2);
        bits = writer.encode(text, 1, 1);  // one pixel per module
    } catch (const std::exception& e) {
        return make_error(Errc::invalid_argument,
                          std::string("cannot encode a QR code: ") + e.what());
    }
    auto image = render_blank_frame(width, height, seed);
    const int side = bits.width() * module_px;
    const int quiet = 4 * module_px;
    // The phone: a dark body around a bright screen a little taller than the code.
    const int screen_w = side + 2 * quiet + 2 * module_px;
    const int screen_h = screen_w * 16 / 9;
    const int cx = width / 2, cy = height / 2;
    const int bezel = std::max(8, screen_w / 14);
    fill(image, cx - screen_w / 2 - bezel, cy - screen_h / 2 - 2 * bezel, cx + screen_w / 2 + bezel,
         cy + screen_h / 2 + 2 * bezel, 3 * bezel, 28);
    fill(image, cx - screen_w / 2, cy - screen_h / 2, cx + screen_w / 2, cy + screen_h / 2, bezel,
         225);
    const int qx = cx - side / 2, qy = cy - side / 2;
    for (int y = 0; y < bits.height(); ++y)
        for (int x = 0; x < bits.width(); ++x)
            if (bits.get(x, y))
                fill(image, qx + x * module_px, qy + y * module_px, qx + (x + 1) * module_px,
                     qy + (y + 1) * module_px, 0, 30);
    // A soft lens: a 3x3 box blur over the phone only (the background is soft already).
    const int x0 = std::max(1, cx - screen_w / 2 - bezel),
              x1 = std::min(width - 1, cx + screen_w / 2 + bezel);
    const int y0 = std::max(1, cy - screen_h / 2 - 2 * bezel),
              y1 = std::min(height - 1, cy + screen_h / 2 + 2 * bezel);
    const auto src = image.pixels;
    for (int y = y0; y < y1; ++y)
        for (int x = x0; x < x1; ++x) {
            int sum = 0;
            for (int dy = -1; dy <= 1; ++dy)
                for (int dx = -1; dx <= 1; ++dx)
                    sum += src[static_cast<std::size_t>(y + dy) * static_cast<std::size_t>(width) +
                               static_cast<std::size_t>(x + dx)];
            image.pixels[static_cast<std::size_t>(y) * static_cast<std::size_t>(width) +
                         static_cast<std::size_t>(x)] = static_cast<std::uint8_t>(sum / 9);
        }
    return image;
}

}  // namespace loyalty::devices
