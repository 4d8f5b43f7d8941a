#include "loyalty/storage/database.hpp"

#include <optional>
#include <string>
#include <utility>

#include "postgres.hpp"
#include "schema_migrations.hpp"
#include "wal_vfs.hpp"

namespace loyalty {

namespace {

// The engine's own tables keep their version in PRAGMA user_version, as they always have.
constexpr std::string_view kCorePart = "core";

// Held while a connection migrates a PostgreSQL database: workers starting together on
// a new database migrate it once. A session lock, taken before the migration's
// transaction begins: a serializable transaction's snapshot would otherwise predate the
// commit of the worker it waited for, and see its tables missing.
class PostgresMigrationLock {
  public:
    explicit PostgresMigrationLock(PgConnection& pg) : pg_(pg) {
        pg_.exec("SELECT pg_advisory_lock(7447011)");
    }
    ~PostgresMigrationLock() {
        try {
            pg_.exec("SELECT pg_advisory_unlock(7447011)");
        } catch (const StorageError&) {
            // A lost connection released it.
        }
    }
    PostgresMigrationLock(const PostgresMigrationLock&) = delete;
    PostgresMigrationLock& operator=(const PostgresMigrationLock&) = delete;

  private:
    PgConnection& pg_;
};

// Switching a new file to WAL needs it to itself, and SQLite answers "locked" at once
// rather than through the busy timeout when another process (the kiosk starting beside
// the link agent) has it open. The switch is made once per file: wait until one of us did.
void enter_wal_mode(Database& db) {
    for (int attempt = 0;; ++attempt) {
        if (db.prepare("PRAGMA journal_mode").scalar<std::string>() == "wal") return;
        try {
            db.exec("PRAGMA journal_mode = WAL");
            return;
        } catch (const StorageError& e) {
            if ((e.sqlite_code() & 0xff) != SQLITE_BUSY || attempt == 500) throw;
            sqlite3_sleep(10);
        }
    }
}

// SQLite's memory statistics take a global mutex around every allocation (a sale's
// commit makes hundreds): 7% of its CPU, for figures nothing here reads. Switched off
// once, before the first connection; if something initialised SQLite first, the call
// is refused and nothing changes.
void configure_sqlite_once() {
    static const bool done = [] {
        sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
        return true;
    }();
    (void)done;
}

[[noreturn]] void throw_sqlite(sqlite3* db, int rc, std::string_view context) {
    std::string message(context);
    message += ": ";
    message += db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    throw StorageError(db ? sqlite3_extended_errcode(db) : rc, message);
}

}  // namespace

PgConnector& postgres_connector() {
    static PgConnector connector = nullptr;
    return connector;
}

Statement::Statement(Statement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)),
      db_(other.db_),
      pg_(std::exchange(other.pg_, nullptr)),
      lent_flag_(std::exchange(other.lent_flag_, nullptr)) {}

Statement::~Statement() {
    if (pg_) {
        if (lent_flag_) {
            pg_->reset();
            pg_->clear_bindings();
            *lent_flag_ = false;
        } else {
            delete pg_;
        }
        return;
    }
    if (!stmt_) return;
    if (lent_flag_) {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
        *lent_flag_ = false;
    } else {
        sqlite3_finalize(stmt_);
    }
}

// Binding a statement that has already stepped starts a new execution of it (a loop that
// binds each round's parameters to one lease), rather than SQLite's misuse error.
void Statement::restart_if_stepped() {
    if (sqlite3_stmt_busy(stmt_)) sqlite3_reset(stmt_);
}

Statement& Statement::bind(int index, std::int64_t value) {
    if (pg_) {
        pg_->bind(index, value);
        return *this;
    }
    restart_if_stepped();
    if (int rc = sqlite3_bind_int64(stmt_, index, value); rc != SQLITE_OK)
        throw_sqlite(db_, rc, "bind");
    return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
    if (pg_) {
        pg_->bind(index, value);
        return *this;
    }
    restart_if_stepped();
    if (int rc = sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()),
                                   SQLITE_TRANSIENT);
        rc != SQLITE_OK)
        throw_sqlite(db_, rc, "bind");
    return *this;
}

Statement& Statement::bind(int index, std::nullopt_t) {
    if (pg_) {
        pg_->bind_null(index);
        return *this;
    }
    restart_if_stepped();
    if (int rc = sqlite3_bind_null(stmt_, index); rc != SQLITE_OK) throw_sqlite(db_, rc, "bind");
    return *this;
}

