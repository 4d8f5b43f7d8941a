#include "service_notify.hpp"

#include <systemd/sd-daemon.h>

#include <cstdint>

namespace loyalty::kiosk {

ServiceNotifier::ServiceNotifier() {
    std::uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) > 0) watchdog_interval_ = std::chrono::microseconds{usec};
}

void ServiceNotifier::ready() {
    sd_notify(0, "READY=1\nSTATUS=attract screen up");
    last_ping_ = std::chrono::steady_clock::now();
}

void ServiceNotifier::alive() {
    if (watchdog_interval_.count() == 0) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ping_ < watchdog_interval_ / 2) return;
    sd_notify(0, "WATCHDOG=1");
    last_ping_ = now;
}

}  // namespace loyalty::kiosk
