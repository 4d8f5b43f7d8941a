#pragma once
// Boot-keyboard report sequences as a wedge reader sends them: each character is a
// key-down report (with shift in byte 0 when needed) followed by an all-keys-up report.
#include <array>
#include <cstdint>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace loyalty::devices::test {

using Report = std::array<std::uint8_t, 8>;

inline std::pair<std::uint8_t, bool> usage_for(char c) {
    if (c >= 'a' && c <= 'z') return {static_cast<std::uint8_t>(0x04 + (c - 'a')), false};
    if (c >= 'A' && c <= 'Z') return {static_cast<std::uint8_t>(0x04 + (c - 'A')), true};
    if (c >= '1' && c <= '9') return {static_cast<std::uint8_t>(0x1E + (c - '1')), false};
    switch (c) {
        case '0':
            return {0x27, false};
        case '\n':
            return {0x28, false};
        case '\t':
            return {0x2B, false};
        case ' ':
            return {0x2C, false};
        case '-':
            return {0x2D, false};
        case '=':
            return {0x2E, false};
        case ';':
            return {0x33, false};
        case '.':
            return {0x37, false};
        case '/':
            return {0x38, false};
        case '?':
            return {0x38, true};
        case '%':
            return {0x22, true};
        case '^':
            return {0x23, true};
        case ':':
            return {0x33, true};
        default:
            throw std::invalid_argument("no key for character");
    }
}

inline std::vector<Report> type(std::string_view text, bool right_shift = false) {
    std::vector<Report> out;
    for (char c : text) {
        const auto [usage, shift] = usage_for(c);
        Report down{};
        down[0] = shift ? (right_shift ? 0x20 : 0x02) : 0x00;
        down[2] = usage;
        out.push_back(down);
        out.push_back(Report{});
    }
    return out;
}

}  // namespace loyalty::devices::test
