#pragma once
// Reading a field of a JSON object that came over the wire: a missing field or
// one of the wrong type reads as the fallback, never as an exception (nlohmann's
// value() throws on a wrong type, and a down message must never stop the agent).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "loyalty/exact_integer.hpp"

namespace loyalty::sync {

inline std::int64_t int_field(const nlohmann::json& j, const char* name,
                              std::int64_t fallback = 0) {
    if (!j.is_object()) return fallback;
    auto it = j.find(name);
    if (it == j.end()) return fallback;
    // Exactly a whole number: a float (3e44) or an unsigned past int64 reads as absent.
    return exact_integer<std::int64_t>(*it).value_or(fallback);
}

inline std::string text_field(const nlohmann::json& j, const char* name,
                              const std::string& fallback = {}) {
    if (!j.is_object()) return fallback;
    auto it = j.find(name);
    return it != j.end() && it->is_string() ? it->get<std::string>() : fallback;
}

}  // namespace loyalty::sync
