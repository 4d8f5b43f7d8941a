#pragma once
// Questions a terminal asks the hub and waits for (PROTOCOL.md, "Requests"): who
// is this member, may they spend these points now, and the end of a hold the
// sale did not use. Online the hub answers within milliseconds; a terminal that
// hears nothing within its timeout works on what it knows, within the limits.
// Every request may arrive twice: the hub answers a repeat as it answered the
// first (an authorization by its id).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "loyalty/result.hpp"
#include "loyalty/sync/messages.hpp"

namespace loyalty::sync {

namespace request_kind {
inline constexpr const char* identify = "identify";
inline constexpr const char* authorize = "authorize";
inline constexpr const char* release = "release";
// May this stored value (fen) leave the member's balance, or a gift card's, now.
inline constexpr const char* authorize_sv = "authorize_sv";
// A one-time code by SMS to the phone (`value`), for `purpose`; then whether the code a
// shopper typed is the one sent. The hub sends it through its SMS gateway (hub.toml [sms]).
inline constexpr const char* sms_code = "sms_code";
inline constexpr const char* sms_check = "sms_check";
}  // namespace request_kind

// What an SMS code proves ownership of the phone for.
namespace sms_purpose {
inline constexpr const char* enroll = "enroll";        // joining with this phone
inline constexpr const char* pin_reset = "pin_reset";  // a new PIN for the phone's member
}  // namespace sms_purpose

struct HubRequest {
    std::string kind;  // identify | authorize | release
    // identify: what was scanned or typed and how the terminal read it: "uid"
    // (a verified member QR code), "phone", "card_number", "card_uid",
    // "barcode", "app_code", or "any" (every kind, phone numbers normalised).
    std::string by;
    std::string value;
    // authorize / release: the terminal's id of the spend ("sale/T01/R-1",
    // "reward/T01/<request id>"); the hub captures the hold when the event of
    // that sale or redemption arrives.
    std::string auth;
    std::string member_uid;
    std::int64_t points = 0;
    // authorize_sv: fen from the member's balance (member_uid), or from a gift card.
    std::int64_t amount = 0;
    std::string card{};
    // sms_code / sms_check: the phone is `value` (E.164, "+8613800138000").
    std::string purpose{};  // sms_purpose
    std::string code{};     // sms_check: the digits the shopper typed
};
std::string encode_request(const HubRequest& request);
Result<HubRequest> decode_request(std::string_view payload);

// Answer statuses.
namespace answer_status {
inline constexpr const char* found = "found";
inline constexpr const char* not_found = "not_found";
inline constexpr const char* blocked = "blocked";
inline constexpr const char* approved = "approved";
inline constexpr const char* declined = "declined";
inline constexpr const char* released = "released";
inline constexpr const char* refused = "refused";    // a malformed or foreign request
inline constexpr const char* sent = "sent";          // sms_code: queued to the gateway
inline constexpr const char* verified = "verified";  // sms_check: the code was right
}  // namespace answer_status

// Why an sms_code or sms_check was declined (HubAnswer::reason), for the screen to say.
namespace sms_reason {
inline constexpr const char* no_gateway = "no_gateway";  // the hub sends no SMS: go on without
inline constexpr const char* too_soon = "too_soon";      // a code went out under a minute ago
inline constexpr const char* too_many = "too_many";      // the hour's codes for this phone used
inline constexpr const char* wrong_code = "wrong_code";
inline constexpr const char* expired = "expired";  // too old, or too many wrong tries: ask anew
}  // namespace sms_reason

struct AnsweredCard {
    std::string number;
    std::string uid;   // NFC UID, may be empty
    std::string form;  // physical | electronic
    std::string status;
};

struct AnsweredMember {
    std::string uid;
    std::string status;
    std::string home_store;
    std::int64_t enrolled_at = 0;  // unix seconds
    bool consent_marketing = false;
    std::vector<std::pair<std::string, std::string>> identities;  // kind, value
    std::vector<AnsweredCard> cards;
};

struct HubAnswer {
    std::string to;      // the request kind answered
    std::string status;  // answer_status
    std::string detail;  // why, for a person
    std::string program;
    std::optional<AnsweredMember> member;
    // The member's snapshot as a `snapshots` down item (same version rule), with
    // the hub's applied-through sequence of each terminal of the asking store.
    std::optional<DownItem> snapshot;
    std::map<std::string, std::int64_t> through;
    std::vector<DownItem> coupons;  // `coupon_issue` items: the member's usable coupons
    // authorize / release:
    std::string auth;
    std::int64_t points = 0;         // held
    std::int64_t amount = 0;         // authorize_sv: fen held
    std::int64_t available = 0;      // what the member may still spend now (fen for authorize_sv)
    std::int64_t expires_at_ms = 0;  // when an unused hold lapses
    std::int64_t hub_time_ms = 0;
    // authorize_sv of a gift card: the card's balance at the hub (fen) and when it
    // expires (unix s, 0: never), so a store that never sold it can take it.
    std::optional<std::pair<std::int64_t, std::int64_t>> card_balance{};
    std::int64_t card_expires_at = 0;
    // sms_code / sms_check declined: sms_reason; sms_code sent: the code's expiry is
    // expires_at_ms, and a new one may be asked after retry_after_ms.
    std::string reason{};
    std::int64_t retry_after_ms = 0;
};
std::string encode_answer(const HubAnswer& answer);
Result<HubAnswer> decode_answer(std::string_view payload);

}  // namespace loyalty::sync
