#pragma once
// Nightly backups of the store database, and a restore that refuses a bad copy.
// A backup is a consistent SQLite copy taken while the kiosk and the till keep selling.
#include <filesystem>
#include <vector>

#include "loyalty/clock.hpp"
#include "loyalty/result.hpp"

namespace loyalty {

class Engine;

struct BackupPolicy {
    std::filesystem::path directory;
    int keep = 14;  // newest copies kept; older ones are deleted after a good new one exists
};

// Writes <directory>/loyalty-YYYYMMDD-HHMMSS.db, checks the copy's integrity, and only then
// prunes old copies. Returns the new file.
Result<std::filesystem::path> take_backup(Engine& engine, const BackupPolicy& policy,
                                          Timestamp now);

// The backups in a directory, oldest first (only files this code names, nothing else there).
std::vector<std::filesystem::path> list_backups(const std::filesystem::path& directory);

// Replaces the contents of the live database with a backup, through SQLite so other
// connections see either the old or the new database, never a mix. A backup failing its
// integrity check, or from a newer schema than this program knows, is refused and the live
// database is left as it was. Stop the kiosk and the link agent first.
Result<void> restore_backup(const std::filesystem::path& backup, const std::filesystem::path& live);

}  // namespace loyalty
