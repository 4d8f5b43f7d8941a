#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "hub_carpark.hpp"
#include "loyalty/sync/hub.hpp"
#include "loyalty/sync/signing.hpp"
#include "mqtt_session.hpp"
#include "sms_gateway.hpp"

namespace loyalty::sync {

namespace {
// The worker's session only bridges a reconnect: the stores resend whatever the hub has
// not acknowledged. It is short because a session outlives its worker as a member of the
// shared subscriptions, and the broker goes on handing a dead worker its turn of the
// batches and the tills' questions until the session expires.
constexpr int session_expiry_s = 60;
}  // namespace

struct HubWorker::Impl {
    HubConfig config;
    std::string who;
    bool connected_before = false;  // in this process (the main loop's thread only)
    mutable std::mutex stats_mutex;
    HubStats stats;

    std::mutex queue_mutex;
    std::condition_variable wake;
    std::deque<HubIncoming> inbound;
    // Requests skip the event queue: a terminal waits for each answer, and an
    // event pass may take a while. Their own thread and database connection.
    std::mutex request_mutex;
    std::condition_variable request_wake;
    std::deque<HubIncoming> requests;
    std::unique_ptr<HubStore> request_store;
    std::atomic<bool> responder_stop{false};
    std::atomic<bool> lost{false};
    static constexpr std::chrono::minutes tier_review_interval{15};
    std::chrono::steady_clock::time_point next_tier_review{};  // the first review runs at start

    std::unique_ptr<HubStore> store;
    // Replaced by the worker thread, published on by it and the request thread.
    std::mutex client_mutex;
    std::unique_ptr<mqtt::async_client> client;

    explicit Impl(HubConfig c) : config(std::move(c)), who("hub " + config.worker) {}

    template <class Fn>
    void update(Fn&& fn) {
        std::lock_guard lock(stats_mutex);
        fn(stats);
    }

    bool connect() {
        std::unique_ptr<mqtt::async_client> fresh;
        try {
            fresh = make_client(config.broker);
        } catch (const mqtt::exception& e) {
            log_line(who, std::string("broker ") + config.broker.uri + ": " + e.what());
            return false;
        }
        fresh->set_message_callback([this](mqtt::const_message_ptr m) {
            // Another shard's message (a subscription of an older session): neither taken
            // nor acknowledged, so its store sends it again, to its own shard.
            if (!serves(m->get_topic())) return;
            HubIncoming in{m->get_topic(), m->get_payload_str(), {}};
            const auto& props = m->get_properties();
            for (std::size_t i = 0, n = props.count(mqtt::property::USER_PROPERTY); i < n; ++i) {
                auto [name, value] =
                    mqtt::get<mqtt::string_pair>(props, mqtt::property::USER_PROPERTY, i);
                if (name == signature_property) in.signature = value;
            }
            if (in.topic.ends_with("/requests")) {
                if (props.contains(mqtt::property::RESPONSE_TOPIC))
                    in.response_topic =
                        mqtt::get<std::string>(props, mqtt::property::RESPONSE_TOPIC);
                if (props.contains(mqtt::property::CORRELATION_DATA))
                    in.correlation =
                        mqtt::get<std::string>(props, mqtt::property::CORRELATION_DATA);
                {
                    std::lock_guard lock(request_mutex);
                    requests.push_back(std::move(in));
                }
                request_wake.notify_one();
                return;
            }
            {
                std::lock_guard lock(queue_mutex);
                inbound.push_back(std::move(in));
            }
            wake.notify_one();
        });
        on_connection_lost(*fresh, [this] {
            lost = true;
            wake.notify_one();
        });
        try {
            // The first connect of a process starts a fresh session: one the broker kept
            // from before may hold subscriptions this worker no longer has (another
            // shard's programs). Nothing is lost by it: the stores resend what the hub
            // has not acknowledged. Reconnects keep the session, to bridge the gap.
            connect_and_subscribe(*fresh, config.broker, std::nullopt, session_expiry_s,
                                  subscriptions(/*shared_only=*/false),
                                  /*fresh_session=*/!connected_before);
        } catch (const mqtt::exception& e) {
            log_line(who, std::string("connect to ") + config.broker.uri + " failed: " + e.what());
            return false;
        }
        {
            std::lock_guard lock(client_mutex);
            client = std::move(fresh);
        }
        lost = false;
        connected_before = true;
        update([](HubStats& s) {
            ++s.connects;
            s.connected = true;
        });
        log_line(who, "connected to " + config.broker.uri);
        return true;
    }

