// Opening the hub database (engine plus the hub's own migrations) and running one
// pass over it: apply() for incoming messages, review_tiers() for the hub's own
// tier reviews. The pass's jobs are in hub_pass.hpp; the queries in hub_queries.cpp.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <optional>
#include <set>
#include <string>

#include "hub_migrations.hpp"
#include "hub_pass.hpp"
#include "loyalty/engine.hpp"
#include "loyalty/sync/topics.hpp"

namespace loyalty::sync {

namespace {

// Held while a worker opens (and on first use creates and migrates) the shared
// database: two workers starting together must not both run the migrations.
class OpenLock {
  public:
    explicit OpenLock(const std::filesystem::path& db) {
        fd_ = ::open((db.string() + ".open-lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd_ >= 0) ::flock(fd_, LOCK_EX);
    }
    ~OpenLock() {
        if (fd_ >= 0) ::close(fd_);  // releases the lock
    }
    OpenLock(const OpenLock&) = delete;
    OpenLock& operator=(const OpenLock&) = delete;

  private:
    int fd_ = -1;
};

// Workers sharing one PostgreSQL take turns per program to apply batches: each holds a
// session lock on its batches' programs (taken in order, so two never wait on each
// other) from before its transaction begins to after it ends, so its serializable
// snapshot already holds what the worker before it committed. Without turns, two
// workers booking the same members retried each other's conflicts without end (the
// soak's two workers). Online answers take no turn: they are short, and a conflict with
// a batch is retried (retried_when_busy). On SQLite, BEGIN IMMEDIATE already is the turn.
class ProgramTurns {
  public:
    ProgramTurns(Database& db, const std::vector<HubIncoming>& messages) : db_(db) {
        if (!db_.is_postgres()) return;
        std::set<std::string> wanted;
        for (const auto& in : messages)
            if (auto topic = parse_topic(in.topic)) wanted.insert(topic->address.program);
        try {
            for (const auto& program : wanted) {
                db_.prepare("SELECT pg_advisory_lock(hashtext(?))")
                    .bind_all("program:" + program)
                    .run();
                programs_.insert(program);  // recorded once held
            }
        } catch (...) {
            release();  // a constructor that throws gets no destructor
            throw;
        }
    }
    ~ProgramTurns() { release(); }
    ProgramTurns(const ProgramTurns&) = delete;
    ProgramTurns& operator=(const ProgramTurns&) = delete;

  private:
    void release() {
        try {
            for (const auto& program : programs_)
                db_.prepare("SELECT pg_advisory_unlock(hashtext(?))")
                    .bind_all("program:" + program)
                    .run();
        } catch (const StorageError&) {
            // A lost connection released them.
        }
        programs_.clear();
    }

    Database& db_;
    std::set<std::string> programs_;  // ordered: every worker locks in the same order
};

}  // namespace

HubStore::HubStore(std::unique_ptr<Engine> engine, HubStoreOptions options)
    : engine_(std::move(engine)), options_(std::move(options)) {}
HubStore::~HubStore() = default;

Result<std::unique_ptr<HubStore>> HubStore::open(const std::filesystem::path& path,
                                                 HubStoreOptions options) {
    DatabaseOptions db_options;
    db_options.full_sync = options.full_sync;
    db_options.integrity_check_on_open = false;
    db_options.busy_timeout_ms = 30000;  // another worker's big transaction
    // On PostgreSQL the migrations take an advisory lock of the server's instead.
    std::optional<OpenLock> lock;
    if (!Database::is_postgres_uri(path)) lock.emplace(path);
    // The hub's own clock only dates what it does itself (program loads, coupon
    // grants); replicated events carry their terminal's time.
    static const SystemClock hub_clock;
    auto engine =
        Engine::open(path, hub_clock, EngineOptions{Origin{"HUB", options.worker}, db_options});
    if (!engine) return engine.error();
    return guarded([&]() -> Result<std::unique_ptr<HubStore>> {
        auto& db = engine_database(**engine);
        try {
            db.migrate(hub_schema());
        } catch (const StorageError& e) {
            // Lost during the hub's migrations (a failover): waited for, like a server the
            // engine's migrations did not reach.
            if (!db.is_postgres() || !e.is_connection_failure()) throw;
            return make_error(Errc::unreachable,
                              std::string("cannot prepare database: ") + e.what());
        }
        // Event ids are random UUIDs: their unique index is written all over, so
        // keep it in memory rather than re-reading pages from the OS (64 MiB).
        if (!db.is_postgres()) db.exec("PRAGMA cache_size = -65536");
        return std::unique_ptr<HubStore>(
            new HubStore(std::move(engine.value()), std::move(options)));
    });
}

Result<HubApplyReport> HubStore::apply(const std::vector<HubIncoming>& messages,
                                       std::int64_t now_ms) {
    return guarded([&] {
        return retried_when_busy([&]() -> Result<HubApplyReport> {
            ProgramTurns turns(engine_database(*engine_), messages);
            Pass pass(*this, now_ms);
            auto& db = engine_database(*engine_);
            Transaction tx(db);
            for (const auto& in : messages) {
                pass.one(in);
                // Lost to another worker (and not said so by an engine call): the rest
                // would be booked on a stale snapshot only to be refused at COMMIT.
                if (db.lost_to_another_transaction())
                    throw StorageError(SQLITE_BUSY, "postgres: the batch lost to another one");
            }
            pass.check_tiers();
            pass.answers();
            tx.commit();
            return std::move(pass.report);
        });
    });
}

Result<HubApplyReport> HubStore::review_tiers(std::int64_t now_ms) {
    return guarded([&]() -> Result<HubApplyReport> {
        auto reviewed = engine_->tiers().review_due(from_unix(now_ms / 1000));
        if (!reviewed) return reviewed.error();
        Pass pass(*this, now_ms);
        for (const auto& change : reviewed->changes) {
            auto m = engine_->members().get(change.member);
            if (!m) continue;
            for (const auto& store : member_stores(m->uid))
                pass.members[{m->program, store}].insert(m->uid);
        }
        pass.answers();
        return std::move(pass.report);
    });
}

}  // namespace loyalty::sync
