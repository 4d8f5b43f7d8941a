#pragma once
// Whole numbers read from outside JSON (program and campaign files, signed codes,
// events a store sends the hub). nlohmann's get<int>() casts a float such as 3e44
// to an integer (undefined behaviour) and wraps a large unsigned; every integer
// read from outside goes through exact_integer instead.
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <type_traits>

namespace loyalty {

// The value as T when it is a JSON integer that T can hold exactly; otherwise nullopt.
template <class T>
std::optional<T> exact_integer(const nlohmann::json& value) {
    static_assert(std::is_integral_v<T> && !std::is_same_v<T, bool>);
    if (value.is_number_unsigned()) {
        const auto u = value.get<std::uint64_t>();
        if (u > static_cast<std::uint64_t>(std::numeric_limits<T>::max())) return std::nullopt;
        return static_cast<T>(u);
    }
    if (!value.is_number_integer()) return std::nullopt;
    const auto v = value.get<std::int64_t>();
    if (v < static_cast<std::int64_t>(std::numeric_limits<T>::min()) ||
        v > static_cast<std::int64_t>(std::numeric_limits<T>::max()))
        return std::nullopt;
    return static_cast<T>(v);
}

}  // namespace loyalty
