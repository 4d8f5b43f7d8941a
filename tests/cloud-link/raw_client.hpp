#pragma once
// A raw Paho client with a store's (or the hub's) own broker credentials, for
// what the agent would never send: forged batches, junk, stray acks.
#include <mqtt/async_client.h>

#include <string>

#include "loyalty/sync/link_config.hpp"

namespace loyalty::sync::test {

struct RawClient {
    mqtt::async_client client;
    RawClient(const BrokerConfig& b)
        : client(b.uri, b.client_id, mqtt::create_options(MQTTVERSION_5), nullptr) {
        auto opts = mqtt::connect_options_builder().mqtt_version(MQTTVERSION_5).clean_start(true);
        if (!b.username.empty()) opts.user_name(b.username).password(b.password);
        client.connect(opts.finalize())->wait();
    }
    ~RawClient() {
        try {
            client.disconnect()->wait();
        } catch (const mqtt::exception&) {
        }
    }
    // The PUBACK reason code (0 = accepted).
    int publish(const std::string& topic, const std::string& payload) {
        try {
            client.publish(topic, payload.data(), payload.size(), 1, false)->wait();
            return 0;
        } catch (const mqtt::exception& e) {
            return e.get_reason_code() ? e.get_reason_code() : -1;
        }
    }
};

}  // namespace loyalty::sync::test
