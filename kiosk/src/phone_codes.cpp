// A shopper proves a phone is theirs with a one-time code by SMS before joining with it
// or choosing a new PIN for it. The member hub makes and sends the code (its SMS gateway);
// without the hub there is no code, and the screens say so.
#include "kiosk_actions.hpp"
#include "loyalty/sync/requests.hpp"

namespace loyalty::kiosk {

namespace {

Result<std::string> e164_of(Engine& engine, const KioskConfig& config, const std::string& phone) {
    auto p = engine.programs().get(config.program);
    if (!p) return p.error();
    return normalize_phone(phone, (*p)->default_country_code);
}

PhoneCodeStep step_of(const Result<sync::SmsOutcome>& outcome) {
    if (outcome) return PhoneCodeStep{*outcome};
    if (outcome.error().code == Errc::unreachable)
        return PhoneCodeStep{std::nullopt, {"error.sms_offline", outcome.error().message, true}};
    return PhoneCodeStep{std::nullopt, notice_for(outcome.error())};
}

}  // namespace

PhoneCodeStep send_phone_code(Engine& engine, const KioskConfig& config, const std::string& phone,
                              const std::string& purpose, sync::TerminalHub* hub) {
    if (!hub) return PhoneCodeStep{std::nullopt, {"error.sms_unavailable", "", true}};
    auto e164 = e164_of(engine, config, phone);
    if (!e164)
        return PhoneCodeStep{std::nullopt, {"error.phone_invalid", e164.error().message, true}};
    return step_of(hub->send_sms_code(*e164, purpose));
}

PhoneCodeStep check_phone_code(Engine& engine, const KioskConfig& config, const std::string& phone,
                               const std::string& purpose, const std::string& code,
                               sync::TerminalHub* hub) {
    if (!hub) return PhoneCodeStep{std::nullopt, {"error.sms_unavailable", "", true}};
    auto e164 = e164_of(engine, config, phone);
    if (!e164)
        return PhoneCodeStep{std::nullopt, {"error.phone_invalid", e164.error().message, true}};
    return step_of(hub->check_sms_code(*e164, purpose, code));
}

Notice phone_member_here(Engine& engine, const KioskConfig& config, const std::string& phone) {
    auto e164 = e164_of(engine, config, phone);
    if (!e164) return {"error.phone_invalid", e164.error().message, true};
    auto m = engine.members().identify(config.program, IdentityKind::phone, *e164);
    if (!m)
        return m.error().code == Errc::not_found ? Notice{"error.phone_unknown", "", true}
                                                 : notice_for(m.error());
    return {};
}

Identified identify_verified_phone(Engine& engine, const KioskConfig& config,
                                   const std::string& phone, sync::TerminalHub* hub) {
    auto e164 = e164_of(engine, config, phone);
    if (!e164) return Identified{{}, {}, {"error.phone_invalid", e164.error().message, true}};
    auto m = engine.members().identify(config.program, IdentityKind::phone, *e164);
    if (!m) return Identified{{}, {}, notice_for(m.error())};
    auto view = load_member_view(engine, config, m->id, hub);
    if (!view) return Identified{{}, {}, notice_for(view.error())};
    return Identified{std::move(view.value()), {}, {}};
}

}  // namespace loyalty::kiosk
