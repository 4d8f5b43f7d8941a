#include "loyalty/sync/hub_contact.hpp"

#include "loyalty/storage/engine_storage.hpp"
#include "loyalty/sync/down_state.hpp"

namespace loyalty::sync {

std::optional<Timestamp> last_hub_ack(Engine& engine) {
    auto ack_ms = DownState(engine_database(engine)).status("last_ack_ms");
    if (!ack_ms) return std::nullopt;
    return from_unix(*ack_ms / 1000);
}

}  // namespace loyalty::sync
