// Two tills (two processes) and two threads on one store database at once:
// every sale lands, no update is lost, no cashier sees "database is locked".
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "abi_support.hpp"
#include "loyalty/engine.hpp"

using namespace loyalty::pos_test;
using nlohmann::json;

namespace {

constexpr int kSalesPerTill = 25;

// Runs in a child process: its own session, kSalesPerTill member sales.
int till_process(const std::string& db, const std::string& terminal, const SeededStore& seed) {
    loyalty_pos_session* s = nullptr;
    if (loyalty_pos_open(db.c_str(), "DEMO", "S001", terminal.c_str(), seed.config_json.c_str(),
                         &s) != LOYALTY_POS_OK)
        return 100;
    int failures = 0;
    for (int i = 0; i < kSalesPerTill; ++i) {
        const json basket{{"member", seed.rich_uid},
                          {"receipt", terminal + "-" + std::to_string(i)},
                          {"lines", json::array({line("FD-7001", "food", 1, 3500)})}};
        char* out = nullptr;
        if (loyalty_pos_commit(s, basket.dump().c_str(), &out) != LOYALTY_POS_OK) {
            std::fprintf(stderr, "%s: %s\n", terminal.c_str(), loyalty_pos_last_error());
            ++failures;
        }
        loyalty_pos_free(out);
    }
    loyalty_pos_close(s);
    return failures;
}

}  // namespace

TEST_CASE(
    "two till processes commit to one database at once without a lost update or a lock error") {
    TempStore store;
    std::vector<pid_t> children;
    for (const char* terminal : {"T01", "T02"}) {
        const pid_t pid = fork();
        REQUIRE(pid >= 0);
        if (pid == 0) _exit(till_process(store.db().string(), terminal, store.seeded));
        children.push_back(pid);
    }
    for (const pid_t pid : children) {
        int status = 0;
        REQUIRE(waitpid(pid, &status, 0) == pid);
        REQUIRE(WIFEXITED(status));
        CHECK(WEXITSTATUS(status) == 0);
    }
    loyalty_pos_session* s = nullptr;
    REQUIRE(loyalty_pos_open(store.db().c_str(), "DEMO", "S001", "T03",
                             store.seeded.config_json.c_str(), &s) == LOYALTY_POS_OK);
    char* out = nullptr;
    REQUIRE(loyalty_pos_identify(s, store.seeded.rich_card.c_str(), &out) == LOYALTY_POS_OK);
    const auto member = json::parse(out);
    loyalty_pos_free(out);
    CHECK(member["points_pending"] == 2 * kSalesPerTill * 35);
    CHECK(member["points_available"] == 50000);
    loyalty_pos_close(s);
}

namespace {

constexpr int kRounds = 15;

// A till paying part of each sale with points, in its own process, through the ABI.
int paying_till(const std::string& db, const SeededStore& seed) {
    loyalty_pos_session* s = nullptr;
    if (loyalty_pos_open(db.c_str(), "DEMO", "S001", "T01", seed.config_json.c_str(), &s) !=
        LOYALTY_POS_OK)
        return 100;
    int failures = 0;
    for (int i = 0; i < kRounds; ++i) {
        const json basket{{"member", seed.rich_uid},
                          {"receipt", "P-" + std::to_string(i)},
                          {"points_to_pay", 1000},
                          {"lines", json::array({line("FD-7001", "food", 1, 3500)})}};
        if (loyalty_pos_commit(s, basket.dump().c_str(), nullptr) != LOYALTY_POS_OK) {
            std::fprintf(stderr, "till: %s\n", loyalty_pos_last_error());
            ++failures;
        }
    }
    loyalty_pos_close(s);
    return failures;
}

// The kiosk: the engine itself in another process, redeeming rewards for the same member.
int redeeming_kiosk(const std::string& db, const SeededStore& seed) {
    loyalty::SystemClock clock;
    auto engine = loyalty::Engine::open(db, clock,
                                        loyalty::EngineOptions{loyalty::Origin{"S001", "K01"}, {}});
    if (!engine) return 100;
    auto member = (*engine)->members().get_by_uid(seed.rich_uid);
    if (!member) return 101;
    int failures = 0;
    for (int i = 0; i < kRounds; ++i)
        if (auto c =
                (*engine)->rewards().redeem(member->id, "CPN-20", "kiosk-" + std::to_string(i));
            !c) {
            std::fprintf(stderr, "kiosk: %s\n", c.error().message.c_str());
            ++failures;
        }
    return failures;
}

}  // namespace

