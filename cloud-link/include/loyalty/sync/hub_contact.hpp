#pragma once
// When the hub last acknowledged this terminal's events, as loyalty-link records it
// in the store database: for the health screens of the kiosk and the till, which
// work through the engine and never see the database.
#include <optional>

#include "loyalty/clock.hpp"

namespace loyalty {
class Engine;
}

namespace loyalty::sync {

// The hub's clock at its last acknowledgement; nullopt when no agent has heard
// from the hub over this database yet.
std::optional<Timestamp> last_hub_ack(Engine& engine);

}  // namespace loyalty::sync
