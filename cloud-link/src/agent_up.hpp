#pragma once
// The agent's up path: the outbox shipped to the hub in sequence order inside a
// bounded window of unacknowledged events, deleted only on the hub's ack, resent
// from the last ack when acks stop coming (go-back-N, each timeout in a row
// doubling the wait).
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "agent_connection.hpp"
#include "agent_stats.hpp"
#include "loyalty/engine.hpp"
#include "loyalty/sync/down_state.hpp"
#include "loyalty/sync/messages.hpp"

namespace loyalty::sync {

class OutboxShipper {
public:
    OutboxShipper(const AgentConfig& config, std::string who, Engine& engine, DownState& down, AgentStatsBox& stats,
                  std::function<std::int64_t()> terminal_ms);

    // After a (re)connect: everything not acknowledged is sent again; the hub drops what it has.
    void restart();
    // Publishes the next batch if the window has room; false when nothing was sent.
    bool send_more(AgentConnection& connection);
    void on_ack(const Ack& ack);
    // No ack progress for the timeout: go back to the oldest unacknowledged event.
    void check_ack_timeout(std::chrono::steady_clock::time_point now);

private:
    void fit_in_one_message(std::vector<OutboxEvent>& events);

    const AgentConfig& config_;
    std::string who_;
    Engine& engine_;
    DownState& down_;
    AgentStatsBox& stats_;
    std::function<std::int64_t()> terminal_ms_;

    std::int64_t acked_ = 0;      // everything <= acked is deleted from the outbox
    std::int64_t sent_ = 0;       // highest sequence published on this connection
    std::int64_t sent_ever_ = 0;  // highest sequence this process has published
    int quiet_timeouts_ = 0;      // ack timeouts in a row: each doubles the next wait
    std::chrono::steady_clock::time_point last_progress_;
};

}  // namespace loyalty::sync
