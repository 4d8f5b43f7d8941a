#pragma once
// Arithmetic on numbers that came from outside (a till's basket, a refund, an event from
// a store): every sum and product of them goes through here, so an overflow is a refusal
// the caller can report, never undefined behaviour or a wrapped total.
#include <cstdint>
#include <optional>

namespace loyalty {

inline std::optional<std::int64_t> checked_add(std::int64_t a, std::int64_t b) {
    std::int64_t out = 0;
    if (__builtin_add_overflow(a, b, &out)) return std::nullopt;
    return out;
}

inline std::optional<std::int64_t> checked_sub(std::int64_t a, std::int64_t b) {
    std::int64_t out = 0;
    if (__builtin_sub_overflow(a, b, &out)) return std::nullopt;
    return out;
}

inline std::optional<std::int64_t> checked_mul(std::int64_t a, std::int64_t b) {
    std::int64_t out = 0;
    if (__builtin_mul_overflow(a, b, &out)) return std::nullopt;
    return out;
}

// A basket longer than this is not a shopping basket; it is refused before any sum.
inline constexpr std::size_t kMaxBasketLines = 1000;

}  // namespace loyalty
