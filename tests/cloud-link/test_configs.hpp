#pragma once
// The agent and hub settings the cloud-link suites run with: short timeouts and
// backoff so a test waits milliseconds, not the production seconds.
#include <filesystem>
#include <string>

#include "broker.hpp"
#include "loyalty/sync/link_config.hpp"

namespace loyalty::sync::test {

inline AgentConfig agent_config(Mosquitto& broker, const std::filesystem::path& db,
                                const std::string& store, const std::string& terminal) {
    AgentConfig c;
    c.db = db;
    c.address = {"TEST", store, terminal};
    c.broker = broker.client(store, "link-" + store + "-" + terminal);
    c.batch_events = 50;
    c.window_events = 200;
    c.full_sync = false;
    c.ack_timeout_ms = 1000;
    c.backoff_initial_ms = 50;
    c.backoff_max_ms = 500;
    return c;
}

inline HubConfig hub_config(Mosquitto& broker, const std::filesystem::path& db,
                            const std::string& worker = "w1") {
    HubConfig c;
    c.db = db;
    c.worker = worker;
    c.broker = broker.client("hub", "hub-" + worker);
    c.full_sync = false;
    return c;
}

}  // namespace loyalty::sync::test
