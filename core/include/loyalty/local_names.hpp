#pragma once
// Names a program gives per language: a tier, a reward, the program itself, its terms.
// In the program file either one text for every language, name = "金卡", or one per
// language, name = { zh-CN = "金卡", en = "Gold" }. The config keeps the program's own
// language as `name` (zh-CN when given, else the first) and every language's in `names`.
#include <map>
#include <string>
#include <string_view>

namespace loyalty {

using LocalNames = std::map<std::string, std::string, std::less<>>;

// The text for `lang` ("en", "zh-CN"; "zh" matches "zh-CN"), else the program's own.
inline const std::string& name_in(const std::string& name, const LocalNames& names,
                                  std::string_view lang) {
    if (auto it = names.find(lang); it != names.end()) return it->second;
    const auto base = lang.substr(0, lang.find('-'));
    for (const auto& [l, text] : names)
        if (std::string_view(l).substr(0, l.find('-')) == base) return text;
    return name;
}

// Every language's name at once ("金卡 Gold"), for what staff of either language read: the
// command line, logs.
inline std::string all_names(const std::string& name, const LocalNames& names) {
    std::string out = name;
    for (const auto& [lang, text] : names)
        if (text != name) out += " " + text;
    return out;
}

// A text stored as given in a campaign file: one text, or a JSON object of texts by language
// ({"zh-CN": "...", "en": "..."}); the one for `lang`, else the zh-CN one, else the first.
std::string local_text_in(const std::string& stored, std::string_view lang);

}  // namespace loyalty
