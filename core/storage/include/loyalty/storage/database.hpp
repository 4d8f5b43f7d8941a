#pragma once
// The storage layer: RAII over SQLite for the parts that own tables (core, the link
// agent, the hub). One Database per connection; prepared statements cached by their
// SQL text and lent out as scoped Statements that reset themselves when they go out
// of scope, so no read snapshot outlives the code that took it; nested transactions
// as savepoints so one engine operation can run inside a larger batch and stay atomic.
//
// A hub may run on PostgreSQL instead (a postgresql:// URI where a path would be):
// the same classes then speak libpq, and the engine's SQL, written in SQLite's
// dialect, is rewritten for PostgreSQL as it is prepared (postgres_dialect.cpp).
//
// Nothing above the engine sees this header: the kiosk and the POS plugin link the
// engine's domain API only.
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "loyalty/database_options.hpp"
#include "loyalty/result.hpp"

namespace loyalty {

class PgConnection;
class PgStatement;

// SQLite itself failed (I/O, disk full, constraint). Thrown inside the parts that own
// storage only; their public calls turn it into Errc::storage (see guarded()).
class StorageError : public std::runtime_error {
  public:
    StorageError(int sqlite_code, const std::string& what)
        : std::runtime_error(what), sqlite_code_(sqlite_code) {}
    int sqlite_code() const { return sqlite_code_; }
    bool is_constraint() const { return (sqlite_code_ & 0xff) == SQLITE_CONSTRAINT; }
    // Another connection won: a lock timed out, or PostgreSQL could not serialize this
    // transaction with another worker's (40001) or found them deadlocked (40P01).
    bool is_busy() const { return (sqlite_code_ & 0xff) == SQLITE_BUSY; }
    // On PostgreSQL: the server not reached, or the connection lost, which a failover or a
    // restart mends (on SQLite the same codes are a file that cannot be opened, a disk error).
    bool is_connection_failure() const {
        const int code = sqlite_code_ & 0xff;
        return code == SQLITE_CANTOPEN || code == SQLITE_IOERR;
    }

  private:
    int sqlite_code_;
};

// A domain failure found deep inside an operation (a program that no longer parses,
// lots that disagree with a balance): it aborts the whole transaction and reaches the
// caller as its own Error, not dressed up as a SQLite code.
class OperationAborted : public std::runtime_error {
  public:
    explicit OperationAborted(Error error)
        : std::runtime_error(error.message), error_(std::move(error)) {}
    const Error& error() const { return error_; }

  private:
    Error error_;
};

// A prepared statement lent by a Database for one use. Reading and binding work as on
// any statement; when the lease ends (scope exit, early return, exception) the
// statement is reset, its bindings cleared and it goes back to the connection's cache.
// A statement left on a row therefore never keeps an old read snapshot alive.
class Statement {
  public:
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&&) = delete;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    ~Statement();

    // Parameters are 1-based, as in SQLite. Binding after stepping starts the statement
    // over with the new parameters (one lease can serve each round of a loop).
    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
    Statement& bind(int index, std::string_view value);
    Statement& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
    Statement& bind(int index, const std::string& value) {
        return bind(index, std::string_view(value));
    }
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
    void run();   // steps to completion (INSERT/UPDATE/DELETE)

    // The first row read by `read(row)`, or nullopt when there is none.
    template <class Read>
    auto one(Read&& read) -> std::optional<std::invoke_result_t<Read&, const Statement&>> {
        if (!step()) return std::nullopt;
        return read(static_cast<const Statement&>(*this));
    }
    // Calls `read(row)` for every row.
    template <class Read>
    void each(Read&& read) {
        while (step()) read(static_cast<const Statement&>(*this));
    }
    // The first column of the first row (std::int64_t or std::string); nullopt when
    // there is no row or it is NULL.
    template <class T = std::int64_t>
    std::optional<T> scalar() {
        static_assert(std::is_same_v<T, std::int64_t> || std::is_same_v<T, std::string>);
        if (!step() || is_null(0)) return std::nullopt;
        if constexpr (std::is_same_v<T, std::int64_t>)
            return int64(0);
        else
            return text(0);
    }

    std::int64_t int64(int column) const;
    std::string text(int column) const;
    bool is_null(int column) const;
    std::optional<std::int64_t> optional_int64(int column) const;
    std::optional<std::string> optional_text(int column) const;
    int column_count() const;
    std::string column_name(int column) const;

  private:
    friend class Database;
    // lent_flag: the cache entry's "in use" flag, or nullptr for a one-off statement
    // this lease finalizes itself.
    Statement(sqlite3_stmt* stmt, sqlite3* db, bool* lent_flag)
        : stmt_(stmt), db_(db), lent_flag_(lent_flag) {}
    Statement(PgStatement* pg, bool* lent_flag) : pg_(pg), lent_flag_(lent_flag) {}
    void restart_if_stepped();
    sqlite3_stmt* stmt_ = nullptr;
    sqlite3* db_ = nullptr;
    PgStatement* pg_ = nullptr;  // instead of stmt_ on PostgreSQL
    bool* lent_flag_;
};

// One part's numbered migrations: migration N (1-based) is element N-1. Each part that
// owns tables keeps its own list and its own version in the table schema_versions, so
// the engine, the link agent and the hub can share one file and upgrade independently.
// A part that runs on PostgreSQL (the engine and the hub) keeps a second list in
// PostgreSQL's DDL; a part without one (the link agent) is SQLite only.
struct SchemaPart {
    std::string_view name;  // "core", "link", "hub"
    std::span<const char* const> migrations;
    std::span<const char* const> postgres_migrations = {};
};

