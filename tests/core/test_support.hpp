#pragma once
// Shared fixtures: a fresh database file per test, a manual clock on a fixed
// date, and the test program (a small variant of the demo program).
#include <filesystem>
#include <memory>
#include <string>

#include "loyalty/engine.hpp"
#include "loyalty/stored_value.hpp"

namespace loyalty::test {

// 2026-03-10 12:00 local (UTC+8), a Tuesday.
Timestamp test_epoch();

class TempDir {
  public:
    TempDir();
    ~TempDir();
    const std::filesystem::path& path() const { return path_; }

  private:
    std::filesystem::path path_;
};

ProgramConfig test_program();

struct Fixture {
    TempDir dir;
    ManualClock clock{test_epoch()};
    std::unique_ptr<Engine> engine;
    std::string program = "TEST";

    explicit Fixture(ProgramConfig config = test_program(), Origin origin = {});
    MemberId enroll(const std::string& phone, int birthday_month = 1);
    SaleResult sell(MemberId member, const std::string& receipt, std::vector<BasketLine> lines,
                    Points points_to_pay = 0, std::vector<std::string> coupons = {});
    void advance_days(int days) { clock.advance(Days{days}); }
    Balance balance(MemberId m) { return engine->ledger().balance(m); }
    void require_balances_agree();
};

// Events of `type` this engine's terminal has in its outbox, not yet shipped.
std::int64_t outbox_count(Engine& engine, const std::string& type);

BasketLine line(const std::string& sku, const std::string& category, std::int64_t qty,
                std::int64_t unit_price);

// A registered member's top-up of `amount` fen in program TEST, as a till sends it.
TopUpRequest top_up_of(MemberId member, std::int64_t amount, const std::string& request_id,
                       const std::string& tender = "wechat");

}  // namespace loyalty::test
