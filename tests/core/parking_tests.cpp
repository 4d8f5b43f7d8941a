// Parking at a mall: plates normalized and kept on the member, the tier's free minutes once a
// local day, hours bought with points at the program's rate, every refusal with its reason, and
// one credit per credit id however often (and however many at once) it is asked.
#include <doctest/doctest.h>

#include <algorithm>
#include <future>
#include <nlohmann/json.hpp>

#include "loyalty/parking.hpp"
#include "loyalty/storage/engine_storage.hpp"
#include "test_support.hpp"

using namespace loyalty;
using namespace loyalty::test;

namespace {

ProgramConfig parking_program() {
    auto c = test_program();
    c.kind = "mall";
    c.parking.points_per_hour = 200;
    c.parking.max_bought_hours = 3;
    return c;  // silver: 60 free minutes a day, gold: 120 (the demo program's tiers)
}

ParkingCreditRequest credit_of(MemberId m, const std::string& plate, bool free_minutes, int hours,
                               const std::string& id) {
    ParkingCreditRequest r;
    r.program = "TEST";
    r.member = m;
    r.plate = plate;
    r.free_minutes = free_minutes;
    r.hours = hours;
    r.credit_id = id;
    return r;
}

std::int64_t credit_rows(Engine& engine) {
    return engine_database(engine)
        .prepare("SELECT count(*) FROM parking_credits")
        .scalar()
        .value_or(-1);
}

void give_points(Fixture& f, MemberId m, Points points) {
    REQUIRE(f.engine->ledger()
                .adjust(m, points, "parking test", "mgr", "give-" + std::to_string(m))
                .ok());
}

}  // namespace

TEST_CASE("a plate is normalized however it is typed, and a malformed one is refused") {
    CHECK(normalize_plate("沪A12345") == "沪A12345");
    CHECK(normalize_plate("粤B D12345") == "粤BD12345");
    CHECK(normalize_plate("粤b·d12345") == "粤BD12345");
    CHECK(normalize_plate(" 京Ａ－１２３４５ ") == "京A12345");  // full-width, a dash
    CHECK(normalize_plate("浙A12345F") == "浙A12345F");          // a large new-energy plate
    CHECK(normalize_plate("川A 1B2C3") == "川A1B2C3");
    CHECK_FALSE(normalize_plate(""));
    CHECK_FALSE(normalize_plate("沪A1234"));     // too short
    CHECK_FALSE(normalize_plate("沪A1234567"));  // too long
    CHECK_FALSE(normalize_plate("沪A123456"));   // six, but neither D nor F: no new-energy plate
    CHECK_FALSE(normalize_plate("A12345"));      // no province
    CHECK_FALSE(normalize_plate("港A12345"));    // not a province's abbreviation
    CHECK_FALSE(normalize_plate("沪1A2345"));    // a digit where the city's letter goes
    CHECK_FALSE(normalize_plate("沪AO2345"));    // O is never used on a plate
    CHECK_FALSE(normalize_plate("沪A12沪45"));
    CHECK_FALSE(normalize_plate("沪A12#45"));
    CHECK_FALSE(normalize_plate("\xe6\xb2"));  // a cut UTF-8 sequence
}

