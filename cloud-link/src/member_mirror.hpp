#pragma once
// A member's points here as the hub counts them: the hub's latest figure plus
// what this store's terminals did since that figure was made and the hub has not
// applied yet. The terminal keeps its engine's copy of the member at that figure
// (PointsLedger::align_total), so the till and the kiosk show, price with and
// spend the program-wide balance: points earned in any store.
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "loyalty/engine.hpp"
#include "loyalty/storage/database.hpp"

namespace loyalty::sync {

// The hub's figure (`snapshot_points`, made when the hub had applied each
// terminal's events through `through`) plus this store's outbox events about the
// member after that: nothing counted twice, nothing missed.
std::int64_t program_wide_points(Database& db, const std::string& store,
                                 const std::string& member_uid, std::int64_t snapshot_points,
                                 const std::map<std::string, std::int64_t>& through);

// Brings the engine's copy of the member to that figure, inside the caller's
// transaction; returns the change booked (0 for a member this database does not know).
std::int64_t align_member(Engine& engine, const std::string& store, const std::string& member_uid,
                          std::int64_t snapshot_points,
                          const std::map<std::string, std::int64_t>& through);

// A member's stored value (fen) as the hub counts it: the hub's figure plus this
// store's outbox events about the member after `through` (top-ups, their refunds,
// adjustments, sales paid from the member's own balance and what their refunds gave
// back to it), principal and bonus apart.
struct SvFigure {
    std::int64_t principal = 0;
    std::int64_t bonus = 0;
};
// Whose stored value: a member's own balance, or a bearer gift card's.
struct SvHolder {
    std::string member_uid;
    std::string card;
};
SvFigure program_wide_stored_value(Database& db, const std::string& store, const SvHolder& holder,
                                   SvFigure snapshot,
                                   const std::map<std::string, std::int64_t>& through);

// Brings the engine's copy of the member's stored value to that figure when the
// snapshot carries one (`snapshot` is its JSON body; a hub without stored value sends
// none, and nothing changes); inside the caller's transaction. True when it moved.
bool align_member_stored_value(Engine& engine, const std::string& store,
                               const std::string& member_uid, const nlohmann::json& snapshot,
                               const std::map<std::string, std::int64_t>& through);

// A gift card's balance as the hub answered it (`hub`, with its expiry), brought here
// the same way: the card's account is opened when this store never sold the card.
Result<void> align_card_stored_value(Engine& engine, const std::string& program,
                                     const std::string& store, const std::string& card,
                                     SvFigure hub, std::int64_t expires_at,
                                     const std::map<std::string, std::int64_t>& through);

}  // namespace loyalty::sync
