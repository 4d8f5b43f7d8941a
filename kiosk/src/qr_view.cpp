#define ZX_USE_UTF8 1
#include "qr_view.hpp"

#include <ZXing/BarcodeFormat.h>
#include <ZXing/BitMatrix.h>
#include <ZXing/MultiFormatWriter.h>

#include <deque>
#include <utility>
#include <vector>

#include "fast_fill.hpp"

namespace loyalty::kiosk {

namespace {

struct Encoded {
    std::string text;
    std::vector<std::uint8_t> modules;
    int n = 0;
};

// The few codes on screen lately: encoding is cheap, but not free at every frame.
const Encoded& encode(const std::string& text) {
    static std::deque<Encoded> cache;
    for (const auto& e : cache)
        if (e.text == text) return e;
    Encoded e{text, {}, 0};
    try {
        const auto matrix =
            ZXing::MultiFormatWriter(ZXing::BarcodeFormat::QRCode).setMargin(0).encode(text, 0, 0);
        e.n = matrix.width();
        e.modules.resize(static_cast<std::size_t>(e.n) * static_cast<std::size_t>(e.n));
        for (int y = 0; y < e.n; ++y)
            for (int x = 0; x < e.n; ++x)
                e.modules[static_cast<std::size_t>(y * e.n + x)] = matrix.get(x, y) ? 1 : 0;
    } catch (const std::exception&) {
        e.n = 0;  // too long for a QR: the text is shown anyway
    }
    cache.push_front(std::move(e));
    if (cache.size() > 4) cache.pop_back();
    return cache.front();
}

}  // namespace

void draw_qr(Ui& ui, const std::string& id, const std::string& text, float side) {
    const auto& e = encode(text);
    const auto at = ImGui::GetCursorScreenPos();
    ImGui::Dummy(ImVec2(side, side));
    ui.record(id, "", false);
    if (e.n > 0) fast_modules(ImGui::GetWindowDrawList(), at, side, e.modules, e.n);
}

}  // namespace loyalty::kiosk
