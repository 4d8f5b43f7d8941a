// Storage: migrations, pragmas, refusal of corrupt files, backups.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

#include "loyalty/storage/engine_storage.hpp"
#include "test_support.hpp"

using namespace loyalty;
using namespace loyalty::test;

TEST_CASE("a new database is migrated to the latest schema, in WAL mode with foreign keys on") {
    TempDir dir;
    auto db = Database::open(dir.path() / "a.db");
    REQUIRE(db.ok());
    CHECK((*db)->schema_version() == 13);
    CHECK((*db)->prepare("PRAGMA journal_mode").scalar<std::string>() == "wal");
    CHECK((*db)->prepare("PRAGMA foreign_keys").scalar() == 1);
    CHECK((*db)->prepare("PRAGMA synchronous").scalar() == 2);  // FULL
    db = Database::open(dir.path() / "a.db");                   // reopening applies nothing twice
    REQUIRE(db.ok());
    CHECK((*db)->schema_version() == 13);
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
        REQUIRE(engine_database(*f.engine).backup_to(path).ok());
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
    REQUIRE(engine_database(*f.engine).backup_to(target).ok());
    ManualClock clock(test_epoch());
    auto copy = Engine::open(target, clock);
    REQUIRE(copy.ok());
    CHECK((*copy)->members().get(m)->points_available == 123);
    CHECK((*copy)->ledger().verify_all().empty());
}

TEST_CASE("an unknown program is a clear error, not a crash") {
    Fixture f;
    EnrollRequest r{"NOPE", "",           "13800000061", "", std::nullopt, std::nullopt, true,
                    false,  std::nullopt, std::nullopt,  ""};
    CHECK(f.engine->members().enroll(r).error().code == Errc::not_found);
    SaleRequest s{"NOPE", "", "", "X1", std::nullopt, {line("A", "b", 1, 100)}, 0, {}};
    CHECK(f.engine->sales().commit(s).error().code == Errc::not_found);
    CHECK(f.engine->programs().get("NOPE").error().code == Errc::not_found);
}

TEST_CASE("two processes creating one new database at the same moment both open it") {
    // The kiosk and the link agent start together on a fresh board: only one may migrate.
    for (int round = 0; round < 12; ++round) {
        TempDir dir;
        const auto path = dir.path() / "store.db";
        int start[2];
        REQUIRE(pipe(start) == 0);
        pid_t children[2];
        for (auto& child : children) {
            child = fork();
            REQUIRE(child >= 0);
            if (child == 0) {
                close(start[1]);
                char go;
                if (read(start[0], &go, 1) < 0)
                    _exit(2);  // returns 0 at once when the parent closes
                auto db = Database::open(path);
                if (!db)
                    std::fprintf(stderr, "a starting process: %s\n", db.error().message.c_str());
                _exit(db.ok() && (*db)->schema_version() > 0 ? 0 : 1);
            }
        }
        close(start[0]);
        close(start[1]);  // both go
        for (auto child : children) {
            int status = 0;
            waitpid(child, &status, 0);
            CHECK_MESSAGE((WIFEXITED(status) && WEXITSTATUS(status) == 0), "round " << round);
        }
    }
}

TEST_CASE("two processes writing one store database at once lose nothing and never see it locked") {
    TempDir dir;
    const auto path = dir.path() / "store.db";
    MemberId shared_member = 0;
    {
        ManualClock clock(test_epoch());
        auto engine = Engine::open(path, clock);
        REQUIRE(engine.ok());
        REQUIRE((*engine)->programs().save(test_program(), "test").ok());
        EnrollRequest e{"TEST", "",    "13800000070", "",           1, 1,
                        true,   false, std::nullopt,  std::nullopt, ""};
        shared_member = (*engine)->members().enroll(e)->member.id;
        REQUIRE((*engine)->ledger().adjust(shared_member, 100000, "float", "mgr", "float").ok());
    }
    constexpr int kSalesEach = 120;
    std::vector<pid_t> children;
    for (const char* terminal : {"KIOSK", "TILL"}) {
        const pid_t child = fork();
        REQUIRE(child >= 0);
        if (child == 0) {
            // Both write the same member: earn on sales and spend points, read-then-write each
            // time.
            ManualClock clock(test_epoch());
            auto engine = Engine::open(path, clock, EngineOptions{Origin{"S001", terminal}, {}});
            if (!engine) _exit(3);
            for (int i = 0; i < kSalesEach; ++i) {
                SaleRequest s{"TEST",
                              "",
                              "",
                              std::string(terminal) + std::to_string(i),
                              shared_member,
                              {line("TS-1", "apparel", 1, 10000)},
                              100,
                              {}};
                auto r = (*engine)->sales().commit(s);
                if (!r) {
                    std::fprintf(stderr, "%s: %s\n", terminal, r.error().message.c_str());
                    _exit(4);
                }
            }
            _exit(0);
        }
        children.push_back(child);
    }
    for (const auto child : children) {
        int status = 0;
        waitpid(child, &status, 0);
        CHECK(WIFEXITED(status));
        CHECK(WEXITSTATUS(status) == 0);
    }
    ManualClock clock(test_epoch());
    auto engine = Engine::open(path, clock);
    REQUIRE(engine.ok());
    CHECK((*engine)->ledger().verify_all().empty());
    const auto balance = (*engine)->ledger().balance(shared_member);
    // Every sale paid 100 points; what they earned (tier multipliers change as the
    // member climbs) is all pending.
    CHECK(balance.available == 100000 - 2 * kSalesEach * 100);
    auto st = engine_database(**engine).prepare(
        "SELECT count(*), sum(points_earned), (SELECT count(*) FROM outbox WHERE type = "
        "'sale.committed') FROM sales");
    REQUIRE(st.step());
    CHECK(st.int64(0) == 2 * kSalesEach);
    CHECK(st.int64(1) == balance.pending);
    CHECK(st.int64(2) == 2 * kSalesEach);
    for (const char* terminal : {"KIOSK", "TILL"}) {
        const auto events = (*engine)->outbox().pending("S001", terminal, 0, 1000);
        for (std::size_t i = 0; i < events.size(); ++i)
            CHECK(events[i].seq == static_cast<std::int64_t>(i) + 1);
    }
}

