#pragma once
// Translations: every word on screen comes from assets/i18n/<lang>.json, a flat
// object of key -> text with {0}, {1} placeholders.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "loyalty/result.hpp"

namespace loyalty::kiosk {

class Translations {
  public:
    Result<void> load(const std::filesystem::path& dir, const std::vector<std::string>& languages);
    // The text for key in lang; the key itself when missing, so a gap shows instead of hiding.
    const std::string& get(const std::string& lang, const std::string& key) const;
    std::string format(const std::string& lang, const std::string& key,
                       const std::vector<std::string>& args) const;
    // Every text of every language: the glyphs the font atlas must hold.
    std::string all_text() const;
    const std::vector<std::string>& languages() const { return languages_; }

  private:
    std::map<std::string, std::map<std::string, std::string>> texts_;
    std::vector<std::string> languages_;
};

}  // namespace loyalty::kiosk
