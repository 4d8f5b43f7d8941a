#pragma once
// Where a test's hub keeps its members. Every hub test runs on both databases the hub
// supports: ctest runs the suite once as it is (dir/hub.db, SQLite) and once with
// LOYALTY_TEST_HUB_DATABASE=postgresql, where each test's hub gets a database of its
// own on a PostgreSQL cluster the suite starts on first use.
#include <filesystem>
#include <string>

namespace loyalty::sync::test {

// The same location every time for the same dir and name.
std::filesystem::path hub_database(const std::filesystem::path& dir,
                                   const std::string& name = "hub.db");
bool hub_on_postgres();

}  // namespace loyalty::sync::test
