#pragma once
// What the screens draw: plain values the engine worker fills in and the UI
// thread owns. Nothing here touches SQLite; the UI never waits on the engine.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "loyalty/coupon_benefits.hpp"
#include "loyalty/day_report.hpp"
#include "loyalty/local_names.hpp"
#include "loyalty/members.hpp"
#include "loyalty/money.hpp"
#include "loyalty/program_config.hpp"
#include "loyalty/receipt_codes.hpp"
#include "loyalty/stored_value.hpp"
#include "parking_view.hpp"

namespace loyalty::kiosk {

enum class Screen {
    attract,
    phone_entry,  // identify by phone: number, then PIN
    pin_entry,
    unknown_card,  // a card no one owns: enroll with it or link it
    member_home,
    rewards,
    redeem_confirm,
    coupon,    // a coupon's QR and code: just redeemed, or chosen in the wallet
    wallet,    // the member's unused coupons
    set_pin,   // a new member chooses a PIN for phone sign-in: typed, then again
    sms_code,  // the one-time code sent by SMS to the phone typed (joining, a PIN reset)
    enroll,
    terms,  // the privacy and marketing terms, read from the join form
    enroll_done,
    link_card,      // waiting for the card to link to the member
    claim,          // waiting for a receipt's QR
    claim_confirm,  // a mall receipt, read or typed: the shop to pick if it did not say, then
                    // submit
    claim_entry,    // a mall receipt typed on the keypad: shop code, number, amount, date
    rating,
    thanks,
    manager_pin,
    manager_closing,
    manager_health,
    manager_claims,  // the receipt claims waiting for review: approve, or reject with a reason
    manager_quit_confirm,  // the manager asked to close the kiosk: confirm or go back
    parking,               // 停车缴费: the member's plates, today's free minutes, hours to buy
    parking_plate,         // a new plate typed: its province, then letters and digits
    parking_done,          // what was credited to which plate
};
const char* to_string(Screen s);

// A receipt photo decoded off the UI thread (RGBA, scaled down to what a screen shows); the
// screen turns it into a texture when it first draws it.
struct PhotoPixels {
    int width = 0, height = 0;
    std::vector<unsigned char> rgba;
};

// What OCR read off a receipt photo (each field when it read one). What the shopper finally
// submits is compared with it: a claim that disagrees waits for a manager's review.
struct OcrRead {
    std::string shop_name;  // as printed ("" when none)
    std::optional<std::string> receipt;
    std::optional<Money> amount;
    std::optional<std::string> date;  // YYYY-MM-DD
};

// A mall receipt on its way to becoming a claim: what its QR said, and the id its submission
// goes under (the same id again is answered, never booked twice). A photographed receipt also
// has its photo (saved as claim-photos/<request_id>.png beside the database) and what OCR read.
struct ClaimDraft {
    ReadReceipt receipt;
    std::string request_id;
    std::string photo{};
    std::optional<OcrRead> ocr{};
    std::shared_ptr<const PhotoPixels> photo_pixels{};  // the photo, for the confirmation
};

struct CouponView {
    std::string code;
    std::string title;
    Money value;
    std::string expires;      // local date, "2026-12-31"
    CouponBenefit benefit{};  // shown as "9折", "满300减50" beside the title
    LocalNames titles{};      // a reward's coupon: its name in each language
};

// The same shopper's card in another program the kiosk knows (a brand's club at a mall's
// kiosk): its balance and tier as this store's database has them.
struct OtherCard {
    std::string program;
    LocalNames program_names{};  // the program's name in each language
    std::string program_name;    // in its own language
    std::string tier_name;
    LocalNames tier_names{};
    Points available = 0;
    Points expiring_30d = 0;
};

struct MemberView {
    MemberId id = 0;
    std::string uid;
    std::string masked_name;
    std::string masked_phone;
    std::string tier_code;
    std::string tier_name;
    Points available = 0;
    Points pending = 0;
    Points expiring_30d = 0;
    // The balance is the program's (every store's), as headquarters last sent it plus what
    // this store did since. When that was over 10 minutes ago: its local time
    // ("2026-12-04 14:05"); never, while the kiosk has a link: balance_unconfirmed.
    std::string balance_as_of{};
    bool balance_unconfirmed = false;
    std::optional<std::string> next_tier_name;
    bool tier_by_points = false;      // the tiers count points earned, not spend
    std::int64_t qualifying = 0;      // minor units of spend (or points)
    std::int64_t next_threshold = 0;  // what the next tier needs in total
    int next_multiplier_percent = 0;  // what the next tier unlocks
    int next_discount_percent = 0;
    int next_parking_minutes = 0;
    // The tiers' names in each language the program gives (tier_name: its own).
    LocalNames tier_names{};
    LocalNames next_tier_names{};
    std::vector<CouponView> coupons;
    // Stored value (储值), shown when the program takes it: what the member may pay
    // with at any till, bonus money included.
    std::optional<SvBalance> stored_value{};
    std::vector<OtherCard> other_cards{};  // KioskConfig::also_programs the shopper belongs to
    std::string program_name{};            // this program's, to tell its balance from theirs
    LocalNames program_names{};
};

struct RewardView {
    std::string code;
    std::string name;
    Points cost = 0;
    bool affordable = false;
    LocalNames names{};
};

struct TierCount {
    std::string name;
    std::int64_t members = 0;
    LocalNames names{};
};

struct TopMember {
    std::string masked_name;
    Money spend;
};

// The manager's end-of-day figures for the local day.
struct ClosingReport {
    std::string day;
    std::int64_t sales = 0, member_sales = 0;
    Money sales_net, member_sales_net;
    Points issued = 0, redeemed = 0, expired = 0;
    Points liability = 0;     // available + pending over all active members
    Money liability_value{};  // the same at the program's point value
    std::int64_t enrollments = 0;
    std::vector<TierCount> tiers;
    std::int64_t ratings = 0;
    double average_rating = 0;  // a display figure, not money
    std::vector<TopMember> top;
    std::vector<DayReport::Hour> hours;  // the day's trade by local hour (24)
    std::string exported_to;             // CSV path after an export
    SvDaySummary stored_value{};
};

struct DeviceHealth {
    std::string source;
    std::optional<Timestamp> seen_at;  // its last scan; none: attached, nothing scanned yet
    std::int64_t scans = 0;
    std::string last_seen{};  // seen_at in the program's local time, for the screen
    // A camera's: off, starting, streaming, failed or disconnected (empty for a reader), the
    // latest failure, frames it delivered and frames decoded (the pacer skips the rest).
    std::string state{};
    std::string error{};
    std::int64_t frames = 0;
    std::int64_t decoded = 0;
};

struct HealthView {
    std::int64_t outbox_backlog = 0;
    // Local times ("2026-12-05 14:03"), as the manager reads them.
    std::string oldest_pending;    // empty: nothing waiting
    std::string last_hub_contact;  // the hub's time of its last acknowledgement; empty: never
    std::int64_t db_bytes = 0;
    std::string last_backup;       // path, or empty
    std::string last_backup_time;  // when it was written, local time
    std::string integrity;         // "ok" or SQLite's complaint, empty until run
    std::size_t scans_dropped = 0;
    std::vector<DeviceHealth> devices;
};

// A receipt claim waiting for the manager's review, as the review list shows it.
struct ReviewClaimView {
    std::int64_t id = 0;
    std::string shop_name;  // the program's own; shop_names: per language
    LocalNames shop_names{};
    std::string receipt;
    Money amount{};
    std::string date;
    std::string member;    // masked name and phone: the manager needs no more to decide
    Points points = 0;     // what approval credits at most
    Money review_above{};  // above the program's review amount (zero: not why it waits)
    std::string ocr_note;  // what the photo's OCR read that the claim disagrees with
    std::string photo;     // its path; "" when none was taken
    std::shared_ptr<const PhotoPixels> photo_pixels;  // null: none, or it cannot be read
};

// The manager's review queue: the claims waiting, the page shown, the claim whose rejection
// reason is being picked and the claim whose photo is shown large (0: none).
struct ClaimReview {
    std::vector<ReviewClaimView> claims;
    std::size_t page = 0;
    std::int64_t rejecting = 0;
    std::int64_t enlarged = 0;
};

// A claim of the member's that a manager rejected (or the hub reversed), told at the
// member's next visit, once.
struct ClaimRefusalView {
    std::string shop_name;
    LocalNames shop_names{};
    std::string receipt;
    Money amount{};
    std::string note;  // the reason; a JSON object of texts by language when the kiosk wrote it
    // Reversed by headquarters (the receipt was claimed first at another kiosk): the hub's note
    // is for staff, so the shopper is told in their language instead.
    bool reversed = false;
};

// A message on the current screen: a translation key plus an optional detail.
struct Notice {
    std::string key;
    std::string detail;
    bool error = false;
    std::vector<std::string> args{};  // the translation's {0}, {1}... when it has any
};

struct UiState {
    // Bumped when a session ends, so a late engine result for the last shopper is dropped.
    std::uint64_t session = 1;
    // Why the kiosk cannot serve (its database is missing or broken); empty when it can.
    std::string out_of_service;
    Screen screen = Screen::attract;
    // Headquarters out of reach for a while: shoppers see a banner, balances "as of" then.
    bool offline = false;
    std::string offline_as_of;  // local time of the last word from headquarters; "" never
    std::string lang = "zh-CN";
    // The kiosk's program's name (its own language; every language's in program_names), read
    // at start: the kiosk is named for it.
    std::string program_name;
    LocalNames program_names{};
    bool busy = false;  // an intent is with the engine worker
    std::optional<MemberView> member;
    std::vector<RewardView> rewards;
    std::optional<RewardView> chosen_reward;
    std::optional<CouponView> last_coupon;
    bool coupon_from_wallet = false;  // the coupon screen goes back to the wallet, not home
    std::string first_pin;            // set_pin: the first entry, until it is typed again
    std::optional<std::string>
        pending_card_uid;     // an unknown card waiting to be enrolled or linked
    std::string keypad;       // digits typed on the keypad
    std::string phone_typed;  // the phone number while the PIN or an SMS code is asked
    // What the SMS code on Screen::sms_code proves the phone for (sync::sms_purpose).
    std::string sms_purpose;
    std::optional<JoinTerms> terms;  // the program's, once opened from the join form
    bool consent_privacy = false;
    bool consent_marketing = false;
    int birthday_month = 0;  // 0: not given
    std::string new_card_number;
    Points last_claimed = 0;
    // The program's receipt rules when it is a mall's (shops to claim for), learned with the
    // member; a receipt read from a QR waiting for the shopper's confirmation.
    std::optional<ReceiptClaimRules> mall_claims;
    std::optional<ClaimDraft> claim_draft;
    // Whether the program offers parking (hours for points or a tier's free minutes): the
    // member home's Parking button; the parking screens' state while they are open.
    bool parking_offered = false;
    std::optional<ParkingView> parking;
    int claim_step = 0;  // claim_entry: 0 shop code, 1 receipt number, 2 amount in fen, 3 date
    bool reading_photo = false;  // the camera's frame is being read (OCR, about a second)
    // What campaigns left for this member's visit (kiosk_message actions), fetched
    // once when the member is identified; the engine marks them shown then.
    std::vector<std::string> kiosk_messages;
    std::vector<ClaimRefusalView> claim_refusals;  // shown with the messages, once
    int rating = 0;
    Points rating_points = 0;  // what rating-triggered campaigns awarded, for the thank-you screen
    std::optional<ClosingReport> report;
    bool closing_shows_tiers = false;  // the report's chart: today by hour, or the tier mix
    std::optional<HealthView> health;
    std::optional<ClaimReview> review;  // loaded at the manager's sign-in, after each decision
    Notice notice;
};

}  // namespace loyalty::kiosk
