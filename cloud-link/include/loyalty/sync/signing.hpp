#pragma once
// Optional per-store payload signatures: the MQTT 5 user property "sig" holds
// hex(HMAC-SHA512-256(key, payload bytes)), libsodium's crypto_auth. The key is
// 32 bytes given as 64 hex digits.
#include <optional>
#include <string>
#include <string_view>

namespace loyalty::sync {

inline constexpr const char* signature_property = "sig";

// nullopt when key_hex is not 64 hex digits.
std::optional<std::string> sign_payload(const std::string& key_hex, std::string_view payload);
bool signature_matches(const std::string& key_hex, std::string_view payload,
                       const std::string& sig_hex);

}  // namespace loyalty::sync
