#include "receipt_images.hpp"

#include <stb_image_write.h>
#include <stb_truetype.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace loyalty::devices::test {

namespace {

constexpr const char* kFontPath = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";
constexpr int kWidth = 576;  // 80 mm paper at 203 dpi
constexpr int kMargin = 16;
constexpr int kPaper = 238;
constexpr int kInk = 28;

struct Font {
    std::vector<unsigned char> data;
    stbtt_fontinfo info{};
};

const Font& font() {
    static const Font loaded = [] {
        Font f;
        std::ifstream in(kFontPath, std::ios::binary);
        f.data.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        if (f.data.empty()) throw std::runtime_error(std::string("no font at ") + kFontPath);
        const int offset = stbtt_GetFontOffsetForIndex(f.data.data(), 0);
        if (offset < 0 || stbtt_InitFont(&f.info, f.data.data(), offset) == 0)
            throw std::runtime_error("stb_truetype cannot read the font");
        return f;
    }();
    return loaded;
}

std::u32string utf32(const std::string& s) {
    std::u32string out;
    for (std::size_t i = 0; i < s.size();) {
        const auto b = static_cast<unsigned char>(s[i]);
        const int n = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
        char32_t cp = n == 1 ? b : n == 2 ? (b & 0x1Fu) : n == 3 ? (b & 0x0Fu) : (b & 0x07u);
        for (int k = 1; k < n && i + static_cast<std::size_t>(k) < s.size(); ++k)
            cp = (cp << 6) |
                 (static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]) & 0x3Fu);
        out.push_back(cp);
        i += static_cast<std::size_t>(n);
    }
    return out;
}

int text_width(const std::string& text, float px) {
    const float scale = stbtt_ScaleForPixelHeight(&font().info, px);
    int advance_sum = 0;
    for (char32_t c : utf32(text)) {
        int advance = 0, lsb = 0;
        stbtt_GetCodepointHMetrics(&font().info, static_cast<int>(c), &advance, &lsb);
        advance_sum += advance;
    }
    return static_cast<int>(std::lround(static_cast<float>(advance_sum) * scale));
}

void draw_text(GreyPicture& pic, int x, int baseline, const std::string& text, float px) {
    const auto& info = font().info;
    const float scale = stbtt_ScaleForPixelHeight(&info, px);
    float pen = static_cast<float>(x);
    for (char32_t c : utf32(text)) {
        const int cp = static_cast<int>(c);
        int advance = 0, lsb = 0;
        stbtt_GetCodepointHMetrics(&info, cp, &advance, &lsb);
        int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
        stbtt_GetCodepointBitmapBox(&info, cp, scale, scale, &x0, &y0, &x1, &y1);
        const int gw = x1 - x0, gh = y1 - y0;
        if (gw > 0 && gh > 0) {
            std::vector<unsigned char> glyph(static_cast<std::size_t>(gw * gh));
            stbtt_MakeCodepointBitmap(&info, glyph.data(), gw, gh, gw, scale, scale, cp);
            const int ox = static_cast<int>(std::lround(pen)) + x0;
            const int oy = baseline + y0;
            for (int gy = 0; gy < gh; ++gy)
                for (int gx = 0; gx < gw; ++gx) {
                    const int px_x = ox + gx, px_y = oy + gy;
                    if (px_x < 0 || px_y < 0 || px_x >= pic.width || px_y >= pic.height) continue;
                    const int cover = glyph[static_cast<std::size_t>(gy * gw + gx)];
                    auto& dst = pic.pixels[static_cast<std::size_t>(px_y * pic.width + px_x)];
                    const int ink = kPaper - cover * (kPaper - kInk) / 255;
                    dst = static_cast<std::uint8_t>(std::min<int>(dst, ink));
                }
        }
        pen += static_cast<float>(advance) * scale;
    }
}

std::uint32_t next(std::uint32_t& s) {
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    return s;
}
int pick(std::uint32_t& s, int n) {
    return static_cast<int>(next(s) % static_cast<std::uint32_t>(n));
}

