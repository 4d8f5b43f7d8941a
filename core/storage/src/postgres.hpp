#pragma once
// Private to the storage layer: a PostgreSQL connection and its statements, behind the
// same Database and Statement the engine uses on SQLite. A hub runs on it when its
// database is a postgresql:// URI; terminals never do, and never link libpq: these are
// interfaces, implemented over libpq by the loyalty_storage_postgres library
// (postgres.cpp), which a program that wants PostgreSQL links and switches on with
// enable_postgres() (loyalty/storage/postgres.hpp).
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace loyalty {

class PgStatement {
  public:
    virtual ~PgStatement() = default;
    virtual void bind(int index, std::int64_t value) = 0;
    virtual void bind(int index, std::string_view value) = 0;
    virtual void bind_null(int index) = 0;
    virtual bool step() = 0;   // runs it on the first call; true while a row is there
    virtual void reset() = 0;  // drops the result, keeps the bindings
    virtual void clear_bindings() = 0;
    virtual std::int64_t int64(int column) const = 0;
    virtual std::string text(int column) const = 0;
    virtual bool is_null(int column) const = 0;
    virtual int column_count() const = 0;
    virtual std::string column_name(int column) const = 0;
};

// Inside a transaction, writes are pipelined: an INSERT, UPDATE or DELETE whose rows
// the caller did not ask for (no RETURNING of its own), a BEGIN and a SAVEPOINT are
// sent without waiting, and their answers are read with the next statement that needs
// one (a read, changes(), last_insert_id(), a RELEASE, COMMIT or ROLLBACK). A hub event
// is a dozen writes among a handful of reads: one round trip each was most of its cost.
// A write that failed is reported by that next statement, which is never later than
// the RELEASE or COMMIT of the savepoint or transaction it was written in, so an
// operation still fails whole; the failure names the write.
class PgConnection {
  public:
    virtual ~PgConnection() = default;
    // Runs one or more statements through the simple protocol (DDL, SET), once every
    // write pipelined before it has been answered.
    virtual void exec(std::string_view sql) = 0;
    // A statement of the engine's SQL (SQLite's dialect), rewritten for PostgreSQL.
    virtual std::unique_ptr<PgStatement> statement(std::string_view sqlite_sql) = 0;

    // The outermost transaction: serializable, so two hub workers that book the same
    // member cannot both commit what each read alone.
    virtual void begin() = 0;
    virtual void savepoint(const std::string& name) = 0;
    virtual void release(const std::string& name) = 0;
    // Refused as busy when a statement of the transaction lost to another transaction,
    // and as aborted when an error aborted it: PostgreSQL would answer COMMIT of that
    // with a silent ROLLBACK.
    virtual void commit() = 0;
    // These never throw: they run on the way out of a failed operation. A write still
    // pipelined is discarded with what it wrote.
    virtual void rollback() noexcept = 0;
    virtual void rollback_to(const std::string& name) noexcept = 0;  // and releases it

    // A statement of the open transaction lost to another transaction (could not
    // serialize, deadlock, lock not available), even one whose savepoint was rolled back
    // since: the transaction's snapshot is stale, so it must run again from BEGIN.
    // (A write still pipelined has not answered yet: the next statement will say.)
    virtual bool lost_to_another() const = 0;
    // After a lost connection (the primary failed over): connect again (libpq tries every
    // host of the URI) and forget what was prepared on the old one; true when it did.
    // Called outside transactions only, so a transaction is never half on each connection.
    virtual bool reconnect_if_lost() = 0;
    virtual std::int64_t changes() = 0;  // rows the last INSERT/UPDATE/DELETE touched
    // The identity the last INSERT into a table with one drew (SQLite's
    // last_insert_rowid): read from the INSERT itself, no round trip of its own.
    virtual std::int64_t last_insert_id() = 0;
};

// Set by enable_postgres(); nullptr in a program built without PostgreSQL.
using PgConnector = std::unique_ptr<PgConnection> (*)(const std::string& uri);
PgConnector& postgres_connector();

}  // namespace loyalty