    // Events and requests (shared by the workers) and presence, for every program or for
    // the programs of this hub's shard.
    std::vector<std::string> subscriptions(bool shared_only) const {
        std::vector<std::string> topics;
        const std::vector<std::string> every{"+"};
        for (const auto& program : config.programs.empty() ? every : config.programs) {
            topics.push_back(hub_events_subscription(program));
            topics.push_back(hub_requests_subscription(program));
            if (!shared_only) topics.push_back(hub_presence_subscription(program));
        }
        return topics;
    }

    // A message of a program this worker serves (every program, or its shard's).
    bool serves(const std::string& topic) const {
        if (config.programs.empty()) return true;
        const auto parsed = parse_topic(topic);
        return parsed && std::find(config.programs.begin(), config.programs.end(),
                                   parsed->address.program) != config.programs.end();
    }

    // `leaving`: the worker stops for good, so it leaves the shared subscriptions and the
    // broker hands its turns to the workers still running from then on.
    void drop_client(bool leaving = false) {
        std::unique_ptr<mqtt::async_client> old;
        {
            std::lock_guard lock(client_mutex);
            old = std::move(client);
        }
        if (!old) return;
        try {
            if (old->is_connected()) {
                // A session expiry of 0 sent with DISCONNECT did not end the session here
                // (Paho C++ 1.2 fills in the MQTT 3 form of its disconnect options), so the
                // worker leaves the shared subscriptions itself before it goes.
                if (leaving)
                    old->unsubscribe(mqtt::string_collection::create(subscriptions(true)))
                        ->wait_for(std::chrono::seconds(2));
                old->disconnect()->wait_for(std::chrono::seconds(2));
            }
        } catch (const mqtt::exception&) {
        }
        old.reset();
        update([](HubStats& s) { s.connected = false; });
    }

    void apply_pending() {
        std::vector<HubIncoming> batch;
        {
            std::lock_guard lock(queue_mutex);
            while (!inbound.empty() &&
                   static_cast<int>(batch.size()) < config.max_messages_per_txn) {
                batch.push_back(std::move(inbound.front()));
                inbound.pop_front();
            }
        }
        if (batch.empty()) return;
        const auto started = std::chrono::steady_clock::now();
        auto report = store->apply(batch, wall_ms());
        const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - started);
        if (!report) {
            // Nothing was applied or acknowledged: the stores resend after their ack timeout.
            log_line(who, "apply failed: " + report.error().message);
            return;
        }
        update([&](HubStats& s) {
            s.messages += static_cast<std::int64_t>(batch.size());
            s.applied += report->applied;
            s.duplicates += report->duplicates;
            s.dead_letters += report->dead_letters;
            ++s.transactions;
            s.apply_ms += took.count();
        });
        if (report->merges > 0)
            log_line(who,
                     std::to_string(report->merges) +
                         " member(s) enrolled again with a known phone, merged into the first");
        if (report->dead_letters > 0 || report->resequences > 0 ||
            !report->dead_letter_notes.empty()) {
            if (report->dead_letters > 0)
                log_line(who, std::to_string(report->dead_letters) +
                                  " message(s) or event(s) dead-lettered");
            if (report->resequences > 0)
                log_line(who, std::to_string(report->resequences) +
                                  " batch(es) of a forked terminal history");
            for (const auto& note : report->dead_letter_notes)
                log_line(who, "  " + note.substr(0, 300));
        }
        publish(report->publish);
    }

