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

class PgConnection {
  public:
    virtual ~PgConnection() = default;
    // Runs one or more statements through the simple protocol (DDL, BEGIN, SET).
    virtual void exec(std::string_view sql) = 0;
    // A statement of the engine's SQL (SQLite's dialect), rewritten for PostgreSQL.
    virtual std::unique_ptr<PgStatement> statement(std::string_view sqlite_sql) = 0;
    // The transaction BEGIN opened is no longer open and healthy (an error aborted it, or
    // the connection was lost): COMMIT would not commit it.
    virtual bool transaction_failed() const = 0;
    // A statement of the open transaction lost to another transaction (could not
    // serialize, deadlock, lock not available), even one whose savepoint was rolled back
    // since: the transaction's snapshot is stale, so it must run again from BEGIN.
    virtual bool lost_to_another() const = 0;
    // After a lost connection (the primary failed over): connect again (libpq tries every
    // host of the URI) and forget what was prepared on the old one; true when it did.
    // Called outside transactions only, so a transaction is never half on each connection.
    virtual bool reconnect_if_lost() = 0;
    virtual std::int64_t changes() const = 0;  // rows the last INSERT/UPDATE/DELETE touched
    // The identity the last INSERT into a table with one drew (SQLite's
    // last_insert_rowid): read from the INSERT itself, no round trip of its own.
    virtual std::int64_t last_insert_id() const = 0;
};

// Set by enable_postgres(); nullptr in a program built without PostgreSQL.
using PgConnector = std::unique_ptr<PgConnection> (*)(const std::string& uri);
PgConnector& postgres_connector();

}  // namespace loyalty
