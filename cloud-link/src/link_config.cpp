#include "loyalty/sync/link_config.hpp"

#include <toml++/toml.h>

namespace loyalty::sync {

namespace {

Result<toml::table> parse(const std::filesystem::path& file) {
    try {
        return toml::parse_file(file.string());
    } catch (const toml::parse_error& e) {
        return make_error(Errc::invalid_argument,
                          file.string() + ": " + std::string(e.description()));
    }
}

// Relative paths in a config file are relative to the file.
std::string path_setting(const toml::node_view<toml::node>& node,
                         const std::filesystem::path& file) {
    auto value = node.value<std::string>();
    if (!value || value->empty()) return {};
    std::filesystem::path p(*value);
    if (p.is_relative()) p = file.parent_path() / p;
    return p.string();
}

BrokerConfig broker_from(toml::table& t, const std::filesystem::path& file) {
    BrokerConfig b;
    auto n = t["broker"];
    b.uri = n["uri"].value_or(b.uri);
    b.client_id = n["client_id"].value_or(std::string{});
    b.username = n["username"].value_or(std::string{});
    b.password = n["password"].value_or(std::string{});
    b.ca_file = path_setting(n["ca_file"], file);
    b.cert_file = path_setting(n["cert_file"], file);
    b.key_file = path_setting(n["key_file"], file);
    b.keep_alive_s = n["keep_alive_s"].value_or(b.keep_alive_s);
    b.connect_timeout_ms = n["connect_timeout_ms"].value_or(b.connect_timeout_ms);
    return b;
}

}  // namespace

Result<AgentConfig> load_agent_config(const std::filesystem::path& file) {
    auto parsed = parse(file);
    if (!parsed) return parsed.error();
    auto& t = *parsed;
    AgentConfig c;
    c.db = path_setting(t["terminal"]["db"], file);
    c.address.program = t["terminal"]["program"].value_or(std::string{});
    c.address.store = t["terminal"]["store"].value_or(std::string{});
    c.address.terminal = t["terminal"]["terminal"].value_or(std::string{});
    if (c.db.empty())
        return make_error(Errc::invalid_argument, file.string() + ": [terminal] db is required");
    for (const auto* code : {&c.address.program, &c.address.store, &c.address.terminal})
        if (!valid_code(*code))
            return make_error(
                Errc::invalid_argument,
                file.string() +
                    ": [terminal] program, store and terminal must be codes of [A-Za-z0-9_-]");
    c.broker = broker_from(t, file);
    if (c.broker.client_id.empty())
        c.broker.client_id = "link-" + c.address.store + "-" + c.address.terminal;
    auto l = t["link"];
    c.batch_events = l["batch_events"].value_or(c.batch_events);
    c.window_events = l["window_events"].value_or(c.window_events);
    c.ack_timeout_ms = l["ack_timeout_ms"].value_or(c.ack_timeout_ms);
    c.backoff_initial_ms = l["backoff_initial_ms"].value_or(c.backoff_initial_ms);
    c.backoff_max_ms = l["backoff_max_ms"].value_or(c.backoff_max_ms);
    c.poll_ms = l["poll_ms"].value_or(c.poll_ms);
    c.full_sync = l["full_sync"].value_or(c.full_sync);
    c.sign_key = l["sign_key"].value_or(std::string{});
    c.offline_redeem_limit = l["offline_redeem_limit"].value_or(c.offline_redeem_limit);
    c.hub_timeout_ms = l["hub_timeout_ms"].value_or(c.hub_timeout_ms);
    if (c.offline_redeem_limit < 0 || c.hub_timeout_ms < 10 || c.hub_timeout_ms > 60000)
        return make_error(
            Errc::invalid_argument,
            file.string() + ": need offline_redeem_limit >= 0 and hub_timeout_ms in 10..60000");
    if (c.batch_events < 1 || c.window_events < c.batch_events)
        return make_error(Errc::invalid_argument,
                          file.string() + ": need 1 <= batch_events <= window_events");
    return c;
}

Result<HubConfig> load_hub_config(const std::filesystem::path& file) {
    auto parsed = parse(file);
    if (!parsed) return parsed.error();
    auto& t = *parsed;
    HubConfig c;
    c.db = path_setting(t["hub"]["db"], file);
    if (c.db.empty())
        return make_error(Errc::invalid_argument, file.string() + ": [hub] db is required");
    c.worker = t["hub"]["worker"].value_or(c.worker);
    c.max_messages_per_txn = t["hub"]["max_messages_per_txn"].value_or(c.max_messages_per_txn);
    c.full_sync = t["hub"]["full_sync"].value_or(c.full_sync);
    c.require_signatures = t["hub"]["require_signatures"].value_or(c.require_signatures);
    c.hold_ttl_ms = t["hub"]["hold_ttl_ms"].value_or(c.hold_ttl_ms);
    if (c.hold_ttl_ms < 1000 || c.hold_ttl_ms > 86400000)
        return make_error(Errc::invalid_argument,
                          file.string() + ": [hub] hold_ttl_ms must be 1000..86400000");
    c.broker = broker_from(t, file);
    if (c.broker.client_id.empty()) c.broker.client_id = "hub-" + c.worker;
    if (auto* stores = t["stores"].as_table())
        for (auto& [store, node] : *stores)
            if (auto* st = node.as_table())
                if (auto key = (*st)["key"].value<std::string>())
                    c.store_keys[std::string(store.str())] = *key;
    return c;
}

}  // namespace loyalty::sync
