#pragma once
// Enrolling a shopper at a terminal that has the member hub (the till's and the
// kiosk's shared step): a phone this store does not know may belong to a member of
// another store, who is linked here instead of being enrolled a second time.
#include <optional>
#include <string>

#include "loyalty/engine.hpp"
#include "loyalty/result.hpp"
#include "loyalty/sync/terminal_hub.hpp"

namespace loyalty::sync {

// The member the hub knows by `phone`, now kept in the engine: the shopper is that
// member. Nullopt: enroll a new member here (the phone is known at this store already,
// and the local enrollment decides; unknown at the hub; or the hub did not answer in
// time, and a provisional member is made that the hub merges later).
Result<std::optional<Member>> member_to_link(TerminalHub& hub, Engine& engine,
                                             const std::string& program, const std::string& phone);

// The member's electronic card number (the one shown in the app), "" if none.
std::string electronic_card_of(Engine& engine, MemberId member);

}  // namespace loyalty::sync
