#pragma once
// Receipt text as code points: UTF-8 in and out (invalid bytes become U+FFFD) and the
// normalisation the field rules work on. Private to firmware-bridge's receipt reading.
#include <cstddef>
#include <string>
#include <string_view>

namespace loyalty::devices::receipt_text {

constexpr std::size_t kMaxLineChars = 512;  // a line is cut here: a receipt's are short
constexpr char32_t kReplacement = 0xFFFD;
constexpr char32_t kYen = 0x00A5;  // ¥; ￥ (U+FFE5) is folded into it

std::u32string decode_utf8(std::string_view in);
std::string encode_utf8(std::u32string_view in);

// Full-width forms to ASCII, white space collapsed, spaces next to CJK dropped (see
// normalize_receipt_line), at most kMaxLineChars code points.
std::u32string normalize(std::u32string_view raw);

inline bool is_space(char32_t c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f' || c == 0x3000 ||
           c == 0x00A0;
}

inline bool is_digit(char32_t c) {
    return c >= '0' && c <= '9';
}

inline bool is_ascii_letter(char32_t c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

inline bool is_ideograph(char32_t c) {
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
           (c >= 0xF900 && c <= 0xFAFF);
}

// Ideographs and the CJK punctuation printed between them.
inline bool is_cjk(char32_t c) {
    return is_ideograph(c) || (c >= 0x3001 && c <= 0x303F) || (c >= 0xFF00 && c <= 0xFFEF);
}

}  // namespace loyalty::devices::receipt_text