    void publish(const std::vector<HubOutgoing>& messages) {
        std::lock_guard lock(client_mutex);
        for (const auto& out : messages) {
            try {
                if (!client) break;
                if (out.correlation.empty()) {
                    client->publish(out.topic, out.payload.data(), out.payload.size(), 1, false);
                } else {
                    // QoS 0 like the request: one TCP write each way, no PUBACK for
                    // Nagle to hold the next packet behind (tens of ms on Linux).
                    auto msg = mqtt::make_message(out.topic, out.payload, 0, false);
                    msg->set_properties(
                        mqtt::properties{{mqtt::property::CORRELATION_DATA, out.correlation}});
                    client->publish(msg);
                }
            } catch (const mqtt::exception& e) {
                // A lost ack is repaired by the next one (acks are cumulative), a
                // lost snapshot by the member's next change.
                log_line(who, std::string("publish failed: ") + e.what());
                lost = true;
                break;
            }
        }
    }

    // Parking credits the hub applied, to the car park (hub_carpark.cpp): every QoS 1 publish
    // started, then every PUBACK awaited off the client lock; one not accepted is tried again.
    void publish_parking_credits() {
        const CarparkSend send = [this](const std::string& topic,
                                        const std::string& payload) -> std::function<bool()> {
            mqtt::delivery_token_ptr token;
            try {
                std::lock_guard lock(client_mutex);
                if (!client) return [] { return false; };
                token = client->publish(topic, payload.data(), payload.size(), 1, false);
            } catch (const mqtt::exception& e) {
                log_line(who, std::string("car park publish failed: ") + e.what());
                return [] { return false; };
            }
            return [this, token] {
                try {
                    // MQTT 5: a PUBACK reason of 0x80 or more is a refusal (135: not authorized).
                    return token->wait_for(std::chrono::seconds(5)) &&
                           token->get_reason_code() < 0x80;
                } catch (const mqtt::exception& e) {
                    log_line(who, std::string("car park publish refused: ") + e.what());
                    return false;
                }
            };
        };
        try {
            drain_carpark_outbox(*store, send, wall_ms());
        } catch (const std::exception& e) {  // the database busy: the next round
            log_line(who, std::string("car park credits: ") + e.what());
        }
    }

    // Tiers whose review date has come are judged here, on every store's sales;
    // the members who moved get their snapshot. Idempotent, so every worker may run it.
    void review_tiers_when_due() {
        const auto now = std::chrono::steady_clock::now();
        if (now < next_tier_review) return;
        next_tier_review = now + tier_review_interval;
        auto report = store->review_tiers(wall_ms());
        if (!report) {
            log_line(who, "tier review failed: " + report.error().message);
            return;
        }
        publish(report->publish);
    }

    // The request thread: one answer at a time, each its own short transaction.
    void answer_requests(const std::atomic<bool>& stop) {
        while (!stop && !responder_stop) {
            HubIncoming in;
            {
                std::unique_lock lock(request_mutex);
                request_wake.wait_for(lock, std::chrono::milliseconds(100), [&] {
                    return stop.load() || responder_stop.load() || !requests.empty();
                });
                if (requests.empty()) continue;
                in = std::move(requests.front());
                requests.pop_front();
            }
            auto answer = request_store->answer(in, wall_ms());
            if (!answer) {
                // The terminal hears nothing and works on what it knows (its timeout).
                log_line(who, "request on " + in.topic + " failed: " + answer.error().message);
                continue;
            }
            if (!answer->has_value()) {
                log_line(who,
                         "request on " + in.topic + " dead-lettered: no reply topic of its store");
                continue;
            }
            publish({**answer});
        }
    }

