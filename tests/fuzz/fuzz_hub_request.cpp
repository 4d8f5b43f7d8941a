// A terminal's question at the hub (identify, authorize, release, SMS codes) on one of a few
// request and reply topics (the first byte picks them), answered by the real hub
// store on a real database; and the same bytes read as the hub's answer, as the
// terminal's TerminalHub reads one.
#include <memory>

#include "fuzz_support.hpp"
#include "loyalty/sync/hub.hpp"
#include "loyalty/sync/requests.hpp"

namespace {

struct Route {
    const char* request;
    const char* reply;
};

constexpr Route kRoutes[] = {
    {"loyalty/v1/DEMO/stores/S001/terminals/T01/requests",
     "loyalty/v1/DEMO/stores/S001/terminals/T01/replies/f1"},
    {"loyalty/v1/DEMO/stores/S002/terminals/K01/requests",
     "loyalty/v1/DEMO/stores/S002/terminals/K01/replies/f2"},
    {"loyalty/v1/DEMO/stores/S001/terminals/T01/requests",
     "loyalty/v1/DEMO/stores/S002/terminals/T01/replies/f3"},  // another store's tree
    {"loyalty/v1/DEMO/stores/S001/terminals/T01/requests", ""},
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static std::unique_ptr<loyalty::sync::HubStore> hub = [] {
        loyalty::sync::HubStoreOptions options;
        options.full_sync = false;
        options.sms.enabled = true;  // codes queued for a gateway nobody drains here
        return std::move(
            loyalty::sync::HubStore::open(loyalty::fuzz::scratch_dir() / "hub.db", options)
                .value());
    }();
    if (size == 0) return 0;
    const auto& route = kRoutes[data[0] % std::size(kRoutes)];
    const auto payload = std::string(loyalty::fuzz::as_text(data + 1, size - 1));
    (void)loyalty::sync::decode_answer(payload);
    loyalty::sync::HubIncoming in;
    in.topic = route.request;
    in.payload = payload;
    in.response_topic = route.reply;
    in.correlation = "fuzz";
    // Many requests a second for a minute of hub time: holds lapse and come back.
    static std::int64_t now_ms = 1764547200000;
    now_ms += 997;
    (void)hub->answer(in, now_ms);
    return 0;
}
