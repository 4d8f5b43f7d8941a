// loyalty-hub: one reference hub worker on the shared subscription. Start
// several with the same database and different [hub] worker names to share load.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "loyalty/sync/hub.hpp"
#include "signals.hpp"

int main(int argc, char** argv) {
    CLI::App app{"loyalty-hub: the reference member hub (one worker)"};
    std::string config_path;
    std::string worker;
    app.add_option("-c,--config", config_path, "the hub config (TOML)")->required();
    app.add_option("-w,--worker", worker, "worker name (overrides [hub] worker)");
    CLI11_PARSE(app, argc, argv);

    auto config = loyalty::sync::load_hub_config(config_path);
    if (!config) {
        std::fprintf(stderr, "loyalty-hub: %s\n", config.error().message.c_str());
        return 2;
    }
    if (!worker.empty()) {
        config->worker = worker;
        config->broker.client_id = "hub-" + worker;
    }
    loyalty::sync::app::install_stop_signals();
    loyalty::sync::HubWorker hub(std::move(config.value()));
    auto ran = hub.run(loyalty::sync::app::stop_requested());
    const auto s = hub.stats();
    std::fprintf(stderr, "loyalty-hub: %lld messages, %lld events applied, %lld duplicates, %lld dead letters\n",
                 static_cast<long long>(s.messages), static_cast<long long>(s.applied),
                 static_cast<long long>(s.duplicates), static_cast<long long>(s.dead_letters));
    if (!ran) {
        std::fprintf(stderr, "loyalty-hub: %s\n", ran.error().message.c_str());
        return 1;
    }
    return 0;
}
