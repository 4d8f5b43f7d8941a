#pragma once
// SIGINT/SIGTERM ask the service loop to stop (it then says goodbye to the broker).
#include <atomic>

namespace loyalty::sync::app {
std::atomic<bool>& stop_requested();
void install_stop_signals();
}  // namespace loyalty::sync::app
