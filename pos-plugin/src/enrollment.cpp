#include "enrollment.hpp"

#include <algorithm>
#include <climits>

#include "loyalty/sync/terminal_enrollment.hpp"
#include "results.hpp"

namespace loyalty::pos {

namespace {

// Range is the engine's to judge; this only keeps a huge value from wrapping into a valid one.
std::optional<int> narrowed(const std::optional<std::int64_t>& v) {
    if (!v) return std::nullopt;
    return static_cast<int>(std::clamp<std::int64_t>(*v, INT_MIN, INT_MAX));
}

}  // namespace

Reply enroll_in_store(Engine& engine, const std::string& program, const std::string& store,
                      const EnrollCall& call) {
    if (call.request_id && call.request_id->empty())
        return Reply::failure(LOYALTY_POS_E_INVALID_ARGUMENT,
                              "the request id is empty: give one, or leave the field out");
    EnrollRequest request;
    request.program = program;
    request.phone = call.phone;
    request.display_name = call.name;
    request.birthday_month = narrowed(call.birthday_month);
    request.birthday_day = narrowed(call.birthday_day);
    request.consent_privacy = call.consent_privacy;
    request.consent_marketing = call.consent_marketing;
    request.home_store = store;
    request.physical_card = call.card;
    request.idempotency_key = call.request_id.value_or("");
    auto enrolled = engine.members().enroll(request);
    if (!enrolled) return failure(enrolled.error());
    const auto phone = engine.members().phone_of(enrolled->member.id);
    return Reply::success(
        enrollment_json(*enrolled, **engine.programs().get(program), phone, /*linked=*/false));
}

Reply link_hub_member(Engine& engine, const std::string& program, const Member& member,
                      const EnrollCall& call) {
    Enrollment linked;
    linked.member = member;
    linked.card_number = sync::electronic_card_of(engine, member.id);
    if (call.card) {
        // The card handed over is the member's from now on, at every store (its event goes up).
        auto existing = engine.cards().find(program, *call.card);
        if (existing && existing->member != member.id)
            return Reply::failure(LOYALTY_POS_E_CONFLICT,
                                  "card " + *call.card + " already belongs to another member");
        if (!existing) {
            auto issued = engine.cards().issue(member.id, CardForm::physical, *call.card,
                                               std::nullopt, "till");
            if (!issued) return failure(issued.error());
        }
        linked.physical_card = call.card;
    }
    auto now = engine.members().get(member.id);
    if (now) linked.member = std::move(now.value());
    const auto phone = engine.members().phone_of(member.id);
    return Reply::success(
        enrollment_json(linked, **engine.programs().get(program), phone, /*linked=*/true));
}

}  // namespace loyalty::pos
