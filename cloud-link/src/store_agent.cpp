#include "loyalty/sync/store_agent.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "loyalty/engine.hpp"
#include "loyalty/sync/down_state.hpp"
#include "loyalty/sync/messages.hpp"
#include "loyalty/sync/signing.hpp"
#include "json_fields.hpp"
#include "mqtt_session.hpp"
#include "loyalty/storage/engine_storage.hpp"

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
    std::int64_t sent_ever = 0;  // highest sequence this process has published
    int quiet_timeouts = 0;      // ack timeouts in a row: each doubles the next wait
    std::chrono::steady_clock::time_point last_progress;

    StoreAgent::WallClock wall_clock;

    Impl(AgentConfig c, StoreAgent::WallClock clock_fn)
        : config(std::move(c)),
          who("link " + config.address.store + "/" + config.address.terminal),
          wall_clock(std::move(clock_fn)) {}

    std::int64_t terminal_ms() const { return wall_clock ? wall_clock() : wall_ms(); }

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
            down = std::make_unique<DownState>(engine_database(*engine));
            return {};
        });
    }

    mqtt::message presence_message(const std::string& state, const std::string& why, std::int64_t backlog) {
        Presence p{config.address.store, config.address.terminal, state, why, terminal_ms(), backlog};
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
        on_connection_lost(*client, [this] {
            lost = true;
            wake.notify_one();
        });
        const auto backlog = engine->outbox().backlog();
        try {
            connect_and_subscribe(*client, config.broker, presence_message("offline", "lost", backlog), session_expiry_s,
                                  {acks_topic(config.address), terminal_down_topic(config.address),
                                   store_down_topic(config.address.program, config.address.store),
                                   store_config_subscription(config.address.program, config.address.store)});
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
        // Never delete what this process has not sent: an ack beyond it means a
        // second terminal is configured with this terminal's codes.
        const auto through = std::min(ack.through, sent_ever);
        if (through < ack.through)
            log_line(who, "the hub acknowledges sequence " + std::to_string(ack.through) + " but only " +
                              std::to_string(sent_ever) + " was sent: is another terminal using these codes?");
        if (through <= acked) return;
        const int deleted = engine->outbox().acknowledge_through(config.address.store, config.address.terminal,
                                                                 through);
        acked = through;
        quiet_timeouts = 0;
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
        Transaction tx(engine_database(*engine));
        std::int64_t applied = 0, stale = 0;
        for (const auto& item : msg->items) {
            // Config the engine installs (campaign files, program rules and rewards) must carry a body object.
            const bool installs = item.kind == "config" && (item.key == "campaigns" || item.key == "program");
            std::string body;
            if (installs) {
                const auto j = nlohmann::json::parse(item.body, nullptr, false);
                const auto b = j.is_object() ? j.find("body") : j.end();
                if (!j.is_object() || b == j.end() || !b->is_object()) {
                    // Not a document at all: park it, like any bad message.
                    log_line(who, "dead letter on " + in.topic + ": " + item.key + " item without a body object");
                    down->dead_letter(in.topic, "malformed", item.body, now);
                    update([](AgentStats& s) { ++s.dead_letters; });
                    continue;
                }
                body = b->dump();
            }
            if (!down->apply(item, through, now)) {
                // The same snapshot again is the hub's answer to this terminal moving the
                // member's tier on its own partial view: the hub's tier stands.
                if (item.kind == "snapshots") {
                    const auto held = down->snapshot(item.key);
                    if (held && held->snapshot.version == item.version) adopt_tier(item);
                }
                ++stale;
                continue;
            }
            ++applied;
            if (item.kind == "snapshots") adopt_tier(item);
            else if (item.kind == "card_block") block_card(msg->program, item);
            else if (item.kind == "coupon_issue") accept_coupon(msg->program, item);
            else if (installs && item.key == "campaigns") install_campaigns(item.version, body);
            else if (installs) install_program(msg->program, item.version, body);
        }
        tx.commit();
        update([&](AgentStats& s) {
            s.down_applied += applied;
            s.down_stale += stale;
        });
    }

    // A card reported lost or blocked at another store stops working here too.
    // Blocking emits the terminal's own card event, which the hub sees as a
    // newer version of the same block: applied there, a no-op everywhere.
    void block_card(const std::string& program, const DownItem& item) {
        const auto body = nlohmann::json::parse(item.body, nullptr, false);
        const auto state = text_field(body, "state");
        auto card = engine->cards().find(program, item.key);
        if (!card || card->status == CardStatus::blocked || card->status == CardStatus::replaced ||
            card->status == CardStatus::lost)
            return;
        const auto from = text_field(body, "from_store");
        auto done = state == "lost" ? engine->cards().report_lost(program, item.key, "hub")
                                    : engine->cards().block(program, item.key, "blocked at store " + from, "hub");
        if (!done) log_line(who, "card " + item.key + ": " + done.error().message);
    }

    // The hub's tier for the member, decided over every store's sales: the till
    // and the kiosk here price with it from now on.
    void adopt_tier(const DownItem& item) {
        const auto j = nlohmann::json::parse(item.body, nullptr, false);
        if (!j.is_object()) return;
        const auto tier = text_field(j, "tier");
        const auto review = int_field(j, "tier_review_at");
        if (tier.empty() || review <= 0) return;  // a hub that does not decide tiers
        auto member = engine->members().get_by_uid(item.key);
        if (!member || member->status != "active") return;  // not a member this terminal knows
        auto adopted = engine->tiers().adopt(member->id, tier, from_unix(review));
        if (!adopted) {
            log_line(who, "tier " + tier + " for " + item.key + " refused: " + adopted.error().message);
            return;
        }
        if (adopted->has_value()) update([](AgentStats& s) { ++s.tiers_adopted; });
    }

    // The program's rules, tiers and rewards from head office, newer than the
    // last (DownState's version rule); refused whole when invalid or for another
    // program, and the terminal keeps the rules it has.
    void install_program(const std::string& program, std::int64_t version, const std::string& body) {
        const auto v = std::to_string(version);
        auto parsed = parse_program_config_json(body);
        if (parsed && parsed->code != program)
            parsed = make_error(Errc::invalid_argument, "the file is program " + parsed->code + ", sent for " + program);
        auto saved = parsed ? engine->programs().save(*parsed, "hub") : Result<void>(parsed.error());
        if (!saved) {
            log_line(who, "program " + program + " version " + v + " refused: " + saved.error().message);
            update([](AgentStats& s) { ++s.programs_refused; });
            return;
        }
        log_line(who, "program " + program + " version " + v + " installed");
        update([](AgentStats& s) { ++s.programs_installed; });
    }

    // A coupon the hub issued to a member: usable here from now on. A member this
    // terminal does not know yet is logged; the item stays in link_down_items.
    void accept_coupon(const std::string& program, const DownItem& item) {
        const auto j = nlohmann::json::parse(item.body, nullptr, false);
        if (!j.is_object()) return;
        auto member = engine->members().get_by_uid(text_field(j, "member_uid"));
        if (!member) {
            log_line(who, "coupon " + item.key + ": " + member.error().message);
            return;
        }
        Coupon c;
        c.code = item.key;
        c.program = program;
        c.member = member->id;
        c.source = text_field(j, "source", "hub");
        c.title = text_field(j, "title");
        c.value = Money{int_field(j, "value")};
        c.min_spend = Money{int_field(j, "min_spend")};
        c.issued_at = from_unix(int_field(j, "issued_at"));
        c.expires_at = from_unix(int_field(j, "expires_at"));
        auto accepted = engine->rewards().accept_issued(c);
        if (!accepted) {
            log_line(who, "coupon " + item.key + " refused: " + accepted.error().message);
            return;
        }
        update([](AgentStats& s) { ++s.coupons_accepted; });
    }

    // A campaign file from the hub, already known to be newer than the last one
    // (DownState's version rule). The engine validates each campaign: a refused
    // one keeps its version in force, and the refusal is logged with its reason.
    void install_campaigns(std::int64_t version, const std::string& body) {
        const auto v = std::to_string(version);
        auto loaded = engine->campaigns().load(body, "hub");
        if (!loaded) {
            log_line(who, "campaigns version " + v + " refused: " + loaded.error().message);
            update([](AgentStats& s) { ++s.campaigns_refused; });
            return;
        }
        for (const auto& r : loaded->refused)
            log_line(who, "campaigns version " + v + ": " + r.campaign + " refused: " + r.reason);
        if (!loaded->installed.empty()) {
            std::string names;
            for (const auto& c : loaded->installed) names += " " + c;
            log_line(who, "campaigns version " + v + " installed" + names);
        }
        update([&](AgentStats& s) {
            s.campaigns_installed += static_cast<std::int64_t>(loaded->installed.size());
            s.campaigns_refused += static_cast<std::int64_t>(loaded->refused.size());
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

    // Keeps a batch well inside the hub's payload limit. An event that cannot fit
    // even alone goes with a stub payload of schema 0: the hub parks it in its
    // dead letters and moves on, rather than the terminal resending it forever.
    void fit_in_one_message(std::vector<OutboxEvent>& events) {
        constexpr std::size_t budget = max_payload_bytes * 3 / 4;
        constexpr std::size_t per_event_overhead = 256;
        std::size_t bytes = 512, count = 0;
        for (; count < events.size(); ++count) {
            const auto add = events[count].payload.size() + per_event_overhead;
            if (count > 0 && bytes + add > budget) break;
            bytes += add;
        }
        events.resize(count);
        if (count == 1 && events.front().payload.size() + per_event_overhead + 512 > budget) {
            auto& e = events.front();
            log_line(who, "event " + std::to_string(e.seq) + " (" + e.type + ", " + std::to_string(e.payload.size()) +
                              " bytes) is too large for one message; sending it as a stub for the hub to park");
            e.payload = "{\"oversized\":true,\"bytes\":" + std::to_string(e.payload.size()) + "}";
            e.schema_version = 0;
        }
    }

    // Publishes the next batch if the window has room; false when nothing was sent.
    bool send_more() {
        const auto in_flight = sent - acked;
        if (in_flight >= config.window_events) return false;
        const int room = static_cast<int>(std::min<std::int64_t>(config.window_events - in_flight, config.batch_events));
        auto events = engine->outbox().pending(config.address.store, config.address.terminal, sent, room);
        if (events.empty()) return false;
        fit_in_one_message(events);
        // Rows before the first one still here were settled (acknowledged, or
        // cleared before this terminal was linked): the hub may skip to there.
        if (sent == acked && events.front().seq > acked + 1) acked = sent = events.front().seq - 1;
        if (in_flight == 0) last_progress = std::chrono::steady_clock::now();
        auto payload = encode_batch(config.address, acked, terminal_ms(), events);
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
        sent_ever = std::max(sent_ever, sent);
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
                quiet_timeouts = 0;
                last_progress = std::chrono::steady_clock::now();
            }
            auto step = guarded([&]() -> Result<void> {
                drain_inbound();
                while (!stop && !lost && send_more()) drain_inbound();
                const auto now = std::chrono::steady_clock::now();
                // While the hub is away, resend less and less often (up to a minute)
                // instead of piling duplicates into the broker's queue.
                const auto timeout = std::min<std::int64_t>(std::int64_t{config.ack_timeout_ms}
                                                                << std::min(quiet_timeouts, 10),
                                                            std::max(60000, config.ack_timeout_ms));
                if (sent > acked && now - last_progress > std::chrono::milliseconds(timeout)) {
                    log_line(who, "no ack for " + std::to_string(timeout) + " ms, resending from " +
                                      std::to_string(acked + 1));
                    sent = acked;
                    last_progress = now;
                    ++quiet_timeouts;
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

StoreAgent::StoreAgent(AgentConfig config, WallClock wall_clock)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(wall_clock))) {}
StoreAgent::~StoreAgent() = default;

Result<void> StoreAgent::run(const std::atomic<bool>& stop) { return impl_->run(stop); }

AgentStats StoreAgent::stats() const {
    std::lock_guard lock(impl_->stats_mutex);
    return impl_->stats;
}

}  // namespace loyalty::sync
