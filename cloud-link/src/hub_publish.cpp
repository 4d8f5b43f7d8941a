// The hub's one-shot publisher of versioned configuration (campaign files) to
// the stores of a program. The version is the hub's own counter per
// (program, key), kept in the hub database, so a later publish always carries
// a higher version and a terminal never lets an older file replace a newer one.
#include <set>

#include "coupon_items.hpp"
#include "loyalty/sync/hub.hpp"
#include "loyalty/sync/topics.hpp"
#include "mqtt_session.hpp"

namespace loyalty::sync {

namespace {

Result<std::int64_t> next_config_version(HubStore& hub, const std::string& program,
                                         const std::string& key) {
    return guarded([&]() -> Result<std::int64_t> {
        auto& db = hub.db();
        Transaction tx(db);
        db.prepare(
              "INSERT INTO hub_config_versions(program, key, version) VALUES (?, ?, 1) "
              "ON CONFLICT(program, key) DO UPDATE SET version = hub_config_versions.version + 1")
            .bind_all(program, key)
            .run();
        auto st =
            db.prepare("SELECT version FROM hub_config_versions WHERE program = ? AND key = ?");
        st.bind_all(program, key);
        st.step();
        const auto version = st.int64(0);
        tx.commit();
        return version;
    });
}

struct Outgoing {
    std::string topic;
    std::string payload;
    bool retained = false;
};

// One connection with its own client id ("<client_id>-publish", so it runs
// beside a running worker), every message at QoS 1, every PUBACK awaited.
Result<void> publish_once(const HubConfig& config, const std::vector<Outgoing>& messages) {
    auto broker = config.broker;
    broker.client_id += "-publish";
    auto client = make_client(broker);
    const auto wait = std::chrono::milliseconds(broker.connect_timeout_ms + 1000);
    try {
        mqtt::connect_options opts;
        fill_connect_options(opts, broker, std::nullopt, 0);
        if (!client->connect(opts)->wait_for(wait)) throw mqtt::exception(-1, "connect timed out");
        for (const auto& m : messages) {
            auto tok = client->publish(m.topic, m.payload.data(), m.payload.size(), 1, m.retained);
            if (!tok->wait_for(wait))
                throw mqtt::exception(-1, "publish to " + m.topic + " timed out");
        }
        // Every PUBACK is in: nothing left for a disconnect timeout to wait for.
        client->disconnect(std::chrono::milliseconds(0))->wait_for(wait);
    } catch (const mqtt::exception& e) {
        return make_error(Errc::storage,
                          std::string("publishing to ") + broker.uri + " failed: " + e.what());
    }
    return {};
}

// The stores given, or when none are: every store of the program the hub has heard from.
Result<std::vector<std::string>> or_stores_seen(HubStore& hub, const std::string& program,
                                                std::vector<std::string> given) {
    if (!given.empty()) return given;
    auto seen = guarded([&]() -> Result<std::vector<TerminalStatus>> { return hub.terminals(); });
    if (!seen) return seen.error();
    std::set<std::string> stores;
    for (const auto& t : *seen)
        if (t.program == program) stores.insert(t.store);
    return std::vector<std::string>(stores.begin(), stores.end());
}

}  // namespace

Result<ConfigPublishReport> publish_config(const HubConfig& config, const ConfigPublish& what) {
    if (what.program.empty() || what.key.empty())
        return make_error(Errc::invalid_argument, "publishing a config needs a program and a key");
    auto opened =
        HubStore::open(config.db, HubStoreOptions{config.worker, config.full_sync, false, {}});
    if (!opened) return opened.error();
    auto& hub = *opened.value();

    ConfigPublishReport report;
    auto stores = or_stores_seen(hub, what.program, what.stores);
    if (!stores) return stores.error();
    report.stores = std::move(*stores);
    if (report.stores.empty())
        return make_error(Errc::not_found,
                          "the hub has seen no store of program " + what.program + "; name them");
    // Refuse a body that is not a JSON object before spending a version on it.
    if (auto probe = encode_config(what.program, what.key, 0, what.body_json); !probe)
        return probe.error();
    auto version = next_config_version(hub, what.program, what.key);
    if (!version) return version.error();
    report.version = *version;
    auto payload = encode_config(what.program, what.key, report.version, what.body_json);
    if (!payload) return payload.error();

    std::vector<Outgoing> out;
    for (const auto& store : report.stores)
        // Retained, QoS 1, one topic per key: a terminal that was offline, or is
        // installed later, receives the newest version when it subscribes.
        out.push_back({store_config_topic(what.program, store, what.key), *payload, true});
    if (auto sent = publish_once(config, out); !sent) return sent.error();
    return report;
}

}  // namespace loyalty::sync

namespace loyalty::sync {

Result<ConfigPublishReport> publish_program(const HubConfig& config, const ProgramConfig& program,
                                            const std::vector<std::string>& stores) {
    {
        auto opened =
            HubStore::open(config.db, HubStoreOptions{config.worker, config.full_sync, false, {}});
        if (!opened) return opened.error();
        if (auto saved = (*opened)->engine().programs().save(program, "hub"); !saved)
            return saved.error();
    }
    return publish_config(config,
                          {program.code, "program", program_config_to_json(program), stores});
}

Result<CouponIssueReport> issue_coupon(const HubConfig& config, const CouponIssue& what) {
    auto opened =
        HubStore::open(config.db, HubStoreOptions{config.worker, config.full_sync, false, {}});
    if (!opened) return opened.error();
    auto& hub = *opened.value();
    auto& engine = hub.engine();
    auto member = engine.members().get_by_uid(what.member_uid);
    if (!member) return member.error();
    if (member->program != what.program)
        return make_error(Errc::not_found,
                          "member " + what.member_uid + " is not in program " + what.program);
    // The stores where the member shops; none yet: every store the hub has seen. Known before the
    // grant, so a coupon nobody could receive is not issued.
    auto shops = guarded(
        [&]() -> Result<std::vector<std::string>> { return hub.member_stores(what.member_uid); });
    if (!shops) return shops.error();
    auto stores = or_stores_seen(hub, what.program, std::move(*shops));
    if (!stores) return stores.error();
    if (stores->empty())
        return make_error(Errc::not_found, "the hub has seen no store to send a coupon for " +
                                               what.member_uid + " to");
    const auto key =
        what.idempotency_key.empty()
            ? "hub:" + what.member_uid + ":" +
                  std::to_string(std::chrono::system_clock::now().time_since_epoch().count())
            : what.idempotency_key;
    auto coupon = engine.rewards().grant(CouponGrant{
        member->id, what.source, what.title, what.value, what.min_spend, what.valid_days, key});
    if (!coupon) return coupon.error();

    CouponIssueReport report;
    report.code = coupon->code;
    report.stores = std::move(*stores);
    const auto item = coupon_item(*coupon, what.member_uid);
    const auto payload = nlohmann::json{{"v", protocol_version},
                                        {"kind", "coupon_issue"},
                                        {"program", what.program},
                                        {"items", nlohmann::json::array({item})}}
                             .dump();
    std::vector<Outgoing> out;
    for (const auto& store : report.stores)
        out.push_back({store_down_topic(what.program, store), payload, false});
    if (auto sent = publish_once(config, out); !sent) return sent.error();
    return report;
}

}  // namespace loyalty::sync
