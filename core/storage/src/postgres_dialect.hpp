#pragma once
// Private to the storage layer: the engine's SQL is written once, in the SQLite dialect
// the terminals run, and rewritten here for PostgreSQL when a hub runs on it. The
// rewrite covers what the engine's statements use and nothing more (see the .cpp);
// a statement outside it fails loudly at prepare, in the tests that run every hub case
// on both databases.
#include <string>
#include <string_view>

namespace loyalty {

struct PostgresSql {
    std::string sql;
    int parameters = 0;  // how many `?` it had: $1 .. $parameters
};

// The statement in PostgreSQL's dialect: `?` numbered $1.., INSERT OR IGNORE as
// ON CONFLICT DO NOTHING, and SQLite's scalar functions as PostgreSQL's. Throws
// std::invalid_argument for what it does not rewrite (INSERT OR REPLACE).
PostgresSql postgres_sql(std::string_view sqlite_sql);

}  // namespace loyalty
