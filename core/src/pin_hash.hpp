#pragma once
// PINs (members' and staff's) are stored only as Argon2id hashes.
#include <cstddef>
#include <string>

#include "loyalty/result.hpp"

namespace loyalty {

// Checks the PIN is min..max digits, then hashes it.
Result<std::string> hash_pin(const std::string& pin, std::size_t min_digits,
                             std::size_t max_digits);
bool pin_matches(const std::string& stored_hash, const std::string& pin);

}  // namespace loyalty
