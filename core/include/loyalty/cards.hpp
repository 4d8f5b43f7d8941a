#pragma once
// Physical and electronic membership cards. A card is an identity with a
// lifecycle; the points belong to the account, so a replacement card inherits
// the balance by construction.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "loyalty/clock.hpp"
#include "loyalty/members.hpp"
#include "loyalty/result.hpp"

namespace loyalty {

enum class CardForm { physical, electronic };
enum class CardStatus { issued, active, lost, blocked, replaced };
const char* to_string(CardStatus status);

struct Card {
    std::int64_t id = 0;
    std::string program;
    std::string number;
    std::optional<std::string> uid;  // NFC UID, hex
    CardForm form = CardForm::physical;
    MemberId member = 0;
    CardStatus status = CardStatus::issued;
    Timestamp issued_at;
};

class Cards {
  public:
    explicit Cards(EngineContext& ctx) : ctx_(ctx) {}

    // An empty number asks for a generated one (electronic cards).
    Result<Card> issue(MemberId member, CardForm form, const std::string& number,
                       const std::optional<std::string>& uid, const std::string& actor);
    Result<Card> activate(const std::string& program, const std::string& number,
                          const std::string& actor);
    Result<Card> report_lost(const std::string& program, const std::string& number,
                             const std::string& actor);
    Result<Card> block(const std::string& program, const std::string& number,
                       const std::string& reason, const std::string& actor);
    // The old card is closed as replaced; the new one is active on the same account.
    Result<Card> replace(const std::string& program, const std::string& old_number,
                         const std::string& new_number, const std::optional<std::string>& new_uid,
                         const std::string& actor);
    Result<Card> find(const std::string& program, const std::string& number);
    std::vector<Card> of_member(MemberId member);

  private:
    Result<Card> transition(const std::string& program, const std::string& number, CardStatus to,
                            const std::string& action, const std::string& reason,
                            const std::string& actor);
    EngineContext& ctx_;
};

}  // namespace loyalty
