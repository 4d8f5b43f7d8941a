// The manager's receipt-claim review at the kiosk: the queue, its photos, approval and
// rejection. Like every intent, they only post work; nothing happens unless the manager
// signed in with the PIN, and decisions go under the kiosk's manager id.
#include <utility>

#include "claim_review.hpp"
#include "kiosk_controller.hpp"

namespace loyalty::kiosk {

namespace {

// A photo is shown at most this large (the enlarged view); the list scales it down further.
constexpr int kPhotoSide = 1280;

}  // namespace

void KioskController::open_claim_review() {
    if (!manager_signed_in_) return;
    forget_old_photos_later();
    const auto session = state_.session;
    const auto* cfg = &config_;
    post([this, session, cfg](Engine& e) {
        auto claims = load_claim_review(e, cfg->program);
        worker_->post_update([this, session, claims](UiState& s) {
            s.busy = false;
            if (s.session != session) return;
            if (!claims) {
                s.notice = notice_for(claims.error());
                return;
            }
            auto old = std::exchange(s.review, ClaimReview{});
            s.review->claims = *claims;
            // Photos decoded before stay; the others are asked for again as they are drawn.
            if (old)
                for (auto& c : s.review->claims)
                    for (const auto& o : old->claims)
                        if (o.id == c.id) c.photo_pixels = o.photo_pixels;
            photos_requested_.clear();
            s.notice = {};
            s.screen = Screen::manager_claims;
        });
    });
}

void KioskController::review_page(std::size_t page) {
    if (!manager_signed_in_ || !state_.review) return;
    state_.review->page = page;
    state_.notice = {};
}

void KioskController::enlarge_review_photo(std::int64_t id) {
    if (!manager_signed_in_ || !state_.review) return;
    state_.review->enlarged = id;
}

void KioskController::ask_reject_claim(std::int64_t id) {
    if (!manager_signed_in_ || !state_.review) return;
    state_.review->rejecting = id;
    state_.notice = {};
}

void KioskController::want_review_photo(std::int64_t id) {
    if (!manager_signed_in_ || !state_.review || photos_requested_.count(id)) return;
    std::string path;
    for (const auto& c : state_.review->claims)
        if (c.id == id) path = c.photo;
    if (path.empty()) return;
    photos_requested_.insert(id);
    const auto session = state_.session;
    // Not post(): the screen is not busy while a photo decodes; the manager may go on deciding.
    worker_->post([this, session, id, path](Engine&) {
        auto pixels = load_photo(path, kPhotoSide);
        worker_->post_update([session, id, pixels](UiState& s) {
            if (s.session != session || !s.review) return;
            for (auto& c : s.review->claims)
                if (c.id == id) c.photo_pixels = pixels;
        });
    });
}

void KioskController::decided(Engine& engine, std::uint64_t session, Notice notice) {
    auto claims = load_claim_review(engine, config_.program);
    worker_->post_update([session, claims, notice](UiState& s) {
        s.busy = false;
        if (s.session != session) return;
        s.notice = notice;
        if (!s.review || !claims) return;
        auto next = std::move(claims.value());
        for (auto& c : next)
            for (const auto& o : s.review->claims)
                if (o.id == c.id) c.photo_pixels = o.photo_pixels;
        s.review->claims = std::move(next);
        s.review->rejecting = 0;
        s.review->enlarged = 0;
    });
}

void KioskController::approve_claim(std::int64_t id) {
    // One decision at a time: a second tap while the first is with the engine does nothing
    // (and core refuses a claim decided before).
    if (!manager_signed_in_ || !state_.review || state_.busy) return;
    const auto session = state_.session;
    const auto* cfg = &config_;
    post([this, session, cfg, id](Engine& e) {
        auto done = e.receipt_claims().approve(id, cfg->manager_id);
        decided(e, session,
                done ? Notice{"notice.review_approved",
                              {},
                              false,
                              {"#" + std::to_string(id), std::to_string(done->claim.points)}}
                : done.error().code == Errc::conflict
                    ? Notice{"error.review_decided", done.error().message, true}
                    : notice_for(done.error()));
    });
}

void KioskController::reject_claim(std::int64_t id, const std::string& reason) {
    if (!manager_signed_in_ || !state_.review || state_.busy || reason.empty()) return;
    const auto session = state_.session;
    const auto* cfg = &config_;
    post([this, session, cfg, id, reason](Engine& e) {
        auto done = e.receipt_claims().reject(id, cfg->manager_id, reason);
        decided(e, session,
                done ? Notice{"notice.review_rejected", {}, false, {"#" + std::to_string(id)}}
                : done.error().code == Errc::conflict
                    ? Notice{"error.review_decided", done.error().message, true}
                    : notice_for(done.error()));
    });
}

}  // namespace loyalty::kiosk
