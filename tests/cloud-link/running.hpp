#pragma once
// The cloud-link tests' and benchmark's two waits: a service (StoreAgent,
// HubWorker) running on its own thread for a scope, and a condition polled
// until it holds or the time is up.
#include <atomic>
#include <chrono>
#include <thread>
#include <utility>

#include "loyalty/result.hpp"

namespace loyalty::sync::test {

// Runs a service's run(stop) on its own thread until destroyed.
template <class Service>
class Running {
  public:
    template <class... Args>
    explicit Running(Args... args)
        : service_(std::move(args)...), thread_([this] { result_ = service_.run(stop_); }) {}
    ~Running() {
        stop_ = true;
        thread_.join();
    }
    Running(const Running&) = delete;
    Running& operator=(const Running&) = delete;
    Service& operator*() { return service_; }
    Service* operator->() { return &service_; }

  private:
    std::atomic<bool> stop_{false};
    Service service_;
    Result<void> result_;
    std::thread thread_;
};

template <class Pred>
bool eventually(Pred pred, int timeout_ms = 20000) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < until) {
        if (pred()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return pred();
}

}  // namespace loyalty::sync::test
