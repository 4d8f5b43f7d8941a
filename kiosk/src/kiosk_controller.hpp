#pragma once
// The kiosk's behaviour without pixels: the UI state, the intents a screen can
// send, and how scans and engine results change the state. Screens call these;
// the engine work goes to the worker, so none of them blocks.
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "engine_worker.hpp"
#include "kiosk_actions.hpp"
#include "kiosk_state.hpp"
#include "loyalty/devices/camera_runner.hpp"
#include "loyalty/devices/escpos.hpp"
#include "loyalty/devices/scan_event.hpp"
#include "loyalty/devices/scan_queue.hpp"
#include "loyalty/kiosk/app.hpp"
#include "receipt_photo.hpp"

namespace loyalty::kiosk {

using SteadyTime = std::chrono::steady_clock::time_point;

class KioskController {
  public:
    KioskController(KioskConfig config, std::filesystem::path db_path, std::function<void()> wake,
                    std::chrono::seconds idle_timeout);

    UiState& state() { return state_; }
    const UiState& state() const { return state_; }
    EngineWorker& worker() { return *worker_; }
    const KioskConfig& config() const { return config_; }

    // Applies what the worker finished; true if anything changed.
    bool apply_updates();
    void on_scan(const devices::ScanEvent& scan);
    // Any touch restarts the idle timer.
    void touched(SteadyTime now) { last_activity_ = now; }
    // Back to attract, nothing of the shopper left, once the idle time has passed.
    bool check_idle(SteadyTime now);
    // Every few seconds: whether headquarters is out of reach (the shoppers' offline banner).
    void check_link(SteadyTime now);
    std::chrono::milliseconds until_idle(SteadyTime now) const;

    // Intents.
    void go(Screen screen);
    void toggle_language();
    void keypad_press(char digit);
    void keypad_erase();
    void submit_phone();
    void submit_pin();
    void start_enroll();
    void submit_enroll();
    void login_instead();
    // Phone sign-in without the PIN: a code by SMS to the phone proves it, then a new PIN.
    void forgot_pin();
    void submit_sms_code();
    void resend_sms_code();  // joining with a phone that is already a member's: sign in with it
    // The program's privacy and marketing terms, in the shopper's language; back to the form
    // as it was left.
    void open_terms();
    void close_terms();
    void toggle_privacy_consent();  // ticking it clears the "please agree" error
    void toggle_marketing_consent();
    void open_rewards();
    void open_wallet();
    // A PIN for signing in by phone next time, typed twice (4 to 8 digits).
    void start_set_pin();
    void submit_new_pin();
    void show_coupon(const CouponView& coupon);  // one of the wallet's, with its QR
    void choose_reward(const RewardView& reward);
    void confirm_redeem();
    void start_link_card();
    void link_pending_card();  // an unknown card tapped before identifying
    void start_claim();
    // A mall receipt read from its QR: confirm it (picking the shop when the code does not say)
    // and submit it as a claim.
    void pick_claim_shop(const std::string& shop_code);
    // The receipt typed instead: shop code, receipt number, amount, date, one keypad step each;
    // then the same confirmation.
    void start_typed_claim();
    void submit_claim_step();
    void back_claim_step();
    void submit_claim();
    void cancel_claim();
    // Parking (停车缴费, parking_intents.cpp): a saved plate chosen or a new one typed (province,
    // then letters and digits) and saved on the member, or one removed; today's free minutes
    // and hours bought with points credited to it (one credit id per choice, so a second tap or
    // a retry books once), then what it got.
    void open_parking();
    void choose_plate(const std::string& plate);
    void start_plate_entry();
    void plate_province(const std::string& province);
    void plate_key(char c);
    void plate_erase();
    void toggle_all_provinces();
    void save_plate();
    void cancel_plate_entry();
    void remove_plate();
    void parking_hours(int delta);
    void confirm_parking();
    // The receipt photographed instead: the camera's current frame is saved as the claim's photo
    // and read by OCR on the engine worker; the typed steps come back pre-filled to check.
    void photograph_receipt();
    // Why the photo button cannot be used (a translation key: no camera, OCR not installed, the
    // camera down); "" when it can. No camera at all: the button is not shown.
    std::string photo_problem() const;
    bool has_camera() const { return static_cast<bool>(capture_); }
    void set_camera(
        std::function<Result<devices::CapturedFrame>(std::chrono::milliseconds)> capture,
        std::function<bool()> streaming) {
        capture_ = std::move(capture);
        camera_streaming_ = std::move(streaming);
    }
    void done();  // the shopper is finished: ask for a rating
    void rate(int stars);
    void end_session();  // clears everything the shopper left, the language too
    void start_manager();
    // The manager's entry is no public button: a finger held on the kiosk's name for
    // kManagerHold (app.hpp) opens the PIN screen; a shopper's tap there does nothing.
    void manager_corner_pressed();
    void manager_corner_released();
    void set_clock(std::function<SteadyTime()> now) { now_ = std::move(now); }
    void submit_manager_pin();
    void refresh_closing();
    void export_closing();
    void refresh_health();
    void run_backup_now();
    void run_integrity_check();
    // The receipt claims waiting for review (manager only), decided under the kiosk's manager
    // id: the list, a page on or back, a claim's photo large, approval, and rejection with a
    // reason picked from a short list (`reason`: its text in each language, as stored).
    void open_claim_review();
    void review_page(std::size_t page);
    void enlarge_review_photo(std::int64_t id);  // 0: back to the list
    void approve_claim(std::int64_t id);
    void ask_reject_claim(std::int64_t id);  // 0: back to the list
    void reject_claim(std::int64_t id, const std::string& reason);
    // The review list draws a claim's photo: decoded on the worker, once per claim.
    void want_review_photo(std::int64_t id);
    // The manager closes the kiosk: asks to confirm, then the app's loop ends (exit code 0).
    // The only way out of a locked kiosk; nothing happens unless the manager is signed in.
    void ask_quit();
    void confirm_quit();
    void cancel_quit();
    bool quit_requested() const { return quit_requested_; }
    void set_scans_dropped(std::size_t n) { scans_dropped_ = n; }
    // The receipt printer (none: the print buttons are hidden) and the USB readers attached.
    void set_printer(std::shared_ptr<devices::ReceiptPrinter> printer) {
        printer_ = std::move(printer);
    }
    bool has_printer() const { return printer_ != nullptr; }
    void set_attached_devices(std::function<std::vector<std::string>()> attached) {
        attached_ = std::move(attached);
    }
    // Devices that report a state of their own (the camera): shown on the health screen with it.
    void set_device_states(std::function<std::vector<DeviceHealth>()> states) {
        device_states_ = std::move(states);
    }
    void print_coupon();
    void print_closing();
    bool manager_signed_in() const { return manager_signed_in_; }

