// The libpq side of postgres.hpp.
//
// Statements are prepared once per connection, on their first run, with the
// parameters' types left to PostgreSQL to infer from the SQL (as SQLite's are free);
// where the SQL gives no clue (`? IS NULL`) they are prepared again with the types of
// the values bound. Strings go in binary form, so a hostile payload parked as a dead
// letter (bytea) arrives byte for byte; results come back as text.
#include "postgres.hpp"

#include <libpq-fe.h>

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "loyalty/storage/database.hpp"
#include "loyalty/storage/postgres.hpp"
#include "postgres_dialect.hpp"

namespace loyalty {

namespace {

constexpr unsigned kInt8Oid = 20;
constexpr unsigned kTextOid = 25;
constexpr unsigned kByteaOid = 17;

// The engine reads StorageError's code the SQLite way (is_constraint(), busy): the
// SQLSTATE classes it cares about are mapped onto those codes; the message keeps the
// SQLSTATE itself for the operator.
int sqlite_code_of(const char* sqlstate) {
    if (!sqlstate) return SQLITE_IOERR;  // no answer: the connection is gone
    const std::string_view state(sqlstate);
    if (state.starts_with("23")) return SQLITE_CONSTRAINT;
    if (state == "40001" || state == "40P01" || state == "55P03") return SQLITE_BUSY;
    if (state.starts_with("08") || state.starts_with("57P") || state == "25006")
        return SQLITE_IOERR;  // lost, shut down, or a standby that became read-only
    return SQLITE_ERROR;
}

[[noreturn]] void throw_result(PGconn* conn, const PGresult* result, std::string_view context) {
    const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    std::string message = "postgres";
    if (state) message += std::string(" [") + state + "]";
    message += ": ";
    const char* text = result ? PQresultErrorMessage(result) : "";
    message += (text && *text) ? text : PQerrorMessage(conn);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    message += " (";
    message += context.substr(0, 120);
    message += ")";
    throw StorageError(sqlite_code_of(state), message);
}

struct ResultGuard {
    PGresult* r;
    ~ResultGuard() { PQclear(r); }
};

bool ok(const PGresult* r) {
    const auto status = PQresultStatus(r);
    return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

class LibpqConnection final : public PgConnection {
  public:
    explicit LibpqConnection(const std::string& uri);
    ~LibpqConnection() override;
    LibpqConnection(const LibpqConnection&) = delete;
    LibpqConnection& operator=(const LibpqConnection&) = delete;

    void exec(std::string_view sql) override;
    std::unique_ptr<PgStatement> statement(std::string_view sqlite_sql) override;
    bool transaction_failed() const override {
        return PQtransactionStatus(conn_) != PQTRANS_INTRANS;
    }
    bool lost_to_another() const override { return lost_to_another_; }
    bool reconnect_if_lost() override;
    std::int64_t changes() const override { return changes_; }
    std::int64_t last_insert_id() const override { return last_insert_id_; }
    void set_last_insert_id(std::int64_t id) { last_insert_id_ = id; }
    // A table's identity column ("" for none), from the catalogue: read once per
    // connection, and again for a table it did not know (one a migration made since).
    const std::string& identity_column(const std::string& table);

    // The name of sql prepared with these parameter types (0: inferred), preparing it
    // on first use.
    const std::string& prepared(const std::string& sql, const std::vector<Oid>& types);
    bool in_transaction() const;
    PGconn* raw() { return conn_; }
    void set_changes(std::int64_t n) { changes_ = n; }
    // Throws what result says went wrong, remembering whether it lost to another transaction.
    [[noreturn]] void fail(const PGresult* result, std::string_view context);

  private:
    PGconn* conn_ = nullptr;
    std::int64_t changes_ = 0;
    std::int64_t last_insert_id_ = 0;
    bool lost_to_another_ = false;                                   // since the last BEGIN
    std::unordered_map<std::string, std::string> prepared_;          // sql '\0' types -> name
    std::unordered_map<std::string, std::string> identity_columns_;  // table -> column
};

class LibpqStatement final : public PgStatement {
  public:
    LibpqStatement(LibpqConnection& conn, std::string_view sqlite_sql);
    ~LibpqStatement() override { PQclear(result_); }
    LibpqStatement(const LibpqStatement&) = delete;
    LibpqStatement& operator=(const LibpqStatement&) = delete;

    void bind(int index, std::int64_t value) override;
    void bind(int index, std::string_view value) override;
    void bind_null(int index) override;
    bool step() override;
    void reset() override;
    void clear_bindings() override;
    std::int64_t int64(int column) const override;
    std::string text(int column) const override;
    bool is_null(int column) const override;
    int column_count() const override;
    std::string column_name(int column) const override;

  private:
    struct Param {
        std::optional<std::string> value;
        bool integer = false;
    };
    // An INSERT into a table with an identity: RETURNING it is appended, so the id
    // comes back with the INSERT (no SELECT lastval() after it); its rows are not the
    // caller's, who asked for none.
    void return_identity_of_inserts();
    void execute();
    PGresult* run_prepared(const std::string& name);
    Param& param(int index);

    LibpqConnection& conn_;
    std::string sql_;
    std::vector<Param> params_;
    PGresult* result_ = nullptr;
    int row_ = -1;
    bool executed_ = false;
    bool returns_identity_ = false;
};

LibpqConnection::LibpqConnection(const std::string& uri) {
    conn_ = PQconnectdb(uri.c_str());
    if (PQstatus(conn_) != CONNECTION_OK) {
        std::string message = PQerrorMessage(conn_);
        while (!message.empty() && message.back() == '\n') message.pop_back();
        PQfinish(conn_);
        conn_ = nullptr;
        throw StorageError(SQLITE_CANTOPEN, "cannot connect to PostgreSQL: " + message);
    }
    // Notices (a savepoint released twice, a table that already exists) are not errors.
    PQsetNoticeProcessor(
        conn_, [](void*, const char*) {}, nullptr);
}

LibpqConnection::~LibpqConnection() {
    if (conn_) PQfinish(conn_);
}

bool LibpqConnection::reconnect_if_lost() {
    if (PQstatus(conn_) == CONNECTION_OK) return false;
    PQreset(conn_);
    prepared_.clear();
    if (PQstatus(conn_) != CONNECTION_OK) {
        std::string message = PQerrorMessage(conn_);
        while (!message.empty() && message.back() == '\n') message.pop_back();
        throw StorageError(SQLITE_IOERR, "PostgreSQL connection lost: " + message);
    }
    return true;
}

bool LibpqConnection::in_transaction() const {
    const auto status = PQtransactionStatus(conn_);
    return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE;
}

void LibpqConnection::fail(const PGresult* result, std::string_view context) {
    const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    if (sqlite_code_of(state) == SQLITE_BUSY) lost_to_another_ = true;
    throw_result(conn_, result, context);
}

void LibpqConnection::exec(std::string_view sql) {
    const std::string owned(sql);
    if (sql.starts_with("BEGIN")) lost_to_another_ = false;
    ResultGuard r{PQexec(conn_, owned.c_str())};
    if (!ok(r.r)) fail(r.r, sql);
}

const std::string& LibpqConnection::identity_column(const std::string& table) {
    if (auto it = identity_columns_.find(table); it != identity_columns_.end()) return it->second;
    ResultGuard r{PQexec(conn_,
                         "SELECT table_name, column_name FROM information_schema.columns "
                         "WHERE table_schema = current_schema() AND is_identity = 'YES'")};
    if (!ok(r.r)) fail(r.r, "identity columns");
    for (int row = 0; row < PQntuples(r.r); ++row)
        identity_columns_[PQgetvalue(r.r, row, 0)] = PQgetvalue(r.r, row, 1);
    return identity_columns_[table];  // "" when the table has none
}

const std::string& LibpqConnection::prepared(const std::string& sql,
                                             const std::vector<Oid>& types) {
    std::string key = sql;
    key += '\0';
    for (auto t : types) key += std::to_string(t) + ",";
    if (auto it = prepared_.find(key); it != prepared_.end()) return it->second;
    std::string name = "s" + std::to_string(prepared_.size() + 1);
    // A statement that fails to prepare aborts the transaction it is in: the first
    // prepare of each statement inside one is fenced by a savepoint, so a refusal
    // (types to infer, see PgStatement::execute) leaves the transaction usable.
    const bool fenced = in_transaction();
    if (fenced) exec("SAVEPOINT loyalty_prepare");
    ResultGuard r{PQprepare(conn_, name.c_str(), sql.c_str(), static_cast<int>(types.size()),
                            types.empty() ? nullptr : types.data())};
    if (!ok(r.r)) {
        if (fenced)
            exec("ROLLBACK TO SAVEPOINT loyalty_prepare; RELEASE SAVEPOINT loyalty_prepare");
        fail(r.r, sql);
    }
    if (fenced) exec("RELEASE SAVEPOINT loyalty_prepare");
    return prepared_.emplace(std::move(key), std::move(name)).first->second;
}

LibpqStatement::LibpqStatement(LibpqConnection& conn, std::string_view sqlite_sql) : conn_(conn) {
    try {
        auto translated = postgres_sql(sqlite_sql);
        sql_ = std::move(translated.sql);
        params_.resize(static_cast<std::size_t>(translated.parameters));
    } catch (const std::invalid_argument& e) {
        throw StorageError(SQLITE_ERROR, e.what());
    }
    return_identity_of_inserts();
}

void LibpqStatement::return_identity_of_inserts() {
    constexpr std::string_view insert = "INSERT INTO ";
    if (!sql_.starts_with(insert)) return;
    std::string upper = sql_;
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (upper.find("RETURNING") != std::string::npos) return;  // the caller reads its rows
    std::size_t end = insert.size();
    while (end < sql_.size() &&
           (std::isalnum(static_cast<unsigned char>(sql_[end])) || sql_[end] == '_'))
        ++end;
    const auto& column = conn_.identity_column(sql_.substr(insert.size(), end - insert.size()));
    if (column.empty()) return;
    while (!sql_.empty() &&
           (std::isspace(static_cast<unsigned char>(sql_.back())) || sql_.back() == ';'))
        sql_.pop_back();
    sql_ += " RETURNING " + column;
    returns_identity_ = true;
}

LibpqStatement::Param& LibpqStatement::param(int index) {
    if (index < 1 || static_cast<std::size_t>(index) > params_.size())
        throw StorageError(SQLITE_RANGE, "bind: no parameter " + std::to_string(index) + " in [" +
                                             sql_.substr(0, 80) + "]");
    if (executed_) reset();
    return params_[static_cast<std::size_t>(index - 1)];
}

void LibpqStatement::bind(int index, std::int64_t value) {
    auto& p = param(index);
    p.value = std::to_string(value);
    p.integer = true;
}

void LibpqStatement::bind(int index, std::string_view value) {
    auto& p = param(index);
    p.value = std::string(value);
    p.integer = false;
}

void LibpqStatement::bind_null(int index) {
    auto& p = param(index);
    p.value.reset();
    p.integer = false;
}

void LibpqStatement::reset() {
    PQclear(result_);
    result_ = nullptr;
    row_ = -1;
    executed_ = false;
}

void LibpqStatement::clear_bindings() {
    for (auto& p : params_) p = Param{};
}

PGresult* LibpqStatement::run_prepared(const std::string& name) {
    std::vector<const char*> values(params_.size());
    std::vector<int> lengths(params_.size());
    std::vector<int> formats(params_.size());
    for (std::size_t i = 0; i < params_.size(); ++i) {
        const auto& p = params_[i];
        values[i] = p.value ? p.value->c_str() : nullptr;
        lengths[i] = p.value ? static_cast<int>(p.value->size()) : 0;
        formats[i] = p.integer ? 0 : 1;  // strings as bytes, integers as decimal text
    }
    return PQexecPrepared(conn_.raw(), name.c_str(), static_cast<int>(params_.size()),
                          values.data(), lengths.data(), formats.data(), 0);
}

void LibpqStatement::execute() {
    const std::string* name = nullptr;
    try {
        name = &conn_.prepared(sql_, {});
    } catch (const StorageError& e) {
        // 42P18: a parameter whose type the SQL does not say (`? IS NULL`). Inside a
        // transaction the failed prepare would abort it, so it was tried in a savepoint.
        if (std::strstr(e.what(), "[42P18]") == nullptr) throw;
    }
    if (!name) {
        std::vector<Oid> types;
        for (const auto& p : params_) types.push_back(p.integer ? kInt8Oid : kTextOid);
        name = &conn_.prepared(sql_, types);
    }
    result_ = run_prepared(*name);
    row_ = -1;
    if (!ok(result_)) {
        PGresult* failed = std::exchange(result_, nullptr);
        ResultGuard guard{failed};
        conn_.fail(failed, sql_);  // not executed: a retry runs it again
    }
    executed_ = true;
    // changes() counts rows written, as SQLite's does: a SELECT leaves it as it was.
    const std::string_view command = PQcmdStatus(result_);
    if (command.starts_with("INSERT") || command.starts_with("UPDATE") ||
        command.starts_with("DELETE")) {
        const char* tuples = PQcmdTuples(result_);
        conn_.set_changes((tuples && *tuples) ? std::strtoll(tuples, nullptr, 10) : 0);
    }
    // The last row's, as SQLite's last_insert_rowid after INSERT ... SELECT; none when
    // ON CONFLICT DO NOTHING inserted nothing, which leaves it as it was, as SQLite does.
    if (returns_identity_ && PQntuples(result_) > 0)
        conn_.set_last_insert_id(
            std::strtoll(PQgetvalue(result_, PQntuples(result_) - 1, 0), nullptr, 10));
}

bool LibpqStatement::step() {
    if (!executed_) execute();
    if (returns_identity_) return false;
    ++row_;
    return result_ && row_ < PQntuples(result_);
}

std::int64_t LibpqStatement::int64(int column) const {
    if (!result_ || row_ < 0 || PQgetisnull(result_, row_, column)) return 0;
    const char* v = PQgetvalue(result_, row_, column);
    if (v[0] == 't' && v[1] == '\0') return 1;  // a boolean expression, as SQLite's 1/0
    if (v[0] == 'f' && v[1] == '\0') return 0;
    return std::strtoll(v, nullptr, 10);  // numeric sums ("12" or "12.000") read as integers
}

std::string LibpqStatement::text(int column) const {
    if (!result_ || row_ < 0 || PQgetisnull(result_, row_, column)) return {};
    const char* v = PQgetvalue(result_, row_, column);
    if (PQftype(result_, column) == kByteaOid) {
        std::size_t length = 0;
        unsigned char* bytes = PQunescapeBytea(reinterpret_cast<const unsigned char*>(v), &length);
        std::string out(reinterpret_cast<const char*>(bytes), length);
        PQfreemem(bytes);
        return out;
    }
    return std::string(v, static_cast<std::size_t>(PQgetlength(result_, row_, column)));
}

bool LibpqStatement::is_null(int column) const {
    return !result_ || row_ < 0 || PQgetisnull(result_, row_, column);
}

int LibpqStatement::column_count() const {
    return result_ ? PQnfields(result_) : 0;
}

std::string LibpqStatement::column_name(int column) const {
    const char* name = result_ ? PQfname(result_, column) : nullptr;
    return name ? name : "";
}

std::unique_ptr<PgStatement> LibpqConnection::statement(std::string_view sqlite_sql) {
    return std::make_unique<LibpqStatement>(*this, sqlite_sql);
}

}  // namespace

void enable_postgres() {
    postgres_connector() = [](const std::string& uri) -> std::unique_ptr<PgConnection> {
        return std::make_unique<LibpqConnection>(uri);
    };
}

}  // namespace loyalty