std::string two(int v) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%02d", v % 100);
    return buf;
}

}  // namespace

std::int64_t ReceiptSpec::total_minor() const {
    std::int64_t sum = 0;
    for (const auto& item : items) sum += item.price_minor * item.quantity;
    return sum;
}
std::int64_t ReceiptSpec::paid_minor() const {
    return total_minor() - discount_minor;
}

std::string yuan_text(std::int64_t minor) {
    std::string whole = std::to_string(minor / 100);
    // Thousands grouped as tills print them: 1,288.00.
    for (int i = static_cast<int>(whole.size()) - 3; i > 0; i -= 3)
        whole.insert(static_cast<std::size_t>(i), ",");
    return whole + "." + two(static_cast<int>(minor % 100));
}

ReceiptSpec make_receipt_spec(std::uint32_t seed) {
    static const std::array<const char*, 20> shops{"星巴克咖啡（万象城店）",
                                                   "屈臣氏个人护理店",
                                                   "优衣库",
                                                   "名创优品",
                                                   "喜茶",
                                                   "海底捞火锅",
                                                   "无印良品",
                                                   "周大福珠宝",
                                                   "全家便利店",
                                                   "华为授权体验店",
                                                   "奈雪的茶",
                                                   "罗森便利店",
                                                   "李宁体育用品",
                                                   "永辉超市",
                                                   "西西弗书店",
                                                   "太平鸟服饰",
                                                   "老凤祥银楼",
                                                   "绿茶餐厅",
                                                   "瑞幸咖啡",
                                                   "肯德基（天河店）"};
    static const std::array<std::pair<const char*, int>, 14> goods{{{"拿铁咖啡", 3200},
                                                                    {"美式咖啡", 2800},
                                                                    {"牛角包", 1500},
                                                                    {"矿泉水", 300},
                                                                    {"洗发水", 5990},
                                                                    {"纯棉T恤", 9900},
                                                                    {"运动袜", 2900},
                                                                    {"手机壳", 6900},
                                                                    {"笔记本", 1250},
                                                                    {"毛巾", 1990},
                                                                    {"黄金吊坠", 128800},
                                                                    {"火锅套餐", 35800},
                                                                    {"鲜榨橙汁", 1800},
                                                                    {"帆布袋", 4500}}};
    static const std::array<const char*, 5> labels{"单号", "小票号", "流水号", "订单号", "No."};
    std::uint32_t s = seed * 2654435761u + 12345u;
    for (int i = 0; i < 4; ++i) next(s);
    ReceiptSpec spec;
    spec.shop = shops[(seed - 1) % shops.size()];
    const int item_count = 2 + pick(s, 3);
    for (int i = 0; i < item_count; ++i) {
        const auto& g = goods[static_cast<std::size_t>(pick(s, static_cast<int>(goods.size())))];
        spec.items.push_back({g.first, 1 + pick(s, 3), g.second});
    }
    if (pick(s, 3) == 0) spec.discount_minor = 500 + 100 * pick(s, 20);
    spec.discount_minor = std::min(spec.discount_minor, spec.total_minor() / 2);
    const std::int64_t paid = spec.paid_minor();
    spec.cash_minor = pick(s, 2) == 0 ? (paid / 10000 + 1) * 10000 : 0;

    const int year = 2025 + pick(s, 2), month = 1 + pick(s, 12), day = 1 + pick(s, 28);
    spec.date = std::to_string(year) + "-" + two(month) + "-" + two(day);
    switch (seed % 4) {
        case 0:
            spec.printed_date = spec.date;
            break;
        case 1:
            spec.printed_date = std::to_string(year) + "/" + two(month) + "/" + two(day);
            break;
        case 2:
            spec.printed_date = std::to_string(year) + "年" + std::to_string(month) + "月" +
                                std::to_string(day) + "日";
            break;
        default:
            spec.printed_date = std::to_string(year) + two(month) + two(day);
    }
    spec.number_label = labels[seed % labels.size()];
    char number[40];
    const unsigned serial = next(s) % 100000u;
    switch (pick(s, 3)) {
        case 0:
            std::snprintf(number, sizeof number, "%d%02d%02d%05u", year, month, day, serial);
            break;
        case 1:
            std::snprintf(number, sizeof number, "A%08u", next(s) % 100000000u);
            break;
        default:
            std::snprintf(number, sizeof number, "XS-%06u", serial);
            break;
    }
    spec.number = number;
    return spec;
}

