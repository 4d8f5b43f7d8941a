#pragma once
// Reads a request object strictly: typed fields, integers only for money and
// quantities, and no field the ABI does not know (a misspelt "quantitiy" must
// not silently become the default). The first problem is kept as the error.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace loyalty::pos {

// Parses text as a JSON object; nullopt and a message when it is not one.
std::optional<nlohmann::json> parse_object(const char* text, const std::string& what,
                                           std::string& error);

class JsonReader {
  public:
    JsonReader(const nlohmann::json& object, std::string where)
        : object_(object), where_(std::move(where)) {}

    bool has(const char* key) const { return object_.contains(key) && !object_.at(key).is_null(); }
    std::string text(const char* key, bool required);
    std::optional<std::string> optional_text(const char* key);  // absent or null: nullopt
    std::int64_t integer(const char* key, bool required, std::int64_t fallback = 0);
    std::optional<std::int64_t> optional_integer(const char* key);  // absent or null: nullopt
    bool boolean(const char* key, bool fallback);                   // optional true/false
    std::vector<std::string> texts(const char* key);                // optional array of strings
    // An optional array (absent: nullptr); each element is checked by the caller.
    const nlohmann::json* array(const char* key, bool required);
    const nlohmann::json* object(const char* key);  // optional object

    // True when every field was read without complaint and none is unknown.
    bool finish();
    const std::string& error() const { return error_; }
    void fail(const std::string& message);

  private:
    const nlohmann::json* field(const char* key, bool required);
    const nlohmann::json& object_;
    std::string where_;
    std::set<std::string> known_;
    std::string error_;
};

}  // namespace loyalty::pos