bool Statement::step() {
    if (pg_) {
        if (pg_->step()) return true;
        pg_->reset();  // as SQLite's: finished, bindings kept, ready for another round
        return false;
    }
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) {
        // Finished: reset now (bindings kept), so the read ends here and the lease can be
        // bound again for another round (SQLite refuses binds on a halted statement).
        sqlite3_reset(stmt_);
        return false;
    }
    std::string sql = sqlite3_sql(stmt_);
    sqlite3_reset(stmt_);
    throw_sqlite(db_, rc, "step [" + sql.substr(0, 80) + "]");
}

void Statement::run() {
    if (pg_) {
        pg_->step();
        pg_->reset();
        return;
    }
    while (step()) {
    }
    sqlite3_reset(stmt_);  // a statement run twice in one lease starts again
}

std::int64_t Statement::int64(int column) const {
    if (pg_) return pg_->int64(column);
    return sqlite3_column_int64(stmt_, column);
}

std::string Statement::text(int column) const {
    if (pg_) return pg_->text(column);
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)))
             : std::string();
}

bool Statement::is_null(int column) const {
    if (pg_) return pg_->is_null(column);
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::optional<std::int64_t> Statement::optional_int64(int column) const {
    if (is_null(column)) return std::nullopt;
    return int64(column);
}

std::optional<std::string> Statement::optional_text(int column) const {
    if (is_null(column)) return std::nullopt;
    return text(column);
}

int Statement::column_count() const {
    if (pg_) return pg_->column_count();
    return sqlite3_column_count(stmt_);
}

std::string Statement::column_name(int column) const {
    if (pg_) return pg_->column_name(column);
    const char* name = sqlite3_column_name(stmt_, column);
    return name ? name : "";
}

Database::Database(sqlite3* db, std::filesystem::path path) : db_(db), path_(std::move(path)) {}
Database::Database(std::unique_ptr<PgConnection> pg, std::filesystem::path path)
    : pg_(std::move(pg)), path_(std::move(path)) {}

Database::~Database() {
    for (auto& [sql, cached] : statements_) sqlite3_finalize(cached.stmt);  // finalize before close
    statements_.clear();
    if (db_) sqlite3_close_v2(db_);
}

bool Database::is_postgres_uri(const std::filesystem::path& path) {
    const auto& s = path.native();
    return s.starts_with("postgresql://") || s.starts_with("postgres://");
}

Result<std::unique_ptr<Database>> Database::open(const std::filesystem::path& path,
                                                 DatabaseOptions options) {
    if (is_postgres_uri(path)) return open_postgres(path, options);
    configure_sqlite_once();
    sqlite3* raw = nullptr;
    int flags =
        options.read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    flags |= SQLITE_OPEN_NOMUTEX;  // one connection per thread, by design
    int rc = sqlite3_open_v2(path.c_str(), &raw, flags, wal_vfs_name());
    if (rc != SQLITE_OK) {
        std::string message = raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
        sqlite3_close_v2(raw);
        return make_error(Errc::storage, "cannot open database " + path.string() + ": " + message);
    }
    std::unique_ptr<Database> db(new Database(raw, path));
    try {
        sqlite3_busy_timeout(raw, options.busy_timeout_ms);
        sqlite3_extended_result_codes(raw, 1);
        if (options.integrity_check_on_open) {
            std::string verdict = db->integrity_check();
            if (verdict != "ok")
                return make_error(Errc::corrupt_database,
                                  "database " + path.string() + " failed its integrity check (" +
                                      verdict +
                                      "); refusing to run on it: restore the last backup");
        }
        db->exec("PRAGMA foreign_keys = ON");
        // Savepoint sub-journals in memory: on disk they doubled the cost of a sale's commit.
        db->exec("PRAGMA temp_store = MEMORY");
        if (!options.read_only) {
            enter_wal_mode(*db);
            db->exec(options.full_sync ? "PRAGMA synchronous = FULL"
                                       : "PRAGMA synchronous = NORMAL");
            // No WAL frames before the commit: wal_vfs.cpp holds a transaction's frames in
            // memory until its commit frame, and frames a transaction spilled before rolling
            // back would otherwise be written later, over another connection's commit. The
            // cost: a transaction keeps all its dirty pages in memory until it ends.
            db->exec("PRAGMA cache_spill = OFF");
            const int current = db->schema_version();
            const int known = static_cast<int>(schema_migrations().size());
            if (current > known)
                return make_error(Errc::storage,
                                  "database schema version " + std::to_string(current) +
                                      " is newer than this program knows; upgrade the program");
            db->migrate(SchemaPart{kCorePart, schema_migrations()});
        }
    } catch (const StorageError& e) {
        // A file that is not a database at all lands here (SQLITE_NOTADB).
        if ((e.sqlite_code() & 0xff) == SQLITE_NOTADB || (e.sqlite_code() & 0xff) == SQLITE_CORRUPT)
            return make_error(Errc::corrupt_database, "database " + path.string() +
                                                          " is corrupt or not a database (" +
                                                          e.what() + "); refusing to run on it");
        return make_error(Errc::storage, std::string("cannot prepare database: ") + e.what());
    }
    return db;
}

Result<std::unique_ptr<Database>> Database::open_postgres(const std::filesystem::path& uri,
                                                          DatabaseOptions options) {
    if (!postgres_connector())
        return make_error(Errc::storage, "this program was built without PostgreSQL: " +
                                             uri.string() + " needs the hub");
    try {
        std::unique_ptr<Database> db(new Database(postgres_connector()(uri.native()), uri));
        if (options.read_only)
            db->pg_session_settings_.push_back("SET default_transaction_read_only = on");
        if (!options.full_sync) db->pg_session_settings_.push_back("SET synchronous_commit = off");
        for (const auto& setting : db->pg_session_settings_) db->exec(setting);
        if (!options.read_only) {
            {
                PostgresMigrationLock lock(*db->pg_);
                db->pg_->exec(
                    "CREATE TABLE IF NOT EXISTS schema_versions (part TEXT PRIMARY KEY, "
                    "version BIGINT NOT NULL)");
            }
            const int known = static_cast<int>(postgres_schema_migrations().size());
            if (db->schema_version() > known)
                return make_error(Errc::storage,
                                  "database schema version " +
                                      std::to_string(db->schema_version()) +
                                      " is newer than this program knows; upgrade the program");
            db->migrate(SchemaPart{kCorePart, schema_migrations(), postgres_schema_migrations()});
        }
        return db;
    } catch (const StorageError& e) {
        // The server not reached, or lost while preparing: it may be back (a failover, a
        // server still starting), and the caller may wait for it. Anything else, from a
        // malformed connection string to a schema newer than this program, is for good.
        return make_error(e.is_connection_failure() ? Errc::unreachable : Errc::storage,
                          std::string("cannot prepare database: ") + e.what());
    }
}

void Database::reconnect_outside_transactions() {
    if (savepoint_depth_ > 0 || !pg_->reconnect_if_lost()) return;
    // A new session: the settings this Database was opened with, again.
    for (const auto& setting : pg_session_settings_) pg_->exec(setting);
}

void Database::exec(std::string_view sql) {
    if (pg_) {
        reconnect_outside_transactions();
        return pg_->exec(sql);
    }
    std::string owned(sql);
    char* err = nullptr;
    int rc = sqlite3_exec(db_, owned.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
        std::string message = err ? err : sqlite3_errstr(rc);
        sqlite3_free(err);
        throw StorageError(sqlite3_extended_errcode(db_), "exec: " + message);
    }
}

namespace {
sqlite3_stmt* compile(sqlite3* db, std::string_view sql, unsigned flags) {
    sqlite3_stmt* stmt = nullptr;
    int rc =
        sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), flags, &stmt, nullptr);
    if (rc != SQLITE_OK) throw_sqlite(db, rc, "prepare [" + std::string(sql.substr(0, 80)) + "]");
    return stmt;
}
}  // namespace

