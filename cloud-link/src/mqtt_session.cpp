#include "mqtt_session.hpp"

#include <algorithm>
#include <cstdio>

namespace loyalty::sync {

std::unique_ptr<mqtt::async_client> make_client(const BrokerConfig& broker) {
    // No Paho persistence: the terminal's outbox (or the hub's database) is the
    // durable queue, and everything unacknowledged is resent after a restart.
    return std::make_unique<mqtt::async_client>(broker.uri, broker.client_id,
                                                mqtt::create_options(MQTTVERSION_5), nullptr);
}

void fill_connect_options(mqtt::connect_options& opts, const BrokerConfig& broker,
                          const std::optional<mqtt::message>& will, int session_expiry_s) {
    opts.set_mqtt_version(MQTTVERSION_5);
    opts.set_clean_start(false);
    opts.set_properties(
        mqtt::properties{{mqtt::property::SESSION_EXPIRY_INTERVAL, session_expiry_s}});
    opts.set_keep_alive_interval(std::chrono::seconds(broker.keep_alive_s));
    opts.set_connect_timeout(std::chrono::milliseconds(broker.connect_timeout_ms));
    opts.set_automatic_reconnect(false);
    if (!broker.username.empty()) opts.set_user_name(broker.username);
    if (!broker.password.empty()) opts.set_password(broker.password);
    if (will) opts.set_will_message(*will);
    if (broker.uri.rfind("ssl://", 0) == 0 || broker.uri.rfind("mqtts://", 0) == 0) {
        mqtt::ssl_options ssl;
        ssl.set_enable_server_cert_auth(true);
        ssl.set_verify(true);
        if (!broker.ca_file.empty()) ssl.set_trust_store(broker.ca_file);
        if (!broker.cert_file.empty()) ssl.set_key_store(broker.cert_file);
        if (!broker.key_file.empty()) ssl.set_private_key(broker.key_file);
        opts.set_ssl(ssl);
    }
}

void connect_and_subscribe(mqtt::async_client& client, const BrokerConfig& broker,
                           const std::optional<mqtt::message>& will, int session_expiry_s,
                           const std::vector<std::string>& topics, bool fresh_session) {
    const auto wait = std::chrono::milliseconds(broker.connect_timeout_ms + 1000);
    mqtt::connect_options opts;
    fill_connect_options(opts, broker, will, session_expiry_s);
    if (fresh_session) opts.set_clean_start(true);
    if (!client.connect(opts)->wait_for(wait)) throw mqtt::exception(-1, "connect timed out");
    for (const auto& topic : topics)
        if (!client.subscribe(topic, 1)->wait_for(wait))
            throw mqtt::exception(-1, "subscribe timed out");
}

void on_connection_lost(mqtt::async_client& client, std::function<void()> lost) {
    client.set_connection_lost_handler([lost](const std::string&) { lost(); });
    client.set_disconnected_handler([lost](const mqtt::properties&, mqtt::ReasonCode) { lost(); });
}

Backoff::Backoff(int initial_ms, int max_ms)
    : initial_ms_(std::max(1, initial_ms)),
      max_ms_(std::max(initial_ms, max_ms)),
      rng_(std::random_device{}()) {}

std::chrono::milliseconds Backoff::next() {
    const int shift = std::min(attempt_, 20);
    const auto cap =
        std::min<std::int64_t>(max_ms_, static_cast<std::int64_t>(initial_ms_) << shift);
    ++attempt_;
    std::uniform_int_distribution<std::int64_t> pick(0, cap);
    return std::chrono::milliseconds(pick(rng_));
}

std::int64_t wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

void log_line(const std::string& who, const std::string& what) {
    std::fprintf(stderr, "%s: %s\n", who.c_str(), what.c_str());
}

}  // namespace loyalty::sync
