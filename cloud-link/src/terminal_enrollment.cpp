#include "loyalty/sync/terminal_enrollment.hpp"

namespace loyalty::sync {

Result<std::optional<Member>> member_to_link(TerminalHub& hub, Engine& engine,
                                             const std::string& program, const std::string& phone) {
    if (engine.members().identify(program, IdentityKind::phone, phone).ok())
        return std::optional<Member>();
    auto found = hub.find("phone", phone);
    if (found) return std::optional<Member>(std::move(found.value()));
    if (found.error().code == Errc::not_found || found.error().code == Errc::unreachable)
        return std::optional<Member>();
    return found.error();
}

std::string electronic_card_of(Engine& engine, MemberId member) {
    for (const auto& card : engine.cards().of_member(member))
        if (card.form == CardForm::electronic) return card.number;
    return {};
}

}  // namespace loyalty::sync