  private:
    // Receipt photos past their kept days deleted, on the worker (photo_retention.hpp).
    void forget_old_photos_later();
    // The shopper's member, screens and answers gone; the language stays (rating, thanks).
    void clear_shopper();
    void post(std::function<void(Engine&)> task);
    std::chrono::seconds timeout() const;
    // Called on the worker: the session is the one the request was made in.
    // Also takes the member's pending kiosk messages, still on the worker.
    void identified(Engine& engine, Identified result, std::uint64_t session);
    void open_claim(ReadReceipt receipt);
    // Joins with what the enroll screen holds (the phone in phone_typed once a code was asked).
    void enroll_now(const std::string& phone);
    // Asks the hub to text a code to phone_typed for the purpose; the code screen follows.
    void send_code(const std::string& purpose);
    // After a decision: the queue read again (photos already decoded kept), the notice set.
    void decided(Engine& engine, std::uint64_t session, Notice notice);

    KioskConfig config_;
    std::filesystem::path db_path_;
    UiState state_;
    // Used by the worker's tasks only, so destroyed after the worker (declared before it).
    std::unique_ptr<ReceiptPhotoReader> photo_reader_ = std::make_unique<ReceiptPhotoReader>();
    std::unique_ptr<EngineWorker> worker_;
    std::chrono::seconds idle_timeout_;
    std::function<SteadyTime()> now_ = [] { return std::chrono::steady_clock::now(); };
    std::optional<SteadyTime> corner_down_;
    std::optional<SteadyTime> next_link_check_;
    SteadyTime last_activity_ = std::chrono::steady_clock::now();
    std::map<std::string, DeviceHealth> devices_;
    std::set<std::int64_t> photos_requested_;  // review photos asked of the worker
    std::function<Result<devices::CapturedFrame>(std::chrono::milliseconds)> capture_;
    std::function<bool()> camera_streaming_;
    std::string ocr_unavailable_;  // why OCR could not be opened, once it was tried
    // The keypad of claim_entry's step, from a photographed draft (its pre-filled fields).
    void prefill_claim_step();
    std::size_t scans_dropped_ = 0;
    std::string last_backup_;
    std::shared_ptr<devices::ReceiptPrinter> printer_;
    std::function<std::vector<std::string>()> attached_;
    std::function<std::vector<DeviceHealth>()> device_states_;
    void print(std::function<Result<std::vector<std::uint8_t>>()> make_job);
    bool manager_signed_in_ = false;
    bool quit_requested_ = false;
    int redeem_serial_ = 0;
    // When this kiosk started (unix ms): part of each redemption's key.
    std::int64_t started_ms_ = std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count();
    // Who pressed Done, kept off the screen and out of the state until the rating
    // that follows (or its skip, or the idle timeout): rating campaigns need the member.
    MemberId rating_member_ = 0;
};

}  // namespace loyalty::kiosk
