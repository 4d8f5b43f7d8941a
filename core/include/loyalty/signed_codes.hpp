#pragma once
// Codes a shopper shows or a receipt carries are security tokens: Ed25519
// signatures over a small JSON payload. The hub (member codes) or the issuing
// till (receipt codes) signs; terminals hold only public keys.
//
// Text form, QR-friendly and printable: "<kind>.<key id>.<payload>.<signature>"
// with payload and signature in unpadded base64url. kind is "LM1" for a
// member's dynamic code and "LR1" for a receipt claim code.
#include <array>
#include <map>
#include <string>

#include "loyalty/clock.hpp"
#include "loyalty/result.hpp"

namespace loyalty {

struct SigningKey {
    std::string key_id;
    std::array<unsigned char, 64> secret{};
    std::array<unsigned char, 32> public_key{};
};

SigningKey generate_signing_key(const std::string& key_id);
// Deterministic key from a 32-byte seed given as 64 hex chars (test keys, key files).
Result<SigningKey> signing_key_from_seed_hex(const std::string& key_id,
                                             const std::string& seed_hex);
std::string public_key_hex(const SigningKey& key);

// key id -> public key, as configured on a terminal.
class TrustedKeys {
  public:
    Result<void> add_hex(const std::string& key_id, const std::string& public_key_hex);
    void add(const SigningKey& key) { keys_[key.key_id] = key.public_key; }
    const std::array<unsigned char, 32>* find(const std::string& key_id) const;

  private:
    std::map<std::string, std::array<unsigned char, 32>> keys_;
};

struct MemberCode {
    std::string program;
    std::string member_uid;
    Timestamp issued_at;
    std::string nonce;  // makes each code unique, so a used one can be refused
};

struct ReceiptCode {
    std::string program;
    std::string store;
    std::string terminal;
    std::string receipt;
    Timestamp issued_at;
};

std::string mint_member_code(const MemberCode& code, const SigningKey& key);
std::string mint_receipt_code(const ReceiptCode& code, const SigningKey& key);

// Verifies signature, kind and freshness. A member code is valid for
// `validity_seconds` after issue (and not from the future beyond `skew_seconds`).
// Single use is the caller's to enforce (see Engine::codes()).
Result<MemberCode> verify_member_code(const std::string& text, const TrustedKeys& keys,
                                      Timestamp now, int validity_seconds = 60,
                                      int skew_seconds = 30);
Result<ReceiptCode> verify_receipt_code(const std::string& text, const TrustedKeys& keys);

bool looks_like_member_code(const std::string& text);
bool looks_like_receipt_code(const std::string& text);

}  // namespace loyalty
