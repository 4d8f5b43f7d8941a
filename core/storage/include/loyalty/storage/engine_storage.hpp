#pragma once
// The engine's connection, for the parts that own tables beside the engine's in the
// same file (the link agent's down state, the hub's bookkeeping) and for tests and
// benchmarks that inspect rows. The kiosk and the POS plugin never see it.
#include "loyalty/engine.hpp"
#include "loyalty/storage/database.hpp"

namespace loyalty {

Database& engine_database(Engine& engine);

}  // namespace loyalty
