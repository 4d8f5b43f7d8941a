#include "loyalty/sync/signing.hpp"

#include <sodium.h>

#include <array>

namespace loyalty::sync {

namespace {
std::optional<std::array<unsigned char, crypto_auth_KEYBYTES>> key_bytes(const std::string& hex) {
    std::array<unsigned char, crypto_auth_KEYBYTES> key{};
    std::size_t len = 0;
    if (hex.size() != 2 * key.size() ||
        sodium_hex2bin(key.data(), key.size(), hex.data(), hex.size(), nullptr, &len, nullptr) !=
            0 ||
        len != key.size())
        return std::nullopt;
    return key;
}
}  // namespace

std::optional<std::string> sign_payload(const std::string& key_hex, std::string_view payload) {
    if (sodium_init() < 0) return std::nullopt;
    auto key = key_bytes(key_hex);
    if (!key) return std::nullopt;
    std::array<unsigned char, crypto_auth_BYTES> mac{};
    crypto_auth(mac.data(), reinterpret_cast<const unsigned char*>(payload.data()), payload.size(),
                key->data());
    std::string hex(2 * mac.size() + 1, '\0');
    sodium_bin2hex(hex.data(), hex.size(), mac.data(), mac.size());
    hex.pop_back();
    return hex;
}

bool signature_matches(const std::string& key_hex, std::string_view payload,
                       const std::string& sig_hex) {
    if (sodium_init() < 0) return false;
    auto key = key_bytes(key_hex);
    if (!key) return false;
    std::array<unsigned char, crypto_auth_BYTES> mac{};
    std::size_t len = 0;
    if (sig_hex.size() != 2 * mac.size() ||
        sodium_hex2bin(mac.data(), mac.size(), sig_hex.data(), sig_hex.size(), nullptr, &len,
                       nullptr) != 0 ||
        len != mac.size())
        return false;
    return crypto_auth_verify(mac.data(), reinterpret_cast<const unsigned char*>(payload.data()),
                              payload.size(), key->data()) == 0;
}

}  // namespace loyalty::sync
