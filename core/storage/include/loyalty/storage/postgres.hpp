#pragma once
// PostgreSQL for the parts that may run on it (the hub): after enable_postgres(),
// Database::open takes a postgresql:// URI (libpq's, several hosts allowed) where a
// file path would be. Linked from loyalty::storage_postgres, so the terminals' programs
// never carry libpq.
namespace loyalty {

void enable_postgres();

}  // namespace loyalty
