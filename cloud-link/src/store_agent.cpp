// The store agent: opens the store database and runs its three parts on one
// thread: the MQTT session (agent_connection), the up path that ships every
// terminal's outbox events (agent_up) and the down path that applies what the
// hub sends (agent_down). Acks and resequences go to the up path, everything else down.
#include "loyalty/sync/store_agent.hpp"

#include <thread>

#include "agent_connection.hpp"
#include "agent_down.hpp"
#include "agent_stats.hpp"
#include "agent_up.hpp"
#include "loyalty/engine.hpp"
#include "loyalty/storage/engine_storage.hpp"
#include "loyalty/sync/down_state.hpp"
#include "loyalty/sync/messages.hpp"
#include "mqtt_session.hpp"

namespace loyalty::sync {

struct StoreAgent::Impl {
    AgentConfig config;
    std::string who;
    AgentStatsBox stats;
    StoreAgent::WallClock wall_clock;
    SystemClock clock;
    std::unique_ptr<Engine> engine;
    std::unique_ptr<DownState> down;
    std::unique_ptr<AgentConnection> connection;
    std::unique_ptr<OutboxShipper> up;
    std::unique_ptr<DownApplier> down_path;

    Impl(AgentConfig c, StoreAgent::WallClock clock_fn)
        : config(std::move(c)),
          who("link " + config.address.store + "/" + config.address.terminal),
          wall_clock(std::move(clock_fn)) {}

    std::int64_t terminal_ms() const { return wall_clock ? wall_clock() : wall_ms(); }

    Result<void> open_database() {
        DatabaseOptions db_options;
        db_options.full_sync = config.full_sync;
        db_options.integrity_check_on_open = false;  // the till checks it; a restart must be quick
        auto opened = Engine::open(
            config.db, clock,
            EngineOptions{Origin{config.address.store, config.address.terminal}, db_options});
        if (!opened) return opened.error();
        engine = std::move(opened.value());
        return guarded([&]() -> Result<void> {
            down = std::make_unique<DownState>(engine_database(*engine));
            return {};
        });
    }

    void on_inbound(const Inbound& in) {
        const auto now = wall_ms();
        if (auto t = parse_topic(in.topic); t && t->kind == TopicKind::acks) {
            auto ack = decode_ack(in.payload);
            if (ack) return up->on_ack(*ack);
            // The other answer about a stream: its history forked, renumber it.
            if (reason_of(ack.error()) == reason::unknown_kind)
                if (auto r = decode_resequence(in.payload)) return up->on_resequence(*r);
            down->dead_letter(in.topic, reason_of(ack.error()), in.payload, now);
            stats.update([](AgentStats& s) { ++s.dead_letters; });
            return;
        }
        down_path->apply(in, now);
    }

    void drain_inbound() {
        for (const auto& in : connection->take_inbound()) on_inbound(in);
    }

    Result<void> run(const std::atomic<bool>& stop) {
        if (auto opened = open_database(); !opened) return opened;
        const auto terminal_clock = [this] { return terminal_ms(); };
        connection = std::make_unique<AgentConnection>(
            config, who, stats, terminal_clock, [this] { return engine->outbox().backlog(); });
        up = std::make_unique<OutboxShipper>(config, who, *engine, *down, stats, terminal_clock);
        down_path = std::make_unique<DownApplier>(config, who, *engine, *down, stats);
        Backoff backoff(config.backoff_initial_ms, config.backoff_max_ms);
        auto last_backlog_check = std::chrono::steady_clock::time_point{};
        while (!stop) {
            if (connection->needs_connect()) {
                if (connection->has_client()) {
                    log_line(who, "connection lost");
                    connection->drop();
                }
                if (!connection->connect()) {
                    // Sleep in slices so a stop request is seen within 50 ms.
                    const auto until = std::chrono::steady_clock::now() + backoff.next();
                    while (!stop && std::chrono::steady_clock::now() < until)
                        std::this_thread::sleep_for(std::chrono::milliseconds(50));
                    continue;
                }
                backoff.reset();
                up->restart();
            }
            auto step = guarded([&]() -> Result<void> {
                drain_inbound();
                up->discover();
                while (!stop && !connection->lost() && up->send_more(*connection)) drain_inbound();
                const auto now = std::chrono::steady_clock::now();
                up->check_ack_timeout(now);
                if (now - last_backlog_check > std::chrono::seconds(1)) {
                    last_backlog_check = now;
                    const auto backlog = engine->outbox().backlog();
                    stats.update([&](AgentStats& s) { s.backlog = backlog; });
                }
                return {};
            });
            if (!step) {
                // A busy or failing database: wait and try again, the outbox is intact.
                log_line(who, step.error().message);
            }
            connection->wait(std::chrono::milliseconds(config.poll_ms), stop);
        }
        connection->say_goodbye();
        connection->drop();
        return {};
    }
};

StoreAgent::StoreAgent(AgentConfig config, WallClock wall_clock)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(wall_clock))) {}
StoreAgent::~StoreAgent() = default;

Result<void> StoreAgent::run(const std::atomic<bool>& stop) {
    return impl_->run(stop);
}

AgentStats StoreAgent::stats() const {
    return impl_->stats.get();
}

}  // namespace loyalty::sync