TEST_CASE("a kiosk redeeming and a till paying with points on one balance at once lose no update") {
    TempStore store;
    const auto db = store.db().string();
    std::vector<pid_t> children;
    for (int role = 0; role < 2; ++role) {
        const pid_t pid = fork();
        REQUIRE(pid >= 0);
        if (pid == 0)
            _exit(role == 0 ? paying_till(db, store.seeded) : redeeming_kiosk(db, store.seeded));
        children.push_back(pid);
    }
    for (const pid_t pid : children) {
        int status = 0;
        REQUIRE(waitpid(pid, &status, 0) == pid);
        REQUIRE(WIFEXITED(status));
        CHECK(WEXITSTATUS(status) == 0);
    }
    loyalty::ManualClock clock{loyalty::from_unix(kNow)};
    auto engine = loyalty::Engine::open(store.db(), clock);
    REQUIRE(engine.ok());
    const auto member = (*engine)->members().get_by_uid(store.seeded.rich_uid);
    REQUIRE(member.ok());
    CHECK(member->points_available == 50000 - kRounds * 1000 - kRounds * 2000);
    CHECK((*engine)->ledger().verify_all().empty());  // every balance agrees with its ledger
}

TEST_CASE("one session used from two threads serialises its calls and keeps errors per thread") {
    Till till;
    const auto& seed = till.store.seeded;
    auto worker = [&](const std::string& prefix, int* ok, bool* error_kept) {
        for (int i = 0; i < 10; ++i) {
            const json basket{{"member", seed.gold_uid},
                              {"receipt", prefix + std::to_string(i)},
                              {"lines", json::array({line("FD-7002", "food", 1, 1200)})}};
            if (loyalty_pos_commit(till.session, basket.dump().c_str(), nullptr) == LOYALTY_POS_OK)
                ++*ok;
            // A failure on this thread is this thread's to read, whatever the other does.
            if (loyalty_pos_quote(till.session, "{broken", nullptr) == LOYALTY_POS_E_INVALID_JSON)
                *error_kept =
                    *error_kept && loyalty_pos_last_error_code() == LOYALTY_POS_E_INVALID_JSON &&
                    std::string(loyalty_pos_last_error()).find("basket") != std::string::npos;
        }
    };
    int ok_a = 0, ok_b = 0;
    bool kept_a = true, kept_b = true;
    std::thread a(worker, "A-", &ok_a, &kept_a);
    std::thread b(worker, "B-", &ok_b, &kept_b);
    a.join();
    b.join();
    CHECK(ok_a == 10);
    CHECK(ok_b == 10);
    CHECK(kept_a);
    CHECK(kept_b);
}

TEST_CASE("the till sees a balance the kiosk changed between two of its calls") {
    TempStore store;
    loyalty_pos_session* s = nullptr;
    REQUIRE(loyalty_pos_open(store.db().c_str(), "DEMO", "S001", "T01",
                             store.seeded.config_json.c_str(), &s) == LOYALTY_POS_OK);
    auto available_at_till = [&] {
        char* out = nullptr;
        REQUIRE(loyalty_pos_identify(s, store.seeded.rich_card.c_str(), &out) == LOYALTY_POS_OK);
        const auto member = json::parse(out);
        loyalty_pos_free(out);
        return member["points_available"].get<std::int64_t>();
    };
    const auto before = available_at_till();
    {
        // The kiosk: its own connection to the same file, redeeming a reward.
        loyalty::ManualClock clock{loyalty::from_unix(kNow)};
        auto kiosk = loyalty::Engine::open(
            store.db(), clock, loyalty::EngineOptions{loyalty::Origin{"S001", "K01"}, {}});
        REQUIRE(kiosk.ok());
        const auto member = (*kiosk)->members().get_by_uid(store.seeded.rich_uid);
        REQUIRE(member.ok());
        REQUIRE((*kiosk)->rewards().redeem(member->id, "CPN-20", "kiosk-between").ok());
    }
    CHECK(available_at_till() == before - 2000);
    loyalty_pos_close(s);
}

