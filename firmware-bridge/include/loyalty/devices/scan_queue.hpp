#pragma once
// The hand-off between device threads and the app: device adapters push, the kiosk's
// UI loop or the till polls. Bounded, so a jammed scanner can't grow memory without end;
// when full the oldest event is dropped (a shopper re-taps; a stale scan is worthless).
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>

#include "loyalty/devices/scan_event.hpp"

namespace loyalty::devices {

class ScanQueue {
  public:
    explicit ScanQueue(std::size_t capacity = 64) : capacity_(capacity) {}

    void push(ScanEvent event) {
        {
            std::lock_guard lock(mutex_);
            if (events_.size() == capacity_) {
                events_.pop_front();
                ++dropped_;
            }
            events_.push_back(std::move(event));
        }
        ready_.notify_one();
    }

    std::optional<ScanEvent> try_pop() {
        std::lock_guard lock(mutex_);
        return pop_locked();
    }

    std::optional<ScanEvent> wait_pop(std::chrono::milliseconds timeout) {
        std::unique_lock lock(mutex_);
        ready_.wait_for(lock, timeout, [&] { return !events_.empty(); });
        return pop_locked();
    }

    std::size_t dropped() const {
        std::lock_guard lock(mutex_);
        return dropped_;
    }

  private:
    std::optional<ScanEvent> pop_locked() {
        if (events_.empty()) return std::nullopt;
        ScanEvent event = std::move(events_.front());
        events_.pop_front();
        return event;
    }

    mutable std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<ScanEvent> events_;
    std::size_t capacity_;
    std::size_t dropped_ = 0;
};

}  // namespace loyalty::devices
