#pragma once
// Receipt photos -> text and claim fields, with Tesseract (LSTM, simplified Chinese +
// English). The kiosk keeps the photo with the claim for review; what this reads only
// pre-fills the claim form, so every field may be absent and carries a confidence.
// Link loyalty::ocr (its own target: only what reads receipts links Tesseract).
#include <memory>
#include <string>
#include <vector>

#include "loyalty/devices/camera_decoder.hpp"  // GreyFrame: 8-bit luminance with stride
#include "loyalty/devices/receipt_fields.hpp"
#include "loyalty/result.hpp"

namespace tesseract {
class TessBaseAPI;
}

namespace loyalty::devices {

// A photo or scan in 8-bit luminance, the same view the camera path uses.
using GreyImage = GreyFrame;

struct OcrReceipt {
    std::string text;              // every recognised line, '\n'-separated (UTF-8)
    std::vector<TextLine> lines;   // the same lines with Tesseract's confidence (0..1)
    ReceiptFields fields;          // shop, receipt number, paid total (fen), date
    float mean_confidence = 0.0F;  // Tesseract's mean word confidence (0..1)
};

struct ReceiptOcrOptions {
    // Tesseract language codes, '+'-joined. chi_sim alone reads Chinese receipts best:
    // its model has the digits and Latin letters, and adding eng let the English model
    // take lines of Chinese labels (amount accuracy 65% against 100%, 1.7x the time).
    std::string languages = "chi_sim";
    std::string tessdata_dir;  // empty: Tesseract's default (TESSDATA_PREFIX)
};

// One Tesseract engine (RAII around tesseract::TessBaseAPI; loading chi_sim takes
// about half a second, so open one and keep it). Not thread-safe: one per thread.
// Run the process with OMP_THREAD_LIMIT=1: Debian's Tesseract starts OpenMP threads
// that spin against each other and the UI on a 2-core kiosk (5x the CPU time per
// receipt, measured); libgomp reads the limit only at process start, so it belongs in
// the service's environment (loyalty-ocr-receipt sets it and re-executes itself).
class ReceiptOcr {
  public:
    // Errc::not_found when the language data is not installed (the message names it).
    static Result<ReceiptOcr> open(const ReceiptOcrOptions& options = {});

    ReceiptOcr(ReceiptOcr&&) noexcept;
    ReceiptOcr& operator=(ReceiptOcr&&) noexcept;
    ReceiptOcr(const ReceiptOcr&) = delete;
    ReceiptOcr& operator=(const ReceiptOcr&) = delete;
    ~ReceiptOcr();

    // Removes speckle, enlarges small print (under 1000 px wide: 2x) and straightens
    // skew (up to about 7 degrees) before recognising. Errc::invalid_argument for an empty or
    // inconsistent view or one over 10,000 px on a side; Errc::device when Tesseract fails on the
    // image.
    Result<OcrReceipt> read(const GreyImage& image);

  private:
    explicit ReceiptOcr(std::unique_ptr<tesseract::TessBaseAPI> api);
    std::unique_ptr<tesseract::TessBaseAPI> api_;
};

}  // namespace loyalty::devices
