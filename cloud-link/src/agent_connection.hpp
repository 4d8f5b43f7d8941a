#pragma once
// The agent's MQTT 5 session with the broker: connects with its offline presence
// as the last will, subscribes to the acks of its store's terminals and to its down
// topics, says it is online,
// queues what arrives for the run thread and publishes batches, counting the
// publishes the broker refuses.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "agent_stats.hpp"
#include "loyalty/sync/link_config.hpp"
#include "mqtt_session.hpp"

namespace loyalty::sync {

struct Inbound {
    std::string topic;
    std::string payload;
};

class AgentConnection {
  public:
    // terminal_ms: the terminal's wall clock (stamped on presence); backlog: the
    // outbox rows waiting, reported with the presence.
    AgentConnection(const AgentConfig& config, std::string who, AgentStatsBox& stats,
                    std::function<std::int64_t()> terminal_ms,
                    std::function<std::int64_t()> backlog);
    ~AgentConnection();
    AgentConnection(const AgentConnection&) = delete;
    AgentConnection& operator=(const AgentConnection&) = delete;

    // True when there is no session, or the one there is was lost: connect again.
    bool needs_connect() const { return !client_ || lost_; }
    bool has_client() const { return client_ != nullptr; }
    bool lost() const { return lost_; }
    // False when the broker could not be reached (logged; the caller backs off).
    bool connect();
    void drop();
    // A clean shutdown: the offline presence with reason "shutdown", then DISCONNECT.
    void say_goodbye();
    // QoS 1 publish; false (and the session marked lost) when the client refused it.
    bool publish(mqtt::message_ptr message);

    std::deque<Inbound> take_inbound();
    // Sleeps up to `timeout`, waking early for a stop request, a lost session or a message.
    void wait(std::chrono::milliseconds timeout, const std::atomic<bool>& stop);

  private:
    class PublishListener;
    mqtt::message presence_message(const std::string& state, const std::string& why,
                                   std::int64_t backlog);

    const AgentConfig& config_;
    std::string who_;
    AgentStatsBox& stats_;
    std::function<std::int64_t()> terminal_ms_;
    std::function<std::int64_t()> backlog_;
    std::unique_ptr<mqtt::async_client> client_;
    std::unique_ptr<PublishListener> listener_;
    std::atomic<bool> lost_{false};
    std::mutex queue_mutex_;
    std::condition_variable wake_;
    std::deque<Inbound> inbound_;
};

}  // namespace loyalty::sync