TEST_CASE("a member keeps up to five plates, each once, and removes them") {
    Fixture f(parking_program());
    const auto m = f.enroll("13800000101");
    auto& parking = f.engine->parking();
    auto one = parking.add_plate(m, "沪a 12345");
    REQUIRE(one.ok());
    CHECK(*one == std::vector<std::string>{"沪A12345"});
    CHECK(*parking.add_plate(m, "沪A12345") == std::vector<std::string>{"沪A12345"});  // once
    for (const auto* p : {"粤BD12345", "京A11111", "京A22222", "京A33333"})
        REQUIRE(parking.add_plate(m, p).ok());
    auto sixth = parking.add_plate(m, "京A44444");
    REQUIRE_FALSE(sixth.ok());
    CHECK(sixth.error().code == Errc::limit_exceeded);
    auto bad = parking.add_plate(m, "12345");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().code == Errc::invalid_argument);
    auto left = parking.remove_plate(m, "粤B·D12345");
    REQUIRE(left.ok());
    CHECK(left->size() == 4);
    CHECK(parking.remove_plate(m, "粤BD12345").error().code == Errc::not_found);
    CHECK(parking.add_plate(m, "京A44444").ok());
    CHECK(parking.plates(m)->front() == "沪A12345");
    // Six additions (one not new) and one removal, each an event.
    CHECK(outbox_count(*f.engine, "parking.plate_added") == 6);
    CHECK(outbox_count(*f.engine, "parking.plate_removed") == 1);
}

TEST_CASE("the tier's free minutes are credited once a local day") {
    Fixture f(parking_program(), Origin{"MALL1", "K01"});
    const auto m = f.enroll("13800000102");
    auto& parking = f.engine->parking();
    REQUIRE(parking.add_plate(m, "沪A12345").ok());
    auto before = parking.today("TEST", m);
    REQUIRE(before.ok());
    CHECK(before->tier == "silver");
    CHECK(before->tier_free_minutes == 60);
    CHECK(before->free_minutes_left);
    CHECK(before->plates == std::vector<std::string>{"沪A12345"});
    CHECK(before->date == "2026-03-10");

    auto done = parking.credit(credit_of(m, "沪A 12345", true, 0, "c-1"));
    REQUIRE_MESSAGE(done.ok(), (done.ok() ? "" : done.error().message));
    CHECK(done->credit.free_minutes == 60);
    CHECK(done->credit.bought_hours == 0);
    CHECK(done->credit.points == 0);
    CHECK(done->credit.plate == "沪A12345");
    CHECK(done->credit.uid == "MALL1/K01/c-1");
    CHECK(done->credit.minutes() == 60);
    CHECK_FALSE(done->replayed);
    auto after = parking.today("TEST", m);
    CHECK(after->free_minutes_credited == 60);
    CHECK_FALSE(after->free_minutes_left);

    auto twice = parking.credit(credit_of(m, "沪A12345", true, 0, "c-2"));
    REQUIRE_FALSE(twice.ok());
    CHECK(twice.error().code == Errc::already_used);
    CHECK(credit_rows(*f.engine) == 1);

    // 2026-03-11 00:10 local: a new day, new minutes.
    f.clock.advance(std::chrono::hours(12) + std::chrono::minutes(10));
    CHECK(parking.today("TEST", m)->free_minutes_left);
    auto next_day = parking.credit(credit_of(m, "沪A12345", true, 0, "c-3"));
    REQUIRE(next_day.ok());
    CHECK(next_day->credit.date == "2026-03-11");
    CHECK(outbox_count(*f.engine, "parking.credited") == 2);
}

