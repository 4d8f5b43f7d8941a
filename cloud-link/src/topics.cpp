#include "loyalty/sync/topics.hpp"

#include <vector>

namespace loyalty::sync {

bool valid_code(const std::string& code) {
    if (code.empty() || code.size() > 32) return false;
    for (char c : code)
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return false;
    return true;
}

namespace {
std::string terminal_prefix(const TerminalAddress& a) {
    return std::string(topic_root) + "/" + a.program + "/stores/" + a.store + "/terminals/" +
           a.terminal;
}

std::vector<std::string> split(const std::string& s) {
    std::vector<std::string> parts;
    std::string::size_type start = 0;
    while (true) {
        auto slash = s.find('/', start);
        parts.push_back(
            s.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
        if (slash == std::string::npos) break;
        start = slash + 1;
    }
    return parts;
}
}  // namespace

std::string events_topic(const TerminalAddress& a) {
    return terminal_prefix(a) + "/events";
}
std::string presence_topic(const TerminalAddress& a) {
    return terminal_prefix(a) + "/presence";
}
std::string acks_topic(const TerminalAddress& a) {
    return terminal_prefix(a) + "/acks";
}
std::string store_acks_subscription(const std::string& program, const std::string& store) {
    return acks_topic(TerminalAddress{program, store, "+"});
}
std::string terminal_down_topic(const TerminalAddress& a) {
    return terminal_prefix(a) + "/down";
}
std::string store_down_topic(const std::string& program, const std::string& store) {
    return std::string(topic_root) + "/" + program + "/stores/" + store + "/down";
}

std::string store_config_topic(const std::string& program, const std::string& store,
                               const std::string& key) {
    return std::string(topic_root) + "/" + program + "/stores/" + store + "/config/" + key;
}

std::string store_config_subscription(const std::string& program, const std::string& store) {
    return store_config_topic(program, store, "+");
}

std::string requests_topic(const TerminalAddress& a) {
    return terminal_prefix(a) + "/requests";
}
std::string replies_topic(const TerminalAddress& a, const std::string& client) {
    return terminal_prefix(a) + "/replies/" + client;
}

bool reply_topic_allowed(const std::string& reply_topic, const TerminalAddress& from) {
    const auto store_prefix =
        std::string(topic_root) + "/" + from.program + "/stores/" + from.store + "/";
    return reply_topic.size() > store_prefix.size() && reply_topic.size() <= 256 &&
           reply_topic.compare(0, store_prefix.size(), store_prefix) == 0 &&
           reply_topic.find_first_of("+#") == std::string::npos &&
           reply_topic.find('\0') == std::string::npos;
}

std::string hub_events_subscription(const std::string& program) {
    return std::string("$share/") + hub_share_group + "/" + topic_root + "/" + program +
           "/stores/+/terminals/+/events";
}
std::string hub_requests_subscription(const std::string& program) {
    return std::string("$share/") + hub_share_group + "/" + topic_root + "/" + program +
           "/stores/+/terminals/+/requests";
}
std::string hub_presence_subscription(const std::string& program) {
    return std::string(topic_root) + "/" + program + "/stores/+/terminals/+/presence";
}

std::optional<ParsedTopic> parse_topic(const std::string& topic) {
    const auto p = split(topic);
    // loyalty v1 {p} stores {s} down | loyalty v1 {p} stores {s} terminals {t} {leaf}
    if (p.size() < 6 || p[0] != "loyalty" || p[1] != "v1" || p[3] != "stores") return std::nullopt;
    if (!valid_code(p[2]) || !valid_code(p[4])) return std::nullopt;
    if (p.size() == 6 && p[5] == "down")
        return ParsedTopic{TopicKind::store_down, {p[2], p[4], ""}};
    if (p.size() != 8 || p[5] != "terminals" || !valid_code(p[6])) return std::nullopt;
    TerminalAddress a{p[2], p[4], p[6]};
    if (p[7] == "events") return ParsedTopic{TopicKind::events, a};
    if (p[7] == "presence") return ParsedTopic{TopicKind::presence, a};
    if (p[7] == "acks") return ParsedTopic{TopicKind::acks, a};
    if (p[7] == "down") return ParsedTopic{TopicKind::terminal_down, a};
    if (p[7] == "requests") return ParsedTopic{TopicKind::requests, a};
    return std::nullopt;
}

}  // namespace loyalty::sync
