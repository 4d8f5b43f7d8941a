#include "postgres_hub.hpp"

#include <filesystem>
#include <stdexcept>

#include "loyalty/storage/engine_storage.hpp"
#include "loyalty/sync/hub.hpp"

namespace loyalty::bench {

ProgramConfig bench_program() {
    auto program = load_program_config_file(std::filesystem::path(LOYALTY_SOURCE_DIR) /
                                            "assets/config/demo-program.toml");
    if (!program) throw std::runtime_error(program.error().message);
    program->code = "BENCH";
    program->stores.clear();
    return *program;
}

const SystemClock& system_clock() {
    static SystemClock clock;
    return clock;
}

void fill_postgres_hub(const std::string& uri, const ProgramConfig& program, std::int64_t members) {
    auto opened = sync::HubStore::open(uri, sync::HubStoreOptions{"load", true, false, {}});
    if (!opened) throw std::runtime_error(opened.error().message);
    auto& engine = opened.value()->engine();
    if (auto saved = engine.programs().save(program, "bench"); !saved)
        throw std::runtime_error(saved.error().message);
    // PostgreSQL's own SQL: a bulk load is not the engine's business.
    auto& db = engine_database(engine);
    db.exec(
        "INSERT INTO members(uid, program_id, enrolled_at, tier_code, tier_since, "
        "tier_review_at, points_available) "
        "SELECT format('00000000-0000-4000-8000-%s', lpad(i::text, 12, '0')), p.id, 1764547200, "
        "'silver', 1764547200, 1900000000, 1000 FROM generate_series(0, " +
        std::to_string(members - 1) + ") i, programs p WHERE p.code = '" + program.code +
        "' ORDER BY i");
    db.exec(
        "INSERT INTO identities(program_id, kind, value, member_id, linked_at) "
        "SELECT program_id, 'phone', format('+86139%s', lpad((id - 1)::text, 8, '0')), id, "
        "1764547200 FROM members");
    db.exec("ANALYZE");
}

}  // namespace loyalty::bench
