// What the hub sends down to a terminal (snapshots, card_block, coupon_issue,
// member_merged, config, claim_reversed): decoded, and each item stored in a terminal's down
// state as the agent does; a claim reversal is also applied to the terminal's claims.
#include <memory>
#include <nlohmann/json.hpp>

#include "fuzz_support.hpp"
#include "loyalty/engine.hpp"
#include "loyalty/receipt_claims.hpp"
#include "loyalty/storage/engine_storage.hpp"
#include "loyalty/sync/down_state.hpp"
#include "loyalty/sync/messages.hpp"

namespace {

struct Terminal {
    loyalty::ManualClock clock{loyalty::from_unix(1764547200)};
    std::unique_ptr<loyalty::Engine> engine;
    std::unique_ptr<loyalty::sync::DownState> down;
    Terminal() {
        loyalty::DatabaseOptions options;
        options.full_sync = false;
        engine = std::move(loyalty::Engine::open(loyalty::fuzz::scratch_dir() / "terminal.db",
                                                 clock, loyalty::EngineOptions{{}, options})
                               .value());
        down = std::make_unique<loyalty::sync::DownState>(loyalty::engine_database(*engine));
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static Terminal t;
    auto msg = loyalty::sync::decode_down(loyalty::fuzz::as_text(data, size));
    if (!msg) return 0;
    for (const auto& item : msg->items) {
        const auto through = msg->through.empty() ? 0 : msg->through.begin()->second;
        t.down->apply(item, through, 1764547200000);
        if (item.kind == "claim_reversed") {
            const auto j = nlohmann::json::parse(item.body, nullptr, false);
            const auto text = [&](const char* name) {
                return j.is_object() && j.contains(name) && j[name].is_string()
                           ? j[name].get<std::string>()
                           : std::string();
            };
            (void)t.engine->receipt_claims().reverse_from_hub(item.key, "S001", text("member_uid"),
                                                              text("note"));
        }
        if (item.kind == "snapshots") {
            (void)t.down->snapshot(item.key);
            (void)t.down->reconciled_points(item.key, "S001", "T01");
        }
    }
    return 0;
}
