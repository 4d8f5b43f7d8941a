#define ZX_USE_UTF8
#include "loyalty/devices/camera_decoder.hpp"

#include <ZXing/ReadBarcode.h>

#include <algorithm>

#include "finder_patterns.hpp"

namespace loyalty::devices {
namespace {

ZXing::DecodeHints hints_for(const FrameDecoderOptions& o) {
    ZXing::BarcodeFormats formats;
    if (o.qr) formats |= ZXing::BarcodeFormat::QRCode;
    if (o.ean13) formats |= ZXing::BarcodeFormat::EAN13;
    if (o.code128) formats |= ZXing::BarcodeFormat::Code128;
    ZXing::DecodeHints h;
    h.setFormats(formats)
        .setTryHarder(false)
        .setTryRotate(false)
        .setTryDownscale(false)
        .setReturnErrors(true);
    return h;
}

ZXing::Result read(const GreyFrame& f, int x, int y, int w, int h,
                   const ZXing::DecodeHints& hints) {
    const auto* origin = f.data + static_cast<std::ptrdiff_t>(y) * f.stride +
                         static_cast<std::ptrdiff_t>(x) * f.pixel_stride;
    return ZXing::ReadBarcode(
        ZXing::ImageView(origin, w, h, ZXing::ImageFormat::Lum, f.stride, f.pixel_stride), hints);
}

bool seen(const ZXing::Result& r) {
    return r.format() != ZXing::BarcodeFormat::None;
}

FrameDecode decoded(const ZXing::Result& r) {
    FrameDecode d;
    d.status = FrameDecode::Status::decoded;
    d.kind = r.format() == ZXing::BarcodeFormat::QRCode ? ScanKind::qr : ScanKind::barcode;
    d.text = r.text();
    return d;
}

FrameDecode unreadable(const ZXing::Result& r) {
    FrameDecode d;
    d.status = FrameDecode::Status::unreadable;
    d.kind = r.format() == ZXing::BarcodeFormat::QRCode ? ScanKind::qr : ScanKind::barcode;
    const auto& e = r.error();
    const char* what = e.type() == ZXing::Error::Checksum ? "too damaged to correct"
                       : e.type() == ZXing::Error::Format ? "malformed"
                                                          : "unsupported";
    d.error = std::string("a code is in view but ") + what +
              (e.msg().empty() ? "" : " (" + e.msg() + ")");
    return d;
}

FrameDecode qr_in_view_unreadable() {
    FrameDecode d;
    d.status = FrameDecode::Status::unreadable;
    d.kind = ScanKind::qr;
    d.error = "a code is in view but could not be read (damaged, blurred or too small)";
    return d;
}

}  // namespace

FrameDecode FrameDecoder::decode(const GreyFrame& f) {
    if (f.data == nullptr || f.width < 21 || f.height < 21) return {};
    const auto hints = hints_for(options_);
    const bool one_d = options_.ean13 || options_.code128;

    if (f.width <= options_.half_resolution_above) {
        auto r = read(f, 0, 0, f.width, f.height, hints);
        if (r.isValid()) return decoded(r);
        if (seen(r)) return unreadable(r);
        if (options_.qr && f.pixel_stride == 1 &&
            detail::count_finder_patterns(f.data, f.width, f.height, f.stride) >= 3)
            return qr_in_view_unreadable();
        return {};
    }

    // 2x2 box average: a quarter of the pixels, and sensor noise averaged away.
    const int hw = f.width / 2, hh = f.height / 2;
    half_.resize(static_cast<std::size_t>(hw) * static_cast<std::size_t>(hh));
    for (int y = 0; y < hh; ++y) {
        const std::uint8_t* r0 = f.data + static_cast<std::ptrdiff_t>(2 * y) * f.stride;
        const std::uint8_t* r1 = r0 + f.stride;
        std::uint8_t* out = half_.data() + static_cast<std::ptrdiff_t>(y) * hw;
        const int ps = f.pixel_stride;
        for (int x = 0; x < hw; ++x) {
            const int i = 2 * x * ps;
            out[x] = static_cast<std::uint8_t>((r0[i] + r0[i + ps] + r1[i] + r1[i + ps] + 2) >> 2);
        }
    }
    const GreyFrame small{half_.data(), hw, hh, hw, 1};
    auto r = read(small, 0, 0, hw, hh, hints);
    if (r.isValid()) return decoded(r);

    // Nothing readable at half resolution. Only if finder-like squares are in view (a
    // small or damaged QR) is full resolution worth paying for. Modules down to ~2 px at
    // full resolution are ~1 px here; one sampled row through a finder, confirmed down
    // its column, is enough.
    detail::FinderRegion region;
    const int finders =
        options_.qr ? detail::count_finder_patterns(small.data, hw, hh, hw, 2, 1, 7, &region) : 0;
    if (finders >= 1) {
        // First only around the squares, at full resolution: a member code is at most
        // ~60 modules across, so that margin around them holds the whole symbol.
        const int margin = static_cast<int>(2 * region.module * 60);
        const int x0 = std::max(0, 2 * region.x0 - margin),
                  y0 = std::max(0, 2 * region.y0 - margin);
        const int x1 = std::min(f.width, 2 * region.x1 + margin),
                  y1 = std::min(f.height, 2 * region.y1 + margin);
        const bool smaller = (x1 - x0) * (y1 - y0) < f.width * f.height / 2;
        if (smaller) {
            auto roi = read(f, x0, y0, x1 - x0, y1 - y0, hints);
            if (roi.isValid()) return decoded(roi);
            if (finders >= 3)
                return qr_in_view_unreadable();  // a whole symbol in view that will not read
        }
        auto full = read(f, 0, 0, f.width, f.height, hints);
        if (full.isValid()) return decoded(full);
        if (seen(full)) return unreadable(full);
        if (finders >= 3) return qr_in_view_unreadable();
    } else if (one_d) {
        // Thin bars may not survive halving: 1-D codes get the full-resolution centre.
        const int cw = f.width / 2, ch = f.height / 2;
        auto c = read(f, (f.width - cw) / 2, (f.height - ch) / 2, cw, ch, hints);
        if (c.isValid()) return decoded(c);
        if (seen(c)) return unreadable(c);
    }
    if (seen(r)) return unreadable(r);
    return {};
}

bool CodeDebouncer::accept(const std::string& text, TimePoint now) {
    // Forget codes not seen for a while so the map stays small.
    for (auto it = last_seen_.begin(); it != last_seen_.end();)
        it = now - it->second > window_ ? last_seen_.erase(it) : std::next(it);
    auto [it, fresh] = last_seen_.try_emplace(text, now);
    it->second = now;
    return fresh;
}

}  // namespace loyalty::devices
