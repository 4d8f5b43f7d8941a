#include "pin_hash.hpp"

#include <sodium.h>

#include <algorithm>

namespace loyalty {

Result<std::string> hash_pin(const std::string& pin, std::size_t min_digits,
                             std::size_t max_digits) {
    if (pin.size() < min_digits || pin.size() > max_digits ||
        !std::all_of(pin.begin(), pin.end(), ::isdigit))
        return make_error(Errc::invalid_argument, "a PIN is " + std::to_string(min_digits) +
                                                      " to " + std::to_string(max_digits) +
                                                      " digits");
    char hash[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(hash, pin.data(), pin.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return make_error(Errc::storage, "out of memory hashing the PIN");
    return std::string(hash);
}

bool pin_matches(const std::string& stored_hash, const std::string& pin) {
    return crypto_pwhash_str_verify(stored_hash.c_str(), pin.data(), pin.size()) == 0;
}

}  // namespace loyalty
