// The hub's one-shot publisher of versioned configuration (campaign files) to
// the stores of a program. The version is the hub's own counter per
// (program, key), kept in the hub database, so a later publish always carries
// a higher version and a terminal never lets an older file replace a newer one.
#include <set>

#include "loyalty/sync/hub.hpp"
#include "loyalty/sync/topics.hpp"
#include "mqtt_session.hpp"

namespace loyalty::sync {

namespace {

Result<std::int64_t> next_config_version(HubStore& hub, const std::string& program, const std::string& key) {
    return guarded([&]() -> Result<std::int64_t> {
        auto& db = hub.db();
        db.exec(
            "CREATE TABLE IF NOT EXISTS hub_config_versions (program TEXT NOT NULL, key TEXT NOT NULL,"
            " version INTEGER NOT NULL, PRIMARY KEY (program, key)) WITHOUT ROWID");
        Transaction tx(db);
        db.prepare(
              "INSERT INTO hub_config_versions(program, key, version) VALUES (?, ?, 1) "
              "ON CONFLICT(program, key) DO UPDATE SET version = version + 1")
            .bind_all(program, key)
            .run();
        auto& st = db.prepare("SELECT version FROM hub_config_versions WHERE program = ? AND key = ?");
        st.bind_all(program, key);
        st.step();
        const auto version = st.int64(0);
        st.reset();
        tx.commit();
        return version;
    });
}

}  // namespace

Result<ConfigPublishReport> publish_config(const HubConfig& config, const ConfigPublish& what) {
    if (what.program.empty() || what.key.empty())
        return make_error(Errc::invalid_argument, "publishing a config needs a program and a key");
    auto opened = HubStore::open(config.db, HubStoreOptions{config.worker, config.full_sync, false, {}});
    if (!opened) return opened.error();
    auto& hub = *opened.value();

    ConfigPublishReport report;
    report.stores = what.stores;
    if (report.stores.empty()) {
        // Every store the hub has heard from in this program.
        auto seen = guarded([&]() -> Result<std::vector<TerminalStatus>> { return hub.terminals(); });
        if (!seen) return seen.error();
        std::set<std::string> stores;
        for (const auto& t : *seen)
            if (t.program == what.program) stores.insert(t.store);
        report.stores.assign(stores.begin(), stores.end());
    }
    if (report.stores.empty())
        return make_error(Errc::not_found, "the hub has seen no store of program " + what.program + "; name them");
    // Refuse a body that is not a JSON object before spending a version on it.
    if (auto probe = encode_config(what.program, what.key, 0, what.body_json); !probe) return probe.error();
    auto version = next_config_version(hub, what.program, what.key);
    if (!version) return version.error();
    report.version = *version;
    auto payload = encode_config(what.program, what.key, report.version, what.body_json);
    if (!payload) return payload.error();

    auto broker = config.broker;
    broker.client_id += "-publish";  // beside a running worker with the configured id
    auto client = make_client(broker);
    const auto wait = std::chrono::milliseconds(broker.connect_timeout_ms + 1000);
    try {
        mqtt::connect_options opts;
        fill_connect_options(opts, broker, std::nullopt, 0);
        if (!client->connect(opts)->wait_for(wait)) throw mqtt::exception(-1, "connect timed out");
        for (const auto& store : report.stores) {
            // QoS 1 to the store's down topic: terminals with a session wait for it at the broker.
            auto tok = client->publish(store_down_topic(what.program, store), payload->data(), payload->size(), 1,
                                       false);
            if (!tok->wait_for(wait)) throw mqtt::exception(-1, "publish to " + store + " timed out");
        }
        // Every PUBACK is in: nothing left for a disconnect timeout to wait for.
        client->disconnect(std::chrono::milliseconds(0))->wait_for(wait);
    } catch (const mqtt::exception& e) {
        return make_error(Errc::storage, std::string("publishing to ") + broker.uri + " failed: " + e.what());
    }
    return report;
}

}  // namespace loyalty::sync
