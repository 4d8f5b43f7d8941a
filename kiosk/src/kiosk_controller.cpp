#include "kiosk_controller.hpp"

#include <chrono>
#include <cstdio>
#include <random>
#include <utility>

#include "claim_review.hpp"
#include "loyalty/sync/requests.hpp"
#include "parking_actions.hpp"
#include "photo_retention.hpp"
#include "print_jobs.hpp"

namespace loyalty::kiosk {

namespace {

// The number as typed, for "a code was sent to 139****5678" (the shopper knows it).
std::string mask_phone_typed(const std::string& typed) {
    if (typed.size() < 8) return typed;
    return typed.substr(0, 3) + std::string(typed.size() - 7, '*') + typed.substr(typed.size() - 4);
}

}  // namespace

const char* to_string(Screen s) {
    switch (s) {
        case Screen::attract:
            return "attract";
        case Screen::phone_entry:
            return "phone_entry";
        case Screen::pin_entry:
            return "pin_entry";
        case Screen::unknown_card:
            return "unknown_card";
        case Screen::member_home:
            return "member_home";
        case Screen::rewards:
            return "rewards";
        case Screen::redeem_confirm:
            return "redeem_confirm";
        case Screen::coupon:
            return "coupon";
        case Screen::wallet:
            return "wallet";
        case Screen::sms_code:
            return "sms_code";
        case Screen::terms:
            return "terms";
        case Screen::set_pin:
            return "set_pin";
        case Screen::enroll:
            return "enroll";
        case Screen::enroll_done:
            return "enroll_done";
        case Screen::link_card:
            return "link_card";
        case Screen::claim:
            return "claim";
        case Screen::claim_confirm:
            return "claim_confirm";
        case Screen::claim_entry:
            return "claim_entry";
        case Screen::rating:
            return "rating";
        case Screen::thanks:
            return "thanks";
        case Screen::manager_pin:
            return "manager_pin";
        case Screen::manager_closing:
            return "manager_closing";
        case Screen::manager_health:
            return "manager_health";
        case Screen::manager_claims:
            return "manager_claims";
        case Screen::manager_quit_confirm:
            return "manager_quit_confirm";
        case Screen::parking:
            return "parking";
        case Screen::parking_plate:
            return "parking_plate";
        case Screen::parking_done:
            return "parking_done";
    }
    return "?";
}

KioskController::KioskController(KioskConfig config, std::filesystem::path db_path,
                                 std::function<void()> wake, std::chrono::seconds idle_timeout)
    : config_(std::move(config)),
      db_path_(std::move(db_path)),
      worker_(std::make_unique<EngineWorker>(db_path_, config_.origin, std::move(wake),
                                             config_.link, config_.program)),
      idle_timeout_(idle_timeout) {
    if (config_.backup_dir.empty()) config_.backup_dir = db_path_.parent_path() / "backups";
    if (config_.export_dir.empty()) config_.export_dir = db_path_.parent_path() / "exports";
    state_.lang = config_.default_lang;
    forget_old_photos_later();
    // The program's receipt rules, for whoever signs in however (card, phone, joining, SMS);
    // refreshed at every identification, as head office may change them.
    worker_->post([this](Engine& e) {
        auto mall = mall_claim_rules(e, config_.program);
        const bool parking = parking_offered(e, config_.program);
        // The kiosk's name on every screen is its program's ("悦城购物中心 会员自助").
        LocalNames names;
        std::string name = config_.program;
        if (auto p = e.programs().get(config_.program)) {
            if (!(*p)->name.empty()) name = (*p)->name;
            names = (*p)->names;
        }
        worker_->post_update([mall = std::move(mall), parking, name = std::move(name),
                              names = std::move(names)](UiState& s) {
            s.mall_claims = mall;
            s.parking_offered = parking;
            s.program_name = name;
            s.program_names = names;
        });
    });
}

// On the engine worker, at start (before the first shopper) and when a manager opens the
// review queue (a manager's daily round), so a kiosk that runs for months still lets photos
// go; a few file deletes, not a shopper's wait.
void KioskController::forget_old_photos_later() {
    worker_->post([dir = claim_photos_dir(db_path_), days = config_.photo_keep_days](Engine& e) {
        auto forgotten = forget_old_photos(e, dir, days);
        if (!forgotten)
            std::fprintf(stderr, "loyalty-kiosk: receipt photos not deleted: %s\n",
                         forgotten.error().message.c_str());
        else if (*forgotten > 0)
            std::fprintf(stderr,
                         "loyalty-kiosk: %d receipt photos deleted (a decided claim keeps its "
                         "photo %d days)\n",
                         *forgotten, days);
    });
}

void KioskController::post(std::function<void(Engine&)> task) {
    state_.busy = true;
    worker_->post(std::move(task));
}

bool KioskController::apply_updates() {
    auto updates = worker_->take_updates();
    for (auto& u : updates) u(state_);
    return !updates.empty();
}

void KioskController::identified(Engine& engine, Identified result, std::uint64_t session) {
    std::vector<std::string> messages;
    std::vector<ClaimRefusalView> refusals;
    std::optional<ReceiptClaimRules> mall;
    if (result.member) {
        messages = take_kiosk_messages(engine, result.member->id);
        // Claims a manager rejected since the last visit: told once, with the reason.
        refusals = take_claim_refusals(engine, config_.program, result.member->id);
        mall = mall_claim_rules(engine, config_.program);
    }
    worker_->post_update([session, r = std::move(result), messages = std::move(messages),
                          refusals = std::move(refusals), mall = std::move(mall)](UiState& s) {
        if (s.session != session) return;
        s.busy = false;
        if (r.member) {
            s.member = r.member;
            s.mall_claims = mall;
            s.kiosk_messages = messages;
            s.claim_refusals = refusals;
            s.notice = {};
            s.screen = Screen::member_home;
        } else if (r.pin_for_phone) {
            s.phone_typed = *r.pin_for_phone;
            s.keypad.clear();
            s.notice = r.notice;
            s.screen = Screen::pin_entry;
        } else if (r.unknown_card_uid) {
            s.pending_card_uid = r.unknown_card_uid;
            s.notice = r.notice;  // headquarters could not be asked, if it says so
            s.screen = Screen::unknown_card;
        } else {
            s.notice = r.notice;
        }
    });
}

void KioskController::on_scan(const devices::ScanEvent& scan) {
    auto& d = devices_[scan.source];
    d.source = scan.source;
    d.seen_at = std::chrono::time_point_cast<std::chrono::seconds>(scan.at);
    ++d.scans;
    if (!state_.out_of_service.empty()) return;  // nothing to look a card up in
    const auto session = state_.session;
    const auto* cfg = &config_;
    // Manager screens ignore shoppers' scans.
    if (state_.screen == Screen::manager_pin || state_.screen == Screen::manager_closing ||
        state_.screen == Screen::manager_health || state_.screen == Screen::manager_claims ||
        state_.screen == Screen::manager_quit_confirm)
        return;
    if (state_.member && state_.screen == Screen::link_card &&
        scan.kind == devices::ScanKind::card_uid) {
        const auto member = state_.member->id;
        post([this, session, cfg, member, uid = scan.payload](Engine& e) {
            auto linked = link_card(e, cfg->program, member, uid);
            auto view = load_member_view(e, *cfg, member, worker_->hub());
            worker_->post_update([session, linked, view](UiState& s) {
                if (s.session != session) return;
                s.busy = false;
                if (!linked) {
                    // Another member's card: say so, and what to do, not "conflict".
                    s.notice = linked.error().code == Errc::conflict
                                   ? Notice{"error.card_taken", linked.error().message, true}
                                   : notice_for(linked.error());
                    return;
                }
                if (view) s.member = *view;
                s.notice = {"notice.card_linked", "", false};
                s.screen = Screen::member_home;
            });
        });
        return;
    }
    // A mall's receipt of any shop: an e-invoice QR or a shop's own format. Not while a claim
    // is with the engine: its answer would close the new one.
    if (state_.member && state_.mall_claims && !state_.busy) {
        auto read = read_receipt_code(*state_.mall_claims, scan.payload);
        if (read) {
            open_claim(std::move(read.value()));
            return;
        }
        if (read_e_invoice(scan.payload)) {  // shaped like one, a field garbled
            state_.notice = {"error.claim_unreadable", read.error().message, true};
            return;
        }
    }
    if (looks_like_receipt_code(scan.payload)) {
        if (!state_.member) {
            state_.notice = {"error.receipt_needs_member", "", true};
            return;
        }
        const auto member = state_.member->id;
        post([this, session, cfg, member, code = scan.payload](Engine& e) {
            auto claimed = claim_receipt(e, *cfg, member, code);
            auto view = load_member_view(e, *cfg, member, worker_->hub());
            worker_->post_update([session, claimed, view](UiState& s) {
                if (s.session != session) return;
                s.busy = false;
                if (view) s.member = *view;
                s.screen = Screen::member_home;
                if (!claimed) {
                    s.notice = claimed.error().code == Errc::already_used
                                   ? Notice{"error.receipt_claimed", claimed.error().message, true}
                                   : notice_for(claimed.error());
                    return;
                }
                // What the balance gained: the receipt's own points and any campaign bonus.
                const Points credited = claimed->earned + claimed->campaign_points;
                s.last_claimed = credited;
                if (claimed->campaign_points > 0)
                    s.notice = {"notice.claimed_bonus",
                                {},
                                false,
                                {std::to_string(credited), std::to_string(claimed->earned),
                                 std::to_string(claimed->campaign_points)}};
                else
                    s.notice = {"notice.claimed", {}, false, {std::to_string(credited)}};
            });
        });
        return;
    }
    // Anything else identifies a shopper: a new scan starts a new session.
    if (state_.member && state_.screen != Screen::attract) end_session();
    const auto fresh = state_.session;
    post([this, fresh, cfg, scan](Engine& e) {
        identified(e, identify_scan(e, *cfg, scan, worker_->hub()), fresh);
    });
}

void KioskController::check_link(SteadyTime now) {
    if (!config_.link || (next_link_check_ && now < *next_link_check_)) return;
    next_link_check_ = now + std::chrono::seconds{5};
    const auto* cfg = &config_;
    // Not post(): nothing the shopper waits for, so the screen is not busy meanwhile.
    worker_->post([this, cfg](Engine& e) {
        auto status = link_status(e, *cfg, worker_->hub());
        worker_->post_update([status](UiState& s) {
            s.offline = status.offline;
            s.offline_as_of = status.as_of;
        });
    });
}

bool KioskController::check_idle(SteadyTime now) {
    // Nothing to clear at attract, unless a shopper switched the language and walked away.
    if (state_.screen == Screen::attract && !state_.member && state_.notice.key.empty() &&
        state_.lang == config_.default_lang)
        return false;
    if (now - last_activity_ < timeout()) return false;
    end_session();
    return true;
}

std::chrono::milliseconds KioskController::until_idle(SteadyTime now) const {
    const auto left =
        timeout() - std::chrono::duration_cast<std::chrono::milliseconds>(now - last_activity_);
    return std::max(std::chrono::milliseconds{0},
                    std::chrono::duration_cast<std::chrono::milliseconds>(left));
}

std::chrono::seconds KioskController::timeout() const {
    // The thank-you screen goes back to attract on its own, quickly. The rating
    // screen too: it still holds the member for rating campaigns, and a shopper who
    // walks off must not leave their account to the next person's tap.
    if (state_.screen == Screen::thanks) return std::min(idle_timeout_, std::chrono::seconds{4});
    if (state_.screen == Screen::rating) return std::min(idle_timeout_, std::chrono::seconds{12});
    return idle_timeout_;
}

void KioskController::go(Screen screen) {
    state_.notice = {};
    state_.keypad.clear();
    state_.screen = screen;
}

void KioskController::toggle_language() {
    state_.lang = state_.lang == "zh-CN" ? "en" : "zh-CN";
}

void KioskController::keypad_press(char digit) {
    const bool pin = state_.screen == Screen::pin_entry || state_.screen == Screen::manager_pin ||
                     state_.screen == Screen::set_pin || state_.screen == Screen::sms_code;
    const std::size_t max = pin ? 12 : 15;
    if (state_.keypad.size() < max) state_.keypad.push_back(digit);
}

void KioskController::keypad_erase() {
    if (!state_.keypad.empty()) state_.keypad.pop_back();
}

void KioskController::submit_phone() {
    if (state_.keypad.size() < 8) {
        state_.notice = {"error.phone_invalid", "", true};
        return;
    }
    state_.phone_typed = state_.keypad;
    state_.keypad.clear();
    state_.notice = {};
    state_.screen = Screen::pin_entry;
}

void KioskController::submit_pin() {
    const auto* cfg = &config_;
    auto phone = state_.phone_typed;
    auto pin = state_.keypad;
    state_.keypad.clear();
    const auto session = state_.session;
    post([this, cfg, phone, pin, session](Engine& e) {
        identified(e, identify_phone_pin(e, *cfg, phone, pin, worker_->hub()), session);
    });
}

void KioskController::start_enroll() {
    state_.keypad.clear();
    state_.consent_privacy = false;
    state_.consent_marketing = false;
    state_.birthday_month = 0;
    state_.notice = {};
    state_.screen = Screen::enroll;
}

void KioskController::login_instead() {
    if (state_.screen != Screen::enroll || state_.keypad.empty()) return;
    state_.notice = {};
    state_.screen = Screen::phone_entry;
    submit_phone();  // the number typed to join: straight on to its PIN
}

void KioskController::open_terms() {
    if (state_.screen != Screen::enroll) return;
    const auto session = state_.session;
    const auto* cfg = &config_;
    post([this, session, cfg](Engine& e) {
        auto p = e.programs().get(cfg->program);
        std::optional<JoinTerms> terms;
        if (p) terms = (*p)->terms;
        worker_->post_update([session, terms](UiState& s) {
            if (s.session != session) return;
            s.busy = false;
            s.terms = terms;
            if (s.screen == Screen::enroll) s.screen = Screen::terms;
        });
    });
}

void KioskController::close_terms() {
    if (state_.screen == Screen::terms) state_.screen = Screen::enroll;  // the form as it was
}

void KioskController::toggle_privacy_consent() {
    state_.consent_privacy = !state_.consent_privacy;
    if (state_.consent_privacy && state_.notice.key == "error.consent_required") state_.notice = {};
}

void KioskController::toggle_marketing_consent() {
    state_.consent_marketing = !state_.consent_marketing;
}

void KioskController::submit_enroll() {
    if (!state_.consent_privacy) {
        state_.notice = {"error.consent_required", "", true};
        return;
    }
    if (state_.keypad.size() < 8) {
        state_.notice = {"error.phone_invalid", "", true};
        return;
    }
    state_.phone_typed = state_.keypad;
    // With a member hub, the phone is proved by an SMS code first (when the hub sends them):
    // nobody joins, or takes over a member of another store, with someone else's number.
    if (config_.link) return send_code(sync::sms_purpose::enroll);
    enroll_now(state_.phone_typed);
}

void KioskController::enroll_now(const std::string& phone) {
    EnrollInput input{phone, state_.birthday_month, state_.consent_privacy,
                      state_.consent_marketing, state_.pending_card_uid};
    const auto session = state_.session;
    const auto* cfg = &config_;
    post([this, session, cfg, input](Engine& e) {
        auto r = enroll_member(e, *cfg, input, worker_->hub());
        // An enrollment campaign's welcome is shown on the new member's home.
        auto messages = r ? take_kiosk_messages(e, r->member.id) : std::vector<std::string>{};
        worker_->post_update([session, r, messages](UiState& s) {
            if (s.session != session) return;
            s.busy = false;
            s.sms_purpose.clear();
            if (!r) {
                s.notice = r.error().code == Errc::conflict
                               ? Notice{"error.phone_taken", r.error().message, true}
                               : notice_for(r.error());
                // Back on the form, its number still typed (log in instead, or another).
                if (s.screen == Screen::sms_code) {
                    s.screen = Screen::enroll;
                    s.keypad = s.phone_typed;
                }
                return;
            }
            s.member = r->member;
            s.new_card_number = r->card_number;
            s.kiosk_messages = messages;
            s.pending_card_uid.reset();
            s.keypad.clear();
            // Already a member at another store: welcomed back, not enrolled twice.
            s.notice = r->linked ? Notice{"notice.linked", "", false} : Notice{};
            s.screen = Screen::enroll_done;
        });
    });
}

void KioskController::forgot_pin() {
    if (state_.phone_typed.empty()) return;
    state_.keypad.clear();
    if (!config_.link) {  // no member hub, no SMS: only the staff can help
        state_.notice = {"error.sms_unavailable", "", true};
        return;
    }
    const auto session = state_.session;
    const auto* cfg = &config_;
    const auto phone = state_.phone_typed;
    post([this, session, cfg, phone](Engine& e) {
        // No code for a number that has no member here: a PIN is this store's.
        auto here = phone_member_here(e, *cfg, phone);
        if (!here.key.empty()) {
            worker_->post_update([session, here](UiState& s) {
                if (s.session != session) return;
                s.busy = false;
                s.notice = here;
            });
            return;
        }
        worker_->post_update([this, session](UiState& s) {
            if (s.session != session) return;
            s.busy = false;
            send_code(sync::sms_purpose::pin_reset);
        });
    });
}

void KioskController::resend_sms_code() {
    if (state_.screen != Screen::sms_code || state_.sms_purpose.empty()) return;
    send_code(state_.sms_purpose);
}

void KioskController::send_code(const std::string& purpose) {
    const auto session = state_.session;
    const auto* cfg = &config_;
    const auto phone = state_.phone_typed;
    post([this, session, cfg, phone, purpose](Engine& e) {
        auto step = send_phone_code(e, *cfg, phone, purpose, worker_->hub());
        worker_->post_update([this, session, step, purpose, phone](UiState& s) {
            if (s.session != session) return;
            s.busy = false;
            using sync::SmsOutcome;
            const bool joining = purpose == sync::sms_purpose::enroll;
            if (!step.outcome) {
                // No answer: no code, so no join here either. Self-service cannot tell whose
                // phone it is, and a join by a number headquarters knows would hand its member
                // to whoever typed it. The till (a cashier sees the shopper) enrolls offline.
                s.notice = step.notice;
                return;
            }
            switch (*step.outcome) {
                case SmsOutcome::no_gateway:
                    if (joining) return enroll_now(phone);
                    s.notice = {"error.sms_unavailable", "", true};
                    return;
                case SmsOutcome::sent:
                case SmsOutcome::too_soon:  // the code sent a moment ago still works
                    s.sms_purpose = purpose;
                    s.keypad.clear();
                    s.screen = Screen::sms_code;
                    s.notice = {
                        *step.outcome == SmsOutcome::sent ? "notice.sms_sent" : "notice.sms_recent",
                        "",
                        false,
                        {mask_phone_typed(phone)}};
                    return;
                case SmsOutcome::too_many:
                    s.notice = {"error.sms_too_many", "", true};
                    return;
                default:
                    s.notice = {"error.sms_expired", "", true};
                    return;
            }
        });
    });
}

void KioskController::submit_sms_code() {
    if (state_.screen != Screen::sms_code || state_.sms_purpose.empty() || state_.busy) return;
    const auto code = std::exchange(state_.keypad, {});
    if (code.size() != 6) {
        state_.notice = {"error.sms_wrong", "", true};
        return;
    }
    const auto session = state_.session;
    const auto* cfg = &config_;
    const auto phone = state_.phone_typed;
    const auto purpose = state_.sms_purpose;
    post([this, session, cfg, phone, purpose, code](Engine& e) {
        auto step = check_phone_code(e, *cfg, phone, purpose, code, worker_->hub());
        const bool verified = step.outcome == sync::SmsOutcome::verified;
        std::optional<Identified> who;
        if (verified && purpose == sync::sms_purpose::pin_reset)
            who = identify_verified_phone(e, *cfg, phone, worker_->hub());
        worker_->post_update([this, session, step, purpose, phone, who](UiState& s) {
            if (s.session != session) return;
            s.busy = false;
            if (!step.outcome) {
                s.notice = step.notice;
                return;
            }
            if (*step.outcome == sync::SmsOutcome::wrong_code) {
                s.notice = {"error.sms_wrong", "", true};
                return;
            }
            if (*step.outcome != sync::SmsOutcome::verified) {
                s.notice = {"error.sms_expired", "", true};
                return;
            }
            if (purpose == sync::sms_purpose::enroll) return enroll_now(phone);
            s.sms_purpose.clear();
            if (!who || !who->member) {
                s.notice = who ? who->notice : Notice{"error.internal", "", true};
                return;
            }
            // Proved: signed in, and straight on to the new PIN.
            s.member = who->member;
            s.keypad.clear();
            s.first_pin.clear();
            s.screen = Screen::set_pin;
            s.notice = {"notice.phone_verified", "", false};
        });
    });
}

void KioskController::open_rewards() {
    if (!state_.member) return;
    const auto session = state_.session;
    const auto* cfg = &config_;
    const auto available = state_.member->available;
    post([this, session, cfg, available](Engine& e) {
        auto list = load_rewards(e, cfg->program, available);
        worker_->post_update([session, list](UiState& s) {
            if (s.session != session) return;
            s.busy = false;
            s.rewards = list;
            s.notice = {};
            s.screen = Screen::rewards;
        });
    });
}

void KioskController::start_set_pin() {
    if (!state_.member) return;
    state_.keypad.clear();
    state_.first_pin.clear();
    state_.notice = {};
    state_.screen = Screen::set_pin;
}

void KioskController::submit_new_pin() {
    if (!state_.member || state_.busy) return;
    const auto typed = std::exchange(state_.keypad, {});
    if (typed.size() < 4 || typed.size() > 8) {
        state_.first_pin.clear();
        state_.notice = {"error.pin_length", "", true};
        return;
    }
    if (state_.first_pin.empty()) {  // now the same again
        state_.first_pin = typed;
        state_.notice = {};
        return;
    }
    if (typed != std::exchange(state_.first_pin, {})) {
        state_.notice = {"error.pin_mismatch", "", true};
        return;
    }
    const auto session = state_.session;
    const auto member = state_.member->id;
    post([this, session, member, typed](Engine& e) {
        auto set = e.members().set_pin(member, typed);
        worker_->post_update([session, set](UiState& s) {
            s.busy = false;
            if (s.session != session) return;
            if (!set) {
                s.notice = notice_for(set.error());
                return;
            }
            s.notice = {"notice.pin_set", "", false};
            s.screen = Screen::member_home;
        });
    });
}

void KioskController::open_wallet() {
    if (!state_.member) return;
    state_.notice = {};
    // One coupon: straight to its QR, the till's scanner is what the shopper came for.
    if (state_.member->coupons.size() == 1) return show_coupon(state_.member->coupons.front());
    state_.screen = Screen::wallet;
}

void KioskController::show_coupon(const CouponView& coupon) {
    if (!state_.member) return;
    state_.last_coupon = coupon;
    state_.coupon_from_wallet = true;
    state_.notice = {};
    state_.screen = Screen::coupon;
}

void KioskController::choose_reward(const RewardView& reward) {
    if (!reward.affordable) {
        state_.notice = {"error.insufficient_points", "", true};
        return;
    }
    state_.chosen_reward = reward;
    state_.notice = {};
    state_.screen = Screen::redeem_confirm;
}

void KioskController::confirm_redeem() {
    if (!state_.member || !state_.chosen_reward || state_.busy) return;
    const auto session = state_.session;
    const auto* cfg = &config_;
    const auto member = state_.member->id;
    const auto code = state_.chosen_reward->code;
    // One key per confirmation tap: a double tap or a retry after a timeout redeems once. The
    // start time keeps a restarted kiosk's keys (and the hub's hold ids) from repeating.
    const auto key = "kiosk:" + state_.member->uid + ":" + std::to_string(started_ms_) + ":" +
                     std::to_string(state_.session) + ":" + std::to_string(++redeem_serial_);
    auto printer = printer_;
    post([this, session, cfg, member, code, key, printer](Engine& e) {
        auto redeemed = redeem_reward(e, *cfg, member, code, key, worker_->hub());
        auto view = load_member_view(e, *cfg, member, worker_->hub());
        const auto& coupon = redeemed.coupon;
        // The coupon is printed as it is shown; the screen offers a reprint.
        std::optional<Result<void>> printed;
        if (coupon && printer) {
            auto job = coupon_job(*coupon);
            printed = job ? printer->print(*job) : Result<void>(job.error());
        }
        worker_->post_update([session, redeemed, view, printed](UiState& s) {
            if (s.session != session) return;
            s.busy = false;
            if (view) s.member = *view;
            if (!redeemed.coupon) {
                s.notice = redeemed.refused;
                s.screen = Screen::rewards;
                return;
            }
            s.last_coupon = *redeemed.coupon;
            s.coupon_from_wallet = false;
            s.notice = {};
            if (printed)
                s.notice = *printed ? Notice{"notice.printed", "", false}
                                    : Notice{"error.printer", printed->error().message, true};
            s.screen = Screen::coupon;
        });
    });
}

void KioskController::start_link_card() {
    go(Screen::link_card);
}
void KioskController::link_pending_card() {
    if (!state_.member || !state_.pending_card_uid) return;
    devices::ScanEvent scan{"kiosk", devices::ScanKind::card_uid, *state_.pending_card_uid, {}};
    state_.pending_card_uid.reset();
    state_.screen = Screen::link_card;
    on_scan(scan);
}

void KioskController::open_claim(ReadReceipt receipt) {
    std::random_device random;
    char id[24];
    std::snprintf(id, sizeof id, "c%08x%08x", random(), random());
    state_.claim_draft = ClaimDraft{std::move(receipt), id};
    state_.notice = {};
    go(Screen::claim_confirm);
}

void KioskController::start_typed_claim() {
    if (!state_.member || !state_.mall_claims) return;
    ReadReceipt typed;
    typed.source = ReceiptSource::keyed;
    open_claim(std::move(typed));
    state_.claim_step = 0;
    go(Screen::claim_entry);
}

void KioskController::submit_claim_step() {
    if (!state_.claim_draft || !state_.mall_claims) return;
    auto& r = state_.claim_draft->receipt;
    const auto typed = state_.keypad;
    switch (state_.claim_step) {
        case 0:
            if (!state_.mall_claims->shop(typed)) {
                state_.notice = {"error.claim_shop_unknown", typed, true};
                return;
            }
            r.shop = typed;
            break;
        case 1:
            if (typed.empty()) {
                state_.notice = {"error.claim_receipt_empty", "", true};
                return;
            }
            r.receipt = typed;
            break;
        case 2:
            // Typed as a card terminal takes it: the last two digits are jiao and fen.
            if (typed.empty() || typed.size() > 10 || std::stoll(typed) <= 0) {
                state_.notice = {"error.claim_amount_empty", "", true};
                return;
            }
            r.amount = Money{std::stoll(typed)};
            break;
        default: {
            const auto date = parse_receipt_date(typed);
            if (!date) {
                state_.notice = {"error.claim_date", "", true};
                return;
            }
            r.date = *date;
            go(Screen::claim_confirm);
            return;
        }
    }
    ++state_.claim_step;
    state_.keypad.clear();
    state_.notice = {};
    prefill_claim_step();
}

void KioskController::back_claim_step() {
    state_.keypad.clear();
    state_.notice = {};
    if (state_.claim_step == 0) {
        discard_photo(state_.claim_draft);
        state_.claim_draft.reset();
        go(Screen::claim);
        return;
    }
    --state_.claim_step;
    prefill_claim_step();
}

void KioskController::pick_claim_shop(const std::string& shop_code) {
    if (state_.claim_draft) state_.claim_draft->receipt.shop = shop_code;
    state_.notice = {};
}

void KioskController::cancel_claim() {
    discard_photo(state_.claim_draft);
    state_.claim_draft.reset();
    state_.notice = {};
    go(Screen::member_home);
}

void KioskController::submit_claim() {
    if (!state_.member || !state_.claim_draft) return;
    if (!state_.claim_draft->receipt.shop) {
        state_.notice = {"error.claim_pick_shop", "", true};
        return;
    }
    const auto session = state_.session;
    const auto* cfg = &config_;
    const auto member = state_.member->id;
    post([this, session, cfg, member, draft = *state_.claim_draft](Engine& e) {
        auto claimed = submit_receipt_claim(e, cfg->program, member, draft);
        // A refused claim keeps nothing: its photo goes with it (a missing shop is asked for, and
        // the draft stays).
        if (!claimed && claimed.error().code != Errc::not_found) discard_photo(draft);
        auto view = load_member_view(e, *cfg, member, worker_->hub());
        worker_->post_update([session, claimed, view](UiState& s) {
            if (s.session != session) return;
            s.busy = false;
            if (view) s.member = *view;
            if (!claimed) {
                s.notice = claim_refusal_notice(claimed.error());
                // A refusal the shopper cannot fix here ends the claim; a missing shop does not.
                if (claimed.error().code != Errc::not_found) {
                    s.claim_draft.reset();
                    s.screen = Screen::member_home;
                }
                return;
            }
            s.claim_draft.reset();
            s.screen = Screen::member_home;
            if (claimed->claim.status == ClaimStatus::pending)
                s.notice = {"notice.claim_pending", "", false};
            else {
                s.last_claimed = claimed->claim.points;
                s.notice = {"notice.claimed", {}, false, {std::to_string(claimed->claim.points)}};
            }
        });
    });
}

void KioskController::start_claim() {
    go(Screen::claim);
}

void KioskController::done() {
    // "Done" clears the shopper from the screen at once; only the member's id is
    // kept, privately, so the rating that follows can run rating campaigns.
    const MemberId who = state_.member ? state_.member->id : 0;
    clear_shopper();  // still at the kiosk, in their language, for the rating
    rating_member_ = who;
    state_.screen = Screen::rating;
}

void KioskController::rate(int stars) {
    const auto* cfg = &config_;
    const MemberId member = rating_member_;
    clear_shopper();  // still at the kiosk, in their language, for the rating
    state_.rating = stars;
    state_.screen = Screen::thanks;
    const auto session = state_.session;
    post([this, cfg, stars, member, session](Engine& e) {
        // One rating, anonymous or the member's (whose rating campaigns fire); the closing
        // report counts both.
        auto bonus = record_rating(
            e, cfg->program, member != 0 ? std::optional<MemberId>(member) : std::nullopt, stars);
        const Points awarded = bonus ? *bonus : 0;
        worker_->post_update([session, awarded](UiState& s) {
            s.busy = false;
            if (s.session == session) s.rating_points = awarded;
        });
    });
}

void KioskController::end_session() {
    clear_shopper();
    state_.lang = config_.default_lang;  // the next person starts in the kiosk's language
}

void KioskController::clear_shopper() {
    // A receipt photographed and then walked away from is nobody's (one being submitted now is
    // the claim's: busy).
    if (!state_.busy) discard_photo(state_.claim_draft);
    const auto next = state_.session + 1;
    const auto busy = state_.busy;
    const auto lang = state_.lang;
    auto out_of_service = std::move(state_.out_of_service);
    const auto offline = state_.offline;  // the link's state, not the shopper's
    auto offline_as_of = std::move(state_.offline_as_of);
    auto mall_claims = std::move(state_.mall_claims);  // the program's, not the shopper's
    const bool parking_offered = state_.parking_offered;
    auto program_name = std::move(state_.program_name);
    auto program_names = std::move(state_.program_names);
    state_ = UiState{};
    state_.program_name = std::move(program_name);
    state_.program_names = std::move(program_names);
    state_.mall_claims = std::move(mall_claims);
    state_.parking_offered = parking_offered;
    state_.session = next;
    state_.out_of_service = std::move(out_of_service);
    state_.offline = offline;
    state_.offline_as_of = std::move(offline_as_of);
    state_.lang = lang;
    state_.busy = busy;
    manager_signed_in_ = false;
    rating_member_ = 0;
}

}  // namespace loyalty::kiosk