namespace {

// One till process: ten threads, each on its own session, redeeming with one request id.
// Exit code: how many calls did not return the one coupon (0 when all agree).
int same_request_process(const std::string& db, const SeededStore& seed,
                         const std::string& coupon_file) {
    std::vector<std::thread> threads;
    std::mutex mutex;
    std::vector<std::string> coupons;
    int wrong = 0;
    for (int t = 0; t < 10; ++t)
        threads.emplace_back([&, t] {
            loyalty_pos_session* s = nullptr;
            const std::string terminal = "T" + std::to_string(10 + t);
            if (loyalty_pos_open(db.c_str(), "DEMO", "S001", terminal.c_str(),
                                 seed.config_json.c_str(), &s) != LOYALTY_POS_OK) {
                std::lock_guard lock(mutex);
                ++wrong;
                return;
            }
            const json request{
                {"member", seed.rich_uid}, {"reward", "CPN-20"}, {"request_id", "same-request"}};
            char* out = nullptr;
            const int rc = loyalty_pos_redeem(s, request.dump().c_str(), &out);
            std::lock_guard lock(mutex);
            if (rc != LOYALTY_POS_OK) {
                std::fprintf(stderr, "redeem: %s: %s\n", loyalty_pos_status_name(rc),
                             loyalty_pos_last_error());
                ++wrong;
            } else {
                coupons.push_back(json::parse(out)["coupon"]["code"].get<std::string>());
                loyalty_pos_free(out);
            }
            loyalty_pos_close(s);
        });
    for (auto& th : threads) th.join();
    std::FILE* f = std::fopen(coupon_file.c_str(), "a");
    for (const auto& c : coupons) std::fprintf(f, "%s\n", c.c_str());
    std::fclose(f);
    return wrong;
}

}  // namespace

TEST_CASE(
    "fifty copies of one redemption at once (5 processes x 10 threads) debit once and all get its "
    "coupon") {
    TempStore store;
    const auto coupon_file = (store.dir() / "coupons.txt").string();
    auto available = [&] {
        loyalty::SystemClock clock;
        auto engine = loyalty::Engine::open(
            store.db(), clock, loyalty::EngineOptions{loyalty::Origin{"S001", "X"}, {}});
        REQUIRE(engine.ok());
        return (*engine)->members().get_by_uid(store.seeded.rich_uid)->points_available;
    };
    const auto before = available();
    std::vector<pid_t> children;
    for (int p = 0; p < 5; ++p) {
        const pid_t pid = fork();
        REQUIRE(pid >= 0);
        if (pid == 0) _exit(same_request_process(store.db().string(), store.seeded, coupon_file));
        children.push_back(pid);
    }
    for (const pid_t pid : children) {
        int status = 0;
        REQUIRE(waitpid(pid, &status, 0) == pid);
        REQUIRE(WIFEXITED(status));
        CHECK(WEXITSTATUS(status) == 0);  // no STORAGE, no CONFLICT: every loser replays the winner
    }
    std::ifstream in(coupon_file);
    std::set<std::string> distinct;
    int answers = 0;
    for (std::string code; std::getline(in, code); ++answers) distinct.insert(code);
    CHECK(answers == 50);
    CHECK(distinct.size() == 1);
    CHECK(before - available() == 2000);
}
