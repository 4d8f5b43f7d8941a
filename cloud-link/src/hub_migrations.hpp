#pragma once
// The hub's own tables beside the engine's in the hub database (per-terminal
// sequences, applied events, held events, presence, dead letters, shortfalls,
// config versions), as numbered migrations of the part "hub":
// Database::migrate(hub_schema()) brings them up to date.
#include "loyalty/storage/database.hpp"

namespace loyalty::sync {

SchemaPart hub_schema();
std::span<const char* const> hub_postgres_migrations();  // hub_postgres_migrations.cpp

}  // namespace loyalty::sync
