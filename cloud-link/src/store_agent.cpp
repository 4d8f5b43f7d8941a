#include "loyalty/sync/store_agent.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "loyalty/engine.hpp"
#include "loyalty/sync/down_state.hpp"
#include "loyalty/sync/messages.hpp"
#include "loyalty/sync/signing.hpp"
#include "mqtt_session.hpp"

namespace loyalty::sync {

namespace {

constexpr int session_expiry_s = 24 * 3600;  // a day offline keeps the down queue

struct Inbound {
    std::string topic;
    std::string payload;
};

// Counts publishes the broker refused (PUBACK reason >= 0x80: 135 is "not
// authorised", an ACL that does not cover this topic).
class PublishListener : public mqtt::iaction_listener {
public:
    explicit PublishListener(std::function<void(int)> on_refused) : on_refused_(std::move(on_refused)) {}
    void on_failure(const mqtt::token& tok) override { on_refused_(static_cast<int>(tok.get_reason_code())); }
    void on_success(const mqtt::token&) override {}

private:
    std::function<void(int)> on_refused_;
};

}  // namespace

struct StoreAgent::Impl {
    AgentConfig config;
    std::string who;
    mutable std::mutex stats_mutex;
    AgentStats stats;

    std::mutex queue_mutex;
    std::condition_variable wake;
    std::deque<Inbound> inbound;
    std::atomic<bool> lost{false};

    SystemClock clock;
    std::unique_ptr<Engine> engine;
    std::unique_ptr<DownState> down;
    std::unique_ptr<mqtt::async_client> client;
    std::unique_ptr<PublishListener> listener;

    std::int64_t acked = 0;  // everything <= acked is deleted from the outbox
    std::int64_t sent = 0;   // highest sequence published on this connection
    std::chrono::steady_clock::time_point last_progress;

    explicit Impl(AgentConfig c)
        : config(std::move(c)), who("link " + config.address.store + "/" + config.address.terminal) {}

    template <class Fn>
    void update(Fn&& fn) {
        std::lock_guard lock(stats_mutex);
        fn(stats);
    }

    Result<void> open_database() {
        DatabaseOptions db_options;
        db_options.full_sync = config.full_sync;
        db_options.integrity_check_on_open = false;  // the till checks it; a restart must be quick
        auto opened =
            Engine::open(config.db, clock, EngineOptions{Origin{config.address.store, config.address.terminal}, db_options});
        if (!opened) return opened.error();
        engine = std::move(opened.value());
        return guarded([&]() -> Result<void> {
            down = std::make_unique<DownState>(engine->db());
            return {};
        });
    }

    mqtt::message presence_message(const std::string& state, const std::string& why, std::int64_t backlog) {
        Presence p{config.address.store, config.address.terminal, state, why, wall_ms(), backlog};
        return mqtt::message(presence_topic(config.address), encode_presence(p), 1, true);
    }

    bool connect() {
        client = make_client(config.broker);
        client->set_message_callback([this](mqtt::const_message_ptr m) {
            {
                std::lock_guard lock(queue_mutex);
                inbound.push_back({m->get_topic(), m->get_payload_str()});
            }
            wake.notify_one();
        });
        auto on_lost = [this](const std::string&) {
            lost = true;
            wake.notify_one();
        };
        client->set_connection_lost_handler(on_lost);
        client->set_disconnected_handler([this](const mqtt::properties&, mqtt::ReasonCode) {
            lost = true;
            wake.notify_one();
        });
        const auto backlog = engine->outbox().backlog();
        const auto wait = std::chrono::milliseconds(config.broker.connect_timeout_ms + 1000);
        try {
            mqtt::connect_options opts;
            fill_connect_options(opts, config.broker, presence_message("offline", "lost", backlog), session_expiry_s);
            if (!client->connect(opts)->wait_for(wait)) throw mqtt::exception(-1, "connect timed out");
            for (const auto& topic : {acks_topic(config.address), terminal_down_topic(config.address),
                                      store_down_topic(config.address.program, config.address.store)})
                if (!client->subscribe(topic, 1)->wait_for(wait)) throw mqtt::exception(-1, "subscribe timed out");
            client->publish(std::make_shared<mqtt::message>(presence_message("online", "", backlog)));
        } catch (const mqtt::exception& e) {
            log_line(who, std::string("connect to ") + config.broker.uri + " failed: " + e.what());
            drop_client();
            return false;
        }
        lost = false;
        update([](AgentStats& s) {
            ++s.connects;
            s.connected = true;
        });
        log_line(who, "connected to " + config.broker.uri);
        return true;
    }