GreyPicture render_receipt(const ReceiptSpec& spec) {
    struct Row {
        std::string left, right;
        float px = 24;
        bool centre = false;
        bool rule = false;
    };
    std::vector<Row> rows;
    auto row = [&](std::string left, std::string right = {}) {
        rows.push_back({std::move(left), std::move(right), 24, false, false});
    };
    auto rule = [&] { rows.push_back({{}, {}, 24, false, true}); };
    rows.push_back({spec.shop, {}, 34, true, false});
    rows.push_back({"欢迎光临", {}, 24, true, false});
    row(spec.number_label + ": " + spec.number);
    row("日期: " + spec.printed_date + " 14:3" + std::to_string(spec.number.size() % 10));
    row("收银员: 03  机号: 02");
    rule();
    row("品名        数量", "金额");
    for (const auto& item : spec.items)
        row(item.name + "  x" + std::to_string(item.quantity),
            yuan_text(item.price_minor * item.quantity));
    rule();
    row("合计:", yuan_text(spec.total_minor()));
    if (spec.discount_minor > 0) row("优惠:", "-" + yuan_text(spec.discount_minor));
    row("实付:", "¥" + yuan_text(spec.paid_minor()));
    if (spec.cash_minor > 0) {
        row("现金:", yuan_text(spec.cash_minor));
        row("找零:", yuan_text(spec.cash_minor - spec.paid_minor()));
    } else {
        row("微信支付:", yuan_text(spec.paid_minor()));
    }
    rule();
    rows.push_back({"谢谢惠顾 欢迎再次光临", {}, 24, true, false});

    int height = 40;
    for (const auto& r : rows) height += r.rule ? 22 : static_cast<int>(r.px * 1.45F);
    height += 40;
    GreyPicture pic;
    pic.width = kWidth;
    pic.height = height;
    pic.pixels.assign(static_cast<std::size_t>(pic.width * pic.height), kPaper);
    int y = 40;
    for (const auto& r : rows) {
        if (r.rule) {
            draw_text(pic, kMargin, y + 14, std::string(44, '-'), 24);
            y += 22;
            continue;
        }
        const int line = static_cast<int>(r.px * 1.45F);
        const int baseline = y + static_cast<int>(r.px);
        const int left_x = r.centre ? (kWidth - text_width(r.left, r.px)) / 2 : kMargin;
        draw_text(pic, left_x, baseline, r.left, r.px);
        if (!r.right.empty())
            draw_text(pic, kWidth - kMargin - text_width(r.right, r.px), baseline, r.right, r.px);
        y += line;
    }
    return pic;
}

