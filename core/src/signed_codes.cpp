#include "loyalty/signed_codes.hpp"

#include <sodium.h>

#include <nlohmann/json.hpp>
#include <vector>

#include "json_numbers.hpp"
#include "loyalty/json_limits.hpp"

namespace loyalty {

using nlohmann::json;

namespace {

std::string b64url(const unsigned char* data, std::size_t len) {
    std::string out(sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
    sodium_bin2base64(out.data(), out.size(), data, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    out.resize(out.find('\0'));
    return out;
}

std::optional<std::vector<unsigned char>> from_b64url(const std::string& text,
                                                      std::size_t max_len) {
    std::vector<unsigned char> out(max_len);
    std::size_t len = 0;
    if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &len, nullptr,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
        return std::nullopt;
    out.resize(len);
    return out;
}

std::string mint(const char* kind, const json& payload, const SigningKey& key) {
    const auto body = payload.dump();
    // The signature covers kind and key id too, so a receipt code cannot pass as a member code.
    const auto signed_text =
        std::string(kind) + "." + key.key_id + "." +
        b64url(reinterpret_cast<const unsigned char*>(body.data()), body.size());
    unsigned char sig[crypto_sign_BYTES];
    crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(signed_text.data()),
                         signed_text.size(), key.secret.data());
    return signed_text + "." + b64url(sig, sizeof sig);
}

Result<json> open(const char* kind, const std::string& text, const TrustedKeys& keys) {
    if (text.size() > 1024)
        return make_error(Errc::invalid_argument, "code is too long to be ours");
    const auto p1 = text.find('.');
    const auto p2 = p1 == std::string::npos ? p1 : text.find('.', p1 + 1);
    const auto p3 = p2 == std::string::npos ? p2 : text.find('.', p2 + 1);
    if (p3 == std::string::npos || text.find('.', p3 + 1) != std::string::npos)
        return make_error(Errc::invalid_argument, "not a loyalty code");
    if (text.substr(0, p1) != kind)
        return make_error(Errc::invalid_argument, std::string("not a ") + kind + " code");
    const auto key_id = text.substr(p1 + 1, p2 - p1 - 1);
    const auto* public_key = keys.find(key_id);
    if (!public_key)
        return make_error(Errc::unauthorized, "code signed by an unknown key '" + key_id + "'");
    const auto sig = from_b64url(text.substr(p3 + 1), 128);
    if (!sig || sig->size() != crypto_sign_BYTES)
        return make_error(Errc::unauthorized, "code signature is malformed");
    const auto signed_part = text.substr(0, p3);
    if (crypto_sign_verify_detached(sig->data(),
                                    reinterpret_cast<const unsigned char*>(signed_part.data()),
                                    signed_part.size(), public_key->data()) != 0)
        return make_error(Errc::unauthorized, "code signature does not verify (forged or damaged)");
    const auto body = from_b64url(text.substr(p2 + 1, p3 - p2 - 1), 1024);
    if (!body) return make_error(Errc::invalid_argument, "code payload is malformed");
    if (json_nesting_refusal({reinterpret_cast<const char*>(body->data()), body->size()}, 2))
        return make_error(Errc::invalid_argument, "code payload is not a flat object");
    try {
        auto j = json::parse(body->begin(), body->end());
        if (!j.is_object())
            return make_error(Errc::invalid_argument, "code payload is not an object");
        return j;
    } catch (const json::exception&) {
        return make_error(Errc::invalid_argument, "code payload is not JSON");
    }
}

}  // namespace

SigningKey generate_signing_key(const std::string& key_id) {
    SigningKey key;
    key.key_id = key_id;
    crypto_sign_keypair(key.public_key.data(), key.secret.data());
    return key;
}

Result<SigningKey> signing_key_from_seed_hex(const std::string& key_id,
                                             const std::string& seed_hex) {
    unsigned char seed[crypto_sign_SEEDBYTES];
    std::size_t len = 0;
    if (seed_hex.size() != 2 * sizeof seed ||
        sodium_hex2bin(seed, sizeof seed, seed_hex.data(), seed_hex.size(), nullptr, &len,
                       nullptr) != 0 ||
        len != sizeof seed)
        return make_error(Errc::invalid_argument, "a signing key seed is 64 hex characters");
    SigningKey key;
    key.key_id = key_id;
    crypto_sign_seed_keypair(key.public_key.data(), key.secret.data(), seed);
    sodium_memzero(seed, sizeof seed);
    return key;
}

std::string public_key_hex(const SigningKey& key) {
    char hex[65];
    sodium_bin2hex(hex, sizeof hex, key.public_key.data(), key.public_key.size());
    return hex;
}

Result<void> TrustedKeys::add_hex(const std::string& key_id, const std::string& hex) {
    std::array<unsigned char, 32> key{};
    std::size_t len = 0;
    if (hex.size() != 64 ||
        sodium_hex2bin(key.data(), key.size(), hex.data(), hex.size(), nullptr, &len, nullptr) !=
            0 ||
        len != key.size())
        return make_error(Errc::invalid_argument,
                          "public key " + key_id + " must be 64 hex characters");
    if (key_id.empty() || key_id.find('.') != std::string::npos)
        return make_error(Errc::invalid_argument, "a key id is non-empty and has no dots");
    keys_[key_id] = key;
    return {};
}

const std::array<unsigned char, 32>* TrustedKeys::find(const std::string& key_id) const {
    auto it = keys_.find(key_id);
    return it == keys_.end() ? nullptr : &it->second;
}

std::string mint_member_code(const MemberCode& c, const SigningKey& key) {
    return mint(
        "LM1",
        json{{"p", c.program}, {"m", c.member_uid}, {"t", to_unix(c.issued_at)}, {"n", c.nonce}},
        key);
}

std::string mint_receipt_code(const ReceiptCode& c, const SigningKey& key) {
    return mint("LR1",
                json{{"p", c.program},
                     {"s", c.store},
                     {"tm", c.terminal},
                     {"r", c.receipt},
                     {"t", to_unix(c.issued_at)}},
                key);
}

namespace {

// A code's issue time: a whole number of seconds within the years a code can be real in
// (a float or an extreme value would overflow the clock's arithmetic).
Timestamp issue_time(const json& payload) {
    const auto t = exact_integer<std::int64_t>(payload.at("t"));
    constexpr std::int64_t kLatest = 253402300799;  // 9999-12-31T23:59:59Z
    if (!t || *t < 0 || *t > kLatest) throw std::invalid_argument("issue time out of range");
    return from_unix(*t);
}

}  // namespace

Result<MemberCode> verify_member_code(const std::string& text, const TrustedKeys& keys,
                                      Timestamp now, int validity_seconds, int skew_seconds) {
    auto payload = open("LM1", text, keys);
    if (!payload) return payload.error();
    try {
        MemberCode c{payload->at("p").get<std::string>(), payload->at("m").get<std::string>(),
                     issue_time(*payload), payload->at("n").get<std::string>()};
        if (c.issued_at > now + std::chrono::seconds{skew_seconds})
            return make_error(Errc::invalid_argument,
                              "member code is issued in the future; check the terminal clock");
        if (now - c.issued_at > std::chrono::seconds{validity_seconds})
            return make_error(Errc::expired, "member code has expired; refresh it in the app");
        if (c.nonce.empty() || c.member_uid.empty())
            return make_error(Errc::invalid_argument, "member code is incomplete");
        return c;
    } catch (const json::exception&) {
        return make_error(Errc::invalid_argument, "member code payload lacks a field");
    } catch (const std::invalid_argument& e) {
        return make_error(Errc::invalid_argument, std::string("member code: ") + e.what());
    }
}

Result<ReceiptCode> verify_receipt_code(const std::string& text, const TrustedKeys& keys) {
    auto payload = open("LR1", text, keys);
    if (!payload) return payload.error();
    try {
        return ReceiptCode{payload->at("p").get<std::string>(), payload->at("s").get<std::string>(),
                           payload->at("tm").get<std::string>(),
                           payload->at("r").get<std::string>(), issue_time(*payload)};
    } catch (const json::exception&) {
        return make_error(Errc::invalid_argument, "receipt code payload lacks a field");
    } catch (const std::invalid_argument& e) {
        return make_error(Errc::invalid_argument, std::string("receipt code: ") + e.what());
    }
}

bool looks_like_member_code(const std::string& text) {
    return text.rfind("LM1.", 0) == 0;
}
bool looks_like_receipt_code(const std::string& text) {
    return text.rfind("LR1.", 0) == 0;
}

}  // namespace loyalty