class Database {
  public:
    // Opens (creating if needed), applies pragmas, checks integrity and migrates the
    // engine's schema. A corrupt file is refused with Errc::corrupt_database.
    // A path that is a postgresql:// (or postgres://) URI connects to PostgreSQL.
    static Result<std::unique_ptr<Database>> open(const std::filesystem::path& path,
                                                  DatabaseOptions options = {});
    static bool is_postgres_uri(const std::filesystem::path& path);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    // Brings another part's tables up to date (each migration in its own transaction).
    void migrate(const SchemaPart& part);
    // The last migration applied of a part: the engine's ("core") is PRAGMA user_version.
    int schema_version(std::string_view part = "core");

    void exec(std::string_view sql);
    // Lends the cached statement for sql (prepared once per connection). Asked for
    // again while still lent (a nested read of the same SQL), it lends a one-off copy.
    Statement prepare(std::string_view sql);
    std::int64_t last_insert_rowid() const;
    int changes() const;
    // True inside BEGIN ... COMMIT (a Transaction, at any depth).
    bool in_transaction() const;
    // PostgreSQL: the open transaction was aborted because it lost to another
    // connection's (40001, 40P01, 55P03), and run again from BEGIN it may well succeed.
    // An engine call turns that StorageError into an Error value; this is how a caller
    // holding the outer transaction still tells it from a real failure. Always false on
    // SQLite, whose writers wait their turn at BEGIN IMMEDIATE instead.
    bool lost_to_another_transaction() const;
    // Moves when another connection (another process) commits to the file.
    std::int64_t data_version();
    std::string integrity_check();  // "ok" or SQLite's first complaints
    // Copies the whole database to target through SQLite's backup API while others keep
    // writing. single_file: leave the copy in rollback-journal mode, one self-contained file.
    Result<void> backup_to(const std::filesystem::path& target, bool single_file = true);
    const std::filesystem::path& path() const { return path_; }
    bool is_postgres() const { return pg_ != nullptr; }

  private:
    struct Cached {
        sqlite3_stmt* stmt = nullptr;
        bool lent = false;
        std::unique_ptr<PgStatement> pg{};
    };
    Database(sqlite3* db, std::filesystem::path path);
    Database(std::unique_ptr<PgConnection> pg, std::filesystem::path path);
    static Result<std::unique_ptr<Database>> open_postgres(const std::filesystem::path& uri,
                                                           DatabaseOptions options);
    sqlite3* db_ = nullptr;
    std::unique_ptr<PgConnection> pg_;              // instead of db_ on PostgreSQL
    std::vector<std::string> pg_session_settings_;  // applied again after a reconnect
    void reconnect_outside_transactions();
    std::int64_t pg_data_version_ = 0;
    std::filesystem::path path_;
    // Looked up by the caller's string_view as it is: no key string built per prepare().
    struct SqlHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view sql) const noexcept {
            return std::hash<std::string_view>{}(sql);
        }
    };
    std::unordered_map<std::string, Cached, SqlHash, std::equal_to<>> statements_;
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

// For a transaction that keeps a copy of what another system holds (a member the
// hub described, the stores the hub told about a member): its commit is not synced to
// disk on its own (WAL, PRAGMA synchronous = NORMAL, for this connection, in this
// scope). A power cut may lose it, never corrupt the file, and the next synced commit
// carries it to disk; what was lost is asked for again. Open it outside a transaction,
// before the Transaction it covers.
class UnsyncedCommits {
  public:
    explicit UnsyncedCommits(Database& db);
    ~UnsyncedCommits();
    UnsyncedCommits(const UnsyncedCommits&) = delete;
    UnsyncedCommits& operator=(const UnsyncedCommits&) = delete;

  private:
    Database& db_;
    std::int64_t saved_ = 0;  // PRAGMA synchronous before, when this scope lowered it
};

// Runs fn and turns what aborted it into an Error value: the boundary of every public
// call of a part that owns storage.
template <class Fn>
auto guarded(Fn&& fn) -> decltype(fn()) {
    try {
        return fn();
    } catch (const OperationAborted& e) {
        return e.error();
    } catch (const StorageError& e) {
        return make_error(Errc::storage, std::string("storage: ") + e.what());
    }
}

// Runs fn, a whole transaction, again when it lost to another connection (is_busy):
// two hub workers on one PostgreSQL that booked one member at once. The retry starts
// from a fresh snapshot, so it sees what the winner committed; after `attempts` it
// gives up with the last error.
// The pause before each retry is random and grows, so two workers that keep colliding
// on one busy member fall out of step.
template <class Fn>
auto retried_when_busy(Fn&& fn, int attempts = 30) -> decltype(fn()) {
    thread_local std::minstd_rand jitter{std::random_device{}()};
    for (int attempt = 1;; ++attempt) {
        try {
            return fn();
        } catch (const StorageError& e) {
            if (!e.is_busy() || attempt >= attempts) throw;
            const auto most = static_cast<unsigned>(std::min(attempt, 10) * 5);
            std::this_thread::sleep_for(std::chrono::milliseconds(1 + jitter() % most));
        }
    }
}

}  // namespace loyalty
