// Satisfaction ratings: one record for anonymous and members' ratings, one check,
// one transaction; the day report counts them; migration 8 folds the two old tables.
#include <doctest/doctest.h>

#include "loyalty/day_report.hpp"
#include "loyalty/storage/engine_storage.hpp"
#include "test_support.hpp"

using namespace loyalty;
using namespace loyalty::test;

namespace {

std::int64_t pending_events(Engine& engine, const std::string& type) {
    std::int64_t n = 0;
    for (const auto& e :
         engine.outbox().pending(engine.origin().store, engine.origin().terminal, 0, 100000))
        n += e.type == type;
    return n;
}

std::int64_t count(Engine& engine, const std::string& sql) {
    return engine_database(engine).prepare(sql).scalar().value_or(-1);
}

}  // namespace

TEST_CASE("an anonymous and a member's rating are kept once each, under this store and terminal") {
    Fixture f(test_program(), Origin{"S002", "K07"});
    const auto m = f.enroll("13800000901");
    auto anonymous = f.engine->ratings().record(f.program, std::nullopt, 3);
    REQUIRE(anonymous.ok());
    CHECK(anonymous->fired.empty());
    auto members = f.engine->ratings().record(f.program, m, 5);
    REQUIRE(members.ok());

    auto& db = engine_database(*f.engine);
    CHECK(count(*f.engine, "SELECT count(*) FROM ratings") == 2);
    CHECK(count(*f.engine,
                "SELECT count(*) FROM ratings WHERE store = 'S002' AND terminal = 'K07' AND "
                "program = 'TEST'") == 2);
    CHECK(db.prepare("SELECT member_id FROM ratings WHERE score = 5").scalar() == m);
    CHECK_FALSE(db.prepare("SELECT member_id FROM ratings WHERE score = 3").scalar().has_value());
    CHECK(db.prepare("SELECT given_at FROM ratings WHERE score = 5").scalar() ==
          to_unix(f.clock.now()));
    // The hub hears of members' ratings, as before.
    CHECK(pending_events(*f.engine, "rating.given") == 1);
}

TEST_CASE("a rating is checked once and a refused one leaves nothing behind") {
    Fixture f;
    const auto m = f.enroll("13800000902");
    const auto absorbed = f.enroll("13800000903");
    REQUIRE(f.engine->members().merge(m, absorbed, "duplicate", "test").ok());
    auto other = test_program();
    other.code = "OTHER";
    REQUIRE(f.engine->programs().save(other, "test").ok());

    for (int score : {0, 6, -1}) {
        auto r = f.engine->ratings().record(f.program, std::nullopt, score);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == Errc::invalid_argument);
    }
    CHECK(f.engine->ratings().record("NOPE", std::nullopt, 4).error().code == Errc::not_found);
    CHECK(f.engine->ratings().record(f.program, absorbed, 4).error().code ==
          Errc::not_found);  // merged away
    CHECK(f.engine->ratings().record(f.program, 999999, 4).error().code == Errc::not_found);
    CHECK(f.engine->ratings().record("OTHER", m, 4).error().code == Errc::invalid_argument);
    CHECK(count(*f.engine, "SELECT count(*) FROM ratings") == 0);
    CHECK(pending_events(*f.engine, "rating.given") == 0);
    // The table refuses a bad score even from SQL that skips the check.
    CHECK_THROWS_AS(
        engine_database(*f.engine)
            .prepare("INSERT INTO ratings(program, score, given_at) VALUES ('TEST', 9, 0)")
            .run(),
        StorageError);
}

TEST_CASE("the day report counts and averages the local day's ratings of its program") {
    Fixture f;
    const auto m = f.enroll("13800000904");
    REQUIRE(f.engine->ratings().record(f.program, std::nullopt, 2).ok());
    REQUIRE(f.engine->ratings().record(f.program, m, 5).ok());
    REQUIRE(f.engine->ratings().record(f.program, std::nullopt, 4).ok());
    auto other = test_program();
    other.code = "OTHER";
    REQUIRE(f.engine->programs().save(other, "test").ok());
    REQUIRE(f.engine->ratings().record("OTHER", std::nullopt, 1).ok());

    auto today = day_report(*f.engine, f.program, f.clock.now());
    REQUIRE(today.ok());
    CHECK(today->ratings == 3);
    CHECK(today->average_rating == doctest::Approx(11.0 / 3.0));
    f.advance_days(1);
    auto tomorrow = day_report(*f.engine, f.program, f.clock.now());
    REQUIRE(tomorrow.ok());
    CHECK(tomorrow->ratings == 0);
    CHECK(tomorrow->average_rating == 0);
}

