#pragma once
#include <span>

namespace loyalty {
// Migration N (1-based) is element N-1.
std::span<const char* const> schema_migrations();
}  // namespace loyalty
