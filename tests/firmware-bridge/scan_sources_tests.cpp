#include <doctest/doctest.h>

#include "loyalty/devices/scan_sources.hpp"
#include "temp_dir.hpp"

using namespace loyalty::devices;
using namespace std::chrono_literals;

TEST_CASE("an app starts its configured scan sources in one call and gets their events") {
    test::TempDir dir;
    ScanQueue queue;
    ScanSourcesConfig config;
    config.sim_socket = (dir.path() / "scan.sock").string();
    auto sources = ScanSources::start(config, queue);
    REQUIRE(sources);
    CHECK((*sources)->sim_socket() == config.sim_socket);
    CHECK((*sources)->usb_devices().empty());
    REQUIRE(send_sim_line(config.sim_socket, "qr LM1.hub-1.x"));
    auto e = queue.wait_pop(2s);
    REQUIRE(e);
    CHECK(e->kind == ScanKind::qr);
    sources->reset();
    CHECK_FALSE(send_sim_line(config.sim_socket, "qr again"));  // stopped with its owner
}

TEST_CASE("a source that cannot start fails the whole start with its reason") {
    test::TempDir dir;
    ScanQueue queue;
    ScanSourcesConfig config;
    config.sim_socket = (dir.path() / "scan.sock").string();
    config.camera = "/dev/null";
    auto sources = ScanSources::start(config, queue);
    REQUIRE_FALSE(sources);
    CHECK(sources.error().message.find("not a V4L2 device") != std::string::npos);
    CHECK_FALSE(send_sim_line(config.sim_socket, "card 04A1"));  // nothing was left running
}
