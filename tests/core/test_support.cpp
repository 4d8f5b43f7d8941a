#include "test_support.hpp"

#include <doctest/doctest.h>

#include <random>

namespace loyalty::test {

Timestamp test_epoch() {
    using namespace std::chrono;
    return time_point_cast<seconds>(sys_days{year{2026} / March / 10}) +
           hours{4};  // 12:00 at UTC+8
}

TempDir::TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("loyalty-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

std::int64_t outbox_count(Engine& engine, const std::string& type) {
    std::int64_t n = 0;
    for (const auto& e :
         engine.outbox().pending(engine.origin().store, engine.origin().terminal, 0, 100000))
        n += e.type == type;
    return n;
}

ProgramConfig test_program() {
    auto config = load_program_config_file(std::filesystem::path(LOYALTY_SOURCE_DIR) /
                                           "assets/config/demo-program.toml");
    REQUIRE_MESSAGE(config.ok(), (config.ok() ? "" : config.error().message));
    auto c = std::move(config.value());
    c.code = "TEST";
    c.earning.windows.clear();  // tests opt in to windows explicitly
    c.earning.daily_cap = 0;
    c.earning.min_spend = Money{0};
    return c;
}

Fixture::Fixture(ProgramConfig config, Origin origin) {
    program = config.code;
    auto opened = Engine::open(dir.path() / "store.db", clock, EngineOptions{origin, {}});
    REQUIRE_MESSAGE(opened.ok(), (opened.ok() ? "" : opened.error().message));
    engine = std::move(opened.value());
    auto saved = engine->programs().save(config, "test");
    REQUIRE(saved.ok());
}

MemberId Fixture::enroll(const std::string& phone, int birthday_month) {
    EnrollRequest r;
    r.program = program;
    r.phone = phone;
    r.display_name = "王小明";
    r.birthday_month = birthday_month;
    r.consent_privacy = true;
    r.consent_marketing = true;
    auto e = engine->members().enroll(r);
    REQUIRE_MESSAGE(e.ok(), (e.ok() ? "" : e.error().message));
    return e->member.id;
}

SaleResult Fixture::sell(MemberId member, const std::string& receipt, std::vector<BasketLine> lines,
                         Points points_to_pay, std::vector<std::string> coupons) {
    SaleRequest s;
    s.program = program;
    s.receipt = receipt;
    s.member = member;
    s.lines = std::move(lines);
    s.points_to_pay = points_to_pay;
    s.coupons = std::move(coupons);
    auto r = engine->sales().commit(s);
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
    return r.value();
}

void Fixture::require_balances_agree() {
    const auto bad = engine->ledger().verify_all();
    for (const auto& b : bad)
        FAIL_CHECK("member ", b.member, " materialized ", b.materialized.available, "/",
                   b.materialized.pending, " ledger ", b.from_ledger.available, "/",
                   b.from_ledger.pending, " lots ", b.from_lots.available, "/",
                   b.from_lots.pending);
    REQUIRE(bad.empty());
}

BasketLine line(const std::string& sku, const std::string& category, std::int64_t qty,
                std::int64_t unit_price) {
    return BasketLine{sku, category, qty, Money{unit_price}, Money{}};
}

TopUpRequest top_up_of(MemberId member, std::int64_t amount, const std::string& request_id,
                       const std::string& tender) {
    TopUpRequest r;
    r.program = "TEST";
    r.member = member;
    r.amount = Money{amount};
    r.tender = tender;
    r.request_id = request_id;
    return r;
}

}  // namespace loyalty::test
