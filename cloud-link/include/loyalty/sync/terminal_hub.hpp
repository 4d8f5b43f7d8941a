#pragma once
// The member hub as a till or a kiosk sees it (PROTOCOL.md, "Requests"). A member
// this store does not know is looked up at the hub and kept here (member,
// identities, cards, tier, program-wide balance, coupons), so the next scan and
// offline work use it. Points leave a balance only with the hub's authorization
// (a hold the sale's event captures), or, when the hub does not answer in time,
// within the store's offline limit per member and day.
//
// Used on the caller's thread with the caller's engine (the till's session, the
// kiosk's engine worker); only the MQTT traffic runs on threads of its own.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "loyalty/engine.hpp"
#include "loyalty/result.hpp"
#include "loyalty/sync/link_config.hpp"
#include "loyalty/sync/requests.hpp"

namespace loyalty::sync {

class HubRequester;
class DownState;

// Points a spend may take, and how that was decided.
struct SpendClearance {
    std::string auth;               // the spend's id at the hub ("sale/T01/R-1")
    bool online = false;            // the hub authorized it; otherwise the offline limit did
    std::int64_t points = 0;        // cleared to spend
    std::int64_t offline_left = 0;  // offline: what the member may still spend here today
};

// Stored value (fen) a sale may take from one holder: the member's own balance, or a
// bearer gift card, and how that was decided.
struct SvClearance {
    std::string auth;    // the sale's id at the hub ("sale/T01/R-1")
    std::string holder;  // "member:<uid>" | "card:<number>"
    bool online = false;
    std::int64_t amount = 0;        // fen cleared
    std::int64_t offline_left = 0;  // offline: what the holder may still spend here today
};

// What the hub said to an SMS code request or check.
enum class SmsOutcome {
    sent,        // a code is on its way to the phone
    verified,    // the code typed is the one sent: the phone is the shopper's
    no_gateway,  // headquarters sends no SMS: go on without a code
    too_soon,    // a code went out under a minute ago
    too_many,    // this phone's codes for the hour are used
    wrong_code,
    expired,  // no live code (too old, or too many wrong tries): ask for a new one
};

class TerminalHub {
  public:
    // `link` is the store's link configuration (broker, credentials, limits);
    // `self` the terminal asking (its own code: the till's, the kiosk's).
    TerminalHub(const AgentConfig& link, TerminalAddress self, Engine& engine);
    ~TerminalHub();
    TerminalHub(const TerminalHub&) = delete;
    TerminalHub& operator=(const TerminalHub&) = delete;

    // Who is this, at the hub: `by` is how the value was read ("uid" for a
    // verified member QR code, "phone", "card_number", "card_uid", "barcode",
    // "app_code" or "any"). A member found is kept in the engine and returned.
    // not_found: nobody by that at the hub; blocked; unreachable: no answer in time.
    Result<Member> find(const std::string& by, const std::string& value);

    // Before `points` leave the member's balance. Online: the hub holds them for
    // this spend and the engine's copy of the member is brought to the hub's
    // balance first. No answer in time: cleared against the balance last known
    // here, up to the offline limit per member per day, else refused with why.
    // A retry with the same auth is the same spend, never a second one.
    Result<SpendClearance> clear_spend(const Member& member, std::int64_t points,
                                       const std::string& auth);
    // The cleared spend did not happen (the sale failed, the shopper walked away):
    // the hold goes back now instead of lapsing later; an offline clearance no
    // longer counts towards the day's limit.
    void release(const SpendClearance& clearance);

    // Before `amount` fen leave a member's own balance (card empty) or a gift card,
    // whichever store took the money in. Online: the hub holds it for this sale (less
    // every other live hold of that balance) and this database's copy of the balance is
    // brought to the hub's first (a card sold elsewhere is opened here). No answer in
    // time: refused, unless the program's stored_value offline limit (fen per holder per
    // local day) covers it. declined: insufficient_funds, with the hub's why.
    Result<SvClearance> clear_stored_value(const Member* member, const std::string& card,
                                           std::int64_t amount, const std::string& auth);
    void release(const SvClearance& clearance);
    // Every stored-value tender of a sale (the member's balance, each gift card) cleared
    // under the sale's auth; on the first refusal the ones cleared go back and the
    // refusal is returned.
    Result<std::vector<SvClearance>> clear_sale_stored_value(const SaleRequest& sale,
                                                             const std::optional<Member>& member,
                                                             const std::string& auth);

    // Points the member may still spend here today while the hub does not answer (the offline
    // limit less today's offline clearances); 0 with no offline limit. For telling a shopper
    // why a spend was refused.
    std::int64_t offline_left_today(const std::string& member_uid);

    // A one-time code by SMS to `phone` (E.164) for `purpose` (sms_purpose), and whether the
    // code the shopper typed is it. unreachable: the hub did not answer (no code offline).
    Result<SmsOutcome> send_sms_code(const std::string& phone, const std::string& purpose);
    Result<SmsOutcome> check_sms_code(const std::string& phone, const std::string& purpose,
                                      const std::string& code);

    // Since when headquarters has been out of reach (unix ms, this terminal's clock), as
    // first noticed: a question left unanswered, or the broker connection found down by
    // this call. nullopt while it answers. For the shoppers' offline banner.
    std::optional<std::int64_t> unreachable_since_ms();
    // When headquarters last answered this terminal (unix ms), if it has since it started.
    std::optional<std::int64_t> last_answer_ms() const { return last_answer_ms_; }

    // When this terminal last heard the member's balance from the hub (unix ms), if ever.
    std::optional<std::int64_t> balance_heard_at_ms(const std::string& member_uid);

  private:
    Result<HubAnswer> ask(const HubRequest& request);
    // Keeps what the hub said about a member in the engine, in one transaction.
    Result<Member> keep(const HubAnswer& answer);
    Result<SpendClearance> clear_offline(const Member& member, std::int64_t points,
                                         const std::string& auth, const Error& why);
    Result<SvClearance> clear_sv_offline(const std::string& holder, std::int64_t amount,
                                         const std::string& auth, const Error& why);
    // A newer snapshot of this very member from an approval: adopted and aligned.
    Result<void> keep_snapshot(const std::string& member_uid, const HubAnswer& answer);

    AgentConfig link_;
    TerminalAddress self_;
    Engine& engine_;
    std::unique_ptr<DownState> down_;  // the link_* tables, migrated once
    std::unique_ptr<HubRequester> requester_;
    std::optional<std::int64_t> last_answer_ms_;
    std::optional<std::int64_t> unanswered_since_ms_;    // a question went unanswered
    std::optional<std::int64_t> disconnected_since_ms_;  // the broker connection was down
};

}  // namespace loyalty::sync
