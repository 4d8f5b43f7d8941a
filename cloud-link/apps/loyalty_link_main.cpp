// loyalty-link: the store-side agent as a service. Reads the terminal's config
// file, drains its outbox to the hub and applies what comes down, until SIGTERM.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "loyalty/sync/store_agent.hpp"
#include "signals.hpp"

int main(int argc, char** argv) {
    CLI::App app{"loyalty-link: store-and-forward sync of a terminal with the member hub"};
    std::string config_path;
    app.add_option("-c,--config", config_path, "the terminal's link config (TOML)")->required();
    CLI11_PARSE(app, argc, argv);

    auto config = loyalty::sync::load_agent_config(config_path);
    if (!config) {
        std::fprintf(stderr, "loyalty-link: %s\n", config.error().message.c_str());
        return 2;
    }
    loyalty::sync::app::install_stop_signals();
    loyalty::sync::StoreAgent agent(std::move(config.value()));
    auto ran = agent.run(loyalty::sync::app::stop_requested());
    const auto s = agent.stats();
    std::fprintf(stderr, "loyalty-link: sent %lld events in %lld batches, acked through %lld, %lld resends\n",
                 static_cast<long long>(s.events_sent), static_cast<long long>(s.batches_sent),
                 static_cast<long long>(s.acked_through), static_cast<long long>(s.resends));
    if (!ran) {
        std::fprintf(stderr, "loyalty-link: %s\n", ran.error().message.c_str());
        return 1;
    }
    return 0;
}