TEST_CASE("hours are bought with points at the program's rate, up to the daily cap") {
    Fixture f(parking_program(), Origin{"MALL1", "K01"});
    const auto m = f.enroll("13800000103");
    auto& parking = f.engine->parking();
    REQUIRE(parking.add_plate(m, "粤BD12345").ok());
    give_points(f, m, 1000);
    auto t = parking.today("TEST", m);
    CHECK(t->points_per_hour == 200);
    CHECK(t->hours_cap_left == 3);
    CHECK(t->hours_buyable == 3);
    CHECK(t->available == 1000);

    auto bought = parking.credit(credit_of(m, "粤BD12345", true, 2, "h-1"));
    REQUIRE_MESSAGE(bought.ok(), (bought.ok() ? "" : bought.error().message));
    CHECK(bought->credit.free_minutes == 60);
    CHECK(bought->credit.bought_hours == 2);
    CHECK(bought->credit.points == 400);
    CHECK(bought->credit.minutes() == 180);
    CHECK(bought->available_after == 600);
    CHECK(f.balance(m).available == 600);
    // The debit is a redemption keyed by the credit.
    auto entry = f.engine->ledger().find_by_key("parking:TEST/MALL1/K01/h-1");
    REQUIRE(entry);
    CHECK(entry->kind == LedgerKind::redeem);
    CHECK(entry->available_delta == -400);
    f.require_balances_agree();

    t = parking.today("TEST", m);
    CHECK(t->hours_bought == 2);
    CHECK(t->hours_cap_left == 1);
    CHECK(t->hours_buyable == 1);

    auto over = parking.credit(credit_of(m, "粤BD12345", false, 2, "h-2"));
    REQUIRE_FALSE(over.ok());
    CHECK(over.error().code == Errc::limit_exceeded);
    CHECK(over.error().message.find("1 left today") != std::string::npos);
    CHECK(parking.credit(credit_of(m, "粤BD12345", false, 1, "h-3")).ok());
    CHECK(f.balance(m).available == 400);

    // The event says what the car park and the hub need.
    const auto events =
        f.engine->outbox().pending(f.engine->origin().store, f.engine->origin().terminal, 0, 100);
    const auto last = std::find_if(events.rbegin(), events.rend(),
                                   [](const auto& e) { return e.type == "parking.credited"; });
    REQUIRE(last != events.rend());
    const auto p = nlohmann::json::parse(last->payload);
    CHECK(p.at("credit") == "MALL1/K01/h-3");
    CHECK(p.at("plate") == "粤BD12345");
    CHECK(p.at("free_minutes") == 0);
    CHECK(p.at("bought_hours") == 1);
    CHECK(p.at("points") == 200);
    CHECK(p.at("date") == "2026-03-10");
    CHECK(p.at("store") == "MALL1");
    CHECK(p.at("member_uid").get<std::string>().size() > 8);
}

TEST_CASE("every parking refusal says why and books nothing") {
    auto config = parking_program();
    config.tiers.levels.front().parking_minutes = 0;  // silver parks for nothing only by points
    Fixture f(config, Origin{"MALL1", "K01"});
    const auto m = f.enroll("13800000104");
    const auto other = f.enroll("13800000105");
    auto& parking = f.engine->parking();
    REQUIRE(parking.add_plate(m, "沪A12345").ok());
    REQUIRE(parking.add_plate(other, "沪B99999").ok());
    give_points(f, m, 300);
    auto refused = [&](ParkingCreditRequest r) {
        auto out = parking.credit(r);
        REQUIRE_FALSE(out.ok());
        return out.error();
    };
    CHECK(refused(credit_of(m, "沪A12345", false, 1, "")).code == Errc::invalid_argument);
    CHECK(refused(credit_of(m, "沪A12345", false, 1, "a/b")).code == Errc::invalid_argument);
    CHECK(refused(credit_of(m, "沪A12345", false, 0, "r-1")).code == Errc::invalid_argument);
    CHECK(refused(credit_of(m, "沪A12345", false, -1, "r-1")).code == Errc::invalid_argument);
    CHECK(refused(credit_of(m, "沪A12345", false, 25, "r-1")).code == Errc::invalid_argument);
    CHECK(refused(credit_of(m, "not a plate", false, 1, "r-1")).code == Errc::invalid_argument);
    const auto theirs = refused(credit_of(m, "沪B99999", false, 1, "r-1"));
    CHECK(theirs.code == Errc::not_found);
    CHECK(theirs.message.find("not one of the member's plates") != std::string::npos);
    CHECK(refused(credit_of(999, "沪A12345", false, 1, "r-1")).code == Errc::not_found);
    auto unknown = credit_of(m, "沪A12345", false, 1, "r-1");
    unknown.program = "NOPE";
    CHECK(refused(unknown).code == Errc::not_found);
    const auto no_free = refused(credit_of(m, "沪A12345", true, 0, "r-1"));
    CHECK(no_free.code == Errc::invalid_argument);
    CHECK(no_free.message.find("no free parking") != std::string::npos);
    const auto short_of_points = refused(credit_of(m, "沪A12345", false, 2, "r-1"));
    CHECK(short_of_points.code == Errc::insufficient_points);
    CHECK(short_of_points.message.find("300") != std::string::npos);
    CHECK(short_of_points.message.find("400") != std::string::npos);
    CHECK(f.balance(m).available == 300);
    CHECK(credit_rows(*f.engine) == 0);
    CHECK(outbox_count(*f.engine, "parking.credited") == 0);

    SUBCASE("a mall that does not sell hours says so") {
        auto free_only = parking_program();
        free_only.parking.points_per_hour = 0;
        REQUIRE(f.engine->programs().save(free_only, "test").ok());
        const auto not_sold = refused(credit_of(m, "沪A12345", false, 1, "r-2"));
        CHECK(not_sold.code == Errc::invalid_argument);
        CHECK(not_sold.message.find("not sold") != std::string::npos);
        CHECK(parking.today("TEST", m)->hours_buyable == 0);
        // Free minutes only: still credited.
        CHECK(parking.credit(credit_of(m, "沪A12345", true, 0, "r-3")).ok());
    }
}

