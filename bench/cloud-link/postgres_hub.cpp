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
    // A hub that has a million members has their history too: a past sale each at a store
    // of their own, its earning, its points still on the books, and what the hub applied.
    // Without it the tables a sale writes start empty, and the benchmark measures a new
    // database's first minute (the planner scanning tables it was told were empty).
    db.exec(
        "INSERT INTO sales(program_id, store, terminal, receipt, member_id, occurred_at, "
        "gross_minor, net_minor, points_earned, fingerprint) "
        "SELECT program_id, 'HIST', 'T00', 'H' || id, id, 1764547200, 100000, 100000, 1000, "
        "'hist-' || id FROM members");
    db.exec(
        "INSERT INTO ledger_entries(member_id, kind, available_delta, pending_delta, "
        "occurred_at, reason, reference, idempotency_key, store, terminal) "
        "SELECT id, 'earn', 1000, 0, 1764547200, 'sale', 'H' || id, 'hist-earn-' || id, "
        "'HIST', 'T00' FROM members");
    db.exec(
        "INSERT INTO point_lots(member_id, source_entry_id, earned_at, release_at, expires_at, "
        "original, remaining, state) "
        "SELECT member_id, id, 1764547200, 1764547200, 1900000000, 1000, 1000, 'available' "
        "FROM ledger_entries");
    db.exec(
        "INSERT INTO hub_applied(event_id, program, store, terminal, seq, type, member_uid, "
        "points_delta, status, occurred_at, applied_at_ms, worker) "
        "SELECT 'hist-' || m.id, p.code, 'HIST', 'T00', m.id, 'sale.committed', m.uid, 1000, "
        "'applied', 1764547200, 1764547200000, 'load' FROM members m "
        "JOIN programs p ON p.id = m.program_id");
    db.exec(
        "INSERT INTO hub_member_stores(program, uid, store) SELECT p.code, m.uid, 'HIST' "
        "FROM members m JOIN programs p ON p.id = m.program_id");
    // What autovacuum and the checkpointer would otherwise do while the benchmark runs.
    db.exec("VACUUM (ANALYZE)");
    db.exec("CHECKPOINT");
}

}  // namespace loyalty::bench
