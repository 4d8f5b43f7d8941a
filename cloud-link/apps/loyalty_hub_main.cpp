// loyalty-hub: one reference hub worker on the shared subscription. Start
// several with the same database and different [hub] worker names to share load.
// With --status it prints what the hub database holds and exits.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "loyalty/sync/hub.hpp"
#include "signals.hpp"

namespace {

long long ll(std::int64_t v) { return static_cast<long long>(v); }

int print_status(const loyalty::sync::HubConfig& config) {
    auto opened = loyalty::sync::HubStore::open(config.db);
    if (!opened) {
        std::fprintf(stderr, "loyalty-hub: %s\n", opened.error().message.c_str());
        return 1;
    }
    auto& hub = *opened.value();
    std::printf("%lld events applied, %lld held back waiting for a gap\n", ll(hub.applied_count()),
                ll(hub.held_count()));
    std::printf("%-10s %-8s %-8s %10s %10s  %s\n", "program", "store", "terminal", "through", "skew ms", "presence");
    for (const auto& t : hub.terminals())
        std::printf("%-10s %-8s %-8s %10lld %10s  %s\n", t.program.c_str(), t.store.c_str(), t.terminal.c_str(),
                    ll(t.last_seq), t.skew_ms ? std::to_string(*t.skew_ms).c_str() : "-", t.presence.c_str());
    std::map<std::string, int> reasons;
    for (const auto& d : hub.dead_letters()) ++reasons[d.reason];
    for (const auto& [reason, count] : reasons) std::printf("dead letters %s: %d\n", reason.c_str(), count);
    return 0;
}

// Sends a campaign file (JSON) to the stores of a program with the hub's next
// version; the terminals validate and install it, and log what they refused.
int publish_campaigns(const loyalty::sync::HubConfig& config, const std::string& file, const std::string& program,
                      const std::vector<std::string>& stores) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "loyalty-hub: cannot read %s\n", file.c_str());
        return 1;
    }
    std::ostringstream text;
    text << in.rdbuf();
    auto done = loyalty::sync::publish_config(config, {program, "campaigns", text.str(), stores});
    if (!done) {
        std::fprintf(stderr, "loyalty-hub: %s\n", done.error().message.c_str());
        return 1;
    }
    std::string names;
    for (const auto& s : done->stores) names += (names.empty() ? "" : ",") + s;
    std::printf("campaigns version %lld published to %s\n", ll(done->version), names.c_str());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"loyalty-hub: the reference member hub (one worker)"};
    std::string config_path;
    std::string worker;
    bool status = false;
    app.add_option("-c,--config", config_path, "the hub config (TOML)")->required();
    app.add_option("-w,--worker", worker, "worker name (overrides [hub] worker)");
    app.add_flag("--status", status, "print per-terminal progress, presence and dead letters, and exit");
    std::string campaigns_file, program;
    std::vector<std::string> stores;
    auto* publish = app.add_option("--publish-campaigns", campaigns_file,
                                   "send this campaign file (JSON) to the program's stores, and exit");
    app.add_option("--program", program, "the program whose stores get the campaigns")->needs(publish);
    app.add_option("--stores", stores, "store codes (default: every store the hub has seen in the program)")
        ->delimiter(',')
        ->needs(publish);
    CLI11_PARSE(app, argc, argv);

    auto config = loyalty::sync::load_hub_config(config_path);
    if (!config) {
        std::fprintf(stderr, "loyalty-hub: %s\n", config.error().message.c_str());
        return 2;
    }
    if (status) {
        try {
            return print_status(*config);
        } catch (const loyalty::StorageError& e) {
            std::fprintf(stderr, "loyalty-hub: %s\n", e.what());
            return 1;
        }
    }
    if (!campaigns_file.empty()) {
        if (program.empty()) {
            std::fprintf(stderr, "loyalty-hub: --publish-campaigns needs --program\n");
            return 2;
        }
        return publish_campaigns(*config, campaigns_file, program, stores);
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
                 ll(s.messages), ll(s.applied), ll(s.duplicates), ll(s.dead_letters));
    if (!ran) {
        std::fprintf(stderr, "loyalty-hub: %s\n", ran.error().message.c_str());
        return 1;
    }
    return 0;
}
