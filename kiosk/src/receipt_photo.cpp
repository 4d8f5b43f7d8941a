#include "receipt_photo.hpp"

#include <stb_image_write.h>

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "loyalty/devices/receipt_ocr.hpp"

namespace loyalty::kiosk {

namespace {

// For matching names: ASCII letters lower-cased; spaces and punctuation (ASCII, and the CJK
// brackets and dots shop names print with) dropped.
std::string fold(const std::string& text) {
    static const char* const cjk_marks[] = {"（", "）", "·", "、", "。", "，", "：", "【", "】"};
    std::string out;
    for (std::size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x80) {
            if (std::isalnum(c)) out += static_cast<char>(std::tolower(c));
            ++i;
            continue;
        }
        bool mark = false;
        for (const auto* m : cjk_marks)
            if (text.compare(i, std::char_traits<char>::length(m), m) == 0) {
                i += std::char_traits<char>::length(m);
                mark = true;
                break;
            }
        if (!mark) out += text[i++];
    }
    return out;
}

std::size_t code_points(const std::string& utf8) {
    std::size_t n = 0;
    for (const char c : utf8)
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
    return n;
}

std::string yuan_plain(std::int64_t minor) {
    char text[32];
    std::snprintf(text, sizeof text, "%lld.%02lld", static_cast<long long>(minor / 100),
                  static_cast<long long>(minor % 100));
    return text;
}

}  // namespace

ReceiptPhotoReader::ReceiptPhotoReader() = default;
ReceiptPhotoReader::~ReceiptPhotoReader() = default;

Result<void> ReceiptPhotoReader::ready() {
    if (ocr_) return {};
    auto opened = devices::ReceiptOcr::open();
    if (!opened) return opened.error();
    ocr_ = std::make_unique<devices::ReceiptOcr>(std::move(opened.value()));
    return {};
}

Result<PhotoReading> ReceiptPhotoReader::read(const devices::CapturedFrame& frame,
                                              const ReceiptClaimRules& rules) {
    if (auto opened = ready(); !opened) return opened.error();
    auto read = ocr_->read(frame.view());
    if (!read) return read.error();
    const auto& f = read->fields;
    PhotoReading out;
    out.prefill.source = ReceiptSource::keyed;  // typed by the shopper, from what OCR read
    out.ocr.shop_name = f.shop_name.value_or("");
    // The shop line first, then every line: a receipt may print the mall's name on top.
    std::vector<std::string> texts;
    if (f.shop_name) texts.push_back(*f.shop_name);
    for (const auto& line : read->lines) texts.push_back(line.text);
    out.prefill.shop = match_shop(rules, texts);
    if (f.receipt_number) {
        out.ocr.receipt = *f.receipt_number;
        out.prefill.receipt = *f.receipt_number;
    }
    if (f.amount_minor && *f.amount_minor > 0) {
        out.ocr.amount = Money{*f.amount_minor};
        out.prefill.amount = Money{*f.amount_minor};
    }
    if (f.date) {
        out.ocr.date = *f.date;
        out.prefill.date = *f.date;
    }
    return out;
}

Result<void> save_photo(const devices::CapturedFrame& frame, const std::filesystem::path& file) {
    std::error_code ec;
    std::filesystem::create_directories(file.parent_path(), ec);
    auto partial = file;
    partial += ".part";
    if (frame.pixels.empty() || stbi_write_png(partial.c_str(), frame.width, frame.height, 1,
                                               frame.pixels.data(), frame.width) == 0)
        return make_error(Errc::file_io, "cannot write the receipt photo " + file.string());
    std::filesystem::rename(partial, file, ec);
    if (ec) return make_error(Errc::file_io, "cannot write " + file.string() + ": " + ec.message());
    return {};
}

std::shared_ptr<const PhotoPixels> photo_pixels_of(const devices::CapturedFrame& frame,
                                                   int max_side) {
    if (frame.width <= 0 || frame.height <= 0) return nullptr;
    // Every `step`th pixel: a preview of a photo kept whole on disk.
    const int step = std::max(1, (std::max(frame.width, frame.height) + max_side - 1) / max_side);
    auto out = std::make_shared<PhotoPixels>();
    out->width = frame.width / step;
    out->height = frame.height / step;
    out->rgba.reserve(static_cast<std::size_t>(out->width) * static_cast<std::size_t>(out->height) *
                      4);
    for (int y = 0; y < out->height; ++y)
        for (int x = 0; x < out->width; ++x) {
            const auto v = frame.pixels[static_cast<std::size_t>(y * step) *
                                            static_cast<std::size_t>(frame.width) +
                                        static_cast<std::size_t>(x * step)];
            out->rgba.insert(out->rgba.end(), {v, v, v, 255});
        }
    return out;
}

void discard_photo(const std::optional<ClaimDraft>& draft) {
    if (!draft || draft->photo.empty()) return;
    std::error_code ec;
    std::filesystem::remove(draft->photo, ec);
}

std::optional<std::string> match_shop(const ReceiptClaimRules& rules,
                                      const std::vector<std::string>& texts) {
    for (const auto& text : texts) {
        const auto read = fold(text);
        if (code_points(read) < 2) continue;
        const MallShop* best = nullptr;
        std::size_t best_len = 0;
        for (const auto& shop : rules.shops) {
            std::vector<std::string> names{shop.name};
            for (const auto& [lang, name] : shop.names) names.push_back(name);
            for (const auto& name : names) {
                const auto n = fold(name);
                // One character matches too much ("店"); a name inside the line, or the line
                // inside a name (OCR lost a character or two of a long name).
                if (code_points(n) < 2) continue;
                const bool hit = read.find(n) != std::string::npos ||
                                 (code_points(read) >= 3 && n.find(read) != std::string::npos);
                if (hit && n.size() > best_len) {
                    best = &shop;
                    best_len = n.size();
                }
            }
        }
        if (best) return best->code;
    }
    return std::nullopt;
}

std::string ocr_disagreement(const ReadReceipt& submitted, const OcrRead& read) {
    std::string note;
    const auto add = [&](const std::string& part) { note += (note.empty() ? "" : "; ") + part; };
    if (read.amount && read.amount->minor != submitted.amount.minor)
        add("amount=" + yuan_plain(read.amount->minor));
    if (read.receipt && *read.receipt != submitted.receipt) add("receipt=" + *read.receipt);
    if (read.date && *read.date != submitted.date) add("date=" + *read.date);
    return note;
}

}  // namespace loyalty::kiosk
