// SQLite writes every frame of a commit to the write-ahead log as two system calls
// (the 24-byte frame header, then the page): a sale's commit touches about twenty
// pages, so forty writes, which cost the kernel about as much CPU again as SQLite
// spends on the whole sale. This VFS passes everything through to SQLite's default
// one, except that writes to a WAL file which follow each other are gathered in memory
// and written as one, at the latest when the commit frame's page is written.
//
// Durability and what other connections see are unchanged:
// - every byte SQLite wrote is in the file before any sync, read, truncate, size
//   query, file control or close of that file reaches the default VFS;
// - the write of a commit frame returns only once the whole commit is in the file, and
//   SQLite publishes a commit to readers (the WAL index) only after that write, or
//   after the sync that follows it with synchronous=FULL.
// A commit frame is the one whose header carries the database size (bytes 4-7 not 0).
#include "wal_vfs.hpp"

#include <sqlite3.h>

#include <cstdint>
#include <cstring>
#include <new>

namespace loyalty {

namespace {

constexpr int kFrameHeaderBytes = 24;
constexpr int kWalHeaderBytes = 32;
// The default VFS writes at most 128 KiB - 1 in one call (it masks larger lengths):
// a larger commit is written in pieces of that size.
constexpr std::int64_t kMaxGathered = 0x1ffff;

sqlite3_vfs* g_default = nullptr;
sqlite3_vfs g_vfs;

struct WalFile {
    sqlite3_file base;  // must come first: SQLite sees a WalFile as an sqlite3_file
    sqlite3_file* real;
    unsigned char* buffer;
    std::int64_t capacity;
    std::int64_t start;  // file offset of buffer[0]
    std::int64_t length;
    // Set by a commit frame's header, cleared by the next frame header that is not one:
    // while set, every write goes to the file before it returns.
    bool in_commit_frame;
};

int flush(WalFile* f) {
    if (f->length == 0) return SQLITE_OK;
    const int rc =
        f->real->pMethods->xWrite(f->real, f->buffer, static_cast<int>(f->length), f->start);
    f->length = 0;
    return rc;
}

int gather(WalFile* f, const void* data, int amount, sqlite3_int64 offset) {
    if (f->length > 0 && (offset != f->start + f->length || f->length + amount > kMaxGathered)) {
        if (int rc = flush(f); rc != SQLITE_OK) return rc;
    }
    if (f->length + amount > f->capacity) {
        std::int64_t grown = f->capacity ? f->capacity : 64 * 1024;
        while (grown < f->length + amount) grown *= 2;
        auto* bigger = static_cast<unsigned char*>(
            sqlite3_realloc64(f->buffer, static_cast<sqlite3_uint64>(grown)));
        if (!bigger) {
            // No memory to gather: write through.
            if (int rc = flush(f); rc != SQLITE_OK) return rc;
            return f->real->pMethods->xWrite(f->real, data, amount, offset);
        }
        f->buffer = bigger;
        f->capacity = grown;
    }
    if (f->length == 0) f->start = offset;
    std::memcpy(f->buffer + f->length, data, static_cast<std::size_t>(amount));
    f->length += amount;
    return SQLITE_OK;
}

int wal_write(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset) {
    auto* f = reinterpret_cast<WalFile*>(file);
    bool commit_header = false;
    if (offset >= kWalHeaderBytes && amount == kFrameHeaderBytes) {
        const auto* h = static_cast<const unsigned char*>(data);
        commit_header = (h[4] | h[5] | h[6] | h[7]) != 0;
        f->in_commit_frame = commit_header;
    }
    const int rc = gather(f, data, amount, offset);
    if (rc != SQLITE_OK) return rc;
    // From the commit frame's page on, nothing stays gathered once its write returns.
    if (f->in_commit_frame && !commit_header) return flush(f);
    return SQLITE_OK;
}

// Everything else: what was gathered goes first, then the default VFS's own method.
int wal_close(sqlite3_file* file) {
    auto* f = reinterpret_cast<WalFile*>(file);
    const int flushed = flush(f);
    const int rc = f->real->pMethods ? f->real->pMethods->xClose(f->real) : SQLITE_OK;
    sqlite3_free(f->buffer);
    f->buffer = nullptr;
    return flushed != SQLITE_OK ? flushed : rc;
}
int wal_read(sqlite3_file* file, void* data, int amount, sqlite3_int64 offset) {
    auto* f = reinterpret_cast<WalFile*>(file);
    if (int rc = flush(f); rc != SQLITE_OK) return rc;
    return f->real->pMethods->xRead(f->real, data, amount, offset);
}
int wal_truncate(sqlite3_file* file, sqlite3_int64 size) {
    auto* f = reinterpret_cast<WalFile*>(file);
    if (int rc = flush(f); rc != SQLITE_OK) return rc;
    return f->real->pMethods->xTruncate(f->real, size);
}
int wal_sync(sqlite3_file* file, int flags) {
    auto* f = reinterpret_cast<WalFile*>(file);
    if (int rc = flush(f); rc != SQLITE_OK) return rc;
    return f->real->pMethods->xSync(f->real, flags);
}
int wal_file_size(sqlite3_file* file, sqlite3_int64* size) {
    auto* f = reinterpret_cast<WalFile*>(file);
    if (int rc = flush(f); rc != SQLITE_OK) return rc;
    return f->real->pMethods->xFileSize(f->real, size);
}
int wal_lock(sqlite3_file* file, int level) {
    auto* f = reinterpret_cast<WalFile*>(file);
    return f->real->pMethods->xLock(f->real, level);
}
int wal_unlock(sqlite3_file* file, int level) {
    auto* f = reinterpret_cast<WalFile*>(file);
    return f->real->pMethods->xUnlock(f->real, level);
}
int wal_check_reserved_lock(sqlite3_file* file, int* out) {
    auto* f = reinterpret_cast<WalFile*>(file);
    return f->real->pMethods->xCheckReservedLock(f->real, out);
}
int wal_file_control(sqlite3_file* file, int op, void* arg) {
    auto* f = reinterpret_cast<WalFile*>(file);
    if (int rc = flush(f); rc != SQLITE_OK) return rc;
    return f->real->pMethods->xFileControl(f->real, op, arg);
}
int wal_sector_size(sqlite3_file* file) {
    auto* f = reinterpret_cast<WalFile*>(file);
    return f->real->pMethods->xSectorSize(f->real);
}
int wal_device_characteristics(sqlite3_file* file) {
    auto* f = reinterpret_cast<WalFile*>(file);
    return f->real->pMethods->xDeviceCharacteristics(f->real);
}

// A WAL file uses no shared memory and no memory map: version 1 methods are all there is.
const sqlite3_io_methods kWalMethods = {
    1,
    wal_close,
    wal_read,
    wal_write,
    wal_truncate,
    wal_sync,
    wal_file_size,
    wal_lock,
    wal_unlock,
    wal_check_reserved_lock,
    wal_file_control,
    wal_sector_size,
    wal_device_characteristics,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
};

int open_file(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
    if (!(flags & SQLITE_OPEN_WAL))
        return g_default->xOpen(g_default, name, file, flags, out_flags);
    auto* f = reinterpret_cast<WalFile*>(file);
    f->base.pMethods = nullptr;
    f->real = reinterpret_cast<sqlite3_file*>(f + 1);
    f->buffer = nullptr;
    f->capacity = f->start = f->length = 0;
    f->in_commit_frame = false;
    const int rc = g_default->xOpen(g_default, name, f->real, flags, out_flags);
    if (rc != SQLITE_OK) return rc;
    f->base.pMethods = &kWalMethods;
    return SQLITE_OK;
}

const char* register_vfs() {
    g_default = sqlite3_vfs_find(nullptr);
    if (!g_default) return nullptr;
    g_vfs = *g_default;
    g_vfs.zName = "loyalty-wal";
    g_vfs.pNext = nullptr;
    // WalFile is followed by the default VFS's own file object (kept 8-byte aligned).
    g_vfs.szOsFile = static_cast<int>((sizeof(WalFile) + 7) / 8 * 8) + g_default->szOsFile;
    g_vfs.xOpen = open_file;
    static_assert(sizeof(WalFile) % 8 == 0);
    if (sqlite3_vfs_register(&g_vfs, 0) != SQLITE_OK) return nullptr;
    return g_vfs.zName;
}

}  // namespace

const char* wal_vfs_name() {
    static const char* const name = register_vfs();
    return name;
}

}  // namespace loyalty
