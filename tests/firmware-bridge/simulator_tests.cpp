#include <doctest/doctest.h>

#include "loyalty/devices/simulator.hpp"
#include "temp_dir.hpp"

using namespace loyalty::devices;
using namespace std::chrono_literals;

TEST_CASE("simulator lines become scan events of the right kind") {
    const std::chrono::system_clock::time_point at{std::chrono::seconds(1'780'000'000)};
    auto card = parse_sim_line("card 04a1b2c3d4e5f6", "sim", at);
    REQUIRE(card);
    CHECK(card->kind == ScanKind::card_uid);
    CHECK(card->payload == "04A1B2C3D4E5F6");
    CHECK(card->at == at);
    auto qr = parse_sim_line("  qr LM1.hub.e30.sig with spaces  ", "sim", at);
    REQUIRE(qr);
    CHECK(qr->kind == ScanKind::qr);
    CHECK(qr->payload == "LM1.hub.e30.sig with spaces");
    auto swipe = parse_sim_line("swipe ;6280001234567890=2812101?", "sim", at);
    REQUIRE(swipe);
    CHECK(swipe->kind == ScanKind::magstripe);
    CHECK(swipe->payload == "6280001234567890");
    CHECK(parse_sim_line("barcode 6901234567892", "sim", at)->kind == ScanKind::barcode);
}

TEST_CASE("bad simulator lines are refused with a reason") {
    const std::chrono::system_clock::time_point at{};
    CHECK_FALSE(parse_sim_line("card 04A1B2C", "sim", at));  // odd number of hex digits
    CHECK_FALSE(parse_sim_line("card 04G1", "sim", at));
    CHECK_FALSE(parse_sim_line("card", "sim", at));
    CHECK(parse_sim_line("tap 04A1", "sim", at).error().message == "unknown device verb 'tap'");
    CHECK(parse_sim_line("swipe ;6280001234", "sim", at).error().message ==
          "track 2: missing end sentinel '?' (truncated swipe)");
}

TEST_CASE("lines sent to the simulator socket arrive in the queue in order, errors are replied") {
    test::TempDir dir;
    ScanQueue queue;
    const auto socket = (dir.path() / "scan.sock").string();
    auto sim = SimulatorSource::listen(socket, queue);
    REQUIRE(sim);
    auto r1 = send_sim_line(socket, "card 04A1B2C3D4E5F6");
    REQUIRE(r1);
    CHECK(*r1 == "ok card_uid 04A1B2C3D4E5F6");
    auto r2 = send_sim_line(socket, "qr member-42");
    REQUIRE(r2);
    auto r3 = send_sim_line(socket, "card nothex");
    REQUIRE(r3);
    CHECK(r3->rfind("error card UID must be hex", 0) == 0);

    auto e1 = queue.wait_pop(2s);
    auto e2 = queue.wait_pop(2s);
    REQUIRE(e1);
    REQUIRE(e2);
    CHECK(e1->payload == "04A1B2C3D4E5F6");
    CHECK(e1->source == "sim:" + socket);
    CHECK(e2->kind == ScanKind::qr);
    CHECK(e2->payload == "member-42");
    CHECK_FALSE(queue.try_pop());  // the refused line made no event
}

TEST_CASE("sending to a simulator that is not running is an error value") {
    test::TempDir dir;
    auto r = send_sim_line((dir.path() / "none.sock").string(), "card 04A1");
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("is loyalty-scan-monitor running?") != std::string::npos);
}