TEST_CASE(
    "a lookup that returns while on a row holds no snapshot: the next read sees another process's "
    "commit") {
    Fixture f;
    const auto member = f.enroll("13910009999");
    REQUIRE(f.engine->cards()
                .issue(member, CardForm::physical, "8800000001", std::nullopt, "test")
                .ok());
    REQUIRE(f.engine->cards().activate(f.program, "8800000001", "test").ok());
    const auto path = engine_database(*f.engine).path();

    // find() returns as soon as it has read the card's row; nothing resets the statement by hand.
    auto before = f.engine->cards().find(f.program, "8800000001");
    REQUIRE(before.ok());
    CHECK(before->status == CardStatus::active);
    CHECK(f.balance(member).available == 0);

    // Another connection (the till, in another process) commits changes.
    ManualClock clock(test_epoch());
    auto till = Engine::open(path, clock, EngineOptions{Origin{"S001", "TILL"}, {}});
    REQUIRE(till.ok());
    REQUIRE((*till)->cards().report_lost(f.program, "8800000001", "till").ok());
    REQUIRE((*till)->ledger().adjust(member, 250, "goodwill", "till", "adj-1").ok());

    auto after = f.engine->cards().find(f.program, "8800000001");
    REQUIRE(after.ok());
    CHECK(after->status == CardStatus::lost);
    CHECK(f.balance(member).available == 250);
}

TEST_CASE(
    "a statement asked for again while still lent gets its own copy, and both read correctly") {
    TempDir dir;
    auto db = Database::open(dir.path() / "a.db");
    REQUIRE(db.ok());
    (*db)->exec("CREATE TABLE t (n INTEGER); INSERT INTO t VALUES (1), (2), (3)");
    std::int64_t pairs = 0;
    auto outer = (*db)->prepare("SELECT n FROM t ORDER BY n");
    outer.each([&](const Statement& row) {
        auto inner = (*db)->prepare("SELECT n FROM t ORDER BY n");
        inner.each(
            [&](const Statement& r) { pairs += row.int64(0) * 10 + r.int64(0) > 0 ? 1 : 0; });
    });
    CHECK(pairs == 9);
    // The lease ended: the cached statement is lent again, from its first row.
    CHECK((*db)->prepare("SELECT n FROM t ORDER BY n").scalar() == 1);
}

TEST_CASE("one lease serves each round of a loop, whether the last round found a row or not") {
    TempDir dir;
    auto db = Database::open(dir.path() / "a.db");
    REQUIRE(db.ok());
    (*db)->exec("CREATE TABLE t (n INTEGER); INSERT INTO t VALUES (1), (3)");
    auto st = (*db)->prepare("SELECT n FROM t WHERE n = ?");
    int found = 0;
    for (int n = 1; n <= 4; ++n) {
        st.bind(
            1, n);  // after a round that ran to its end (no row) as well as after one left on a row
        if (st.step()) ++found;
    }
    CHECK(found == 2);
}

