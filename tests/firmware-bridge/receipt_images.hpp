#pragma once
// Receipt photos for the OCR tests and benchmark, drawn here rather than checked in:
// a shop's thermal receipt (80 mm paper, 576 dots at 203 dpi) rendered with the CJK
// font the kiosk ships (WenQuanYi Micro Hei, stb_truetype), then "photographed":
// skewed a few degrees, softened and speckled. Each spec says what a reader should find.
#include <cstdint>
#include <string>
#include <vector>

#include "loyalty/devices/camera_decoder.hpp"

namespace loyalty::devices::test {

struct ReceiptItem {
    std::string name;
    int quantity = 1;
    std::int64_t price_minor = 0;  // per unit, fen
};

struct ReceiptSpec {
    std::string shop;          // printed as the first line
    std::string number;        // printed after `number_label`
    std::string number_label;  // 单号, 小票号, 流水号, 订单号, No.
    std::string date;          // YYYY-MM-DD: what a reader should return
    std::string printed_date;  // as printed: 2026-12-01, 2026/12/01, 2026年12月1日, 20261201
    std::vector<ReceiptItem> items;
    std::int64_t discount_minor = 0;   // 优惠, printed when not 0
    std::int64_t cash_minor = 0;       // 现金 tendered (more than the total), with 找零
    std::int64_t total_minor() const;  // 合计: the items
    std::int64_t paid_minor() const;   // 实付: the total less the discount
};

// Varied shops, items, numbers, labels, date formats and discounts, from `seed`.
ReceiptSpec make_receipt_spec(std::uint32_t seed);

struct GreyPicture {
    int width = 0;
    int height = 0;
    std::vector<std::uint8_t> pixels;
    GreyFrame view() const { return {pixels.data(), width, height, width, 1}; }
};

// The receipt as the printer prints it: 576 px wide, dark dots on light paper.
GreyPicture render_receipt(const ReceiptSpec& spec);

struct PhotoDamage {
    double skew_deg = 3.0;
    int blur_radius = 1;     // box blur
    double speckle = 0.003;  // fraction of pixels turned into dark specks
    int noise = 10;          // +- grey levels of sensor noise
    std::uint32_t seed = 1;
};
// Rotates (on a larger canvas of paper), blurs, speckles and adds sensor noise.
GreyPicture photograph(const GreyPicture& clean, const PhotoDamage& damage);

// The set the accuracy test and the benchmark share: receipt i uses seed first_seed + i
// and a skew of +-(2..4) degrees.
struct RenderedReceipt {
    ReceiptSpec spec;
    GreyPicture photo;
};
std::vector<RenderedReceipt> receipt_set(int count, std::uint32_t first_seed = 1);

// "88.00" from 8800, for printing.
std::string yuan_text(std::int64_t minor);

// Writes a PNG (for looking at a failing case, or for loyalty-ocr-receipt).
bool write_png(const std::string& path, const GreyPicture& picture);

}  // namespace loyalty::devices::test
