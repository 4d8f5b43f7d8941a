#include "signals.hpp"

#include <csignal>

namespace loyalty::sync::app {

namespace {
std::atomic<bool> stop_flag{false};
extern "C" void on_stop_signal(int) {
    stop_flag.store(true);
}
}  // namespace

std::atomic<bool>& stop_requested() {
    return stop_flag;
}

void install_stop_signals() {
    std::signal(SIGINT, on_stop_signal);
    std::signal(SIGTERM, on_stop_signal);
}

}  // namespace loyalty::sync::app
