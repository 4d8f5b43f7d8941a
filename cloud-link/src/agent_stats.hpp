#pragma once
// The agent's figures: updated by its parts on the run thread, read from any
// thread through StoreAgent::stats().
#include <mutex>

#include "loyalty/sync/store_agent.hpp"

namespace loyalty::sync {

class AgentStatsBox {
  public:
    template <class Fn>
    void update(Fn&& fn) {
        std::lock_guard lock(mutex_);
        fn(stats_);
    }
    AgentStats get() const {
        std::lock_guard lock(mutex_);
        return stats_;
    }

  private:
    mutable std::mutex mutex_;
    AgentStats stats_;
};

}  // namespace loyalty::sync