Statement Database::prepare(std::string_view sql) {
    if (pg_) {
        reconnect_outside_transactions();
        auto it = statements_.find(sql);
        if (it == statements_.end()) {
            Cached cached;
            cached.pg = pg_->statement(sql);
            it = statements_.emplace(std::string(sql), std::move(cached)).first;
        }
        if (it->second.lent) return Statement(pg_->statement(sql).release(), nullptr);
        it->second.lent = true;
        return Statement(it->second.pg.get(), &it->second.lent);
    }
    auto it = statements_.find(sql);
    if (it == statements_.end()) {
        // Elements of an unordered_map keep their address, so the lease may point at the flag.
        it = statements_
                 .emplace(std::string(sql),
                          Cached{compile(db_, sql, SQLITE_PREPARE_PERSISTENT), false})
                 .first;
    }
    if (it->second.lent) return Statement(compile(db_, sql, 0), db_, nullptr);
    it->second.lent = true;
    return Statement(it->second.stmt, db_, &it->second.lent);
}

std::int64_t Database::last_insert_rowid() const {
    // The identity the connection's last INSERT drew, returned by the INSERT itself.
    if (pg_) return pg_->last_insert_id();
    return sqlite3_last_insert_rowid(db_);
}
int Database::changes() const {
    if (pg_) return static_cast<int>(pg_->changes());
    return sqlite3_changes(db_);
}
bool Database::in_transaction() const {
    if (pg_) return savepoint_depth_ > 0;
    return sqlite3_get_autocommit(db_) == 0;
}

