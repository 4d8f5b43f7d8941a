#pragma once
// Paho plumbing shared by the agent and the hub: client creation, MQTT 5 connect
// options (credentials, TLS, last will), backoff with full jitter, wall time.
#include <mqtt/async_client.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "loyalty/sync/link_config.hpp"

namespace loyalty::sync {

std::unique_ptr<mqtt::async_client> make_client(const BrokerConfig& broker);

// clean_start=false with a session expiry: QoS 1 down messages published while
// this client is away wait at the broker. Fills `opts` in place: Paho C++ 1.2.0
// loses the connect properties pointer when connect_options are moved (the
// builder's finalize() and returning by value), which crashes in connect();
// pass the filled object to connect() as an lvalue (copying is fine).
void fill_connect_options(mqtt::connect_options& opts, const BrokerConfig& broker,
                          const std::optional<mqtt::message>& will, int session_expiry_s);

// Connects with those options, then subscribes to each topic at QoS 1; every step is
// bounded by the broker's connect timeout. Throws mqtt::exception on failure or timeout.
// fresh_session: start clean, dropping whatever session (and subscriptions) the broker
// kept under this client id.
void connect_and_subscribe(mqtt::async_client& client, const BrokerConfig& broker,
                           const std::optional<mqtt::message>& will, int session_expiry_s,
                           const std::vector<std::string>& topics, bool fresh_session = false);

// Calls `lost` when the connection drops, whether the network failed or the broker
// sent DISCONNECT: Paho reports the two through different handlers.
void on_connection_lost(mqtt::async_client& client, std::function<void()> lost);

// Exponential backoff with full jitter: sleep a random time in [0, min(max, initial * 2^n)].
class Backoff {
  public:
    Backoff(int initial_ms, int max_ms);
    std::chrono::milliseconds next();
    void reset() { attempt_ = 0; }
    int attempts() const { return attempt_; }

  private:
    int initial_ms_;
    int max_ms_;
    int attempt_ = 0;
    std::mt19937_64 rng_;
};

std::int64_t wall_ms();

// One line on stderr with a prefix ("link S001/T01: ..."): the service log.
void log_line(const std::string& who, const std::string& what);

}  // namespace loyalty::sync
