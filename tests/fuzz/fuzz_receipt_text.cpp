// Recognised receipt text -> claim fields: whatever Tesseract makes of a photo (or of
// a photo of anything), as plain text and as lines with confidences. The fields that
// come back must be well formed: a date YYYY-MM-DD, an amount in fen under a billion
// yuan, never negative.
#include <cstdlib>
#include <vector>

#include "fuzz_support.hpp"
#include "loyalty/devices/receipt_fields.hpp"

namespace {

void check(const loyalty::devices::ReceiptFields& f) {
    if (f.amount_minor && (*f.amount_minor < 0 || *f.amount_minor >= 100'000'000'000)) std::abort();
    if (f.date && (f.date->size() != 10 || (*f.date)[4] != '-' || (*f.date)[7] != '-'))
        std::abort();
    if (f.receipt_number && f.receipt_number->size() < 4) std::abort();
    for (float c : {f.shop_name_confidence, f.receipt_number_confidence, f.amount_confidence,
                    f.date_confidence})
        if (!(c >= 0.0F && c <= 1.0F)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace loyalty::devices;
    const auto text = loyalty::fuzz::as_text(data, size);
    check(extract_receipt_fields(text));
    // The same lines with confidences taken from the input's bytes (NaN and out of
    // range included: the recogniser's figure is not trusted either).
    std::vector<TextLine> lines;
    std::size_t start = 0;
    while (start <= text.size() && lines.size() < 500) {
        const auto end = std::min(text.find('\n', start), text.size());
        const auto byte = start < text.size() ? static_cast<unsigned char>(text[start]) : 0;
        const float confidence = byte == 0xFF   ? __builtin_nanf("")
                                 : byte == 0xFE ? -1.0F
                                                : static_cast<float>(byte) / 200.0F;
        lines.push_back({std::string(text.substr(start, end - start)), confidence});
        start = end + 1;
    }
    check(extract_receipt_fields(lines));
    if (auto fen = parse_yuan_to_fen(text.substr(0, 64)); fen && *fen < 0) std::abort();
    (void)normalize_receipt_line(text);
    return 0;
}
