#pragma once
// The store database file as a manager's health screen sees it: its size on disk and
// SQLite's own integrity check. Backups and restores are in backups.hpp.
#include <cstdint>
#include <optional>
#include <string>

#include "loyalty/result.hpp"

namespace loyalty {

class Engine;

// The database file's size in bytes (the main file; the WAL comes and goes), or
// nullopt when it cannot be read.
std::optional<std::int64_t> database_file_bytes(Engine& engine);

// SQLite's integrity check of the whole file: "ok", or its first complaints. Reads
// every page: seconds on a large store database.
Result<std::string> check_database_integrity(Engine& engine);

}  // namespace loyalty
