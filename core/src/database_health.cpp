#include "loyalty/database_health.hpp"

#include <filesystem>
#include <system_error>

#include "loyalty/storage/engine_storage.hpp"

namespace loyalty {

std::optional<std::int64_t> database_file_bytes(Engine& engine) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(engine_database(engine).path(), ec);
    if (ec) return std::nullopt;
    return static_cast<std::int64_t>(size);
}

Result<std::string> check_database_integrity(Engine& engine) {
    return guarded(
        [&]() -> Result<std::string> { return engine_database(engine).integrity_check(); });
}

}  // namespace loyalty
