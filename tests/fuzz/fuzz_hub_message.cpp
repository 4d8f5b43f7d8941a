// One message arriving at the hub: an event batch or a presence, on one of a few
// topics (the first byte picks it), applied by the real hub store to a real database.
#include <memory>

#include "fuzz_support.hpp"
#include "loyalty/sync/hub.hpp"

namespace {

constexpr const char* kTopics[] = {
    "loyalty/v1/DEMO/stores/S001/terminals/T01/events",
    "loyalty/v1/DEMO/stores/S002/terminals/K01/events",
    "loyalty/v1/DEMO/stores/S001/terminals/T01/presence",
    "loyalty/v1/OTHER/stores/S001/terminals/T01/events",
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static std::unique_ptr<loyalty::sync::HubStore> hub = [] {
        loyalty::sync::HubStoreOptions options;
        options.full_sync = false;
        return std::move(
            loyalty::sync::HubStore::open(loyalty::fuzz::scratch_dir() / "hub.db", options)
                .value());
    }();
    if (size == 0) return 0;
    loyalty::sync::HubIncoming in;
    in.topic = kTopics[data[0] % std::size(kTopics)];
    in.payload = std::string(loyalty::fuzz::as_text(data + 1, size - 1));
    (void)hub->apply({in}, 1764547200000);
    return 0;
}
