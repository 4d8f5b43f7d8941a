#include "usb_child.hpp"

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <string>

#include "loyalty/devices/device_manager.hpp"
#include "loyalty/devices/usb_printer.hpp"
#include "receipts.hpp"

namespace loyalty::devices::test {

int usb_child(int argc, char** argv) {
    if (argc < 6) return 2;
    const std::string role = argv[2];
    unsigned vid = 0, pid = 0;
    if (std::sscanf(argv[3], "%x:%x", &vid, &pid) != 2) return 2;
    const int want = std::atoi(argv[4]);
    const auto timeout = std::chrono::milliseconds(std::atoi(argv[5]));

    if (role == "printer") {
        UsbPrinter printer(static_cast<std::uint16_t>(vid), static_cast<std::uint16_t>(pid), 1000);
        auto r = printer.print(coupon_job().bytes());
        std::cout << (r ? std::string("PRINTED") : "PRINT_ERROR " + r.error().message) << std::endl;
        return 0;
    }
    DeviceProfile p{.name = role,
                    .vendor_id = static_cast<std::uint16_t>(vid),
                    .product_id = static_cast<std::uint16_t>(pid)};
    p.role = role == "nfc"   ? DeviceRole::ccid_nfc
             : role == "pos" ? DeviceRole::hid_pos
                             : DeviceRole::keyboard_wedge;
    p.wedge.kind = role == "swipe" ? ScanKind::magstripe : ScanKind::card_uid;
    p.poll_interval = std::chrono::milliseconds(20);
    p.retry_after = std::chrono::milliseconds(100);

    std::mutex out;
    ScanQueue queue;
    auto manager = DeviceManager::start({p}, queue, [&](const std::string& msg) {
        std::lock_guard lock(out);
        std::cout << "LOG " << msg << std::endl;
    });
    if (!manager) {
        std::cout << "LOG start failed: " << manager.error().message << std::endl;
        return 1;
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    int seen = 0;
    while (seen < want && std::chrono::steady_clock::now() < deadline) {
        auto e = queue.wait_pop(std::chrono::milliseconds(50));
        if (!e) continue;
        std::lock_guard lock(out);
        std::cout << "EVENT " << to_string(e->kind) << ' ' << e->payload << ' ' << e->source
                  << std::endl;
        ++seen;
    }
    manager->reset();  // stop the device threads before the queue goes
    std::cout << "DONE " << seen << std::endl;
    return 0;
}

}  // namespace loyalty::devices::test
