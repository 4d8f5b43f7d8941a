#pragma once
// The v1 topic tree (see cloud-link/PROTOCOL.md): program and store first, so a
// broker cluster or bridge can split the tree by prefix.
#include <optional>
#include <string>

namespace loyalty::sync {

inline constexpr int protocol_version = 1;
inline constexpr const char* topic_root = "loyalty/v1";
// The share group every hub worker joins.
inline constexpr const char* hub_share_group = "hub";

struct TerminalAddress {
    std::string program;
    std::string store;
    std::string terminal;
};

// A code may travel in a topic level: 1..32 of [A-Za-z0-9_-].
bool valid_code(const std::string& code);

std::string events_topic(const TerminalAddress& a);
std::string presence_topic(const TerminalAddress& a);
std::string acks_topic(const TerminalAddress& a);
// The acks of every terminal of a store: .../stores/{s}/terminals/+/acks. The agent
// ships every terminal's events of its store database and hears each one's acks.
std::string store_acks_subscription(const std::string& program, const std::string& store);
std::string terminal_down_topic(const TerminalAddress& a);
std::string store_down_topic(const std::string& program, const std::string& store);
// Versioned configuration (program rules and rewards, campaigns), one retained
// message per key and store: a terminal that connects later still gets it.
std::string store_config_topic(const std::string& program, const std::string& store,
                               const std::string& key);
std::string store_config_subscription(const std::string& program,
                                      const std::string& store);  // .../config/+

// Questions a terminal asks the hub and waits for (MQTT 5 request/response): the
// request on the terminal's own `requests` topic, the answer on a reply topic
// under the same terminal (`.../replies/{client}`), so the store ACL covers both.
std::string requests_topic(const TerminalAddress& a);
std::string replies_topic(const TerminalAddress& a, const std::string& client);
// A reply topic the hub may answer on for a request from `from`: under the same
// program and store, with no wildcard (a store must not have the hub write into
// another store's tree).
bool reply_topic_allowed(const std::string& reply_topic, const TerminalAddress& from);

// What a hub worker subscribes to, for every program ("+") or for one program (a hub
// sharded by program: its workers take only their programs' messages).
std::string hub_events_subscription(
    const std::string& program = "+");  // $share/hub/loyalty/v1/+/stores/+/terminals/+/events
std::string hub_presence_subscription(
    const std::string& program = "+");  // loyalty/v1/+/stores/+/terminals/+/presence
std::string hub_requests_subscription(
    const std::string& program = "+");  // $share/hub/loyalty/v1/+/stores/+/terminals/+/requests

enum class TopicKind { events, presence, acks, terminal_down, store_down, requests };
struct ParsedTopic {
    TopicKind kind;
    TerminalAddress address;  // terminal empty for store_down
};
std::optional<ParsedTopic> parse_topic(const std::string& topic);

}  // namespace loyalty::sync
