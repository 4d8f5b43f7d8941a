// The libpq side of postgres.hpp.
//
// Statements are prepared once per connection, on their first run, with the
// parameters' types left to PostgreSQL to infer from the SQL (as SQLite's are free);
// where the SQL gives no clue (`? IS NULL`) they are prepared again with the types of
// the values bound. Strings go in binary form, so a hostile payload parked as a dead
// letter (bytea) arrives byte for byte; results come back as text.
//
// Inside a transaction, writes go out in libpq's pipeline mode and are answered with the
// next statement that needs an answer (see PgConnection in postgres.hpp).
#include "postgres.hpp"

#include <libpq-fe.h>

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <functional>
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

StorageError storage_error(PGconn* conn, const PGresult* result, std::string_view context) {
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
    return StorageError(sqlite_code_of(state), message);
}

struct ResultGuard {
    PGresult* r;
    ~ResultGuard() { PQclear(r); }
};

bool ok(const PGresult* r) {
    const auto status = PQresultStatus(r);
    return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

// A prepared statement's parameters as libpq takes them: strings as bytes, integers as
// decimal text. The pointers are into the caller's values, which outlive the send.
struct Parameters {
    std::vector<const char*> values;
    std::vector<int> lengths;
    std::vector<int> formats;
    int count() const { return static_cast<int>(values.size()); }
};

class LibpqConnection final : public PgConnection {
  public:
    explicit LibpqConnection(const std::string& uri);
    ~LibpqConnection() override;
    LibpqConnection(const LibpqConnection&) = delete;
    LibpqConnection& operator=(const LibpqConnection&) = delete;

    void exec(std::string_view sql) override;
    std::unique_ptr<PgStatement> statement(std::string_view sqlite_sql) override;
    void begin() override;
    void savepoint(const std::string& name) override;
    void release(const std::string& name) override;
    void commit() override;
    void rollback() noexcept override;
    void rollback_to(const std::string& name) noexcept override;
    bool lost_to_another() const override { return lost_to_another_; }
    bool reconnect_if_lost() override;
    std::int64_t changes() override {
        settle();
        return changes_;
    }
    std::int64_t last_insert_id() override {
        settle();
        return last_insert_id_;
    }
    // A table's identity column ("" for none), from the catalogue: read once per
    // connection, and again for a table it did not know (one a migration made since).
    const std::string& identity_column(const std::string& table);

    // The name of sql prepared with these parameter types (0: inferred), preparing it
    // on first use.
    const std::string& prepared(const std::string& sql, const std::vector<Oid>& types);
    // Inside BEGIN ... COMMIT, where writes may be pipelined.
    bool in_transaction() const { return depth_ > 0; }
    // A write whose answer nobody waits for: sent now, answered with the next statement
    // that needs one.
    void pipeline(const std::string& name, const Parameters& params, std::string_view context,
                  bool returns_identity);
    // A statement whose answer the caller needs: its result (the caller's to clear), after
    // every write pipelined before it. A failed one of those is thrown instead.
    PGresult* run(const std::string& name, const Parameters& params, std::string_view context);
    // Throws what result says went wrong, remembering whether it lost to another transaction.
    [[noreturn]] void fail(const PGresult* result, std::string_view context);
    // What a write's answer says about changes() and last_insert_id(), as SQLite keeps them.
    void count(const PGresult* result, bool returns_identity);

  private:
    struct Pending {
        std::string context;  // its SQL, to name it when it fails
        bool returns_identity = false;
        int depth = 0;  // the savepoint it was written in (1: the transaction itself)
    };
    // Sends `last` (when given) after the pipelined writes, syncs and reads every answer
    // in order; returns last's result. The first write that failed is thrown, unless
    // `discard`, when only whether it lost to another transaction is kept.
    PGresult* settle(const std::function<int()>& last = {}, bool discard = false);
    void queue(Pending pending, const std::function<int()>& send);
    StorageError error(const PGresult* result, std::string_view context);
    // Sends without waiting for the answer (pipeline mode).
    int send(const std::string& sql) {
        return PQsendQueryParams(conn_, sql.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0);
    }
    int send(const std::string& name, const Parameters& params) {
        return PQsendQueryPrepared(conn_, name.c_str(), params.count(), params.values.data(),
                                   params.lengths.data(), params.formats.data(), 0);
    }
    // A transaction-control statement with no parameters, answered now: its command tag.
    std::string control(const std::string& sql);
    // A connection in a state it cannot be trusted in (a send that failed while it is
    // still up): connected again, so the server rolls back whatever was open on it. The
    // transaction the caller still holds fails at every statement until rolled back: on
    // the new session they would run one by one, committed as they go.
    void abandon();
    void check_usable() const;

    PGconn* conn_ = nullptr;
    std::int64_t changes_ = 0;
    std::int64_t last_insert_id_ = 0;
    bool lost_to_another_ = false;  // since the last BEGIN
    int depth_ = 0;               // 0 outside a transaction, 1 inside BEGIN, one more per savepoint
    bool abandoned_ = false;      // inside a transaction lost with its connection (abandon())
    bool fresh_session_ = false;  // abandon() connected again: the caller's settings are gone
    std::vector<Pending> pending_;                                   // sent, not yet answered
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
    // An INSERT into a table with an identity, whose caller asked for no rows: RETURNING
    // it is appended, so the id comes back with the INSERT (no SELECT lastval() after it).
    void return_identity_of_inserts();
    void execute();
    Parameters parameters() const;
    Param& param(int index);

    LibpqConnection& conn_;
    std::string sql_;
    std::vector<Param> params_;
    PGresult* result_ = nullptr;
    int row_ = -1;
    bool executed_ = false;
    bool returns_identity_ = false;
    // A write whose rows the caller did not ask for: inside a transaction it is
    // pipelined (see PgConnection), answered with the next statement that needs an answer.
    bool pipelined_ = false;
};

LibpqConnection::LibpqConnection(const std::string& uri) {
    // A connection string that cannot be read will not read later: refused as such, so
    // a worker does not wait for a server it was never told how to reach.
    char* parse_error = nullptr;
    if (PQconninfoOption* options = PQconninfoParse(uri.c_str(), &parse_error)) {
        PQconninfoFree(options);
    } else {
        std::string message = parse_error ? parse_error : "out of memory";
        PQfreemem(parse_error);
        while (!message.empty() && message.back() == '\n') message.pop_back();
        throw StorageError(SQLITE_MISUSE, "invalid PostgreSQL connection string: " + message);
    }
    conn_ = PQconnectdb(uri.c_str());
    if (PQstatus(conn_) != CONNECTION_OK) {
        std::string message = PQerrorMessage(conn_);
        while (!message.empty() && message.back() == '\n') message.pop_back();
        // A server that asks for a password this connection string does not give will ask
        // again. A wrong one is not told apart: libpq does not say which host refused (in a
        // failover a standby refuses as read-only, after the password was taken).
        const bool refused = PQconnectionNeedsPassword(conn_);
        PQfinish(conn_);
        conn_ = nullptr;
        throw StorageError(refused ? SQLITE_AUTH : SQLITE_CANTOPEN,
                           "cannot connect to PostgreSQL: " + message);
    }
    // Notices (a savepoint released twice, a table that already exists) are not errors.
    PQsetNoticeProcessor(
        conn_, [](void*, const char*) {}, nullptr);
}

LibpqConnection::~LibpqConnection() {
    if (conn_) PQfinish(conn_);  // the server rolls back a transaction left open
}

bool LibpqConnection::reconnect_if_lost() {
    if (PQstatus(conn_) == CONNECTION_OK) return std::exchange(fresh_session_, false);
    PQreset(conn_);
    prepared_.clear();
    pending_.clear();
    depth_ = 0;
    if (PQstatus(conn_) != CONNECTION_OK) {
        std::string message = PQerrorMessage(conn_);
        while (!message.empty() && message.back() == '\n') message.pop_back();
        throw StorageError(SQLITE_IOERR, "PostgreSQL connection lost: " + message);
    }
    if (PQpipelineStatus(conn_) != PQ_PIPELINE_OFF) PQexitPipelineMode(conn_);
    return true;
}

StorageError LibpqConnection::error(const PGresult* result, std::string_view context) {
    const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    if (sqlite_code_of(state) == SQLITE_BUSY) lost_to_another_ = true;
    return storage_error(conn_, result, context);
}

void LibpqConnection::fail(const PGresult* result, std::string_view context) {
    throw error(result, context);
}

void LibpqConnection::count(const PGresult* result, bool returns_identity) {
    // changes() counts rows written, as SQLite's does: a SELECT leaves it as it was.
    const std::string_view command = PQcmdStatus(const_cast<PGresult*>(result));
    if (command.starts_with("INSERT") || command.starts_with("UPDATE") ||
        command.starts_with("DELETE")) {
        const char* tuples = PQcmdTuples(const_cast<PGresult*>(result));
        changes_ = (tuples && *tuples) ? std::strtoll(tuples, nullptr, 10) : 0;
    }
    // The last row's, as SQLite's last_insert_rowid after INSERT ... SELECT; none when
    // ON CONFLICT DO NOTHING inserted nothing, which leaves it as it was, as SQLite does.
    if (returns_identity && PQntuples(result) > 0)
        last_insert_id_ = std::strtoll(PQgetvalue(result, PQntuples(result) - 1, 0), nullptr, 10);
}

void LibpqConnection::abandon() {
    PQreset(conn_);  // also leaves pipeline mode
    prepared_.clear();
    pending_.clear();
    abandoned_ = abandoned_ || depth_ > 0;
    fresh_session_ = true;
    depth_ = 0;
}

void LibpqConnection::check_usable() const {
    if (abandoned_)
        throw StorageError(SQLITE_IOERR,
                           "postgres: the transaction was lost with its connection; roll back");
}

void LibpqConnection::queue(Pending pending, const std::function<int()>& send) {
    check_usable();
    // Answers wait in the server's socket buffer until read: a bounded queue never fills it.
    constexpr std::size_t most_pending = 256;
    if (pending_.size() >= most_pending) settle();
    if (PQpipelineStatus(conn_) == PQ_PIPELINE_OFF && !PQenterPipelineMode(conn_))
        fail(nullptr, pending.context);
    if (!send()) {
        auto why = error(nullptr, pending.context);
        abandon();  // what was sent of the transaction goes with the old connection
        throw why;
    }
    pending.depth = depth_;
    pending_.push_back(std::move(pending));
}

PGresult* LibpqConnection::settle(const std::function<int()>& last, bool discard) {
    if (pending_.empty()) return nullptr;
    if ((last && !last()) || !PQpipelineSync(conn_)) {
        // Not sent whole: the server may never answer what it did receive.
        auto why = error(nullptr, "pipeline");
        abandon();
        if (discard) return nullptr;
        throw why;
    }
    std::optional<StorageError> failed;
    const std::size_t answers = pending_.size() + (last ? 1 : 0);
    PGresult* last_result = nullptr;
    // Each statement's answer is a result then a NULL; the sync's is PGRES_PIPELINE_SYNC.
    // A lost connection answers NULLs only: more of them than statements ends the wait.
    for (std::size_t index = 0, nulls = 0;;) {
        PGresult* r = PQgetResult(conn_);
        if (!r) {
            ++index;
            if (++nulls > answers + 1) {
                if (!failed) failed = error(nullptr, "pipeline");
                break;
            }
            continue;
        }
        const auto status = PQresultStatus(r);
        if (status == PGRES_PIPELINE_SYNC) {
            PQclear(r);
            break;
        }
        if (index < pending_.size()) {
            if (ok(r)) {
                count(r, pending_[index].returns_identity);
            } else if (status != PGRES_PIPELINE_ABORTED && !failed) {
                failed = error(r, pending_[index].context);
                // Written outside the savepoint now open (a caller's write, answered inside
                // the engine call after it): that call must not take it for its own
                // refusal (a constraint read as "conflict") and roll back only itself.
                if (pending_[index].depth < depth_ && !failed->is_busy())
                    failed = StorageError(SQLITE_ABORT, failed->what());
            }
            PQclear(r);
        } else if (index == pending_.size() && last && !last_result) {
            last_result = r;
        } else {
            PQclear(r);
        }
    }
    pending_.clear();
    if (PQpipelineStatus(conn_) != PQ_PIPELINE_OFF && !PQexitPipelineMode(conn_)) {
        if (!failed) failed = error(nullptr, "pipeline");
        PQclear(std::exchange(last_result, nullptr));
        abandon();
    }
    if (failed && !discard) {
        PQclear(last_result);
        throw *failed;
    }
    return last_result;
}

void LibpqConnection::exec(std::string_view sql) {
    check_usable();
    settle();
    const std::string owned(sql);
    ResultGuard r{PQexec(conn_, owned.c_str())};
    if (!ok(r.r)) fail(r.r, sql);
}

std::string LibpqConnection::control(const std::string& sql) {
    check_usable();
    ResultGuard r{nullptr};
    if (pending_.empty())
        r.r = PQexec(conn_, sql.c_str());
    else
        r.r = settle([&] { return send(sql); });
    if (!r.r || !ok(r.r)) fail(r.r, sql);
    return PQcmdStatus(r.r);
}

void LibpqConnection::begin() {
    // Nothing may be left open underneath: its writes would commit with this transaction.
    // (A session connected again here runs this transaction without the caller's
    // settings, which the next reconnect_if_lost() has the caller apply again.)
    if (PQtransactionStatus(conn_) != PQTRANS_IDLE) abandon();
    abandoned_ = false;
    lost_to_another_ = false;
    queue({"BEGIN", false}, [&] { return send("BEGIN ISOLATION LEVEL SERIALIZABLE"); });
    depth_ = 1;
}

void LibpqConnection::savepoint(const std::string& name) {
    const std::string sql = "SAVEPOINT " + name;
    queue({sql, false}, [&] { return send(sql); });
    ++depth_;
}

void LibpqConnection::release(const std::string& name) {
    control("RELEASE " + name);
    --depth_;
}

void LibpqConnection::commit() {
    // One that lost to another transaction, even where a savepoint rolled the failed
    // statement back, saw a stale snapshot: it fails as busy, to be run again whole.
    if (lost_to_another_)
        throw StorageError(SQLITE_BUSY,
                           "postgres: the transaction lost to another one and must run again");
    // PostgreSQL answers COMMIT of a transaction an error aborted with a silent ROLLBACK,
    // and COMMIT where none is open with a warning.
    if ((pending_.empty() && PQtransactionStatus(conn_) != PQTRANS_INTRANS) ||
        control("COMMIT") == "ROLLBACK")
        throw StorageError(SQLITE_ABORT,
                           "postgres: the transaction was aborted by an earlier error");
    depth_ = 0;
}

void LibpqConnection::rollback() noexcept {
    try {
        settle({}, true);
    } catch (...) {
        abandon();  // out of memory reading the answers: start afresh
    }
    depth_ = 0;
    abandoned_ = false;  // the caller's transaction is over
    PQclear(PQexec(conn_, "ROLLBACK"));
    // A lost connection rolled it back; one still up but not idle cannot be trusted.
    if (PQstatus(conn_) == CONNECTION_OK && PQtransactionStatus(conn_) != PQTRANS_IDLE) abandon();
}

void LibpqConnection::rollback_to(const std::string& name) noexcept {
    if (abandoned_) return;  // nothing left to roll back to: the outer COMMIT fails
    try {
        settle({}, true);
        const std::string sql = "ROLLBACK TO " + name + "; RELEASE " + name;
        // A transaction already aborted stays so when its savepoint never ran: COMMIT says.
        PQclear(PQexec(conn_, sql.c_str()));
    } catch (...) {
        abandon();  // the transaction goes with the connection: COMMIT will say
    }
    if (depth_ > 0) --depth_;
}

const std::string& LibpqConnection::identity_column(const std::string& table) {
    if (auto it = identity_columns_.find(table); it != identity_columns_.end()) return it->second;
    settle();
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
    settle();
    std::string name = "s" + std::to_string(prepared_.size() + 1);
    // A statement that fails to prepare aborts the transaction it is in: the first
    // prepare of each statement inside one is fenced by a savepoint, so a refusal
    // (types to infer, see PgStatement::execute) leaves the transaction usable.
    const bool fenced = depth_ > 0;
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

void LibpqConnection::pipeline(const std::string& name, const Parameters& params,
                               std::string_view context, bool returns_identity) {
    queue({std::string(context), returns_identity}, [&] { return send(name, params); });
}

PGresult* LibpqConnection::run(const std::string& name, const Parameters& params,
                               std::string_view context) {
    check_usable();
    PGresult* result = nullptr;
    if (pending_.empty())
        result = PQexecPrepared(conn_, name.c_str(), params.count(), params.values.data(),
                                params.lengths.data(), params.formats.data(), 0);
    else
        result = settle([&] { return send(name, params); });
    if (!result) fail(nullptr, context);
    return result;
}

LibpqStatement::LibpqStatement(LibpqConnection& conn, std::string_view sqlite_sql) : conn_(conn) {
    try {
        auto translated = postgres_sql(sqlite_sql);
        sql_ = std::move(translated.sql);
        params_.resize(static_cast<std::size_t>(translated.parameters));
    } catch (const std::invalid_argument& e) {
        throw StorageError(SQLITE_ERROR, e.what());
    }
    std::string upper = sql_;
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (upper.find("RETURNING") != std::string::npos) return;  // the caller reads its rows
    pipelined_ = upper.starts_with("INSERT ") || upper.starts_with("UPDATE ") ||
                 upper.starts_with("DELETE ");
    return_identity_of_inserts();
}

void LibpqStatement::return_identity_of_inserts() {
    constexpr std::string_view insert = "INSERT INTO ";
    if (!sql_.starts_with(insert)) return;
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

Parameters LibpqStatement::parameters() const {
    Parameters out;
    for (const auto& p : params_) {
        out.values.push_back(p.value ? p.value->c_str() : nullptr);
        out.lengths.push_back(p.value ? static_cast<int>(p.value->size()) : 0);
        out.formats.push_back(p.integer ? 0 : 1);  // strings as bytes, integers as decimal text
    }
    return out;
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
    row_ = -1;
    if (pipelined_ && conn_.in_transaction()) {
        conn_.pipeline(*name, parameters(), sql_, returns_identity_);
        executed_ = true;  // no rows: result_ stays empty
        return;
    }
    result_ = conn_.run(*name, parameters(), sql_);
    if (!ok(result_)) {
        PGresult* failed = std::exchange(result_, nullptr);
        ResultGuard guard{failed};
        conn_.fail(failed, sql_);  // not executed: a retry runs it again
    }
    executed_ = true;
    conn_.count(result_, returns_identity_);
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