bool Database::lost_to_another_transaction() const {
    return pg_ && savepoint_depth_ > 0 && pg_->lost_to_another();
}

std::int64_t Database::data_version() {
    // PostgreSQL has no counter of other connections' commits: every call reads as
    // "something may have changed", and the caller's own check (a stamp) decides.
    if (pg_) return ++pg_data_version_;
    return prepare("PRAGMA data_version").scalar().value_or(0);
}

int Database::schema_version(std::string_view part) {
    if (part == kCorePart && !pg_)
        return static_cast<int>(prepare("PRAGMA user_version").scalar().value_or(0));
    return static_cast<int>(prepare("SELECT version FROM schema_versions WHERE part = ?")
                                .bind_all(part)
                                .scalar()
                                .value_or(0));
}

// On PostgreSQL, workers starting together on one new database: the first to take the
// advisory lock applies the migrations, the others find them applied. There, the
// versions of every part, the engine's too, are rows of schema_versions (made by
// open_postgres under the same lock); on SQLite the engine's is PRAGMA user_version.
void Database::migrate(const SchemaPart& part) {
    const auto migrations = pg_ ? part.postgres_migrations : part.migrations;
    const int known = static_cast<int>(migrations.size());
    if (pg_ && known == 0 && !part.migrations.empty())
        throw StorageError(SQLITE_ERROR,
                           std::string(part.name) + " tables are kept in SQLite only");
    if (schema_version(part.name) > known)
        throw StorageError(SQLITE_ERROR,
                           std::string(part.name) + " schema version " +
                               std::to_string(schema_version(part.name)) +
                               " is newer than this program knows; upgrade the program");
    std::optional<PostgresMigrationLock> lock;
    if (pg_) lock.emplace(*pg_);
    // The version is read again under the write lock: two processes opening a new file at
    // the same moment must not both apply a migration.
    while (schema_version(part.name) < known) {
        Transaction tx(*this);
        const int v = schema_version(part.name);
        if (v >= known) break;
        exec(migrations[static_cast<std::size_t>(v)]);
        if (part.name == kCorePart && !pg_)
            exec("PRAGMA user_version = " + std::to_string(v + 1));
        else
            prepare(
                "INSERT INTO schema_versions(part, version) VALUES (?, ?) "
                "ON CONFLICT(part) DO UPDATE SET version = excluded.version")
                .bind_all(part.name, v + 1)
                .run();
        tx.commit();
    }
}

std::string Database::integrity_check() {
    if (pg_) return "ok";  // PostgreSQL checks its own pages (data checksums, amcheck)
    Statement st(compile(db_, "PRAGMA integrity_check", 0), db_, nullptr);
    std::string verdict;
    while (st.step()) {
        if (!verdict.empty()) verdict += "; ";
        verdict += st.text(0);
        if (verdict.size() > 300) break;
    }
    return verdict;
}

