#include "loyalty/local_names.hpp"

#include <nlohmann/json.hpp>

namespace loyalty {

std::string local_text_in(const std::string& stored, std::string_view lang) {
    if (stored.empty() || stored.front() != '{') return stored;
    const auto j = nlohmann::json::parse(stored, nullptr, false);
    if (!j.is_object() || j.empty()) return stored;
    LocalNames names;
    for (const auto& [l, text] : j.items())
        if (text.is_string()) names[l] = text.get<std::string>();
    if (names.empty()) return stored;
    const auto own = names.find("zh-CN");
    return name_in(own != names.end() ? own->second : names.begin()->second, names, lang);
}

}  // namespace loyalty
