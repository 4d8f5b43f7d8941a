#pragma once
// Settings of the store agent and of a hub worker, read from the terminal's (or
// the hub's) TOML file. See examples/link.toml and examples/hub.toml.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "loyalty/result.hpp"
#include "loyalty/sync/topics.hpp"

namespace loyalty::sync {

// How to reach and authenticate to the broker. tcp://host:port or ssl://host:port.
struct BrokerConfig {
    std::string uri = "tcp://127.0.0.1:1883";
    std::string client_id;  // default: derived from the terminal or worker
    std::string username;   // per store: the store code (the ACL's %u)
    std::string password;
    std::string ca_file;    // TLS: the CA that signed the broker's certificate
    std::string cert_file;  // TLS client certificate (per store), optional
    std::string key_file;
    int keep_alive_s = 10;
    int connect_timeout_ms = 3000;
};

struct AgentConfig {
    std::filesystem::path db;
    TerminalAddress address;
    BrokerConfig broker;
    int batch_events = 500;     // events per MQTT message
    int window_events = 5000;   // sent but not yet acknowledged by the hub
    int ack_timeout_ms = 5000;  // no ack progress for this long: resend from the last ack
    int backoff_initial_ms = 200;
    int backoff_max_ms = 30000;
    int poll_ms = 50;       // how often an idle agent looks for new outbox rows
    bool full_sync = true;  // the terminal database's synchronous=FULL
    std::string sign_key;   // 64 hex digits: sign each batch (optional)
    // Points a member may spend per day at this store's terminals while the hub
    // does not answer (spent against the last balance the hub sent); 0: points are
    // spent only with the hub's authorization.
    std::int64_t offline_redeem_limit = 0;
    int hub_timeout_ms = 800;  // how long a till or kiosk waits for the hub's answer
};

// The SMS provider the hub sends one-time codes through (hub.toml [sms]; see
// cloud-link/src/sms_gateway.hpp for the HTTP interface).
struct SmsGatewayConfig {
    std::string url;    // http(s)://...: the provider's send endpoint
    std::string token;  // sent as "Authorization: Bearer <token>"; empty: none
    int timeout_ms = 3000;
    std::int64_t code_ttl_ms = 300'000;
    std::string text_template;  // empty: the hub's bilingual default
};

struct HubConfig {
    std::filesystem::path db;
    std::string worker = "w1";
    BrokerConfig broker;
    int max_messages_per_txn = 256;  // incoming messages applied in one SQLite transaction
    bool full_sync = true;
    bool require_signatures = false;  // refuse unsigned batches from stores without a key too
    std::map<std::string, std::string> store_keys;  // store -> 64 hex digits
    std::int64_t hold_ttl_ms = 300000;    // an authorized spend not captured by then lapses
    std::optional<SmsGatewayConfig> sms;  // none: the hub sends no SMS codes
    // The programs this hub serves: none listed, every program. A chain that outgrows
    // one database shards by program: each shard's workers list its programs and
    // take only their messages.
    std::vector<std::string> programs;
};

Result<AgentConfig> load_agent_config(const std::filesystem::path& file);
Result<HubConfig> load_hub_config(const std::filesystem::path& file);

}  // namespace loyalty::sync
