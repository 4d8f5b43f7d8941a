// The shopper's parking intents (停车缴费): like the others they only change the UI state or post
// work to the engine worker, so the screen never waits.
#include <algorithm>
#include <cstdio>
#include <random>
#include <utility>

#include "kiosk_controller.hpp"
#include "parking_actions.hpp"

namespace loyalty::kiosk {

namespace {

// At most what a new-energy plate has after its province: a letter and six more.
constexpr std::size_t kPlateRestMax = 7;

// What a credit asks for, to tell a retry of the same choice from a new one.
std::string credit_choice(const std::string& plate, bool free_minutes, int hours) {
    return plate + "|" + (free_minutes ? "free" : "") + "|" + std::to_string(hours);
}

}  // namespace

void KioskController::open_parking() {
    if (!state_.member || !state_.parking_offered) return;
    const auto session = state_.session;
    const auto* cfg = &config_;
    const auto member = state_.member->id;
    post([this, session, cfg, member](Engine& e) {
        auto load = load_parking(e, *cfg, member, worker_->hub());
        worker_->post_update([session, load = std::move(load)](UiState& s) {
            if (s.session != session) return;
            s.busy = false;
            if (!load.today) {
                s.notice = load.refused;
                return;
            }
            ParkingView view;
            view.today = *load.today;
            // The banner's offline too: hours would wait for an answer that does not come.
            view.offline = load.offline || s.offline;
            if (!view.today.plates.empty()) view.plate = view.today.plates.front();
            s.parking = std::move(view);
            s.notice = {};
            s.keypad.clear();
            s.screen = Screen::parking;
        });
    });
}

void KioskController::choose_plate(const std::string& plate) {
    if (!state_.parking) return;
    state_.parking->plate = plate;
    state_.notice = {};
}

void KioskController::start_plate_entry() {
    if (!state_.parking) return;
    auto& p = *state_.parking;
    if (static_cast<int>(p.today.plates.size()) >= kMaxPlatesPerMember) {
        state_.notice = {
            "error.parking_plates_full", "", true, {std::to_string(kMaxPlatesPerMember)}};
        return;
    }
    p.typed_province.clear();
    p.typed_rest.clear();
    p.all_provinces = false;
    state_.notice = {};
    state_.screen = Screen::parking_plate;
}

void KioskController::plate_province(const std::string& province) {
    if (!state_.parking) return;
    state_.parking->typed_province = province;  // a second tap changes it, nothing else
    state_.parking->all_provinces = false;
    state_.notice = {};
}

void KioskController::plate_key(char c) {
    if (!state_.parking) return;
    auto& rest = state_.parking->typed_rest;
    if (rest.size() < kPlateRestMax) rest.push_back(c);
}

void KioskController::plate_erase() {
    if (!state_.parking) return;
    auto& p = *state_.parking;
    if (!p.typed_rest.empty())
        p.typed_rest.pop_back();
    else
        p.typed_province.clear();
}

void KioskController::toggle_all_provinces() {
    if (state_.parking) state_.parking->all_provinces = !state_.parking->all_provinces;
}

void KioskController::cancel_plate_entry() {
    state_.notice = {};
    if (state_.parking) state_.screen = Screen::parking;
}

void KioskController::save_plate() {
    if (!state_.member || !state_.parking || state_.busy) return;
    const auto& p = *state_.parking;
    if (p.typed_province.empty()) {
        state_.notice = {"error.parking_plate_province", "", true};
        return;
    }
    const auto plate = normalize_plate(p.typed_province + p.typed_rest);
    if (!plate) {
        state_.notice = {"error.parking_plate_invalid", "", true};
        return;
    }
    const auto session = state_.session;
    const auto member = state_.member->id;
    post([this, session, member, saved = *plate](Engine& e) {
        auto changed = add_member_plate(e, member, saved);
        worker_->post_update([session, saved, changed = std::move(changed)](UiState& s) {
            if (s.session != session) return;
            s.busy = false;
            if (!s.parking) return;
            if (!changed.plates) {
                s.notice = changed.refused;
                return;
            }
            s.parking->today.plates = *changed.plates;
            s.parking->plate = saved;
            s.notice = {"notice.parking_plate_saved", "", false, {plate_display(saved)}};
            s.screen = Screen::parking;
        });
    });
}

void KioskController::remove_plate() {
    if (!state_.member || !state_.parking || state_.parking->plate.empty() || state_.busy) return;
    const auto session = state_.session;
    const auto member = state_.member->id;
    const auto plate = state_.parking->plate;
    post([this, session, member, plate](Engine& e) {
        auto changed = remove_member_plate(e, member, plate);
        worker_->post_update([session, plate, changed = std::move(changed)](UiState& s) {
            if (s.session != session) return;
            s.busy = false;
            if (!s.parking) return;
            if (!changed.plates) {
                s.notice = changed.refused;
                return;
            }
            s.parking->today.plates = *changed.plates;
            s.parking->plate = changed.plates->empty() ? "" : changed.plates->front();
            s.notice = {"notice.parking_plate_removed", "", false, {plate_display(plate)}};
        });
    });
}

void KioskController::parking_hours(int delta) {
    if (!state_.parking) return;
    auto& p = *state_.parking;
    if (p.offline) return;  // no hours for points while headquarters does not answer
    p.hours = std::clamp(p.hours + delta, 0, std::max(0, p.today.hours_buyable));
    state_.notice = {};
}

void KioskController::confirm_parking() {
    if (!state_.member || !state_.parking || state_.busy) return;
    auto& p = *state_.parking;
    if (p.plate.empty()) {
        state_.notice = {"error.parking_pick_plate", "", true};
        return;
    }
    const bool free_minutes = p.today.free_minutes_left;
    const int hours = p.offline ? 0 : p.hours;
    if (!free_minutes && hours == 0) {
        state_.notice = {
            p.today.free_minutes_credited > 0 ? "error.parking_free_used" : "error.parking_nothing",
            "", true};
        return;
    }
    // One id per choice: the same choice again (a second tap, a retry after no answer) is the
    // same credit and books once; another choice is another credit.
    const auto choice = credit_choice(p.plate, free_minutes, hours);
    if (p.credit_id.empty() || p.credit_for != choice) {
        std::random_device random;
        char id[24];
        std::snprintf(id, sizeof id, "p%08x%08x", random(), random());
        p.credit_id = id;
        p.credit_for = choice;
    }
    ParkingCreditRequest request{config_.program, state_.member->id, p.plate, free_minutes,
                                 hours,           p.credit_id};
    const auto session = state_.session;
    const auto* cfg = &config_;
    post([this, session, cfg, request](Engine& e) {
        auto booking = credit_parking(e, *cfg, request, worker_->hub());
        auto load = load_parking(e, *cfg, request.member, worker_->hub());
        auto member = load_member_view(e, *cfg, request.member, worker_->hub());
        worker_->post_update([session, booking = std::move(booking), load = std::move(load),
                              member = std::move(member)](UiState& s) {
            if (s.session != session) return;
            s.busy = false;
            if (member) s.member = *member;
            if (!s.parking) return;
            auto& view = *s.parking;
            if (load.today) view.today = *load.today;
            view.offline = booking.offline || load.offline || s.offline;
            if (!booking.outcome) {
                s.notice = booking.refused;
                view.hours = view.offline ? 0 : std::min(view.hours, view.today.hours_buyable);
                return;
            }
            view.last = *booking.outcome;
            view.last_offline = view.offline;
            view.credit_id.clear();  // the next purchase is another credit
            view.credit_for.clear();
            view.hours = 0;
            s.notice = {};
            s.screen = Screen::parking_done;
        });
    });
}

}  // namespace loyalty::kiosk
