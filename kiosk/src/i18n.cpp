#include "i18n.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace loyalty::kiosk {

Result<void> Translations::load(const std::filesystem::path& dir,
                                const std::vector<std::string>& languages) {
    for (const auto& lang : languages) {
        const auto path = dir / (lang + ".json");
        std::ifstream in(path);
        if (!in) return make_error(Errc::not_found, "no translation file " + path.string());
        auto parsed = nlohmann::json::parse(in, nullptr, false);
        if (parsed.is_discarded() || !parsed.is_object())
            return make_error(Errc::invalid_argument, path.string() + " is not a JSON object");
        auto& table = texts_[lang];
        for (const auto& [key, value] : parsed.items())
            if (value.is_string()) table[key] = value.get<std::string>();
        languages_.push_back(lang);
    }
    return {};
}

const std::string& Translations::get(const std::string& lang, const std::string& key) const {
    if (auto t = texts_.find(lang); t != texts_.end())
        if (auto v = t->second.find(key); v != t->second.end()) return v->second;
    return key;
}

std::string Translations::format(const std::string& lang, const std::string& key,
                                 const std::vector<std::string>& args) const {
    std::string out = get(lang, key);
    for (std::size_t i = 0; i < args.size(); ++i) {
        const auto mark = "{" + std::to_string(i) + "}";
        for (auto at = out.find(mark); at != std::string::npos;
             at = out.find(mark, at + args[i].size()))
            out.replace(at, mark.size(), args[i]);
    }
    return out;
}

std::string Translations::all_text() const {
    std::string all;
    for (const auto& [lang, table] : texts_)
        for (const auto& [key, text] : table) all += text;
    return all;
}

}  // namespace loyalty::kiosk
