#include "loyalty/backups.hpp"

#include <algorithm>
#include <cstdio>
#include <system_error>

#include "loyalty/storage/engine_storage.hpp"
#include "schema_migrations.hpp"

namespace loyalty {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view prefix = "loyalty-";
constexpr std::string_view suffix = ".db";

bool is_backup_name(const std::string& name) {
    // loyalty-YYYYMMDD-HHMMSS.db: the timestamp makes names sort in time order.
    return name.size() == prefix.size() + 15 + suffix.size() && name.starts_with(prefix) &&
           name.ends_with(suffix);
}

std::string backup_name(Timestamp now) {
    const auto day = std::chrono::floor<std::chrono::days>(now);
    const std::chrono::year_month_day ymd{day};
    const std::chrono::hh_mm_ss time{now - day};
    char name[64];
    std::snprintf(name, sizeof name, "loyalty-%04d%02u%02u-%02lld%02lld%02lld.db",
                  static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()), static_cast<long long>(time.hours().count()),
                  static_cast<long long>(time.minutes().count()),
                  static_cast<long long>(time.seconds().count()));
    return name;
}

Result<void> check_copy(const fs::path& file) {
    DatabaseOptions options;
    options.read_only = true;
    options.integrity_check_on_open = true;
    auto copy = Database::open(file, options);
    if (!copy) return copy.error();
    const int version = (*copy)->schema_version();
    if (version > static_cast<int>(schema_migrations().size()))
        return make_error(Errc::storage, file.string() + " has schema version " +
                                             std::to_string(version) +
                                             ", newer than this program knows");
    return {};
}

}  // namespace

std::vector<fs::path> list_backups(const fs::path& directory) {
    std::vector<fs::path> found;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(directory, ec))
        if (entry.is_regular_file() && is_backup_name(entry.path().filename().string()))
            found.push_back(entry.path());
    std::sort(found.begin(), found.end());
    return found;
}

Result<fs::path> take_backup(Engine& engine, const BackupPolicy& policy, Timestamp now) {
    if (policy.keep < 1)
        return make_error(Errc::invalid_argument, "a backup policy must keep at least one copy");
    std::error_code ec;
    fs::create_directories(policy.directory, ec);
    if (ec)
        return make_error(Errc::storage,
                          "cannot create " + policy.directory.string() + ": " + ec.message());

    const fs::path target = policy.directory / backup_name(now);
    // Written under a temporary name and renamed, so a power cut never leaves a
    // half-written file that looks like a backup.
    fs::path partial = target;
    partial += ".partial";
    fs::remove(partial, ec);
    if (auto copied = engine_database(engine).backup_to(partial); !copied) return copied.error();
    if (auto checked = check_copy(partial); !checked) {
        fs::remove(partial, ec);
        return make_error(Errc::storage, "the new backup failed its check, old backups kept: " +
                                             checked.error().message);
    }
    fs::rename(partial, target, ec);
    if (ec)
        return make_error(Errc::storage,
                          "cannot name backup " + target.string() + ": " + ec.message());

    auto all = list_backups(policy.directory);
    for (std::size_t i = 0; i + static_cast<std::size_t>(policy.keep) < all.size(); ++i)
        fs::remove(all[i], ec);
    return target;
}

Result<void> restore_backup(const fs::path& backup, const fs::path& live) {
    std::error_code ec;
    if (!fs::is_regular_file(backup, ec))
        return make_error(Errc::not_found, "no backup file " + backup.string());
    if (auto checked = check_copy(backup); !checked)
        return make_error(Errc::corrupt_database, "refusing to restore " + backup.string() + ": " +
                                                      checked.error().message +
                                                      "; the live database is unchanged");
    DatabaseOptions options;
    options.read_only = true;
    options.integrity_check_on_open = false;  // just checked
    auto source = Database::open(backup, options);
    if (!source) return source.error();
    return (*source)->backup_to(live,
                                /*single_file=*/false);  // the live database stays in WAL mode
}

}  // namespace loyalty