namespace {

// Puts a store database back to schema 7 as the current main leaves it: core's
// member_ratings and, when the kiosk ever took a rating, its own kiosk_ratings.
void back_to_schema_7(Engine& engine, bool with_kiosk_table) {
    auto& db = engine_database(engine);
    db.exec(
        "DROP TABLE ratings;"
        "CREATE TABLE member_ratings (id INTEGER PRIMARY KEY, member_id INTEGER NOT NULL "
        "REFERENCES members(id), "
        "score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5), store TEXT NOT NULL, given_at "
        "INTEGER NOT NULL);"
        "CREATE INDEX ratings_by_member ON member_ratings(member_id, given_at);");
    if (with_kiosk_table)
        db.exec(
            "CREATE TABLE IF NOT EXISTS kiosk_ratings (id INTEGER PRIMARY KEY, program TEXT NOT "
            "NULL, "
            "rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5), rated_at INTEGER NOT NULL)");
    // What migrations 10 to 13 added, taken away again: the schema as version 7 had it.
    db.exec("DROP TABLE parking_credits; DROP TABLE member_plates;");
    db.exec("DROP TABLE receipt_claims;");
    db.exec(
        "DROP TABLE sale_sv_payments; DROP TABLE sv_top_ups; DROP TABLE sv_entries; DROP TABLE "
        "sv_accounts; ALTER TABLE sales DROP COLUMN sv_minor; ALTER TABLE refunds DROP COLUMN "
        "sv_principal_restored; ALTER TABLE refunds DROP COLUMN sv_bonus_restored; ALTER TABLE "
        "members DROP COLUMN pin_failures; ALTER TABLE members DROP COLUMN pin_locked_until;");
    db.exec(
        "ALTER TABLE coupons DROP COLUMN benefit_json; ALTER TABLE coupons DROP COLUMN "
        "cancelled_at; ALTER TABLE coupons DROP COLUMN cancel_reason; DROP TABLE promo_code_uses; "
        "ALTER TABLE members DROP COLUMN tier_floor;");
    db.exec("PRAGMA user_version = 7");
}

struct Row {
    std::string program;
    std::optional<std::int64_t> member;
    std::int64_t score;
    std::optional<std::string> store;
    std::int64_t given_at;
    bool operator==(const Row&) const = default;
};

std::vector<Row> ratings_rows(Engine& engine) {
    std::vector<Row> rows;
    engine_database(engine)
        .prepare(
            "SELECT program, member_id, score, store, terminal, given_at FROM ratings ORDER BY id")
        .each([&](const Statement& r) {
            CHECK(r.is_null(4));  // the old tables never knew the terminal
            rows.push_back(
                Row{r.text(0), r.optional_int64(1), r.int64(2), r.optional_text(3), r.int64(5)});
        });
    return rows;
}

}  // namespace

TEST_CASE(
    "migration 8 keeps every old rating once: members', the kiosk's anonymous ones, not both "
    "copies of one") {
    Fixture f;
    const auto m = f.enroll("13800000905");
    const auto path = engine_database(*f.engine).path();
    back_to_schema_7(*f.engine, true);
    const std::int64_t t = 1773115200;  // 2026-03-10 04:00 UTC
    auto& db = engine_database(*f.engine);
    auto kiosk = [&](const std::string& program, int score, std::int64_t at) {
        db.prepare("INSERT INTO kiosk_ratings(program, rating, rated_at) VALUES (?, ?, ?)")
            .bind_all(program, score, at)
            .run();
    };
    auto member = [&](int score, const std::string& store, std::int64_t at) {
        db.prepare(
              "INSERT INTO member_ratings(member_id, score, store, given_at) VALUES (?, ?, ?, ?)")
            .bind_all(m, score, store, at)
            .run();
    };
    // The kiosk wrote a member's rating twice: its own row first, core's a moment later.
    kiosk("TEST", 4, t);
    member(4, "S001", t);
    kiosk("TEST", 2, t + 100);  // anonymous
    kiosk("TEST", 5, t + 200);
    member(5, "S001", t + 201);  // the same rating across a second's turn
    member(3, "S002", t + 300);  // given elsewhere, never in the kiosk's table
    kiosk("TEST", 3, t + 400);   // anonymous, same score as a member's a while earlier
    kiosk("GONE", 1, t + 500);   // a program this database no longer has: kept as it was
    f.engine.reset();

    auto reopened = Engine::open(path, f.clock);
    REQUIRE(reopened.ok());
    auto& engine = **reopened;
    CHECK(engine_database(engine).schema_version() == 13);
    CHECK(ratings_rows(engine) == std::vector<Row>{
                                      {"TEST", m, 4, "S001", t},
                                      {"TEST", std::nullopt, 2, std::nullopt, t + 100},
                                      {"TEST", m, 5, "S001", t + 201},
                                      {"TEST", m, 3, "S002", t + 300},
                                      {"TEST", std::nullopt, 3, std::nullopt, t + 400},
                                      {"GONE", std::nullopt, 1, std::nullopt, t + 500},
                                  });
    CHECK(count(engine,
                "SELECT count(*) FROM sqlite_master WHERE name IN ('member_ratings', "
                "'kiosk_ratings')") == 0);
    // The day report reads the folded table: five ratings of TEST on 2026-03-10 (UTC+8).
    auto day = day_report(engine, "TEST", from_unix(t));
    REQUIRE(day.ok());
    CHECK(day->ratings == 5);
    CHECK(day->average_rating == doctest::Approx(17.0 / 5.0));
}

TEST_CASE("migration 8 runs where the kiosk never made its table") {
    Fixture f;
    const auto m = f.enroll("13800000906");
    const auto path = engine_database(*f.engine).path();
    back_to_schema_7(*f.engine, false);
    engine_database(*f.engine)
        .prepare(
            "INSERT INTO member_ratings(member_id, score, store, given_at) VALUES (?, 4, 'S001', "
            "1773115200)")
        .bind(1, m)
        .run();
    f.engine.reset();
    auto reopened = Engine::open(path, f.clock);
    REQUIRE(reopened.ok());
    CHECK(ratings_rows(**reopened) == std::vector<Row>{{"TEST", m, 4, "S001", 1773115200}});
    CHECK(count(**reopened, "SELECT count(*) FROM sqlite_master WHERE name = 'kiosk_ratings'") ==
          0);
}
