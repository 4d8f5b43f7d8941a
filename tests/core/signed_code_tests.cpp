// Signed member and receipt codes whose payload, though properly signed, holds numbers
// no real code holds: refused with a reason, never cast with undefined behaviour.
#include <doctest/doctest.h>
#include <sodium.h>

#include <string>

#include "loyalty/signed_codes.hpp"

using namespace loyalty;

namespace {

std::string b64url(const std::string& bytes) {
    std::string out(
        sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
    sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                      bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    out.resize(out.find('\0'));
    return out;
}

// What the hub would send if it signed this payload text.
std::string sign(const char* kind, const std::string& payload, const SigningKey& key) {
    const auto text = std::string(kind) + "." + key.key_id + "." + b64url(payload);
    unsigned char sig[crypto_sign_BYTES];
    crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(text.data()),
                         text.size(), key.secret.data());
    return text + "." + b64url(std::string(reinterpret_cast<const char*>(sig), sizeof sig));
}

}  // namespace

TEST_CASE(
    "a signed code whose time is a float, negative or beyond any calendar is refused with the "
    "reason") {
    REQUIRE(sodium_init() >= 0);
    const auto key = signing_key_from_seed_hex("k1", std::string(64, '3')).value();
    TrustedKeys keys;
    keys.add(key);
    const auto now = from_unix(1764547200);
    for (const char* t :
         {"3e44", "-9223372036854775808", "18446744073709551615", "1.5", "\"1764547200\""}) {
        CAPTURE(t);
        const auto member = verify_member_code(
            sign("LM1", std::string(R"({"p":"DEMO","m":"u-1","n":"n-1","t":)") + t + "}", key),
            keys, now);
        REQUIRE_FALSE(member.ok());
        CHECK(member.error().code == Errc::invalid_argument);
        const auto receipt = verify_receipt_code(
            sign("LR1", std::string(R"({"p":"DEMO","s":"S001","tm":"T01","r":"R1","t":)") + t + "}",
                 key),
            keys);
        REQUIRE_FALSE(receipt.ok());
        CHECK(receipt.error().code == Errc::invalid_argument);
    }
    // The same payload with a real time verifies: the refusals above are about the number.
    CHECK(verify_member_code(sign("LM1", R"({"p":"DEMO","m":"u-1","n":"n-1","t":1764547190})", key),
                             keys, now)
              .ok());
}
