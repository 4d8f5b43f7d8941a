#pragma once
// Private to core: reading a program's fields from JSON, each error naming its field.
// Shared by the program's parts (program_config.cpp, stored_value_config.cpp).
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "json_numbers.hpp"

namespace loyalty {

// Reads an optional field, keeping the default when absent; a wrong type is an
// error naming the field.
template <class T>
inline void read(const nlohmann::json& obj, const char* key, T& out) {
    if (auto it = obj.find(key); it != obj.end() && !it->is_null()) {
        try {
            if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>)
                out = whole_number<T>(obj, key);
            else
                out = it->get<T>();
        } catch (const nlohmann::json::type_error& e) {
            throw std::invalid_argument(std::string(key) + " has the wrong type (" + e.what() +
                                        ")");
        }
    }
}

inline bool valid_date(const std::string& text) {
    int y = 0;
    unsigned m = 0, d = 0;
    char tail = 0;
    return std::sscanf(text.c_str(), "%d-%u-%u%c", &y, &m, &d, &tail) == 3 &&
           std::chrono::year_month_day{std::chrono::year{y}, std::chrono::month{m},
                                       std::chrono::day{d}}
               .ok();
}

inline void require(bool condition, const std::string& message) {
    if (!condition) throw std::invalid_argument(message);
}

}  // namespace loyalty