Result<void> Database::backup_to(const std::filesystem::path& target, bool single_file) {
    if (pg_)
        return make_error(Errc::storage,
                          "a PostgreSQL hub is backed up by PostgreSQL (pg_basebackup, a standby)");
    sqlite3* dest = nullptr;
    if (sqlite3_open_v2(target.c_str(), &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                        nullptr) != SQLITE_OK) {
        std::string message = dest ? sqlite3_errmsg(dest) : "out of memory";
        sqlite3_close_v2(dest);
        return make_error(Errc::storage,
                          "cannot create backup " + target.string() + ": " + message);
    }
    sqlite3_backup* backup = sqlite3_backup_init(dest, "main", db_, "main");
    int rc = SQLITE_OK;
    if (backup) {
        // Copy in steps so a busy store database is not locked for the whole copy.
        do {
            rc = sqlite3_backup_step(backup, 1024);
            if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) sqlite3_sleep(5);
        } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
        sqlite3_backup_finish(backup);
        // The copy inherits WAL mode from its header; a backup file should stand alone,
        // with no -wal/-shm files appearing beside it when it is opened.
        if (rc == SQLITE_DONE && single_file)
            sqlite3_exec(dest, "PRAGMA journal_mode = DELETE", nullptr, nullptr, nullptr);
    }
    std::string message = sqlite3_errmsg(dest);
    sqlite3_close_v2(dest);
    if (!backup || rc != SQLITE_DONE) return make_error(Errc::storage, "backup failed: " + message);
    return {};
}

UnsyncedCommits::UnsyncedCommits(Database& db) : db_(db) {
    if (db_.in_transaction()) return;  // the setting would not cover the enclosing commit
    if (db_.is_postgres()) {
        // The same promise on PostgreSQL: the commit returns before its WAL is flushed
        // (a connection opened without full_sync has it off already).
        if (db_.prepare("SHOW synchronous_commit").scalar<std::string>() == "off") return;
        db_.exec("SET synchronous_commit = off");
        saved_ = -1;
        return;
    }
    const auto now = db_.prepare("PRAGMA synchronous").scalar<std::int64_t>().value_or(0);
    if (now <= 1) return;  // NORMAL or OFF already
    db_.exec("PRAGMA synchronous = NORMAL");
    saved_ = now;
}

UnsyncedCommits::~UnsyncedCommits() {
    if (saved_ == 0 || db_.in_transaction()) return;
    try {
        if (saved_ == -1)
            db_.exec("SET synchronous_commit = on");
        else
            db_.exec(saved_ == 3 ? "PRAGMA synchronous = EXTRA" : "PRAGMA synchronous = FULL");
    } catch (const StorageError&) {
        // A connection that cannot take a pragma cannot commit either.
    }
}

Transaction::Transaction(Database& db)
    : db_(db), name_("sp" + std::to_string(db.savepoint_depth_)) {
    // The outermost transaction takes the write lock up front: a deferred one that
    // reads first and then writes fails with SQLITE_BUSY_SNAPSHOT, unrescued by the
    // busy timeout, when another process (the till beside the kiosk) wrote in between.
    // Inner ones are savepoints, so an operation can run inside a larger batch.
    if (db.savepoint_depth_ == 0 && db.pg_) {
        // Several hub workers book on one PostgreSQL: serializable, so two that touch
        // the same member or terminal cannot both commit what each read alone; the
        // loser gets SQLITE_BUSY (40001) and its batch is applied again.
        db_.reconnect_outside_transactions();
        db_.pg_->begin();
    } else if (db.savepoint_depth_ == 0) {
        db_.prepare("BEGIN IMMEDIATE").run();
    } else if (db.pg_) {
        db_.pg_->savepoint(name_);
    } else {
        // Cached like any statement: an engine operation opens one or two savepoints,
        // and parsing their SQL each time cost more than the writes inside them.
        db_.prepare("SAVEPOINT " + name_).run();
    }
    ++db_.savepoint_depth_;
}

Transaction::~Transaction() {
    if (done_) return;
    --db_.savepoint_depth_;
    if (db_.pg_) {
        if (db_.savepoint_depth_ == 0)
            db_.pg_->rollback();
        else
            db_.pg_->rollback_to(name_);
        return;
    }
    try {
        if (db_.savepoint_depth_ == 0) {
            db_.exec("ROLLBACK");
        } else {
            db_.exec("ROLLBACK TO " + name_);
            db_.exec("RELEASE " + name_);
        }
    } catch (const StorageError&) {
        // The connection is already rolled back (e.g. SQLITE_FULL aborted it).
    }
}

void Transaction::commit() {
    if (db_.pg_ && db_.savepoint_depth_ == 1)
        db_.pg_->commit();
    else if (db_.pg_)
        db_.pg_->release(name_);
    else
        db_.prepare(db_.savepoint_depth_ == 1 ? "COMMIT" : "RELEASE " + name_).run();
    --db_.savepoint_depth_;
    done_ = true;
}

}  // namespace loyalty
