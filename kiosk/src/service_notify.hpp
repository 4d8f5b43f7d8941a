#pragma once
// Tells systemd the kiosk is up and still drawing frames (Type=notify and WatchdogSec= in
// loyalty-kiosk.service): a UI that hangs stops pinging and is restarted onto the attract
// screen. Outside systemd (no NOTIFY_SOCKET) every call does nothing.
#include <chrono>

namespace loyalty::kiosk {

class ServiceNotifier {
  public:
    ServiceNotifier();
    void ready();
    // Called from the UI loop after each turn; pings at half the watchdog interval.
    void alive();

  private:
    std::chrono::microseconds watchdog_interval_{0};
    std::chrono::steady_clock::time_point last_ping_{};
};

}  // namespace loyalty::kiosk
