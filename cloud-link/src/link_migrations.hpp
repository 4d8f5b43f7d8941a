#pragma once
// The link agent's tables in a store database (what the hub sent down, the
// agent's status figures and dead letters), as numbered migrations of the part
// "link": Database::migrate(link_schema()) brings them up to date.
#include "loyalty/storage/database.hpp"

namespace loyalty::sync {

SchemaPart link_schema();

}  // namespace loyalty::sync
