// Hot-plug, in-process: libumockdev's testbed (this suite runs under umockdev-wrapper)
// adds and removes an emulated reader and sends the kernel's uevents while a
// DeviceManager is running.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <umockdev.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <mutex>
#include <thread>

#include "loyalty/devices/device_manager.hpp"
#include "temp_dir.hpp"
#include "usb_fixtures.hpp"

using namespace loyalty::devices;
using namespace std::chrono_literals;

namespace {
constexpr const char* kSysPath = "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-3";

bool wait_until(const auto& condition, std::chrono::milliseconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (!condition()) {
        if (std::chrono::steady_clock::now() > end) return false;
        std::this_thread::sleep_for(10ms);
    }
    return true;
}

bool accepts(const std::string& socket_path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (socket_path.size() >= sizeof addr.sun_path) return false;
    std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const bool ok =
        fd >= 0 && ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
    if (fd >= 0) ::close(fd);
    return ok;
}

void plug(UMockdevTestbed* tb, const test::TempDir& dir, const std::string& typed, int devnum) {
    const std::string node = "/dev/bus/usb/001/00" + std::to_string(devnum);
    std::string ioctl = "@DEV " + node + " (usbdevfs)\n";
    for (const auto& r : test::type(typed)) ioctl += test::interrupt_in(r);
    const auto path = (dir.path() / ("reader" + std::to_string(devnum) + ".ioctl")).string();
    std::ofstream(path) << ioctl;
    GError* error = nullptr;
    REQUIRE(umockdev_testbed_add_from_string(
        tb,
        test::umockdev_file(0xffff, 0x0035, test::wedge_descriptors(0xffff, 0x0035), devnum)
            .c_str(),
        &error));
    REQUIRE(umockdev_testbed_load_ioctl(tb, node.c_str(), path.c_str(), &error));
    // The testbed starts serving the device's ioctls on a worker thread; announce the
    // device only once that socket answers, as a real device node is usable at "add".
    gchar* root = umockdev_testbed_get_root_dir(tb);
    const std::string sock = std::string(root) + "/ioctl" + node;
    g_free(root);
    REQUIRE(wait_until([&] { return accepts(sock); }, 5s));
    umockdev_testbed_uevent(tb, kSysPath, "add");
}

void unplug(UMockdevTestbed* tb) {
    umockdev_testbed_uevent(tb, kSysPath, "remove");
    umockdev_testbed_remove_device(tb, kSysPath);
}
}  // namespace

TEST_CASE("a reader plugged in while the terminal runs is claimed, and can leave and come back") {
    // (umockdev_in_mock_environment() is unreliable across versions; the testbed checks the preload
    // itself)
    UMockdevTestbed* tb = umockdev_testbed_new();
    test::TempDir dir;
    std::mutex m;
    std::vector<std::string> logs;
    ScanQueue queue;
    DeviceProfile profile{.name = "wedge", .vendor_id = 0xffff, .product_id = 0x0035};
    profile.wedge.kind = ScanKind::card_uid;
    auto manager = DeviceManager::start({profile}, queue, [&](const std::string& s) {
        std::lock_guard lock(m);
        logs.push_back(s);
    });
    REQUIRE(manager);
    CHECK_FALSE(queue.wait_pop(200ms));
    CHECK((*manager)->attached().empty());

    plug(tb, dir, "04a1b2c3\n", 2);
    auto first = queue.wait_pop(5s);
    REQUIRE(first);
    CHECK(first->payload == "04A1B2C3");
    CHECK((*manager)->attached() == std::vector<std::string>{"usb:ffff:0035@1-3"});

    unplug(tb);
    CHECK(wait_until([&] { return (*manager)->attached().empty(); }, 5s));
    while (queue.try_pop()) {
    }

    plug(tb, dir, "99887766\n", 3);  // another card on the same reader, plugged back in
    auto again = queue.wait_pop(5s);
    REQUIRE(again);
    CHECK(again->payload == "99887766");

    manager->reset();
    std::lock_guard lock(m);
    CAPTURE(logs);
    CHECK(std::ranges::count_if(logs, [](const std::string& l) {
              return l.find("attached") != std::string::npos &&
                     l.find("detached") == std::string::npos;
          }) >= 2);
    g_object_unref(tb);
}
