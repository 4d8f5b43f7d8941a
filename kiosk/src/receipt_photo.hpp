#pragma once
// A receipt photographed at the kiosk, engine-worker side: the camera's frame saved as the
// claim's photo, read by OCR (Tesseract, opened the first time it is needed and kept), and
// what it read matched to the mall's shops to pre-fill the claim form.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kiosk_state.hpp"
#include "loyalty/devices/camera_runner.hpp"
#include "loyalty/mall_rules.hpp"

namespace loyalty::devices {
class ReceiptOcr;
}

namespace loyalty::kiosk {

struct PhotoReading {
    ReadReceipt prefill;  // the claim form's steps as read: shop (when matched), number, ...
    OcrRead ocr;
};

// One Tesseract engine, used on one thread (the engine worker's).
class ReceiptPhotoReader {
  public:
    ReceiptPhotoReader();
    ~ReceiptPhotoReader();
    ReceiptPhotoReader(const ReceiptPhotoReader&) = delete;
    ReceiptPhotoReader& operator=(const ReceiptPhotoReader&) = delete;

    // Opens the OCR engine the first time (about half a second); Errc::not_found when its
    // language data is not installed, the message saying what to install.
    Result<void> ready();
    Result<PhotoReading> read(const devices::CapturedFrame& frame, const ReceiptClaimRules& rules);

  private:
    std::unique_ptr<devices::ReceiptOcr> ocr_;
};

// The frame as a grey PNG at `file` (its folder made; written whole or not at all).
Result<void> save_photo(const devices::CapturedFrame& frame, const std::filesystem::path& file);

// The frame as the screen shows it: RGBA, at most `max_side` pixels on its longer side.
std::shared_ptr<const PhotoPixels> photo_pixels_of(const devices::CapturedFrame& frame,
                                                   int max_side);

// A draft's photo removed when the draft is given up before it was submitted.
void discard_photo(const std::optional<ClaimDraft>& draft);

// The mall's shop whose name, in any language, the text names (the longest such name wins), or
// whose name holds the text (OCR missed part of it); texts are tried in order.
std::optional<std::string> match_shop(const ReceiptClaimRules& rules,
                                      const std::vector<std::string>& texts);

// What OCR read where the claim says otherwise (amount, receipt number, date):
// "amount=99.00; receipt=A0017; date=2026-12-04", "" when they agree. The review screen shows it
// with its labels translated; core keeps a claim with a note for review.
std::string ocr_disagreement(const ReadReceipt& submitted, const OcrRead& read);

}  // namespace loyalty::kiosk
