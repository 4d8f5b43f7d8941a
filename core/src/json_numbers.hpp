#pragma once
// Private to core: whole numbers read from outside JSON. nlohmann's get<int>() casts a
// float such as 3e44 to an integer (undefined behaviour) and wraps a large unsigned;
// every integer field of a program, campaign, member filter or signed code is read here.
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "loyalty/exact_integer.hpp"

namespace loyalty {

// obj[key] as T, or std::invalid_argument naming the field.
template <class T>
T whole_number(const nlohmann::json& obj, const char* key) {
    const auto& value = obj.at(key);
    if (auto v = exact_integer<T>(value)) return *v;
    throw std::invalid_argument(std::string(key) + " must be a whole number in range, not " +
                                value.dump());
}

}  // namespace loyalty
