#include "photo_retention.hpp"

#include <chrono>
#include <set>
#include <string>
#include <system_error>

#include "loyalty/receipt_claims.hpp"

namespace loyalty::kiosk {

namespace {

// A photo is written before its claim is booked: younger than this, a file no claim refers to
// may belong to the claim a shopper is making now.
constexpr auto kOrphanAge = std::chrono::hours{24};

}  // namespace

std::filesystem::path claim_photos_dir(const std::filesystem::path& db_path) {
    return db_path.parent_path() / "claim-photos";
}

Result<int> forget_old_photos(Engine& engine, const std::filesystem::path& dir, int keep_days) {
    auto released = engine.receipt_claims().release_photos(engine.clock().now() - Days{keep_days});
    if (!released) return released.error();
    // By file name in this kiosk's folder: a photo is named for its claim's request id, and
    // the path a claim recorded may have been written otherwise (a relative database path,
    // a database restored elsewhere). Nothing outside the folder is deleted.
    int removed = 0;
    std::error_code ec;
    for (const auto& file : *released)
        if (std::filesystem::remove(dir / std::filesystem::path(file).filename(), ec)) ++removed;

    auto kept = engine.receipt_claims().photos_kept();
    if (!kept) return kept.error();
    std::set<std::filesystem::path> referenced;
    for (const auto& file : *kept) referenced.insert(std::filesystem::path(file).filename());
    const auto orphaned_before = std::filesystem::file_time_type::clock::now() - kOrphanAge;
    for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        std::error_code file_ec;
        if (!it->is_regular_file(file_ec) || referenced.count(it->path().filename())) continue;
        const auto written = it->last_write_time(file_ec);
        if (!file_ec && written < orphaned_before && std::filesystem::remove(it->path(), file_ec))
            ++removed;
    }
    return removed;
}

}  // namespace loyalty::kiosk
