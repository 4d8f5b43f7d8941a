// The rewrite of the engine's SQLite statements for a hub on PostgreSQL
// (core/storage/src/postgres_dialect.cpp). Whether PostgreSQL then runs them is what
// the cloud_link_postgres run of this whole suite checks; here, the rewrite itself.
#include <doctest/doctest.h>

#include <stdexcept>

#include "postgres_dialect.hpp"

using loyalty::postgres_sql;

TEST_CASE("postgres dialect: parameters are numbered in order, and ?NNN keeps its number") {
    auto plain = postgres_sql("SELECT a FROM t WHERE b = ? AND c = ?");
    CHECK(plain.sql == "SELECT a FROM t WHERE b = $1 AND c = $2");
    CHECK(plain.parameters == 2);
    auto numbered = postgres_sql("SELECT ?2, ?1, ?");  // a bare ? is one past the largest
    CHECK(numbered.sql == "SELECT $2, $1, $3");
    CHECK(numbered.parameters == 3);
    auto quoted = postgres_sql("SELECT 'who?', \"odd?name\" FROM t -- why?\nWHERE x = ?");
    CHECK(quoted.sql == "SELECT 'who?', \"odd?name\" FROM t -- why?\nWHERE x = $1");
    CHECK(quoted.parameters == 1);
}

TEST_CASE("postgres dialect: INSERT OR IGNORE becomes ON CONFLICT DO NOTHING, before RETURNING") {
    CHECK(postgres_sql("INSERT OR IGNORE INTO t(a) VALUES (?);").sql ==
          "INSERT INTO t(a) VALUES ($1) ON CONFLICT DO NOTHING");
    CHECK(postgres_sql("insert or ignore into t(a) values (?) returning id").sql ==
          "INSERT into t(a) values ($1) ON CONFLICT DO NOTHING returning id");
    CHECK_THROWS_AS(postgres_sql("INSERT OR REPLACE INTO t(a) VALUES (1)"), std::invalid_argument);
}

TEST_CASE("postgres dialect: SQLite's scalar functions become PostgreSQL's, aggregates stay") {
    CHECK(postgres_sql("UPDATE t SET s = max(s + ?, ?)").sql ==
          "UPDATE t SET s = GREATEST(s + $1, $2)");
    CHECK(postgres_sql("SELECT max(a), min(b, c) FROM t").sql ==
          "SELECT max(a), LEAST(b, c) FROM t");
    CHECK(postgres_sql("SELECT max(coalesce(a, 0), (SELECT max(b) FROM u))").sql ==
          "SELECT GREATEST(coalesce(a, 0), (SELECT max(b) FROM u))");
    CHECK(postgres_sql("SELECT group_concat(code || '@' || v, ',') FROM p").sql ==
          "SELECT string_agg((code || '@' || v)::text, ',') FROM p");
    CHECK(postgres_sql("SELECT group_concat(tag, char(31)) FROM t").sql ==
          "SELECT string_agg((tag)::text, chr(31)) FROM t");
    CHECK(postgres_sql("SELECT 1 WHERE instr(payload, ?) > 0").sql ==
          "SELECT 1 WHERE strpos(payload, $1) > 0");
    CHECK(postgres_sql("SELECT sum(CAST(json_extract(j, '$.cash.out') AS INTEGER)) FROM t").sql ==
          "SELECT sum(CAST(((j)::jsonb #>> '{cash,out}') AS BIGINT)) FROM t");
    CHECK(postgres_sql("SELECT ifnull(a, ?) FROM t").sql == "SELECT coalesce(a, $1) FROM t");
    // A column that happens to be called like a function is left alone.
    CHECK(postgres_sql("SELECT max_points, instr FROM t").sql == "SELECT max_points, instr FROM t");
}
