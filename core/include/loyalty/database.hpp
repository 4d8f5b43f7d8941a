#pragma once
// RAII over SQLite: one Database per connection, prepared statements cached by
// their SQL text, nested transactions as savepoints so one engine operation can
// be wrapped in a larger batch (demo data, hub apply) and still be atomic.
#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

#include "loyalty/result.hpp"

namespace loyalty {

// Thrown inside core only; the engine's public calls turn it into Errc::storage.
class StorageError : public std::runtime_error {
public:
    StorageError(int sqlite_code, const std::string& what)
        : std::runtime_error(what), sqlite_code_(sqlite_code) {}
    int sqlite_code() const { return sqlite_code_; }
    bool is_constraint() const { return (sqlite_code_ & 0xff) == SQLITE_CONSTRAINT; }

private:
    int sqlite_code_;
};

class Statement {
public:
    Statement(sqlite3* db, std::string_view sql);
    Statement(Statement&&) noexcept;
    Statement& operator=(Statement&&) noexcept;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    ~Statement();

    // Parameters are 1-based, as in SQLite.
    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
    Statement& bind(int index, std::string_view value);
    Statement& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
    Statement& bind(int index, const std::string& value) { return bind(index, std::string_view(value)); }
    Statement& bind(int index, std::nullopt_t);
    template <class T>
    Statement& bind(int index, const std::optional<T>& value) {
        return value ? bind(index, *value) : bind(index, std::nullopt);
    }
    template <class... Args>
    Statement& bind_all(const Args&... args) {
        int i = 0;
        (bind(++i, args), ...);
        return *this;
    }

    bool step();  // true while a row is available
    void run();   // step through to completion (INSERT/UPDATE/DELETE), then reset
    void reset();

    std::int64_t int64(int column) const;
    std::string text(int column) const;
    bool is_null(int column) const;
    std::optional<std::int64_t> optional_int64(int column) const;
    std::optional<std::string> optional_text(int column) const;

private:
    sqlite3_stmt* stmt_ = nullptr;
    sqlite3* db_ = nullptr;
};

struct DatabaseOptions {
    bool read_only = false;
    bool full_sync = true;              // synchronous=FULL: a committed sale survives a power cut
    bool integrity_check_on_open = true;
    int busy_timeout_ms = 5000;         // a second process (kiosk + till) waits instead of failing
};

class Database {
public:
    // Opens (creating if needed), applies pragmas, checks integrity and migrates
    // the schema. A corrupt file is refused with Errc::corrupt_database.
    static Result<std::unique_ptr<Database>> open(const std::filesystem::path& path,
                                                  DatabaseOptions options = {});
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    void exec(std::string_view sql);
    // A statement reset and with bindings cleared, cached for the connection's life.
    Statement& prepare(std::string_view sql);
    // Ends every cached statement left mid-result, releasing its read snapshot.
    void reset_cached_statements();
    std::int64_t last_insert_rowid() const;
    int changes() const;
    // Moves when another connection (another process) commits to the file.
    std::int64_t data_version();
    int schema_version();
    std::string integrity_check();  // "ok" or SQLite's first complaints
    // Copies the whole database to target through SQLite's backup API while others keep
    // writing. single_file: leave the copy in rollback-journal mode, one self-contained file.
    Result<void> backup_to(const std::filesystem::path& target, bool single_file = true);
    const std::filesystem::path& path() const { return path_; }
    sqlite3* handle() const { return db_; }

private:
    Database(sqlite3* db, std::filesystem::path path);
    sqlite3* db_;
    std::filesystem::path path_;
    std::unordered_map<std::string, std::unique_ptr<Statement>> statements_;
    friend class Transaction;
    int savepoint_depth_ = 0;
};

// A savepoint: commits on commit(), rolls back when destroyed uncommitted
// (an exception or an early return with an error leaves nothing half-written).
class Transaction {
public:
    explicit Transaction(Database& db);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

private:
    Database& db_;
    std::string name_;
    bool done_ = false;
};

// Runs fn and turns a StorageError into an Error value: the boundary of every
// public engine call.
template <class Fn>
auto guarded(Fn&& fn) -> decltype(fn()) {
    try {
        return fn();
    } catch (const StorageError& e) {
        return make_error(Errc::storage, std::string("storage: ") + e.what());
    }
}

}  // namespace loyalty