TEST_CASE("a credit id asked again gets the first answer and books nothing") {
    Fixture f(parking_program(), Origin{"MALL1", "K01"});
    const auto m = f.enroll("13800000106");
    auto& parking = f.engine->parking();
    REQUIRE(parking.add_plate(m, "沪A12345").ok());
    give_points(f, m, 1000);
    auto first = parking.credit(credit_of(m, "沪A12345", true, 1, "same"));
    REQUIRE(first.ok());
    auto again = parking.credit(credit_of(m, "沪A 12345", true, 1, "same"));
    REQUIRE(again.ok());
    CHECK(again->replayed);
    CHECK(again->credit.id == first->credit.id);
    CHECK(again->credit.points == 200);
    CHECK(again->available_after == 800);
    CHECK(f.balance(m).available == 800);
    auto changed = parking.credit(credit_of(m, "沪A12345", true, 2, "same"));
    REQUIRE_FALSE(changed.ok());
    CHECK(changed.error().code == Errc::conflict);
    CHECK(credit_rows(*f.engine) == 1);
    CHECK(outbox_count(*f.engine, "parking.credited") == 1);
}

TEST_CASE("one parking credit sent ten at once is booked once") {
    Fixture f(parking_program(), Origin{"MALL1", "K01"});
    const auto m = f.enroll("13800000107");
    REQUIRE(f.engine->parking().add_plate(m, "沪A12345").ok());
    give_points(f, m, 1000);
    const auto path = f.dir.path() / "store.db";
    std::vector<std::future<std::string>> answers;
    for (int i = 0; i < 10; ++i)
        answers.push_back(std::async(std::launch::async, [&] {
            ManualClock clock{test_epoch()};
            // One kiosk's ten connections: the same origin, the same credit id.
            auto engine = Engine::open(path, clock, EngineOptions{{"MALL1", "K01"}, {}});
            REQUIRE(engine.ok());
            auto r = (*engine)->parking().credit(credit_of(m, "沪A12345", true, 2, "at-once"));
            REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
            return std::to_string(r->credit.id) + "/" + std::to_string(r->credit.points) + "/" +
                   std::to_string(r->available_after);
        }));
    std::vector<std::string> seen;
    for (auto& a : answers) seen.push_back(a.get());
    for (const auto& s : seen) CHECK(s == seen.front());
    CHECK(seen.front().ends_with("/400/600"));
    CHECK(credit_rows(*f.engine) == 1);
    CHECK(f.balance(m).available == 600);
    CHECK(outbox_count(*f.engine, "parking.credited") == 1);
    f.require_balances_agree();
}
