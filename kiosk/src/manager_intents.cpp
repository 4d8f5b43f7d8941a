// The manager's intents: sign-in, closing report, export, printing, health,
// backup and integrity check. Like the shopper's, they only post work.
#include <utility>

#include "claim_review.hpp"
#include "kiosk_controller.hpp"
#include "print_jobs.hpp"
#include "removable_media.hpp"

namespace loyalty::kiosk {

void KioskController::manager_corner_pressed() {
    corner_down_ = now_();
}

void KioskController::manager_corner_released() {
    const auto down = std::exchange(corner_down_, std::nullopt);
    if (down && state_.screen == Screen::attract && now_() - *down >= kManagerHold) start_manager();
}

void KioskController::start_manager() {
    end_session();
    state_.screen = Screen::manager_pin;
}

void KioskController::submit_manager_pin() {
    const auto* cfg = &config_;
    auto pin = state_.keypad;
    state_.keypad.clear();
    const auto session = state_.session;
    post([this, session, cfg, pin](Engine& e) {
        auto who = manager_login(e, *cfg, pin);
        std::optional<ClosingReport> report;
        std::optional<ClaimReview> review;  // its count is on the closing report's entry
        if (who) {
            report = closing_report(e, cfg->program);
            if (auto claims = load_claim_review(e, cfg->program)) {
                review.emplace();
                review->claims = std::move(claims.value());
            }
        }
        worker_->post_update([this, session, who, report, review](UiState& s) {
            if (s.session != session) return;
            s.busy = false;
            if (!who) {
                s.notice = who.error().code == Errc::limit_exceeded ||
                                   who.error().message.find("locked") != std::string::npos
                               ? Notice{"error.locked", who.error().message, true}
                               : Notice{"error.pin_wrong", who.error().message, true};
                return;
            }
            manager_signed_in_ = true;
            s.report = report;
            s.review = review;
            s.notice = {};
            s.screen = Screen::manager_closing;
        });
    });
}

void KioskController::ask_quit() {
    if (!manager_signed_in_) return;
    state_.notice = {};
    state_.screen = Screen::manager_quit_confirm;
}

void KioskController::confirm_quit() {
    if (!manager_signed_in_ || state_.screen != Screen::manager_quit_confirm) return;
    // The shopper-facing state goes too: nothing is left on screen while the app closes.
    end_session();
    quit_requested_ = true;
}

void KioskController::cancel_quit() {
    if (!manager_signed_in_) return;
    state_.screen = Screen::manager_closing;
}

void KioskController::refresh_closing() {
    if (!manager_signed_in_) return;
    const auto* cfg = &config_;
    post([this, cfg](Engine& e) {
        auto report = closing_report(e, cfg->program);
        worker_->post_update([report](UiState& s) {
            s.busy = false;
            s.report = report;
            s.screen = Screen::manager_closing;
        });
    });
}

void KioskController::export_closing() {
    if (!manager_signed_in_ || !state_.report) return;
    auto report = *state_.report;
    const auto* cfg = &config_;
    post([this, report, cfg](Engine&) {
        // Onto the manager's USB stick when one is plugged in: a folder on the kiosk is out of
        // the manager's reach. Without one, the screen names the folder and how to get a stick.
        const auto stick = removable_media(cfg->mounts_table, cfg->removable_media_roots);
        const auto dir = stick ? *stick : cfg->export_dir;
        auto path = export_closing_csv(report, dir);
        auto html = export_closing_html(report, dir);
        if (path && !html) path = html.error();
        worker_->post_update([path, stick](UiState& s) {
            s.busy = false;
            if (!path) {
                s.notice = notice_for(path.error());
                return;
            }
            if (s.report) s.report->exported_to = path->string();
            s.notice = stick ? Notice{"notice.exported_usb",
                                      {},
                                      false,
                                      {stick->filename().string(), path->filename().string()}}
                             : Notice{"notice.exported", path->parent_path().string(), false};
        });
    });
}

void KioskController::print(std::function<Result<std::vector<std::uint8_t>>()> make_job) {
    if (!printer_) return;
    auto printer = printer_;
    // Printer I/O waits on paper and USB: off the render thread, like the database.
    post([this, printer, make_job](Engine&) {
        auto job = make_job();
        Result<void> printed = job ? printer->print(*job) : Result<void>(job.error());
        worker_->post_update([printed](UiState& s) {
            s.busy = false;
            s.notice = printed ? Notice{"notice.printed", "", false}
                               : Notice{"error.printer", printed.error().message, true};
        });
    });
}

void KioskController::print_coupon() {
    if (!state_.last_coupon) return;
    auto coupon = *state_.last_coupon;
    print([coupon] { return coupon_job(coupon); });
}

void KioskController::print_closing() {
    if (!manager_signed_in_ || !state_.report) return;
    auto report = *state_.report;
    print([report] { return z_report_job(report); });
}

void KioskController::refresh_health() {
    if (!manager_signed_in_) return;
    auto devices = devices_;
    if (attached_)
        for (const auto& source : attached_())
            if (!devices.count(source))
                devices[source] = DeviceHealth{source, std::nullopt, 0};  // attached, no scan yet
    if (device_states_)
        for (auto d : device_states_()) {
            auto& known = devices[d.source];
            d.seen_at = known.seen_at;
            d.scans = known.scans;
            known = std::move(d);
        }
    const auto dropped = scans_dropped_;
    const auto* cfg = &config_;
    post([this, devices, dropped, cfg](Engine& e) {
        auto h = health_view(e, cfg->program, cfg->backup_dir);
        h.scans_dropped = dropped;
        const int offset = program_utc_offset(e, cfg->program);
        for (auto [source, d] : devices) {
            if (d.seen_at) d.last_seen = format_local_time(*d.seen_at, offset);
            h.devices.push_back(std::move(d));
        }
        worker_->post_update([h](UiState& s) {
            s.busy = false;
            auto integrity = s.health ? s.health->integrity : std::string{};
            s.health = h;
            s.health->integrity = integrity;
            s.screen = Screen::manager_health;
        });
    });
}

void KioskController::run_backup_now() {
    if (!manager_signed_in_) return;
    const auto* cfg = &config_;
    post([this, cfg](Engine& e) {
        auto path = run_backup(e, cfg->backup_dir);
        const auto written =
            path ? file_time_local(*path, program_utc_offset(e, cfg->program)) : std::string();
        worker_->post_update([this, path, written](UiState& s) {
            s.busy = false;
            if (!path) {
                s.notice = notice_for(path.error());
                return;
            }
            last_backup_ = path->string();
            if (s.health) {
                s.health->last_backup = last_backup_;
                s.health->last_backup_time = written;
            }
            s.notice = {"notice.backup_done", last_backup_, false};
        });
    });
}

void KioskController::run_integrity_check() {
    if (!manager_signed_in_) return;
    post([this](Engine& e) {
        auto checked = check_integrity(e);
        const auto verdict = checked ? *checked : checked.error().message;
        worker_->post_update([verdict](UiState& s) {
            s.busy = false;
            if (s.health) s.health->integrity = verdict;
            s.notice = {verdict == "ok" ? "notice.integrity_ok" : "error.integrity", verdict,
                        verdict != "ok"};
        });
    });
}

}  // namespace loyalty::kiosk