    void drop_client() {
        if (!client) return;
        try {
            if (client->is_connected()) client->disconnect(std::chrono::milliseconds(0))->wait_for(std::chrono::seconds(1));
        } catch (const mqtt::exception&) {
        }
        client.reset();
        update([](AgentStats& s) { s.connected = false; });
    }

    void say_goodbye() {
        if (!client || !client->is_connected()) return;
        try {
            client->publish(std::make_shared<mqtt::message>(presence_message("offline", "shutdown", engine->outbox().backlog())))
                ->wait_for(std::chrono::seconds(2));
            client->disconnect()->wait_for(std::chrono::seconds(2));
        } catch (const mqtt::exception&) {
        }
    }

    void on_ack(const Ack& ack) {
        if (ack.store != config.address.store || ack.terminal != config.address.terminal) return;
        update([&](AgentStats& s) { s.last_skew_ms = ack.skew_ms; });
        if (ack.through <= acked) return;
        const int deleted = engine->outbox().acknowledge_through(config.address.store, config.address.terminal,
                                                                 ack.through);
        acked = ack.through;
        if (sent < acked) sent = acked;
        last_progress = std::chrono::steady_clock::now();
        down->set_status("acked_through", acked);
        down->set_status("skew_ms", ack.skew_ms);
        down->set_status("last_ack_ms", ack.hub_time_ms);
        update([&](AgentStats& s) {
            s.acked_through = acked;
            s.events_deleted += deleted;
        });
    }

    void on_inbound(const Inbound& in) {
        const auto now = wall_ms();
        if (in.topic == acks_topic(config.address)) {
            auto ack = decode_ack(in.payload);
            if (ack) return on_ack(*ack);
            down->dead_letter(in.topic, reason_of(ack.error()), in.payload, now);
            update([](AgentStats& s) { ++s.dead_letters; });
            return;
        }
        auto msg = decode_down(in.payload);
        if (!msg) {
            log_line(who, "dead letter on " + in.topic + ": " + msg.error().message);
            down->dead_letter(in.topic, reason_of(msg.error()), in.payload, now);
            update([](AgentStats& s) { ++s.dead_letters; });
            return;
        }
        std::int64_t through = 0;
        if (auto it = msg->through.find(config.address.terminal); it != msg->through.end()) through = it->second;
        Transaction tx(engine->db());
        std::int64_t applied = 0, stale = 0;
        for (const auto& item : msg->items) (down->apply(item, through, now) ? applied : stale)++;
        tx.commit();
        update([&](AgentStats& s) {
            s.down_applied += applied;
            s.down_stale += stale;
        });
    }

    void drain_inbound() {
        std::deque<Inbound> batch;
        {
            std::lock_guard lock(queue_mutex);
            batch.swap(inbound);
        }
        for (const auto& in : batch) on_inbound(in);
    }

