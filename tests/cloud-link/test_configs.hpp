#pragma once
// The agent and hub settings the cloud-link suites run with: short timeouts and
// backoff so a test waits milliseconds, not the production seconds.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "broker.hpp"
#include "hub_database.hpp"
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

// The same for the loyalty-link and loyalty-hub processes: their TOML files, each
// store's database beside its file (<store>.db), the hub's where hub_database() says.
inline void write_broker_section(std::ofstream& out, const BrokerConfig& b) {
    out << "[broker]\nuri = \"" << b.uri << "\"\nusername = \"" << b.username << "\"\npassword = \""
        << b.password << "\"\nconnect_timeout_ms = 2000\n";
}

inline std::filesystem::path agent_toml(const std::filesystem::path& dir, Mosquitto& broker,
                                        const std::string& store) {
    const auto file = dir / ("link-" + store + ".toml");
    std::ofstream out(file);
    out << "[terminal]\ndb = \"" << store << ".db\"\nprogram = \"TEST\"\nstore = \"" << store
        << "\"\nterminal = \"T01\"\n\n";
    write_broker_section(out, broker.client(store, ""));
    out << "\n[link]\nbatch_events = 200\nwindow_events = 1000\nack_timeout_ms = 1500\n"
        << "backoff_initial_ms = 50\nbackoff_max_ms = 1000\nfull_sync = false\n";
    return file;
}

inline std::filesystem::path hub_toml(const std::filesystem::path& dir, Mosquitto& broker) {
    const auto file = dir / "hub.toml";
    std::ofstream out(file);
    out << "[hub]\ndatabase = \"" << hub_database(dir).string() << "\"\nfull_sync = false\n\n";
    write_broker_section(out, broker.client("hub", ""));
    return file;
}

// A store's link.toml as its till and kiosk read it (the broker credentials, the
// offline limit, how long to wait for the hub); `uri` overrides the broker's.
inline std::filesystem::path write_link_toml(Mosquitto& broker, const std::filesystem::path& dir,
                                             const std::filesystem::path& db,
                                             const std::string& store, std::int64_t offline_limit,
                                             const std::string& uri = "",
                                             std::int64_t hub_timeout_ms = 800) {
    auto b = broker.client(store, "unused");
    if (!uri.empty()) b.uri = uri;  // a broker nobody listens on: the till is offline
    const auto path = dir / ("link-" + store + ".toml");
    std::ofstream out(path);
    out << "[terminal]\ndb = \"" << db.string() << "\"\nprogram = \"TEST\"\nstore = \"" << store
        << "\"\nterminal = \"T01\"\n[broker]\nuri = \"" << b.uri << "\"\nusername = \""
        << b.username << "\"\npassword = \"" << b.password
        << "\"\nconnect_timeout_ms = 2000\n[link]\noffline_redeem_limit = " << offline_limit
        << "\nhub_timeout_ms = " << hub_timeout_ms << "\n";
    return path;
}

}  // namespace loyalty::sync::test
