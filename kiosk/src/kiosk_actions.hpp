#pragma once
// The kiosk's engine-side work, run on the engine worker: each function reads
// or changes the store database and returns plain values for the screens.
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "kiosk_state.hpp"
#include "loyalty/devices/scan_event.hpp"
#include "loyalty/engine.hpp"
#include "loyalty/receipt_claims.hpp"
#include "loyalty/signed_codes.hpp"
#include "loyalty/sync/link_config.hpp"
#include "loyalty/sync/terminal_hub.hpp"

namespace loyalty::kiosk {

struct KioskConfig {
    std::string program = "DEMO";
    // Other programs the same shopper may belong to (found by their phone): their balances show
    // on the member home, and their member codes sign the shopper in to `program`.
    std::vector<std::string> also_programs;
    Origin origin;  // the store and terminal this kiosk's events are booked under
    TrustedKeys trusted_keys;
    int member_code_validity_seconds = 60;
    std::string manager_id = "M001";
    // The language each shopper's session starts in; the last shopper's choice does not stay.
    std::string default_lang = "zh-CN";
    std::filesystem::path backup_dir;    // empty: beside the database
    std::filesystem::path export_dir;    // empty: beside the database
    std::filesystem::path mounts_table;  // where a plugged-in USB stick shows up (see AppOptions)
    std::vector<std::filesystem::path> removable_media_roots;
    // Shoppers are told the kiosk is offline once headquarters has been out of reach this long.
    std::chrono::seconds offline_banner_after{60};
    // A decided claim's receipt photo is deleted this long after the decision (personal data
    // kept while a manager may need it); a claim waiting for review keeps it.
    int photo_keep_days = 90;
    // The store's link settings (link_config): members unknown here are asked at the member
    // hub, spends are cleared with it. None: this store's database alone.
    std::optional<sync::AgentConfig> link;
};

// What a scan means on the identify path.
struct Identified {
    std::optional<MemberView> member;
    std::optional<std::string> unknown_card_uid;  // a card no one owns yet
    Notice notice;                                // set when neither
    // Another program's card or code whose phone has a member here: that member's PIN is
    // asked before anything is shown (the phone, not a PIN, is all the two have in common).
    std::optional<std::string> pin_for_phone{};
};

// `hub` (null without a link configuration): a card, code or phone unknown here is
// looked up at the member hub, and the member it knows is kept here.
Identified identify_scan(Engine& engine, const KioskConfig& config, const devices::ScanEvent& scan,
                         sync::TerminalHub* hub);
Identified identify_phone_pin(Engine& engine, const KioskConfig& config, const std::string& phone,
                              const std::string& pin, sync::TerminalHub* hub);
// Phone ownership by a one-time SMS code, through the member hub (which sends it). The
// outcome, or a notice: no hub configured or reachable (offline: no code), a malformed phone.
struct PhoneCodeStep {
    std::optional<sync::SmsOutcome> outcome;
    Notice notice{};
};
PhoneCodeStep send_phone_code(Engine& engine, const KioskConfig& config, const std::string& phone,
                              const std::string& purpose, sync::TerminalHub* hub);
PhoneCodeStep check_phone_code(Engine& engine, const KioskConfig& config, const std::string& phone,
                               const std::string& purpose, const std::string& code,
                               sync::TerminalHub* hub);
// The member of this store with the phone, once an SMS code proved it is the shopper's
// (a PIN reset signs them in to choose the new PIN).
Identified identify_verified_phone(Engine& engine, const KioskConfig& config,
                                   const std::string& phone, sync::TerminalHub* hub);
// Before a PIN reset: whether this store has a member with the phone (no code otherwise).
Notice phone_member_here(Engine& engine, const KioskConfig& config, const std::string& phone);
// With `hub`, the view says when headquarters last sent the member's balance, if not lately.
// The shopper's cards in the kiosk's also_programs (found by the member's phone) come with it.
Result<MemberView> load_member_view(Engine& engine, const KioskConfig& kiosk, MemberId id,
                                    sync::TerminalHub* hub);
std::vector<RewardView> load_rewards(Engine& engine, const std::string& program, Points available);

// A redeemed reward's coupon, or why not (the notice the shopper reads).
struct Redemption {
    std::optional<CouponView> coupon;
    Notice refused{};
};
// With `hub`, the points are cleared with headquarters first (a hold its event captures),
// or, when it does not answer, within the store's offline limit; the hold goes back if the
// redemption then fails.
Redemption redeem_reward(Engine& engine, const KioskConfig& config, MemberId member,
                         const std::string& reward_code, const std::string& idempotency_key,
                         sync::TerminalHub* hub);

struct EnrollInput {
    std::string phone;
    int birthday_month = 0;
    bool consent_privacy = false;
    bool consent_marketing = false;
    std::optional<std::string> card_uid;  // an unknown card tapped before enrolling
};
struct Enrolled {
    MemberView member;
    std::string card_number;
    bool linked = false;  // the phone was a member of another store: that member, not a new one
};
// With `hub`, a phone this store does not know but the hub does is that member, linked here
// (a card tapped before becomes theirs); nobody is enrolled twice.
Result<Enrolled> enroll_member(Engine& engine, const KioskConfig& config, const EnrollInput& input,
                               sync::TerminalHub* hub);
// A physical card (by its NFC UID) becomes this member's, active at once.
Result<void> link_card(Engine& engine, const std::string& program, MemberId member,
                       const std::string& card_uid);
// A receipt's signed code gives its sale's points to the member, once.
// The program's receipt-claim rules when it has shops to claim for (a mall's); nothing otherwise.
std::optional<ReceiptClaimRules> mall_claim_rules(Engine& engine, const std::string& program);
Result<ClaimOutcome> submit_receipt_claim(Engine& engine, const std::string& program,
                                          MemberId member, const ClaimDraft& draft);
// What the shopper reads when a claim is refused: the rule that refused it.
Notice claim_refusal_notice(const Error& error);

Result<SaleResult> claim_receipt(Engine& engine, const KioskConfig& config, MemberId member,
                                 const std::string& code);
// A rating after the visit, anonymous or the member's who just pressed Done (their
// rating campaigns fire): returns the bonus points those campaigns awarded.
Result<Points> record_rating(Engine& engine, const std::string& program,
                             std::optional<MemberId> member, int rating);
// The texts campaigns left for the member's next kiosk visit; they are marked
// shown as they are taken, so the next visit does not repeat them.
std::vector<std::string> take_kiosk_messages(Engine& engine, MemberId member);

Result<StaffMember> manager_login(Engine& engine, const KioskConfig& config,
                                  const std::string& pin);
ClosingReport closing_report(Engine& engine, const std::string& program);
// The report for head office: a CSV of the figures and an HTML page with the same chart.
Result<std::filesystem::path> export_closing_csv(const ClosingReport& report,
                                                 const std::filesystem::path& dir);
Result<std::filesystem::path> export_closing_html(const ClosingReport& report,
                                                  const std::filesystem::path& dir);
// A file's modification time in local time ("" when it cannot be read).
std::string file_time_local(const std::filesystem::path& file, int utc_offset_minutes);
// The program's offset from UTC in minutes (0 for an unknown program).
int program_utc_offset(Engine& engine, const std::string& program);
HealthView health_view(Engine& engine, const std::string& program,
                       const std::filesystem::path& backup_dir);
// A checked copy of the store database into dir (the nightly backup's naming and pruning).
Result<std::filesystem::path> run_backup(Engine& engine, const std::filesystem::path& dir);
// SQLite's integrity check of the store database: "ok" or its first complaints.
Result<std::string> check_integrity(Engine& engine);

// Whether shoppers should be told the kiosk works offline: headquarters out of reach for
// config.offline_banner_after. `as_of`: local time of the last word from it ("" never).
struct LinkStatus {
    bool offline = false;
    std::string as_of;
};
LinkStatus link_status(Engine& engine, const KioskConfig& config, sync::TerminalHub* hub);

// Turns an engine error into a message key the translations know.
Notice notice_for(const Error& error);

}  // namespace loyalty::kiosk
