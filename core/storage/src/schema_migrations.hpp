#pragma once
#include <span>

namespace loyalty {
// Migration N (1-based) is element N-1.
std::span<const char* const> schema_migrations();
// The same tables in PostgreSQL's DDL, for a hub on PostgreSQL. Its first migration is
// the engine's schema as SQLite's migration 13 left it; a change after that is a new
// migration in both lists.
std::span<const char* const> postgres_schema_migrations();
}  // namespace loyalty
