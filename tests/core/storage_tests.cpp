// Storage: migrations, pragmas, refusal of corrupt files, backups.
#include <doctest/doctest.h>

#include <fstream>

#include <algorithm>

#include "test_support.hpp"

using namespace loyalty;
using namespace loyalty::test;

TEST_CASE("a new database is migrated to the latest schema, in WAL mode with foreign keys on") {
    TempDir dir;
    auto db = Database::open(dir.path() / "a.db");
    REQUIRE(db.ok());
    CHECK((*db)->schema_version() == 2);
    auto& mode = (*db)->prepare("PRAGMA journal_mode");
    REQUIRE(mode.step());
    CHECK(mode.text(0) == "wal");
    mode.reset();
    auto& fk = (*db)->prepare("PRAGMA foreign_keys");
    REQUIRE(fk.step());
    CHECK(fk.int64(0) == 1);
    fk.reset();
    auto& sync = (*db)->prepare("PRAGMA synchronous");
    REQUIRE(sync.step());
    CHECK(sync.int64(0) == 2);  // FULL
    sync.reset();
    db = Database::open(dir.path() / "a.db");  // reopening applies nothing twice
    REQUIRE(db.ok());
    CHECK((*db)->schema_version() == 2);
}

TEST_CASE("a file that is not a database is refused with a clear reason") {
    TempDir dir;
    const auto path = dir.path() / "junk.db";
    std::ofstream(path) << std::string(8192, 'x');
    auto db = Database::open(path);
    REQUIRE_FALSE(db.ok());
    CHECK(db.error().code == Errc::corrupt_database);
    CHECK(db.error().message.find("refusing") != std::string::npos);
}

TEST_CASE("a database damaged inside is refused at open by the integrity check") {
    TempDir dir;
    const auto path = dir.path() / "store.db";
    {
        Fixture f;  // a populated database elsewhere, copied here by backup
        for (int i = 0; i < 200; ++i) f.enroll("1391000" + std::to_string(1000 + i));
        REQUIRE(f.engine->db().backup_to(path).ok());
    }
    {
        // Scribble over the middle of the file, past the header page.
        std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
        file.seekp(0, std::ios::end);
        const auto size = static_cast<std::streamoff>(file.tellp());
        REQUIRE(size > 40000);
        file.seekp(size / 2);
        const std::string garbage(4096, '\x5a');
        file.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
    }
    auto db = Database::open(path);
    REQUIRE_FALSE(db.ok());
    CHECK(db.error().code == Errc::corrupt_database);
}

TEST_CASE("an online backup holds the same members and opens cleanly") {
    Fixture f;
    const auto m = f.enroll("13800000060");
    REQUIRE(f.engine->ledger().adjust(m, 123, "welcome", "mgr", "k").ok());
    const auto target = f.dir.path() / "backup.db";
    REQUIRE(f.engine->db().backup_to(target).ok());
    ManualClock clock(test_epoch());
    auto copy = Engine::open(target, clock);
    REQUIRE(copy.ok());
    CHECK((*copy)->members().get(m)->points_available == 123);
    CHECK((*copy)->ledger().verify_all().empty());
}

TEST_CASE("an unknown program is a clear error, not a crash") {
    Fixture f;
    EnrollRequest r{"NOPE", "", "13800000061", "", std::nullopt, std::nullopt, true, false, std::nullopt};
    CHECK(f.engine->members().enroll(r).error().code == Errc::not_found);
    SaleRequest s{"NOPE", "", "", "X1", std::nullopt, {line("A", "b", 1, 100)}, 0, {}};
    CHECK(f.engine->sales().commit(s).error().code == Errc::not_found);
    CHECK(f.engine->programs().get("NOPE").error().code == Errc::not_found);
}