    // Publishes the next batch if the window has room; false when nothing was sent.
    bool send_more() {
        const auto in_flight = sent - acked;
        if (in_flight >= config.window_events) return false;
        const int room = static_cast<int>(std::min<std::int64_t>(config.window_events - in_flight, config.batch_events));
        auto events = engine->outbox().pending(config.address.store, config.address.terminal, sent, room);
        if (events.empty()) return false;
        // Rows before the first one still here were settled (acknowledged, or
        // cleared before this terminal was linked): the hub may skip to there.
        if (sent == acked && events.front().seq > acked + 1) acked = sent = events.front().seq - 1;
        if (in_flight == 0) last_progress = std::chrono::steady_clock::now();
        auto payload = encode_batch(config.address, acked, wall_ms(), events);
        auto msg = mqtt::message::create(events_topic(config.address), payload, 1, false);
        if (!config.sign_key.empty()) {
            if (auto sig = sign_payload(config.sign_key, payload)) {
                mqtt::properties props;
                props.add(mqtt::property(mqtt::property::USER_PROPERTY, std::string(signature_property), *sig));
                msg->set_properties(props);
            }
        }
        try {
            client->publish(msg, nullptr, *listener);
        } catch (const mqtt::exception& e) {
            log_line(who, std::string("publish failed: ") + e.what());
            lost = true;
            return false;
        }
        sent = events.back().seq;
        update([&](AgentStats& s) {
            ++s.batches_sent;
            s.events_sent += static_cast<std::int64_t>(events.size());
        });
        return true;
    }

    Result<void> run(const std::atomic<bool>& stop) {
        if (auto opened = open_database(); !opened) return opened;
        listener = std::make_unique<PublishListener>([this](int rc) {
            log_line(who, "broker refused a publish, reason code " + std::to_string(rc));
            update([](AgentStats& s) { ++s.publish_refused; });
        });
        Backoff backoff(config.backoff_initial_ms, config.backoff_max_ms);
        auto last_backlog_check = std::chrono::steady_clock::time_point{};
        while (!stop) {
            if (!client || lost) {
                if (client) {
                    log_line(who, "connection lost");
                    drop_client();
                }
                if (!connect()) {
                    // Sleep in slices so a stop request is seen within 50 ms.
                    const auto until = std::chrono::steady_clock::now() + backoff.next();
                    while (!stop && std::chrono::steady_clock::now() < until)
                        std::this_thread::sleep_for(std::chrono::milliseconds(50));
                    continue;
                }
                backoff.reset();
                // Resend everything not acknowledged: the hub drops what it has.
                if (sent > acked) update([](AgentStats& s) { ++s.resends; });
                sent = acked;
            }
            auto step = guarded([&]() -> Result<void> {
                drain_inbound();
                while (!stop && !lost && send_more()) drain_inbound();
                const auto now = std::chrono::steady_clock::now();
                if (sent > acked && now - last_progress > std::chrono::milliseconds(config.ack_timeout_ms)) {
                    log_line(who, "no ack for " + std::to_string(config.ack_timeout_ms) + " ms, resending from " +
                                      std::to_string(acked + 1));
                    sent = acked;
                    last_progress = now;
                    update([](AgentStats& s) { ++s.resends; });
                }
                if (now - last_backlog_check > std::chrono::seconds(1)) {
                    last_backlog_check = now;
                    const auto backlog = engine->outbox().backlog();
                    update([&](AgentStats& s) { s.backlog = backlog; });
                }
                return {};
            });
            if (!step) {
                // A busy or failing database: wait and try again, the outbox is intact.
                log_line(who, step.error().message);
            }
            std::unique_lock lock(queue_mutex);
            wake.wait_for(lock, std::chrono::milliseconds(config.poll_ms),
                          [&] { return stop.load() || lost.load() || !inbound.empty(); });
        }
        say_goodbye();
        drop_client();
        return {};
    }
};

StoreAgent::StoreAgent(AgentConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}
StoreAgent::~StoreAgent() = default;

Result<void> StoreAgent::run(const std::atomic<bool>& stop) { return impl_->run(stop); }

AgentStats StoreAgent::stats() const {
    std::lock_guard lock(impl_->stats_mutex);
    return impl_->stats;
}

}  // namespace loyalty::sync
