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
#include "loyalty/local_names.hpp"

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

// A name (or a text such as the join terms) given as one string, or per language
// ({"zh-CN": "金卡", "en": "Gold"}): `text` gets the program's own language, zh-CN when
// there, else the first by language code.
inline void read_local(const nlohmann::json& j, const char* key, std::string& text,
                       LocalNames& by_lang, const std::string& fallback) {
    const auto it = j.find(key);
    if (it == j.end()) {
        text = fallback;
        return;
    }
    if (it->is_string()) {
        text = it->get<std::string>();
        return;
    }
    require(it->is_object() && !it->empty(),
            std::string(key) + " must be a text or a table of texts by language");
    for (const auto& [lang, value] : it->items()) {
        require(value.is_string() && !lang.empty() && lang.size() <= 16,
                std::string(key) + "." + lang + " must be a text");
        by_lang[lang] = value.get<std::string>();
    }
    const auto own = by_lang.find("zh-CN");
    text = own != by_lang.end() ? own->second : by_lang.begin()->second;
}

// `text` is the program's own language's (it may have been changed after parsing): it
// replaces that language's entry, so what is written reads back the same.
inline nlohmann::json local_json(const std::string& text, const LocalNames& by_lang) {
    if (by_lang.empty()) return text;
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [lang, value] : by_lang) j[lang] = value;
    j[by_lang.contains("zh-CN") ? std::string("zh-CN") : by_lang.begin()->first] = text;
    return j;
}

}  // namespace loyalty
