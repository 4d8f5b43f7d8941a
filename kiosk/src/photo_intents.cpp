// The receipt photographed at the kiosk: the camera's current frame becomes the claim's photo,
// OCR reads it on the engine worker (about a second: the screen says so meanwhile), and the
// typed claim's steps come back pre-filled for the shopper to check and correct.
#include <utility>

#include "kiosk_controller.hpp"
#include "photo_retention.hpp"

namespace loyalty::kiosk {

namespace {

// How long to wait for the camera's next frame (a 30 fps camera sends one every 33 ms).
constexpr std::chrono::milliseconds kFrameWait{1500};
constexpr int kPreviewSide = 640;  // the confirmation shows the photo this large at most

}  // namespace

std::string KioskController::photo_problem() const {
    if (!capture_) return "claim.photo_no_camera";
    if (!ocr_unavailable_.empty()) return "claim.photo_no_ocr";
    if (camera_streaming_ && !camera_streaming_()) return "claim.photo_camera_down";
    return {};
}

void KioskController::photograph_receipt() {
    if (!state_.member || !state_.mall_claims || state_.busy || !photo_problem().empty()) return;
    ReadReceipt typed;
    typed.source = ReceiptSource::keyed;
    open_claim(std::move(typed));  // the draft and its request id, which names the photo
    state_.screen = Screen::claim;
    state_.reading_photo = true;
    const auto session = state_.session;
    const auto request = state_.claim_draft->request_id;
    const auto photo = claim_photos_dir(db_path_) / (request + ".png");
    const auto rules = *state_.mall_claims;
    auto capture = capture_;
    post([this, session, request, photo, rules, capture](Engine&) {
        // OCR first: without it the photo would only be a file nobody reads.
        auto opened = photo_reader_->ready();
        Result<PhotoReading> read = opened ? Result<PhotoReading>(make_error(Errc::device, ""))
                                           : Result<PhotoReading>(opened.error());
        bool saved = false;
        std::shared_ptr<const PhotoPixels> preview;
        if (opened) {
            auto frame = capture(kFrameWait);
            if (!frame) {
                read = frame.error();
            } else {
                auto written = save_photo(*frame, photo);
                saved = written.ok();
                preview = photo_pixels_of(*frame, kPreviewSide);
                read = written ? photo_reader_->read(*frame, rules)
                               : Result<PhotoReading>(written.error());
            }
        }
        worker_->post_update([this, session, request, photo, read, saved, preview,
                              no_ocr = !opened](UiState& s) {
            s.busy = false;
            s.reading_photo = false;
            // The shopper gone, or the claim cancelled meanwhile: this photo is nobody's.
            if (s.session != session || !s.claim_draft || s.claim_draft->request_id != request) {
                if (saved) {
                    std::error_code ec;
                    std::filesystem::remove(photo, ec);
                }
                return;
            }
            if (no_ocr) {
                ocr_unavailable_ = read.error().message;
                s.claim_draft.reset();
                s.notice = {"error.photo_no_ocr", read.error().message, true};
                return;
            }
            if (!saved) {  // no frame, or no room for it: type the receipt instead
                s.claim_draft.reset();
                s.notice = {"error.photo_failed", read.error().message, true};
                return;
            }
            auto& draft = *s.claim_draft;
            draft.photo = photo.string();
            draft.photo_pixels = preview;
            s.claim_step = 0;
            s.screen = Screen::claim_entry;
            if (!read) {  // kept as the claim's photo; the steps are typed
                draft.ocr = OcrRead{};
                s.keypad.clear();
                s.notice = {"notice.photo_unread", read.error().message, false};
                return;
            }
            draft.receipt = read->prefill;
            draft.ocr = read->ocr;
            prefill_claim_step();
            const auto& o = read->ocr;
            if (!draft.receipt.shop && o.shop_name.empty() && !o.receipt && !o.amount && !o.date) {
                s.notice = {"notice.photo_unread", "", false};  // not a receipt, or not readable
                return;
            }
            // The shop's name as printed, when it named none of the mall's: the shopper types
            // its unit number.
            s.notice = draft.receipt.shop || read->ocr.shop_name.empty()
                           ? Notice{"notice.photo_read", "", false}
                           : Notice{"notice.photo_shop_unknown", "", false, {read->ocr.shop_name}};
        });
    });
}

void KioskController::prefill_claim_step() {
    if (!state_.claim_draft || !state_.claim_draft->ocr) return;  // typed without a photo
    const auto& r = state_.claim_draft->receipt;
    std::string value;
    switch (state_.claim_step) {
        case 0:
            value = r.shop.value_or("");
            break;
        case 1:
            value = r.receipt;
            break;
        case 2:
            value = r.amount.minor > 0 ? std::to_string(r.amount.minor) : "";
            break;
        default:
            for (const char c : r.date)
                if (c != '-') value += c;
            break;
    }
    state_.keypad = value;
}

}  // namespace loyalty::kiosk
