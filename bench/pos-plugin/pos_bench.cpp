// pos_bench SCRATCH_DIR: what a till waits for at the checkout, quote + commit
// of a 10-line member basket (synchronous=FULL), through libloyalty_pos's C
// ABI and through the C++ engine directly, on two identical databases in the
// same run. Runs alternate in blocks so both see the same disk and load.
// Prints p50/p99 per sale, sales per second, and the ABI/engine ratio.
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "loyalty/engine.hpp"
#include "loyalty/storage/engine_storage.hpp"
#include "loyalty_pos.h"

using namespace loyalty;
using Stopwatch = std::chrono::steady_clock;

namespace {

constexpr int kMembers = 200;
constexpr int kBlocks = 8;
constexpr int kSalesPerBlock = 50;
constexpr int kWarmup = 20;

struct Item {
    const char* sku;
    const char* category;
    std::int64_t price;
};
constexpr Item kBasket[10] = {
    {"TS-1001", "apparel", 19900},   {"JK-2040", "apparel", 89900},
    {"SH-3301", "shoes", 59900},     {"SH-3388", "shoes", 129900},
    {"CS-5001", "cosmetics", 32000}, {"CS-5020", "cosmetics", 68000},
    {"FD-7001", "food", 3500},       {"FD-7002", "food", 1200},
    {"TB-9001", "tobacco", 6500},    {"AC-6100", "accessories", 15900},
};

struct Store {
    std::vector<MemberId> ids;
    std::vector<std::string> uids;
};

Store make_store(const std::filesystem::path& db) {
    std::filesystem::remove(db);
    SystemClock clock;
    auto engine = Engine::open(db, clock);
    if (!engine) throw std::runtime_error(engine.error().message);
    auto program = load_program_config_file(std::filesystem::path(LOYALTY_SOURCE_DIR) /
                                            "assets/config/demo-program.toml");
    if (!program) throw std::runtime_error(program.error().message);
    if (!(*engine)->programs().save(*program, "bench"))
        throw std::runtime_error("cannot save the program");
    Store store;
    Transaction tx(engine_database(**engine));  // set-up only: one transaction for all members
    for (int i = 0; i < kMembers; ++i) {
        EnrollRequest e;
        e.program = "DEMO";
        e.phone = "+86138" + std::to_string(10000000 + i);
        e.display_name = "王小明";
        e.consent_privacy = true;
        auto enrolled = (*engine)->members().enroll(e);
        if (!enrolled) throw std::runtime_error(enrolled.error().message);
        store.ids.push_back(enrolled->member.id);
        store.uids.push_back(enrolled->member.uid);
    }
    tx.commit();
    return store;
}

std::vector<BasketLine> basket_lines() {
    std::vector<BasketLine> lines;
    for (const auto& item : kBasket)
        lines.push_back(BasketLine{item.sku, item.category, 1, Money{item.price}, Money{}});
    return lines;
}

std::string basket_json(const std::string& uid, const std::string& receipt,
                        const std::string& extra = "") {
    std::string s =
        "{\"member\":\"" + uid + "\",\"receipt\":\"" + receipt + "\"," + extra + "\"lines\":[";
    for (std::size_t i = 0; i < std::size(kBasket); ++i)
        s += std::string(i ? "," : "") + "{\"sku\":\"" + kBasket[i].sku + "\",\"category\":\"" +
             kBasket[i].category +
             "\",\"quantity\":1,\"unit_price\":" + std::to_string(kBasket[i].price) + "}";
    return s + "]}";
}

// Quote + commit of sale n through the ABI; returns its duration in seconds. With
// `stored_value`, 100.00 of it is paid from the member's balance.
double abi_sale(loyalty_pos_session* till, const Store& store, int n, bool stored_value = false) {
    const auto basket =  // the till's own work
        basket_json(store.uids[n % kMembers], (stored_value ? "V" : "A") + std::to_string(n),
                    stored_value ? "\"stored_value\":[{\"amount\":10000}]," : "");
    const auto start = Stopwatch::now();
    char* out = nullptr;
    if (loyalty_pos_quote(till, basket.c_str(), &out) != LOYALTY_POS_OK)
        throw std::runtime_error(loyalty_pos_last_error());
    loyalty_pos_free(out);
    if (loyalty_pos_commit(till, basket.c_str(), &out) != LOYALTY_POS_OK)
        throw std::runtime_error(loyalty_pos_last_error());
    loyalty_pos_free(out);
    return std::chrono::duration<double>(Stopwatch::now() - start).count();
}

double engine_sale(Engine& engine, const Store& store, const std::vector<BasketLine>& lines,
                   int n) {
    SaleRequest s;
    s.program = "DEMO";
    s.receipt = "E" + std::to_string(n);
    s.member = store.ids[n % kMembers];
    s.lines = lines;
    const auto start = Stopwatch::now();
    if (!engine.sales().quote(s)) throw std::runtime_error("quote failed");
    if (!engine.sales().commit(s)) throw std::runtime_error("commit failed");
    return std::chrono::duration<double>(Stopwatch::now() - start).count();
}

// The disk's floor: one raw SQLite transaction (insert + update, same pragmas),
// so a p99 above target can be told apart from time spent in our code.
class RawBaseline {
  public:
    explicit RawBaseline(const std::filesystem::path& path) {
        std::filesystem::remove(path);
        if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK)
            throw std::runtime_error("cannot open the raw baseline");
        sqlite3_exec(db_,
                     "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                     "CREATE TABLE t(id INTEGER PRIMARY KEY, v INTEGER); CREATE TABLE c(id INTEGER "
                     "PRIMARY KEY, n INTEGER);"
                     "INSERT INTO c VALUES (1, 0);",
                     nullptr, nullptr, nullptr);
        sqlite3_prepare_v2(db_, "INSERT INTO t(v) VALUES (?)", -1, &insert_, nullptr);
        sqlite3_prepare_v2(db_, "UPDATE c SET n = n + 1 WHERE id = 1", -1, &update_, nullptr);
    }
    ~RawBaseline() {
        sqlite3_finalize(insert_);
        sqlite3_finalize(update_);
        sqlite3_close(db_);
    }
    double transaction(int n) {
        const auto start = Stopwatch::now();
        sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
        sqlite3_bind_int64(insert_, 1, n);
        sqlite3_step(insert_);
        sqlite3_reset(insert_);
        sqlite3_step(update_);
        sqlite3_reset(update_);
        sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
        return std::chrono::duration<double>(Stopwatch::now() - start).count();
    }

