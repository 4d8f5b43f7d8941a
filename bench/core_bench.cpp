// Core benchmarks, printed one figure per line:
//  - sale commit (earn points + outbox event, synchronous=FULL) per second, and
//    its ratio to a raw SQLite transaction (one insert + one update, same
//    pragmas) measured in the same run on the same disk;
//  - member lookup by card number, p50/p99, with 1,000,000 members.
#include <sqlite3.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
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

// The raw baseline: one insert and one update in a transaction, the engine's pragmas
// (WAL, synchronous=FULL), nothing else.
class RawTransactions {
  public:
    explicit RawTransactions(const std::filesystem::path& path) {
        std::filesystem::remove(path);
        sqlite3_open(path.c_str(), &db_);
        sqlite3_exec(db_,
                     "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                     "CREATE TABLE t(id INTEGER PRIMARY KEY, v INTEGER); CREATE TABLE c(id INTEGER "
                     "PRIMARY KEY, n INTEGER);"
                     "INSERT INTO c VALUES (1, 0);",
                     nullptr, nullptr, nullptr);
        sqlite3_prepare_v2(db_, "INSERT INTO t(v) VALUES (?)", -1, &insert_, nullptr);
        sqlite3_prepare_v2(db_, "UPDATE c SET n = n + 1 WHERE id = 1", -1, &update_, nullptr);
    }
    ~RawTransactions() {
        sqlite3_finalize(insert_);
        sqlite3_finalize(update_);
        sqlite3_close(db_);
    }
    RawTransactions(const RawTransactions&) = delete;
    RawTransactions& operator=(const RawTransactions&) = delete;

    void commit_one() {
        sqlite3_exec(db_, "BEGIN", nullptr, nullptr, nullptr);
        sqlite3_bind_int64(insert_, 1, ++n_);
        sqlite3_step(insert_);
        sqlite3_reset(insert_);
        sqlite3_step(update_);
        sqlite3_reset(update_);
        sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
    }

  private:
    sqlite3* db_ = nullptr;
    sqlite3_stmt* insert_ = nullptr;
    sqlite3_stmt* update_ = nullptr;
    std::int64_t n_ = 0;
};

// The engine: a two-line sale earning points, with its outbox event, for members taken
// in turn from a pool of 100, as a store's regulars would come back (one member buying
// thousands of times would measure the tier check's sum over their history instead).
class EngineSales {
  public:
    EngineSales(const std::filesystem::path& path, const ProgramConfig& program)
        : program_(program.code) {
        std::filesystem::remove(path);
        auto engine = Engine::open(path, clock_);
        if (!engine) throw std::runtime_error(engine.error().message);
        engine_ = std::move(*engine);
        if (!engine_->programs().save(program, "bench"))
            throw std::runtime_error("cannot save program");
        EnrollRequest e;
        e.program = program.code;
        e.consent_privacy = true;
        for (int i = 0; i < kMembers; ++i) {
            e.phone = "138" + std::to_string(10000000 + i);
            members_.push_back(engine_->members().enroll(e)->member.id);
        }
    }

    void commit_one() {
        SaleRequest s;
        s.program = program_;
        s.receipt = "B" + std::to_string(++n_);
        s.member = members_[static_cast<std::size_t>(n_ % kMembers)];
        s.lines = {BasketLine{"TS-1001", "apparel", 1, Money{19900}, Money{}},
                   BasketLine{"SH-3301", "shoes", 1, Money{59900}, Money{}}};
        if (!engine_->sales().commit(s)) throw std::runtime_error("commit failed");
    }

  private:
    SystemClock clock_;
    std::unique_ptr<Engine> engine_;
    std::string program_;
    static constexpr int kMembers = 100;
    std::vector<MemberId> members_;
    std::int64_t n_ = 0;
};

double cpu_seconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    const auto seconds = [](const timeval& t) {
        return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
    };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// Wall and CPU (user + system) seconds spent on n commits.
struct Spent {
    double wall = 0;
    double cpu = 0;
};

template <typename Committer>
void commit_block(Committer& committer, int n, Spent& spent) {
    const auto start = Stopwatch::now();
    const auto cpu_start = cpu_seconds();
    for (int i = 0; i < n; ++i) committer.commit_one();
    spent.wall += seconds_since(start);
    spent.cpu += cpu_seconds() - cpu_start;
}

}  // namespace

int main(int argc, char** argv) {
    const std::filesystem::path dir = argc > 1 ? argv[1] : "build/bench-data";
    std::filesystem::create_directories(dir);
    auto program = load_program_config_file(std::filesystem::path(LOYALTY_SOURCE_DIR) /
                                            "assets/config/demo-program.toml");
    if (!program) {
        std::fprintf(stderr, "core_bench: %s\n", program.error().message.c_str());
        return 1;
    }
    program->earning.daily_cap = 0;

    // The disk's weather (other programs' writeback, the host's) changes fsync times by
    // up to 20x within seconds: alternate the two in blocks of 100 commits, so both see
    // the same weather, and compare their total times.
    constexpr int kBlock = 100;
    constexpr int kBlocks = 40;
    Spent raw_spent, engine_spent, warm_up;
    {
        RawTransactions raw(dir / "raw.db");
        EngineSales sales(dir / "commit.db", *program);
        commit_block(raw, kBlock, warm_up);  // first pages, statement caches
        commit_block(sales, kBlock, warm_up);
        for (int block = 0; block < kBlocks; ++block) {
            commit_block(raw, kBlock, raw_spent);
            commit_block(sales, kBlock, engine_spent);
        }
    }
    const double commits = double{kBlock} * kBlocks;
    std::printf("core.commit.raw_sqlite_txn_per_s %.0f\n", commits / raw_spent.wall);
    std::printf("core.commit.sales_per_s %.0f\n", commits / engine_spent.wall);
    std::printf("core.commit.ratio_to_raw %.2f (target >= 0.50)\n",
                raw_spent.wall / engine_spent.wall);
    std::printf("core.commit.cpu_us raw %.0f, sale %.0f\n", raw_spent.cpu / commits * 1e6,
                engine_spent.cpu / commits * 1e6);

    // A million members, made once and kept between runs.
    constexpr std::int64_t kMembers = 1'000'000;
    const auto lookup_db = dir / "lookup-1m.db";
    SystemClock clock;
    DatabaseOptions options;
    options.integrity_check_on_open =
        false;  // checked once when made; a 1M-member check costs seconds
    auto opened = Engine::open(lookup_db, clock, EngineOptions{{}, options});
    if (!opened) {
        std::fprintf(stderr, "core_bench: %s\n", opened.error().message.c_str());
        return 1;
    }
    auto& e = **opened;
    const auto existing =
        engine_database(e).prepare("SELECT count(*) FROM members").scalar().value_or(0);
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
        micros.push_back(
            std::chrono::duration<double, std::micro>(Stopwatch::now() - start).count());
        if (!m) {
            std::fprintf(stderr, "core_bench: lookup of %s failed: %s\n", card.c_str(),
                         m.error().message.c_str());
            return 1;
        }
    }
    std::sort(micros.begin(), micros.end());
    std::printf("core.lookup.members %lld\n", static_cast<long long>(kMembers));
    std::printf("core.lookup.card_p50_us %.1f\n", micros[micros.size() / 2]);
    std::printf("core.lookup.card_p99_us %.1f (target <= 200)\n", micros[micros.size() * 99 / 100]);
    return 0;
}
