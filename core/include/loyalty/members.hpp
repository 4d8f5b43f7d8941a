#pragma once
// Members, their identities (card, phone, app code, union id...) and the
// operations that change who is who: enroll, link, unlink, merge.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "loyalty/clock.hpp"
#include "loyalty/money.hpp"
#include "loyalty/result.hpp"

namespace loyalty {

struct EngineContext;
using MemberId = std::int64_t;

enum class IdentityKind { card_number, card_uid, barcode, phone, app_code, union_id };
const char* to_string(IdentityKind kind);
std::optional<IdentityKind> identity_kind_from_string(const std::string& s);

struct Identity {
    IdentityKind kind;
    std::string value;
    Timestamp linked_at;
};

struct RfmScore {
    int r = 0, f = 0, m = 0;
    int score = 0;
};

struct Member {
    MemberId id = 0;  // this database's row id
    std::string uid;  // the member everywhere: terminals, hub, app
    std::string program;
    std::string display_name;
    std::optional<int> birthday_month;
    std::optional<int> birthday_day;
    Timestamp enrolled_at;
    std::optional<std::string> home_store;
    std::string status;  // active | merged | closed
    std::optional<MemberId> merged_into;
    bool consent_privacy = false;
    bool consent_marketing = false;
    bool has_pin = false;
    std::string tier_code;
    Timestamp tier_since;
    Timestamp tier_review_at;
    std::optional<Timestamp> tier_grace_until;
    // Spendable now: lots past their expiry are left out even before the daily
    // run books them out (the member row still holds them until then).
    Points points_available = 0;
    Points points_pending = 0;
    std::optional<Timestamp> last_visit_at;
    RfmScore rfm;
    std::optional<std::string> tier_floor{};  // a manager's floor: never moved below it
};

struct EnrollRequest {
    std::string program;
    std::string uid;    // empty: a new one is made (the hub passes the terminal's)
    std::string phone;  // E.164, or a national number in the program's country
    std::string display_name;
    std::optional<int> birthday_month;
    std::optional<int> birthday_day;
    bool consent_privacy = false;    // required: no enrollment without it
    bool consent_marketing = false;  // separate, optional
    std::optional<std::string> home_store;
    // A physical card handed over at enrollment, by its printed number: issued to the new member
    // and active at once. A number already on file (anyone's card, or a closed one) is refused.
    std::optional<std::string> physical_card;
    // The caller's request id. The same id again returns the first enrollment (replayed); with
    // another request it is Errc::conflict. Empty: no replay, a repeat finds the phone taken.
    std::string idempotency_key;
};

struct Enrollment {
    Member member;
    std::string card_number;  // the electronic card the new member leaves with
    std::optional<std::string> physical_card;
    bool replayed = false;  // an earlier enrollment under the same idempotency key
};

// Normalises a phone number to E.164 ("+8613800138000"); national numbers get
// the program's country code. Refuses anything that is not 8..15 digits.
Result<std::string> normalize_phone(const std::string& raw,
                                    const std::string& default_country_code);
// "张*明", "+86 138****8000": what a screen or receipt may show.
std::string mask_name(const std::string& utf8_name);
std::string mask_phone(const std::string& e164);

class Members {
  public:
    explicit Members(EngineContext& ctx) : ctx_(ctx) {}

    Result<Enrollment> enroll(const EnrollRequest& request);
    Result<Member> get(MemberId id);
    Result<Member> get_by_uid(const std::string& uid);
    // The member a uid stands for now: its own account, or, for one merged since (the
    // same shopper enrolled twice), the survivor's. A signed code keeps working.
    Result<Member> current_by_uid(const std::string& uid);
    // Resolves an identity to its member. Merged accounts resolve to the survivor;
    // a card that is lost or blocked is refused with Errc::blocked.
    Result<Member> identify(const std::string& program, IdentityKind kind,
                            const std::string& value);
    // Tries every identity kind (phone numbers normalised): for support staff.
    Result<Member> lookup_any(const std::string& program, const std::string& value);
    std::vector<Identity> identities(MemberId id);
    std::optional<std::string> phone_of(MemberId id);

    Result<void> link_identity(MemberId id, IdentityKind kind, const std::string& value,
                               const std::string& actor);
    Result<void> unlink_identity(MemberId id, IdentityKind kind, const std::string& value,
                                 const std::string& actor);
    // Folds `absorbed` into `survivor`: points (lots keep their dates), pending
    // points, identities, cards, sales history and tags move; absorbed is closed
    // as merged. Both must be active members of the same program.
    Result<Member> merge(MemberId survivor, MemberId absorbed, const std::string& reason,
                         const std::string& actor);

    Result<void> set_consent(MemberId id, bool privacy, bool marketing, const std::string& actor);
    // A new PIN (4 to 8 digits) also ends a lockout: it is set by a member who proved the
    // phone (an SMS code) or signed in another way.
    Result<void> set_pin(MemberId id, const std::string& pin);
    Result<void> verify_pin(MemberId id, const std::string& pin);

  private:
    EngineContext& ctx_;
};

}  // namespace loyalty