  private:
    sqlite3* db_ = nullptr;
    sqlite3_stmt* insert_ = nullptr;
    sqlite3_stmt* update_ = nullptr;
};

// Quote only (no write, so no fsync): the ABI's own cost shows here.
double abi_quote(loyalty_pos_session* till, const std::string& basket) {
    const auto start = Stopwatch::now();
    char* out = nullptr;
    if (loyalty_pos_quote(till, basket.c_str(), &out) != LOYALTY_POS_OK)
        throw std::runtime_error(loyalty_pos_last_error());
    loyalty_pos_free(out);
    return std::chrono::duration<double>(Stopwatch::now() - start).count();
}

double engine_quote(Engine& engine, const SaleRequest& request) {
    const auto start = Stopwatch::now();
    if (!engine.sales().quote(request)) throw std::runtime_error("quote failed");
    return std::chrono::duration<double>(Stopwatch::now() - start).count();
}

double percentile(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

double total(const std::vector<double>& v) {
    double t = 0;
    for (double x : v) t += x;
    return t;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: pos_bench SCRATCH_DIR\n");
        return 2;
    }
    try {
        const std::filesystem::path dir = std::filesystem::path(argv[1]) / "pos-bench";
        std::filesystem::create_directories(dir);
        const auto abi_store = make_store(dir / "abi.db");
        const auto engine_store = make_store(dir / "engine.db");

        loyalty_pos_session* till = nullptr;
        if (loyalty_pos_open((dir / "abi.db").c_str(), "DEMO", "S001", "T01", nullptr, &till) !=
            LOYALTY_POS_OK)
            throw std::runtime_error(loyalty_pos_last_error());
        SystemClock clock;
        auto engine =
            Engine::open(dir / "engine.db", clock, EngineOptions{Origin{"S001", "T01"}, {}});
        if (!engine) throw std::runtime_error(engine.error().message);
        const auto lines = basket_lines();

        int n_abi = 0, n_engine = 0;
        for (int i = 0; i < kWarmup; ++i) {
            abi_sale(till, abi_store, n_abi++);
            engine_sale(**engine, engine_store, lines, n_engine++);
        }
        RawBaseline raw_db(dir / "raw.db");
        std::vector<double> abi, direct, raw;
        for (int block = 0; block < kBlocks; ++block) {
            for (int i = 0; i < kSalesPerBlock; ++i)
                abi.push_back(abi_sale(till, abi_store, n_abi++));
            for (int i = 0; i < kSalesPerBlock; ++i)
                direct.push_back(engine_sale(**engine, engine_store, lines, n_engine++));
            for (int i = 0; i < kSalesPerBlock; ++i)
                raw.push_back(raw_db.transaction(block * kSalesPerBlock + i));
        }
        std::vector<double> abi_quotes, engine_quotes;
        for (int i = 0; i < kBlocks * kSalesPerBlock; ++i) {
            abi_quotes.push_back(abi_quote(till, basket_json(abi_store.uids[i % kMembers], "Q")));
            SaleRequest q;
            q.program = "DEMO";
            q.member = engine_store.ids[i % kMembers];
            q.lines = lines;
            engine_quotes.push_back(engine_quote(**engine, q));
        }
        // Pay with stored value: every member tops up 1,000.00 first (not timed), then the
        // same sales pay 100.00 each from the balance, alternating with plain sales.
        for (int i = 0; i < kMembers; ++i) {
            const auto top_up = "{\"member\":\"" + abi_store.uids[i] +
                                "\",\"amount\":100000,\"tender\":\"cash\",\"request_id\":\"T" +
                                std::to_string(i) + "\"}";
            char* out = nullptr;
            if (loyalty_pos_top_up(till, top_up.c_str(), &out) != LOYALTY_POS_OK)
                throw std::runtime_error(loyalty_pos_last_error());
            loyalty_pos_free(out);
        }
        std::vector<double> sv, plain;
        for (int block = 0; block < kBlocks; ++block) {
            for (int i = 0; i < kSalesPerBlock; ++i)
                sv.push_back(abi_sale(till, abi_store, n_abi++, true));
            for (int i = 0; i < kSalesPerBlock; ++i)
                plain.push_back(abi_sale(till, abi_store, n_abi++));
        }
        loyalty_pos_close(till);

        const double abi_rate = static_cast<double>(abi.size()) / total(abi);
        const double engine_rate = static_cast<double>(direct.size()) / total(direct);
        std::printf("pos quote+commit, 10-line member basket, synchronous=FULL, %zu sales each\n",
                    abi.size());
        std::printf("C ABI:      p50 %.2f ms  p99 %.2f ms  %.0f sales/s\n",
                    percentile(abi, 0.5) * 1e3, percentile(abi, 0.99) * 1e3, abi_rate);
        std::printf("C++ engine: p50 %.2f ms  p99 %.2f ms  %.0f sales/s\n",
                    percentile(direct, 0.5) * 1e3, percentile(direct, 0.99) * 1e3, engine_rate);
        std::printf("raw SQLite txn (disk floor): p50 %.2f ms  p99 %.2f ms\n",
                    percentile(raw, 0.5) * 1e3, percentile(raw, 0.99) * 1e3);
        std::printf(
            "quote only (no fsync): C ABI p50 %.3f ms p99 %.3f ms, engine p50 %.3f ms p99 %.3f "
            "ms\n",
            percentile(abi_quotes, 0.5) * 1e3, percentile(abi_quotes, 0.99) * 1e3,
            percentile(engine_quotes, 0.5) * 1e3, percentile(engine_quotes, 0.99) * 1e3);
        std::printf("ratio C ABI / engine (sales/s): %.2f (target >= 0.8)\n",
                    abi_rate / engine_rate);
        std::printf("p99 target <= 5 ms: %s\n", percentile(abi, 0.99) <= 0.005 ? "met" : "NOT met");
        std::printf(
            "pay with stored value (100.00 of the bill), C ABI: p50 %.2f ms  p99 %.2f ms; "
            "plain sale same blocks p99 %.2f ms; ratio p99 stored value / plain %.2f; "
            "p99 / raw txn %.1f\n",
            percentile(sv, 0.5) * 1e3, percentile(sv, 0.99) * 1e3, percentile(plain, 0.99) * 1e3,
            percentile(sv, 0.99) / percentile(plain, 0.99),
            percentile(sv, 0.99) / percentile(raw, 0.99));
        std::printf("pay with stored value p99 target <= 5 ms: %s\n",
                    percentile(sv, 0.99) <= 0.005 ? "met" : "NOT met");
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "pos_bench: %s\n", e.what());
        return 1;
    }
}
