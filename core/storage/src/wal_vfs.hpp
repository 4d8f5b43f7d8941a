#pragma once
// Private to the storage layer: a thin VFS over SQLite's default one that gathers the
// frames of one WAL commit into a single write (see wal_vfs.cpp).

namespace loyalty {

// Registers the VFS on first use (process-wide) and returns its name, for
// sqlite3_open_v2; nullptr (SQLite's default VFS) if it could not be registered.
const char* wal_vfs_name();

}  // namespace loyalty
