#include "hub_database.hpp"

#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <string_view>

#include "loyalty/storage/postgres.hpp"
#include "postgres_cluster.hpp"

namespace loyalty::sync::test {

bool hub_on_postgres() {
    const char* backend = std::getenv("LOYALTY_TEST_HUB_DATABASE");
    return backend && std::string_view(backend) == "postgresql";
}

std::filesystem::path hub_database(const std::filesystem::path& dir, const std::string& name) {
    if (!hub_on_postgres()) return dir / name;
    static std::mutex mutex;
    static std::unique_ptr<PostgresCluster> cluster;  // stopped at exit
    static std::map<std::string, std::string> made;   // dir/name -> URI
    std::lock_guard lock(mutex);
    if (!cluster) {
        enable_postgres();
        cluster = std::make_unique<PostgresCluster>();
    }
    const auto key = (dir / name).string();
    if (auto it = made.find(key); it != made.end()) return it->second;
    const auto uri = cluster->create_database("hub_" + std::to_string(made.size() + 1));
    made.emplace(key, uri);
    return uri;
}

}  // namespace loyalty::sync::test
