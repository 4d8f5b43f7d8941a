// Member (LM1) and receipt (LR1) codes as a scanner reads them, and, since random text
// never carries a valid signature, the same input as a payload signed with a test key so
// the payload reader behind the signature check is reached too.
#include <sodium.h>

#include "fuzz_support.hpp"
#include "loyalty/signed_codes.hpp"

namespace {

const loyalty::SigningKey& test_key() {
    static const loyalty::SigningKey key =
        loyalty::signing_key_from_seed_hex("fz1", std::string(64, '7')).value();
    return key;
}

std::string b64url(std::string_view bytes) {
    std::string out(
        sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
    sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                      bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    out.resize(out.find('\0'));
    return out;
}

std::string signed_code(const char* kind, std::string_view payload) {
    const auto& key = test_key();
    const auto text = std::string(kind) + "." + key.key_id + "." + b64url(payload);
    unsigned char sig[crypto_sign_BYTES];
    crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(text.data()),
                         text.size(), key.secret.data());
    return text + "." + b64url({reinterpret_cast<const char*>(sig), sizeof sig});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const bool ready = sodium_init() >= 0;
    if (!ready) return 0;
    loyalty::TrustedKeys keys;
    keys.add(test_key());
    const auto input = loyalty::fuzz::as_text(data, size);
    const auto now = loyalty::from_unix(1764547200);
    const std::string text(input);
    (void)loyalty::verify_member_code(text, keys, now);
    (void)loyalty::verify_receipt_code(text, keys);
    (void)loyalty::verify_member_code(signed_code("LM1", input), keys, now);
    (void)loyalty::verify_receipt_code(signed_code("LR1", input), keys);
    return 0;
}
