// loyalty-link: the store-side agent as a service. Reads the terminal's config
// file, drains its outbox to the hub and applies what comes down, until SIGTERM.
// With --status it prints where the link stands and exits.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "loyalty/engine.hpp"
#include "loyalty/storage/engine_storage.hpp"
#include "loyalty/sync/down_state.hpp"
#include "loyalty/sync/offline_limit.hpp"
#include "loyalty/sync/store_agent.hpp"
#include "signals.hpp"

namespace {

long long ll(std::int64_t v) {
    return static_cast<long long>(v);
}

int print_status(const loyalty::sync::AgentConfig& config, const std::string& member) {
    loyalty::SystemClock clock;
    loyalty::DatabaseOptions options;
    options.integrity_check_on_open = false;
    auto engine = loyalty::Engine::open(
        config.db, clock,
        loyalty::EngineOptions{loyalty::Origin{config.address.store, config.address.terminal},
                               options});
    if (!engine) {
        std::fprintf(stderr, "loyalty-link: %s\n", engine.error().message.c_str());
        return 1;
    }
    auto& e = *engine.value();
    loyalty::sync::DownState down(engine_database(e));
    const auto& a = config.address;
    std::printf("terminal %s/%s/%s via %s\n", a.program.c_str(), a.store.c_str(),
                a.terminal.c_str(), config.broker.uri.c_str());
    const auto oldest = e.outbox().oldest_pending();
    std::printf("waiting for the hub: %lld events%s%s\n", ll(e.outbox().backlog()),
                oldest ? ", oldest from " : "",
                oldest ? loyalty::format_iso8601(*oldest).c_str() : "");
    if (auto acked = down.status("acked_through")) {
        std::printf("hub acknowledged through sequence %lld", ll(*acked));
        if (auto at = down.status("last_ack_ms"))
            std::printf(" at %s", loyalty::format_iso8601(loyalty::from_unix(*at / 1000)).c_str());
        if (auto skew = down.status("skew_ms"))
            std::printf(", clock skew %+lld ms (transit included)", ll(*skew));
        std::printf("\n");
    } else {
        std::printf("the hub has not acknowledged anything yet\n");
    }
    std::printf("member snapshots from the hub: %lld, dead letters: %lld\n",
                ll(down.item_count("snapshots")), ll(down.dead_letter_count()));
    if (!member.empty()) {
        loyalty::sync::OfflineRedemptionLimit limit(engine_database(e), config.offline_redeem_limit,
                                                    a.store, a.terminal);
        if (auto snap = down.snapshot(member))
            std::printf(
                "member %s: hub %lld points (version %lld), with this terminal's unacknowledged "
                "events %lld\n",
                member.c_str(), ll(snap->snapshot.points), ll(snap->snapshot.version),
                ll(down.reconciled_points(member, a.store, a.terminal).value_or(0)));
        else
            std::printf("member %s: no snapshot from the hub yet\n", member.c_str());
        std::printf("redeemed here, not yet confirmed by the hub: %lld points (limit %lld)\n",
                    ll(limit.unconfirmed(member)), ll(config.offline_redeem_limit));
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"loyalty-link: store-and-forward sync of a terminal with the member hub"};
    std::string config_path;
    bool status = false;
    std::string member;
    app.add_option("-c,--config", config_path, "the terminal's link config (TOML)")->required();
    app.add_flag("--status", status, "print the link's state from the database and exit");
    app.add_option("--member", member, "with --status: a member uid to show");
    CLI11_PARSE(app, argc, argv);

    auto config = loyalty::sync::load_agent_config(config_path);
    if (!config) {
        std::fprintf(stderr, "loyalty-link: %s\n", config.error().message.c_str());
        return 2;
    }
    if (status) {
        try {
            return print_status(*config, member);
        } catch (const loyalty::StorageError& e) {
            std::fprintf(stderr, "loyalty-link: %s\n", e.what());
            return 1;
        }
    }
    loyalty::sync::app::install_stop_signals();
    loyalty::sync::StoreAgent agent(std::move(config.value()));
    auto ran = agent.run(loyalty::sync::app::stop_requested());
    const auto s = agent.stats();
    std::fprintf(
        stderr,
        "loyalty-link: sent %lld events in %lld batches, acked through %lld, %lld resends\n",
        ll(s.events_sent), ll(s.batches_sent), ll(s.acked_through), ll(s.resends));
    if (!ran) {
        std::fprintf(stderr, "loyalty-link: %s\n", ran.error().message.c_str());
        return 1;
    }
    return 0;
}
