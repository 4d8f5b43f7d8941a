#pragma once
// A mall's receipt claims (小票积分): a member claims the mall's points for a purchase at any of
// its shops, at the self-service kiosk, by a receipt's QR code or by typing it. The program's
// rules (ReceiptClaimRules) decide: the shop's amount range, the claim window, the daily caps,
// one claim per receipt across the mall, and which claims wait for a manager's review.
#include <optional>
#include <string>
#include <vector>

#include "loyalty/clock.hpp"
#include "loyalty/money.hpp"
#include "loyalty/receipt_codes.hpp"
#include "loyalty/result.hpp"

namespace loyalty {

struct EngineContext;
using MemberId = std::int64_t;

enum class ClaimStatus { credited, pending, rejected, reversed };
const char* to_string(ClaimStatus status);
std::optional<ClaimStatus> claim_status_from(std::string_view text);

// One receipt, whichever kiosk takes it: an e-invoice's code and number are unique in the
// country (the shop the shopper picks does not make it another receipt); a shop's own receipt
// numbers are unique only within the shop and, for many tills, within the day.
std::string receipt_claim_key(ReceiptSource source, const std::string& shop,
                              const std::string& receipt, const std::string& date);
ReceiptSource receipt_source_from(std::string_view text);
// The local day a claim counts towards the daily caps: "YYYY-MM-DD".
std::string claim_day_of(Timestamp at, int utc_offset_minutes);

struct ReceiptClaimRequest {
    std::string program;
    MemberId member = 0;
    std::string shop;  // MallShop::code
    std::string receipt;
    Money amount{};
    std::string date;  // "YYYY-MM-DD": the purchase's local date
    ReceiptSource source = ReceiptSource::keyed;
    // The kiosk's id for this submission: the same id again is answered with what it got the
    // first time, never booked twice (a shopper who taps twice, a retried call).
    std::string request_id;
    std::string photo;     // the receipt's photo kept for review ("" when none was taken)
    std::string ocr_note;  // what OCR read that disagrees with the claim ("" when none):
                           // such a claim waits for review
};

struct ReceiptClaim {
    std::int64_t id = 0;
    std::string program;
    MemberId member = 0;
    std::string shop;
    std::string receipt;
    Money amount{};
    std::string date;
    ReceiptSource source = ReceiptSource::keyed;
    ClaimStatus status = ClaimStatus::pending;
    Points points = 0;   // credited (or, pending, what approval will credit at most)
    std::string review;  // why it waits for review ("" when it did not)
    std::string note;    // a manager's reason to reject, the reason of a reversal
    std::string photo;
    std::string ocr_note;
    std::string store;
    std::string terminal;
    Timestamp claimed_at{};
    std::optional<Timestamp> decided_at{};
    std::string decided_by;
};

struct ClaimOutcome {
    ReceiptClaim claim;
    bool replayed = false;       // the request id was seen before: this is what it got then
    Points available_after = 0;  // the member's available points after it
    std::string earn_summary;    // how the points were worked out ("1 pt per ¥1; Gold ×1.5")
};

class ReceiptClaims {
  public:
    explicit ReceiptClaims(EngineContext& ctx) : ctx_(ctx) {}

    // Checks the claim against the rules and credits its points, or queues it for review
    // (above the program's review amount, or OCR disagreeing). Refusals, each saying why:
    // Errc::already_used the receipt was claimed (by anyone, at any kiosk of this database),
    // Errc::limit_exceeded over the member's daily claims or points, Errc::expired older than
    // the claim window, Errc::invalid_argument amount outside the shop's range, a date in
    // the future or malformed, Errc::not_found an unknown shop, program or member.
    Result<ClaimOutcome> submit(const ReceiptClaimRequest& request);

    // Newest first; every status when `status` is empty.
    Result<std::vector<ReceiptClaim>> list(const std::string& program,
                                           std::optional<ClaimStatus> status, int limit = 200);
    Result<ReceiptClaim> get(std::int64_t id);

    // A manager works the review queue: approval credits the points (by the member's tier
    // now, the daily points cap of the purchase day), rejection credits nothing and keeps
    // the reason for the member. Both audited under `staff`; a claim decided before is
    // Errc::conflict.
    Result<ClaimOutcome> approve(std::int64_t id, const std::string& staff);
    Result<ReceiptClaim> reject(std::int64_t id, const std::string& staff,
                                const std::string& reason);

    // The member's claims decided against them (rejected, reversed) not yet shown to them,
    // oldest first; marked shown when `mark_shown`. The kiosk tells the member once.
    Result<std::vector<ReceiptClaim>> unseen_refusals(MemberId member, bool mark_shown);
    // The member's claims still waiting for review.
    Result<std::vector<ReceiptClaim>> pending_of(MemberId member);

    // The hub's word that it kept another kiosk's claim of the same receipt and reversed this
    // one (two kiosks took it while they could not reach each other): the claim `uid` becomes
    // reversed with the hub's note (at most 200 bytes kept), so unseen_refusals tells the member
    // at their next visit. Only a claim taken at `store` (the store the hub's message came to),
    // of the member the hub names (`member_uid`, or the member that one was merged into), still
    // credited or waiting for review. No points move and no event is written: the member's
    // snapshot from the hub, which no longer counts the claim, takes its points back when the
    // terminal aligns its balance, whichever of the two arrives first. Returns true when the
    // claim changed, false when it was reversed before or decided (rejected) here;
    // Errc::not_found for no such claim of that store and member.
    Result<bool> reverse_from_hub(const std::string& uid, const std::string& store,
                                  const std::string& member_uid, const std::string& note);

    // Receipt photos are the shopper's personal data, kept only while a manager may need
    // them: the photos of claims decided (credited, rejected, reversed) before
    // `decided_before` are let go, and their files returned for the caller to delete once
    // this has committed. The claims keep everything else; a claim waiting for review
    // keeps its photo however old.
    Result<std::vector<std::string>> release_photos(Timestamp decided_before);
    // Every photo a claim still refers to (a file under the photos' folder that none does
    // was left by a kiosk stopped while a claim was being taken).
    Result<std::vector<std::string>> photos_kept();

  private:
    EngineContext& ctx_;
};

}  // namespace loyalty