TEST_CASE(
    "a commit written in one piece is whole for a plain SQLite connection the moment it returns") {
    // The storage layer gathers a commit's WAL frames into one write (wal_vfs.cpp). Another
    // connection, here SQLite's own default VFS as another program would use, must see
    // every commit complete as soon as commit() returns, with synchronous FULL (a sync per
    // commit) and NORMAL (none), for commits of one page and of more than the 128 KiB
    // the default VFS writes in one call.
    for (const bool full : {true, false}) {
        CAPTURE(full);
        TempDir dir;
        const auto path = dir.path() / "s.db";
        DatabaseOptions options;
        options.full_sync = full;
        auto db = Database::open(path, options);
        REQUIRE(db.ok());
        (*db)->exec("CREATE TABLE blobs(id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
        sqlite3* other = nullptr;
        REQUIRE(sqlite3_open_v2(path.c_str(), &other, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
        const auto read = [&](const char* sql) {
            sqlite3_stmt* st = nullptr;
            REQUIRE(sqlite3_prepare_v2(other, sql, -1, &st, nullptr) == SQLITE_OK);
            REQUIRE(sqlite3_step(st) == SQLITE_ROW);
            const auto value = sqlite3_column_int64(st, 0);
            sqlite3_finalize(st);
            return value;
        };
        std::int64_t rows = 0, bytes = 0;
        for (int commit = 0; commit < 40; ++commit) {
            const int n = commit % 5 == 4 ? 60 : 1 + commit % 3;  // every fifth about 180 KiB
            Transaction tx(**db);
            for (int i = 0; i < n; ++i) {
                const std::string body(3000 + commit, static_cast<char>('a' + commit % 26));
                (*db)->prepare("INSERT INTO blobs(body) VALUES (?)").bind_all(body).run();
                bytes += static_cast<std::int64_t>(body.size());
            }
            tx.commit();
            rows += n;
            CHECK(read("SELECT count(*) FROM blobs") == rows);
            CHECK(read("SELECT sum(length(body)) FROM blobs") == bytes);
        }
        sqlite3_close(other);
        CHECK((*db)->integrity_check() == "ok");
        db = Database::open(path, options);  // and from the file alone, reopened
        REQUIRE(db.ok());
        CHECK((*db)->prepare("SELECT count(*) FROM blobs").scalar() == rows);
    }
}

TEST_CASE(
    "a large transaction that rolls back leaves nothing behind to land over another connection's "
    "commit") {
    // Found in review: with the cache allowed to spill, a transaction larger than the
    // cache wrote WAL frames before its commit; the gathering VFS held them, the
    // transaction rolled back, and the next read on that connection wrote them out over
    // the frames another connection had committed meanwhile.
    TempDir dir;
    const auto path = dir.path() / "s.db";
    auto db = Database::open(path);
    REQUIRE(db.ok());
    (*db)->exec("CREATE TABLE t(id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
    CHECK((*db)->prepare("PRAGMA cache_spill").scalar() == 0);  // the guard itself
    (*db)->exec("PRAGMA cache_size = 10");  // far smaller than the transaction below
    {
        Transaction tx(**db);
        for (int i = 0; i < 400; ++i)
            (*db)->prepare("INSERT INTO t(body) VALUES (?)").bind_all(std::string(3000, 'a')).run();
    }  // rolled back
    sqlite3* other = nullptr;
    REQUIRE(sqlite3_open_v2(path.c_str(), &other, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
    REQUIRE(
        sqlite3_exec(
            other,
            "BEGIN; WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 800) "
            "INSERT INTO t(body) SELECT printf('%.*c', 3000, 'b') FROM n; COMMIT;",
            nullptr, nullptr, nullptr) == SQLITE_OK);
    // A read on the first connection, then every row as the other connection wrote it.
    CHECK((*db)->prepare("SELECT count(*) FROM t").scalar() == 800);
    CHECK(
        (*db)->prepare("SELECT count(*) FROM t WHERE body = printf('%.*c', 3000, 'b')").scalar() ==
        800);
    sqlite3_close(other);
    db = Database::open(path);
    REQUIRE(db.ok());
    CHECK((*db)->integrity_check() == "ok");
    CHECK(
        (*db)->prepare("SELECT count(*) FROM t WHERE body = printf('%.*c', 3000, 'b')").scalar() ==
        800);
}

TEST_CASE("a copy's commits are unsynced only inside their scope, never inside a transaction") {
    TempDir dir;
    auto db = Database::open(dir.path() / "a.db");
    REQUIRE(db.ok());
    auto& d = **db;
    auto level = [&] {
        return d.prepare("PRAGMA synchronous").scalar<std::int64_t>().value_or(-1);
    };
    REQUIRE(level() == 2);  // FULL: every commit synced
    {
        UnsyncedCommits unsynced(d);
        CHECK(level() == 1);  // NORMAL: synced at checkpoints
        Transaction tx(d);
        d.exec("CREATE TABLE kept(x)");
        tx.commit();
    }
    CHECK(level() == 2);
    {
        Transaction outer(d);
        UnsyncedCommits inside(d);  // would not cover the enclosing commit: no change
        CHECK(level() == 2);
        outer.commit();
    }
    CHECK(level() == 2);
}
