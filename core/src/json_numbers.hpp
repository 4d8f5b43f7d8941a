#pragma once
// Private to core: whole numbers read from outside JSON. nlohmann's get<int>() casts a
// float such as 3e44 to an integer (undefined behaviour) and wraps a large unsigned;
// every integer field of a program, campaign, member filter or signed code is read here.
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>

#include <nlohmann/json.hpp>

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

// obj[key] as T, or std::invalid_argument naming the field.
template <class T>
T whole_number(const nlohmann::json& obj, const char* key) {
    const auto& value = obj.at(key);
    if (auto v = exact_integer<T>(value)) return *v;
    throw std::invalid_argument(std::string(key) + " must be a whole number in range, not " + value.dump());
}

}  // namespace loyalty
