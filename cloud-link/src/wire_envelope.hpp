#pragma once
// The envelope every v1 payload shares ({"v":1, "kind":...}) and exact field
// reads: what every decoder of a message from the wire starts with. Never throws.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <type_traits>

#include "loyalty/exact_integer.hpp"
#include "loyalty/json_limits.hpp"
#include "loyalty/result.hpp"
#include "loyalty/sync/messages.hpp"

namespace loyalty::sync {

inline Error bad(const char* why, const std::string& detail) {
    return make_error(Errc::invalid_argument, std::string(why) + ": " + detail);
}

// Parses the common envelope: a JSON object of version 1 and the wanted kind.
inline Result<nlohmann::json> envelope(std::string_view payload, const char* kind) {
    if (payload.size() > max_payload_bytes)
        return bad(reason::oversized, std::to_string(payload.size()) + " bytes");
    if (auto refused = json_nesting_refusal(payload)) return bad(reason::malformed, *refused);
    auto j = nlohmann::json::parse(payload, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return bad(reason::malformed, "not a JSON object");
    auto v = j.find("v");
    if (v == j.end() || !v->is_number_integer()) return bad(reason::malformed, "no version");
    if (v->get<std::int64_t>() != protocol_version) return bad(reason::wrong_version, v->dump());
    auto k = j.find("kind");
    if (k == j.end() || !k->is_string()) return bad(reason::malformed, "no kind");
    if (kind && k->get<std::string>() != kind)
        return bad(reason::unknown_kind, k->get<std::string>());
    return j;
}

template <class T>
bool field(const nlohmann::json& j, const char* name, T& out) {
    auto it = j.find(name);
    if (it == j.end()) return false;
    if constexpr (std::is_same_v<T, std::string>) {
        if (!it->is_string()) return false;
        out = it->get<std::string>();
    } else {
        // Exactly a whole number (never a float cast, never a wrapped unsigned).
        auto v = exact_integer<std::int64_t>(*it);
        if (!v) return false;
        out = *v;
    }
    return true;
}

}  // namespace loyalty::sync
