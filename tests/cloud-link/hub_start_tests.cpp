// A hub worker starting on a database it cannot use yet, or cannot use at all: it waits
// for a PostgreSQL that is not reached (a failover, a server still starting), and stops
// at once, saying why, for what will not change by waiting (a connection string it
// cannot read, a schema newer than itself).
#include <doctest/doctest.h>

#include <atomic>
#include <future>
#include <optional>
#include <thread>

#include "hub_database.hpp"
#include "loyalty/engine.hpp"
#include "loyalty/storage/engine_storage.hpp"
#include "loyalty/storage/postgres.hpp"
#include "loyalty/sync/hub.hpp"
#include "test_support.hpp"

using namespace loyalty;
using namespace loyalty::sync;
using namespace std::chrono_literals;

namespace {

// HubWorker::run on its own thread; stopped and joined when the scope ends.
class Starting {
  public:
    explicit Starting(const std::filesystem::path& db) {
        enable_postgres();  // as loyalty-hub does
        HubConfig config;
        config.db = db;
        config.full_sync = false;
        // Nothing listens here: a worker that got as far as its broker would keep trying.
        config.broker.uri = "tcp://127.0.0.1:1";
        result_ = std::async(std::launch::async, [this, config] {
            HubWorker worker(config);
            return worker.run(stop_);
        });
    }
    ~Starting() {
        stop_ = true;
        if (result_.valid()) result_.wait();
    }
    Starting(const Starting&) = delete;
    Starting& operator=(const Starting&) = delete;

    // What run() returned within `within`, or nothing if it is still running.
    std::optional<Result<void>> returned(std::chrono::milliseconds within) {
        if (result_.wait_for(within) != std::future_status::ready) return std::nullopt;
        return result_.get();
    }
    Result<void> stop() {
        stop_ = true;
        return result_.get();
    }

  private:
    std::atomic<bool> stop_{false};
    std::future<Result<void>> result_;
};

}  // namespace

TEST_CASE("a hub worker given a connection string it cannot read stops at once, saying so") {
    Starting worker("postgresql://127.0.0.1:5432/hub?no_such_setting=1");
    auto returned = worker.returned(10s);
    REQUIRE_MESSAGE(returned.has_value(), "the worker is still waiting for a server");
    REQUIRE_FALSE(returned->ok());
    CHECK(returned->error().code == Errc::storage);
    CHECK(returned->error().message.find("invalid PostgreSQL connection string") !=
          std::string::npos);
    CHECK(returned->error().message.find("no_such_setting") != std::string::npos);
}

TEST_CASE("a hub worker whose PostgreSQL is not reached keeps trying until it is stopped") {
    // Port 1: refused at once, as a primary that is down is.
    Starting worker("postgresql://127.0.0.1:1/hub?connect_timeout=2");
    CHECK_FALSE(worker.returned(1500ms).has_value());
    auto stopped = worker.stop();
    REQUIRE_FALSE(stopped.ok());
    CHECK(stopped.error().code == Errc::unreachable);
    CHECK(stopped.error().message.find("cannot connect to PostgreSQL") != std::string::npos);
}

TEST_CASE("a hub worker on a database migrated by a newer version stops at once, saying so") {
    if (!sync::test::hub_on_postgres())
        return;  // a SQLite file is opened or refused, never waited for
    loyalty::test::TempDir dir;
    const auto db = sync::test::hub_database(dir.path());
    {
        auto hub = HubStore::open(db, {});
        REQUIRE(hub.ok());
        engine_database((*hub)->engine())
            .exec("UPDATE schema_versions SET version = version + 1 WHERE part = 'core'");
    }
    Starting worker(db);
    auto returned = worker.returned(10s);
    REQUIRE_MESSAGE(returned.has_value(), "the worker is still waiting for its database");
    REQUIRE_FALSE(returned->ok());
    CHECK(returned->error().code == Errc::storage);
    CHECK(returned->error().message.find("newer than this program") != std::string::npos);
}
