// Core benchmarks, printed one figure per line:
//  - sale commit (earn points + outbox event, synchronous=FULL) per second, and
//    its ratio to a raw SQLite transaction (one insert + one update, same
//    pragmas) measured in the same run on the same disk;
//  - member lookup by card number, p50/p99, with 1,000,000 members.
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <vector>

#include "loyalty/demo_data.hpp"
#include "loyalty/engine.hpp"
#include "loyalty/storage/engine_storage.hpp"

using namespace loyalty;
using Stopwatch = std::chrono::steady_clock;

namespace {

double seconds_since(Stopwatch::time_point start) {
    return std::chrono::duration<double>(Stopwatch::now() - start).count();
}

double raw_baseline_txn_per_s(const std::filesystem::path& path, int n) {
    std::filesystem::remove(path);
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                     "CREATE TABLE t(id INTEGER PRIMARY KEY, v INTEGER); CREATE TABLE c(id INTEGER PRIMARY KEY, n INTEGER);"
                     "INSERT INTO c VALUES (1, 0);",
                 nullptr, nullptr, nullptr);
    sqlite3_stmt *ins = nullptr, *upd = nullptr;
    sqlite3_prepare_v2(db, "INSERT INTO t(v) VALUES (?)", -1, &ins, nullptr);
    sqlite3_prepare_v2(db, "UPDATE c SET n = n + 1 WHERE id = 1", -1, &upd, nullptr);
    const auto start = Stopwatch::now();
    for (int i = 0; i < n; ++i) {
        sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
        sqlite3_bind_int64(ins, 1, i);
        sqlite3_step(ins);
        sqlite3_reset(ins);
        sqlite3_step(upd);
        sqlite3_reset(upd);
        sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
    }
    const double rate = n / seconds_since(start);
    sqlite3_finalize(ins);
    sqlite3_finalize(upd);
    sqlite3_close(db);
    return rate;
}

double engine_sales_per_s(const std::filesystem::path& path, const ProgramConfig& program, int n) {
    std::filesystem::remove(path);
    SystemClock clock;
    auto engine = Engine::open(path, clock);
    if (!engine) throw std::runtime_error(engine.error().message);
    if (!(*engine)->programs().save(program, "bench")) throw std::runtime_error("cannot save program");
    EnrollRequest e;
    e.program = program.code;
    e.phone = "13800000000";
    e.consent_privacy = true;
    const auto member = (*engine)->members().enroll(e)->member.id;
    const auto start = Stopwatch::now();
    for (int i = 0; i < n; ++i) {
        SaleRequest s;
        s.program = program.code;
        s.receipt = "B" + std::to_string(i);
        s.member = member;
        s.lines = {BasketLine{"TS-1001", "apparel", 1, Money{19900}, Money{}},
                   BasketLine{"SH-3301", "shoes", 1, Money{59900}, Money{}}};
        if (!(*engine)->sales().commit(s)) throw std::runtime_error("commit failed");
    }
    return n / seconds_since(start);
}

}  // namespace

int main(int argc, char** argv) {
    const std::filesystem::path dir = argc > 1 ? argv[1] : "build/bench-data";
    std::filesystem::create_directories(dir);
    auto program = load_program_config_file(std::filesystem::path(LOYALTY_SOURCE_DIR) / "assets/config/demo-program.toml");
    if (!program) {
        std::fprintf(stderr, "core_bench: %s\n", program.error().message.c_str());
        return 1;
    }
    program->earning.daily_cap = 0;

    // Interleave the two so disk weather affects both alike; take the best of three.
    constexpr int kCommits = 1500;
    double raw = 0, engine = 0;
    for (int round = 0; round < 3; ++round) {
        raw = std::max(raw, raw_baseline_txn_per_s(dir / "raw.db", kCommits));
        engine = std::max(engine, engine_sales_per_s(dir / "commit.db", *program, kCommits));
    }
    std::printf("core.commit.raw_sqlite_txn_per_s %.0f\n", raw);
    std::printf("core.commit.sales_per_s %.0f\n", engine);
    std::printf("core.commit.ratio_to_raw %.2f (target >= 0.50)\n", engine / raw);

    // A million members, made once and kept between runs.
    constexpr std::int64_t kMembers = 1'000'000;
    const auto lookup_db = dir / "lookup-1m.db";
    SystemClock clock;
    DatabaseOptions options;
    options.integrity_check_on_open = false;  // checked once when made; a 1M-member check costs seconds
    auto opened = Engine::open(lookup_db, clock, EngineOptions{{}, options});
    if (!opened) {
        std::fprintf(stderr, "core_bench: %s\n", opened.error().message.c_str());
        return 1;
    }
    auto& e = **opened;
    const auto existing = engine_database(e).prepare("SELECT count(*) FROM members").scalar().value_or(0);
    if (existing != kMembers) {
        if (auto saved = e.programs().save(*program, "bench"); !saved) {
            std::fprintf(stderr, "core_bench: %s\n", saved.error().message.c_str());
            return 1;
        }
        const auto start = Stopwatch::now();
        auto made = create_bulk_members(e, program->code, kMembers - existing);
        if (!made) {
            std::fprintf(stderr, "core_bench: %s\n", made.error().message.c_str());
            return 1;
        }
        std::printf("core.lookup.setup_seconds %.1f\n", seconds_since(start));
    }
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<std::int64_t> pick(0, kMembers - 1);
    std::vector<double> micros;
    constexpr int kLookups = 100000;
    micros.reserve(kLookups);
    for (int i = 0; i < kLookups; ++i) {
        const auto card = bulk_card_number(pick(rng));
        const auto start = Stopwatch::now();
        auto m = e.members().identify(program->code, IdentityKind::card_number, card);
        micros.push_back(std::chrono::duration<double, std::micro>(Stopwatch::now() - start).count());
        if (!m) {
            std::fprintf(stderr, "core_bench: lookup of %s failed: %s\n", card.c_str(), m.error().message.c_str());
            return 1;
        }
    }
    std::sort(micros.begin(), micros.end());
    std::printf("core.lookup.members %lld\n", static_cast<long long>(kMembers));
    std::printf("core.lookup.card_p50_us %.1f\n", micros[micros.size() / 2]);
    std::printf("core.lookup.card_p99_us %.1f (target <= 200)\n", micros[micros.size() * 99 / 100]);
    return 0;
}
