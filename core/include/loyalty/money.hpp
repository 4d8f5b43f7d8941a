#pragma once
// Money is integer minor units (fen, cents) of the program's currency; points are
// integers. Neither is ever a double.
#include <compare>
#include <cstdint>
#include <string>

namespace loyalty {

using Points = std::int64_t;

struct Money {
    std::int64_t minor = 0;

    constexpr Money() = default;
    constexpr explicit Money(std::int64_t minor_units) : minor(minor_units) {}

    constexpr Money operator+(Money o) const { return Money{minor + o.minor}; }
    constexpr Money operator-(Money o) const { return Money{minor - o.minor}; }
    constexpr Money& operator+=(Money o) {
        minor += o.minor;
        return *this;
    }
    constexpr Money& operator-=(Money o) {
        minor -= o.minor;
        return *this;
    }
    constexpr Money operator*(std::int64_t n) const { return Money{minor * n}; }
    constexpr auto operator<=>(const Money&) const = default;
};

// a * b / c rounded down, with a 128-bit intermediate so proportional shares
// of large amounts (points x refunded / sold) cannot overflow. c > 0.
std::int64_t mul_div(std::int64_t a, std::int64_t b, std::int64_t c);

// "1234.50" for 123450 minor units with two decimals: for files and messages machines read.
std::string format_money(Money m);
// "1,234.50" and "181,022,016": for people (screens, receipts, reports). Chinese
// and English both group by thousands with a comma.
std::string format_money_grouped(Money m);
std::string group_thousands(std::int64_t n);
// "¥1,234.50" in yuan, "1,234.50 EUR" in any other currency: an amount on a receipt, where
// the shopper reads it without knowing the program's currency.
std::string format_money_for_people(Money m, const std::string& currency);

}  // namespace loyalty
