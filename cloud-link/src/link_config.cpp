#include "loyalty/sync/link_config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <limits>
#include <optional>

#include "loyalty/storage/database.hpp"

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

// Whole-number settings. Only a TOML integer in the setting's range is taken: a
// float, a string or a number out of range is refused with the setting's name, never
// converted (toml++'s value<int>() casts an out-of-range float with undefined
// behaviour, and "800" silently becoming the default hides a typo).
class WholeNumbers {
  public:
    explicit WholeNumbers(const std::filesystem::path& file) : file_(file) {}

    template <class T>
    void read(toml::node_view<toml::node> node, const char* name, T& setting) {
        if (!node) return;  // absent: the default stays
        const auto v = node.value_exact<std::int64_t>();
        if (!v || *v < static_cast<std::int64_t>(std::numeric_limits<T>::min()) ||
            *v > static_cast<std::int64_t>(std::numeric_limits<T>::max())) {
            if (!problem_)
                problem_ = make_error(Errc::invalid_argument,
                                      file_.string() + ": " + name + " must be a whole number");
            return;
        }
        setting = static_cast<T>(*v);
    }
    // The first setting refused, if any.
    const std::optional<Error>& problem() const { return problem_; }

  private:
    const std::filesystem::path& file_;
    std::optional<Error> problem_;
};

BrokerConfig broker_from(toml::table& t, const std::filesystem::path& file, WholeNumbers& numbers) {
    BrokerConfig b;
    auto n = t["broker"];
    b.uri = n["uri"].value_or(b.uri);
    b.client_id = n["client_id"].value_or(std::string{});
    b.username = n["username"].value_or(std::string{});
    b.password = n["password"].value_or(std::string{});
    b.ca_file = path_setting(n["ca_file"], file);
    b.cert_file = path_setting(n["cert_file"], file);
    b.key_file = path_setting(n["key_file"], file);
    numbers.read(n["keep_alive_s"], "[broker] keep_alive_s", b.keep_alive_s);
    numbers.read(n["connect_timeout_ms"], "[broker] connect_timeout_ms", b.connect_timeout_ms);
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
    WholeNumbers numbers(file);
    c.broker = broker_from(t, file, numbers);
    if (c.broker.client_id.empty())
        c.broker.client_id = "link-" + c.address.store + "-" + c.address.terminal;
    auto l = t["link"];
    numbers.read(l["batch_events"], "[link] batch_events", c.batch_events);
    numbers.read(l["window_events"], "[link] window_events", c.window_events);
    numbers.read(l["ack_timeout_ms"], "[link] ack_timeout_ms", c.ack_timeout_ms);
    numbers.read(l["backoff_initial_ms"], "[link] backoff_initial_ms", c.backoff_initial_ms);
    numbers.read(l["backoff_max_ms"], "[link] backoff_max_ms", c.backoff_max_ms);
    numbers.read(l["poll_ms"], "[link] poll_ms", c.poll_ms);
    c.full_sync = l["full_sync"].value_or(c.full_sync);
    c.sign_key = l["sign_key"].value_or(std::string{});
    numbers.read(l["offline_redeem_limit"], "[link] offline_redeem_limit", c.offline_redeem_limit);
    numbers.read(l["hub_timeout_ms"], "[link] hub_timeout_ms", c.hub_timeout_ms);
    if (numbers.problem()) return *numbers.problem();
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
    // [hub] database: a file (SQLite, relative to this file) or a postgresql:// URI
    // (PostgreSQL, taken as written); db is its older name.
    const auto database = t["hub"]["database"] ? t["hub"]["database"] : t["hub"]["db"];
    const auto uri = database.value<std::string>();
    c.db = uri && Database::is_postgres_uri(*uri) ? *uri : path_setting(database, file);
    if (c.db.empty())
        return make_error(Errc::invalid_argument, file.string() + ": [hub] database is required");
    WholeNumbers numbers(file);
    c.worker = t["hub"]["worker"].value_or(c.worker);
    numbers.read(t["hub"]["max_messages_per_txn"], "[hub] max_messages_per_txn",
                 c.max_messages_per_txn);
    c.full_sync = t["hub"]["full_sync"].value_or(c.full_sync);
    c.require_signatures = t["hub"]["require_signatures"].value_or(c.require_signatures);
    numbers.read(t["hub"]["hold_ttl_ms"], "[hub] hold_ttl_ms", c.hold_ttl_ms);
    if (numbers.problem()) return *numbers.problem();
    if (c.hold_ttl_ms < 1000 || c.hold_ttl_ms > 86400000)
        return make_error(Errc::invalid_argument,
                          file.string() + ": [hub] hold_ttl_ms must be 1000..86400000");
    c.broker = broker_from(t, file, numbers);
    if (numbers.problem()) return *numbers.problem();
    if (const auto programs = t["hub"]["programs"]) {
        const auto* list = programs.as_array();
        if (list && list->empty()) list = nullptr;  // not "every program" by accident
        if (list)
            for (const auto& node : *list) {
                const auto code = node.value<std::string>();
                if (!code || !valid_code(*code) ||
                    std::find(c.programs.begin(), c.programs.end(), *code) != c.programs.end()) {
                    list = nullptr;
                    break;
                }
                c.programs.push_back(*code);
            }
        if (!list)
            return make_error(
                Errc::invalid_argument,
                file.string() + ": [hub] programs must be a list of distinct program codes");
    }
    // Client ids are unique across the broker: two shards' w1 must not take each
    // other's connection (and session).
    if (c.broker.client_id.empty()) {
        c.broker.client_id = "hub-";
        for (const auto& program : c.programs) c.broker.client_id += program + "-";
        c.broker.client_id += c.worker;
    }
    if (auto* sms = t["sms"].as_table()) {
        SmsGatewayConfig g;
        g.url = (*sms)["url"].value_or(std::string{});
        g.token = (*sms)["token"].value_or(std::string{});
        g.text_template = (*sms)["text"].value_or(std::string{});
        numbers.read((*sms)["timeout_ms"], "[sms] timeout_ms", g.timeout_ms);
        std::int64_t ttl_s = g.code_ttl_ms / 1000;
        numbers.read((*sms)["code_ttl_s"], "[sms] code_ttl_s", ttl_s);
        if (numbers.problem()) return *numbers.problem();
        g.code_ttl_ms = ttl_s * 1000;
        if (!g.url.starts_with("http://") && !g.url.starts_with("https://"))
            return make_error(Errc::invalid_argument,
                              file.string() + ": [sms] url must be http:// or https://");
        if (g.timeout_ms < 100 || g.timeout_ms > 60000 || ttl_s < 60 || ttl_s > 3600)
            return make_error(
                Errc::invalid_argument,
                file.string() +
                    ": [sms] needs timeout_ms in 100..60000 and code_ttl_s in 60..3600");
        if (!g.text_template.empty() && g.text_template.find("{code}") == std::string::npos)
            return make_error(Errc::invalid_argument,
                              file.string() + ": [sms] text must contain {code}");
        c.sms = std::move(g);
    }
    if (auto* stores = t["stores"].as_table())
        for (auto& [store, node] : *stores)
            if (auto* st = node.as_table())
                if (auto key = (*st)["key"].value<std::string>())
                    c.store_keys[std::string(store.str())] = *key;
    return c;
}

}  // namespace loyalty::sync
