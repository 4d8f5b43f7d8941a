#pragma once
// A member's points here as the hub counts them: the hub's latest figure plus
// what this store's terminals did since that figure was made and the hub has not
// applied yet. The terminal keeps its engine's copy of the member at that figure
// (PointsLedger::align_total), so the till and the kiosk show, price with and
// spend the program-wide balance: points earned in any store.
#include <cstdint>
#include <map>
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

}  // namespace loyalty::sync