GreyPicture photograph(const GreyPicture& clean, const PhotoDamage& damage) {
    const double a = damage.skew_deg * 3.14159265358979 / 180.0;
    const double ca = std::cos(a), sa = std::sin(a);
    const int w =
        static_cast<int>(std::ceil(clean.width * std::abs(ca) + clean.height * std::abs(sa))) + 8;
    const int h =
        static_cast<int>(std::ceil(clean.width * std::abs(sa) + clean.height * std::abs(ca))) + 8;
    GreyPicture out;
    out.width = w;
    out.height = h;
    out.pixels.assign(static_cast<std::size_t>(w * h), kPaper);
    const double cx = clean.width / 2.0, cy = clean.height / 2.0;
    auto at = [&](int x, int y) -> double {
        if (x < 0 || y < 0 || x >= clean.width || y >= clean.height) return kPaper;
        return clean.pixels[static_cast<std::size_t>(y * clean.width + x)];
    };
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            // Inverse rotation into the clean receipt, bilinear.
            const double dx = x - w / 2.0, dy = y - h / 2.0;
            const double sx = ca * dx + sa * dy + cx, sy = -sa * dx + ca * dy + cy;
            const int x0 = static_cast<int>(std::floor(sx)), y0 = static_cast<int>(std::floor(sy));
            const double fx = sx - x0, fy = sy - y0;
            const double v = at(x0, y0) * (1 - fx) * (1 - fy) + at(x0 + 1, y0) * fx * (1 - fy) +
                             at(x0, y0 + 1) * (1 - fx) * fy + at(x0 + 1, y0 + 1) * fx * fy;
            // Uneven light across the paper: darker towards the bottom right.
            const double light =
                1.0 - 0.12 * (x / static_cast<double>(w) + y / static_cast<double>(h)) / 2;
            out.pixels[static_cast<std::size_t>(y * w + x)] =
                static_cast<std::uint8_t>(std::clamp(v * light, 0.0, 255.0));
        }
    // A soft lens: box blur.
    const int r = damage.blur_radius;
    if (r > 0) {
        std::vector<std::uint8_t> tmp(out.pixels.size());
        const int n = 2 * r + 1;
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x) {
                int sum = 0;
                for (int k = -r; k <= r; ++k)
                    sum +=
                        out.pixels[static_cast<std::size_t>(y * w + std::clamp(x + k, 0, w - 1))];
                tmp[static_cast<std::size_t>(y * w + x)] = static_cast<std::uint8_t>(sum / n);
            }
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x) {
                int sum = 0;
                for (int k = -r; k <= r; ++k)
                    sum += tmp[static_cast<std::size_t>(std::clamp(y + k, 0, h - 1) * w + x)];
                out.pixels[static_cast<std::size_t>(y * w + x)] =
                    static_cast<std::uint8_t>(sum / n);
            }
    }
    std::uint32_t s = damage.seed * 747796405u + 1u;
    // Specks: dust and thermal-paper flecks, 1-2 px.
    const auto specks = static_cast<std::size_t>(damage.speckle * w * h);
    for (std::size_t i = 0; i < specks; ++i) {
        const int x = pick(s, w - 1), y = pick(s, h - 1), size = 1 + pick(s, 2);
        const auto dark = static_cast<std::uint8_t>(40 + pick(s, 60));
        for (int yy = y; yy < std::min(h, y + size); ++yy)
            for (int xx = x; xx < std::min(w, x + size); ++xx)
                out.pixels[static_cast<std::size_t>(yy * w + xx)] = dark;
    }
    if (damage.noise > 0)
        for (auto& px : out.pixels)
            px = static_cast<std::uint8_t>(
                std::clamp(px + pick(s, 2 * damage.noise + 1) - damage.noise, 0, 255));
    return out;
}

std::vector<RenderedReceipt> receipt_set(int count, std::uint32_t first_seed) {
    std::vector<RenderedReceipt> set;
    for (int i = 0; i < count; ++i) {
        const auto seed = first_seed + static_cast<std::uint32_t>(i);
        auto spec = make_receipt_spec(seed);
        const double skew = (i % 2 == 0 ? 1 : -1) * (2.0 + (i % 5) * 0.5);  // +-2..4 degrees
        auto photo = photograph(render_receipt(spec), {skew, 1, 0.003, 10, seed});
        set.push_back({std::move(spec), std::move(photo)});
    }
    return set;
}

bool write_png(const std::string& path, const GreyPicture& picture) {
    return stbi_write_png(path.c_str(), picture.width, picture.height, 1, picture.pixels.data(),
                          picture.width) != 0;
}

}  // namespace loyalty::devices::test
