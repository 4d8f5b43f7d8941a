#include "json_reader.hpp"

#include <cstring>
#include <limits>

#include "loyalty/json_limits.hpp"

namespace loyalty::pos {

using nlohmann::json;

std::optional<json> parse_object(const char* text, const std::string& what, std::string& error) {
    // Measured without reading past the limit: the caller's text may be far longer.
    if (strnlen(text, kMaxRequestBytes + 1) > kMaxRequestBytes) {
        error = what + ": more than " + std::to_string(kMaxRequestBytes) + " bytes is refused";
        return std::nullopt;
    }
    if (auto refused = json_nesting_refusal(text)) {
        error = what + ": " + *refused;
        return std::nullopt;
    }
    auto parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded()) {
        error = what + " is not valid JSON";
        return std::nullopt;
    }
    if (!parsed.is_object()) {
        error = what + " must be a JSON object";
        return std::nullopt;
    }
    return parsed;
}

void JsonReader::fail(const std::string& message) {
    if (error_.empty()) error_ = where_ + ": " + message;
}

const json* JsonReader::field(const char* key, bool required) {
    known_.insert(key);
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) {
        if (required) fail(std::string("\"") + key + "\" is missing");
        return nullptr;
    }
    return &*it;
}

std::string JsonReader::text(const char* key, bool required) {
    const auto* v = field(key, required);
    if (!v) return {};
    if (!v->is_string()) {
        fail(std::string("\"") + key + "\" must be a string");
        return {};
    }
    return v->get<std::string>();
}

std::optional<std::string> JsonReader::optional_text(const char* key) {
    const auto* v = field(key, false);
    if (!v) return std::nullopt;
    if (!v->is_string()) {
        fail(std::string("\"") + key + "\" must be a string");
        return std::nullopt;
    }
    return v->get<std::string>();
}

std::int64_t JsonReader::integer(const char* key, bool required, std::int64_t fallback) {
    const auto* v = field(key, required);
    if (!v) return fallback;
    if (v->is_number_integer() && !v->is_number_unsigned()) return v->get<std::int64_t>();
    if (v->is_number_unsigned() &&
        v->get<std::uint64_t>() <=
            static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        return static_cast<std::int64_t>(v->get<std::uint64_t>());
    fail(std::string("\"") + key + "\" must be an integer" +
         (v->is_number_float() ? " (money is in minor units, quantities are whole)" : ""));
    return fallback;
}

std::optional<std::int64_t> JsonReader::optional_integer(const char* key) {
    if (!has(key)) {
        field(key, false);  // known, so a null is not an unknown field
        return std::nullopt;
    }
    return integer(key, true);
}

bool JsonReader::boolean(const char* key, bool fallback) {
    const auto* v = field(key, false);
    if (!v) return fallback;
    if (!v->is_boolean()) {
        fail(std::string("\"") + key + "\" must be true or false");
        return fallback;
    }
    return v->get<bool>();
}

std::vector<std::string> JsonReader::texts(const char* key) {
    std::vector<std::string> out;
    const auto* v = field(key, false);
    if (!v) return out;
    if (!v->is_array()) {
        fail(std::string("\"") + key + "\" must be an array of strings");
        return out;
    }
    for (const auto& e : *v) {
        if (!e.is_string()) {
            fail(std::string("\"") + key + "\" must be an array of strings");
            return {};
        }
        out.push_back(e.get<std::string>());
    }
    return out;
}

const json* JsonReader::array(const char* key, bool required) {
    const auto* v = field(key, required);
    if (v && !v->is_array()) {
        fail(std::string("\"") + key + "\" must be an array");
        return nullptr;
    }
    return v;
}

const json* JsonReader::object(const char* key) {
    const auto* v = field(key, false);
    if (v && !v->is_object()) {
        fail(std::string("\"") + key + "\" must be an object");
        return nullptr;
    }
    return v;
}

bool JsonReader::finish() {
    if (error_.empty())
        for (const auto& [key, value] : object_.items())
            if (!known_.count(key)) {
                fail("unknown field \"" + key + "\"");
                break;
            }
    return error_.empty();
}

}  // namespace loyalty::pos