    // A worker that starts while its PostgreSQL is unreachable (a failover under way, the
    // server still starting) waits for it, as it waits for the broker; so does one refused
    // a login (a wrong password, a role or database not created yet), which a DBA may mend
    // while it waits. What will not change by waiting (a malformed connection string, no
    // password where the server asks for one, a schema newer than this program, a failed
    // migration) and a database file that cannot be opened: an error at once, and the
    // worker stops.
    Result<std::unique_ptr<HubStore>> open_store(const HubStoreOptions& options,
                                                 const std::atomic<bool>& stop) {
        auto pause = std::chrono::milliseconds(200);
        for (;;) {
            auto opened = HubStore::open(config.db, options);
            if (opened || opened.error().code != Errc::unreachable || stop) return opened;
            log_line(who, "database not reached, trying again: " + opened.error().message);
            std::this_thread::sleep_for(pause);
            pause = std::min(pause * 2, std::chrono::milliseconds(5000));
        }
    }

    Result<void> run(const std::atomic<bool>& stop) {
        HubStoreOptions options{config.worker, config.full_sync, config.require_signatures,
                                config.store_keys, config.hold_ttl_ms};
        if (config.sms) {
            options.sms.enabled = true;
            options.sms.code_ttl_ms = config.sms->code_ttl_ms;
            if (!config.sms->text_template.empty())
                options.sms.text_template = config.sms->text_template;
        }
        auto opened = open_store(options, stop);
        if (!opened) return opened.error();
        store = std::move(opened.value());
        auto second = open_store(options, stop);
        if (!second) return second.error();
        request_store = std::move(second.value());
        std::unique_ptr<HubStore> sms_store;
        if (config.sms) {
            auto third = open_store(options, stop);
            if (!third) return third.error();
            sms_store = std::move(third.value());
        }
        std::thread responder([this, &stop] { answer_requests(stop); });
        // The SMS sender: texts the request thread queued, to the gateway, off its path.
        std::thread sms_sender;
        if (sms_store)
            sms_sender = std::thread([this, &stop, hub = sms_store.get()] {
                SmsGateway gateway(*config.sms);
                while (!stop && !responder_stop) {
                    try {
                        drain_sms_outbox(*hub, gateway, wall_ms());
                    } catch (const std::exception& e) {  // the database busy: the next round
                        log_line(who, std::string("SMS sender: ") + e.what());
                    }
                    std::this_thread::sleep_for(std::chrono::milliseconds(100));
                }
            });
        // Stopped and joined however run() ends (also by an exception).
        struct Join {
            std::thread& t;
            std::thread& sms;
            std::atomic<bool>& stop;
            ~Join() {
                stop = true;
                t.join();
                if (sms.joinable()) sms.join();
            }
        } join{responder, sms_sender, responder_stop};
        Backoff backoff(200, 5000);
        while (!stop) {
            if (!client || lost) {
                if (client) {
                    log_line(who, "connection lost");
                    drop_client();
                }
                if (!connect()) {
                    const auto until = std::chrono::steady_clock::now() + backoff.next();
                    while (!stop && std::chrono::steady_clock::now() < until)
                        std::this_thread::sleep_for(std::chrono::milliseconds(50));
                    continue;
                }
                backoff.reset();
            }
            apply_pending();
            publish_parking_credits();
            review_tiers_when_due();
            std::unique_lock lock(queue_mutex);
            wake.wait_for(lock, std::chrono::milliseconds(100),
                          [&] { return stop.load() || lost.load() || !inbound.empty(); });
        }
        // Messages still queued here were never acknowledged: the stores resend them.
        drop_client(/*leaving=*/true);
        return {};
    }
};

HubWorker::HubWorker(HubConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}
HubWorker::~HubWorker() = default;
Result<void> HubWorker::run(const std::atomic<bool>& stop) {
    return impl_->run(stop);
}
HubStats HubWorker::stats() const {
    std::lock_guard lock(impl_->stats_mutex);
    return impl_->stats;
}

}  // namespace loyalty::sync
