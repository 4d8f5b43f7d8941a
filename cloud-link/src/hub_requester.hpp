#pragma once
// MQTT 5 request/response with the hub for one terminal process: a connection
// of its own (kept up by a background thread, so a question never waits for a
// connect), the request on the terminal's `requests` topic with a response topic
// under the same terminal and correlation data, and a bounded wait for the answer.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "loyalty/result.hpp"
#include "loyalty/sync/link_config.hpp"
#include "loyalty/sync/topics.hpp"

namespace mqtt {
class async_client;
}

namespace loyalty::sync {

class HubRequester {
  public:
    HubRequester(BrokerConfig broker, TerminalAddress self);
    ~HubRequester();
    HubRequester(const HubRequester&) = delete;
    HubRequester& operator=(const HubRequester&) = delete;

    // The hub's answer, or Errc::unreachable when none came within `timeout`
    // (no broker connection, the hub away, an answer lost): the caller then
    // works on what the terminal knows.
    Result<std::string> ask(const std::string& payload, std::chrono::milliseconds timeout);
    // Whether the connection to the broker is up now.
    bool connected();

  private:
    void keep_connected();
    bool connect_once();

    BrokerConfig broker_;
    TerminalAddress self_;
    std::string client_tag_;  // random: this process's reply topic and correlation prefix
    std::string reply_topic_;

    std::mutex mutex_;
    std::condition_variable changed_;
    bool stop_ = false;
    bool connected_ = false;
    std::uint64_t next_id_ = 0;
    std::map<std::string, std::optional<std::string>> waiting_;  // correlation -> answer
    std::shared_ptr<mqtt::async_client> client_;  // shared: ask() publishes outside the lock
    std::thread thread_;
};

}  // namespace loyalty::sync
