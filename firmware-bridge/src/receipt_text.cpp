// UTF-8 <-> code points and the normalisation of recognised receipt lines.
#include "receipt_text.hpp"

#include <algorithm>

namespace loyalty::devices::receipt_text {

namespace {

char32_t fold(char32_t c) {
    if (c >= 0xFF01 && c <= 0xFF5E) return c - 0xFF01 + 0x21;  // full-width ASCII
    if (c == 0xFFE5) return kYen;
    if (c == 0x3002) return '.';  // 。 read where a decimal point was printed
    if (c == 0x3001) return ',';  // 、
    if (c == 0x2014 || c == 0x2013 || c == 0x2212) return '-';
    if (c == 0) return kReplacement;
    return c;
}

}  // namespace

std::u32string decode_utf8(std::string_view in) {
    std::u32string out;
    out.reserve(in.size());
    std::size_t i = 0;
    while (i < in.size()) {
        const auto b0 = static_cast<unsigned char>(in[i]);
        int extra = 0;
        char32_t cp = 0;
        char32_t min = 0;
        if (b0 < 0x80) {
            out.push_back(b0);
            ++i;
            continue;
        } else if ((b0 & 0xE0) == 0xC0) {
            extra = 1, cp = b0 & 0x1Fu, min = 0x80;
        } else if ((b0 & 0xF0) == 0xE0) {
            extra = 2, cp = b0 & 0x0Fu, min = 0x800;
        } else if ((b0 & 0xF8) == 0xF0) {
            extra = 3, cp = b0 & 0x07u, min = 0x10000;
        } else {
            out.push_back(kReplacement);
            ++i;
            continue;
        }
        if (i + static_cast<std::size_t>(extra) >= in.size()) {  // cut short
            out.push_back(kReplacement);
            break;
        }
        bool ok = true;
        for (int k = 1; k <= extra; ++k) {
            const auto b = static_cast<unsigned char>(in[i + static_cast<std::size_t>(k)]);
            if ((b & 0xC0) != 0x80) {
                ok = false;
                break;
            }
            cp = (cp << 6) | (b & 0x3Fu);
        }
        if (!ok) {
            out.push_back(kReplacement);
            ++i;  // resynchronise on the next byte
            continue;
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = kReplacement;
        out.push_back(cp);
        i += static_cast<std::size_t>(extra) + 1;
    }
    return out;
}

std::string encode_utf8(std::u32string_view in) {
    std::string out;
    out.reserve(in.size() * 3);
    for (char32_t cp : in) {
        if (cp < 0x80) {
            out.push_back(static_cast<char>(cp));
        } else if (cp < 0x800) {
            out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else if (cp < 0x10000) {
            out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else {
            out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        }
    }
    return out;
}

std::u32string normalize(std::u32string_view raw) {
    std::u32string folded;
    folded.reserve(std::min(raw.size(), kMaxLineChars));
    for (char32_t c : raw) {
        if (folded.size() >= kMaxLineChars) break;
        c = fold(c);
        if (is_space(c)) c = ' ';
        if (c == ' ' && (folded.empty() || folded.back() == ' ')) continue;
        folded.push_back(c);
    }
    while (!folded.empty() && folded.back() == ' ') folded.pop_back();
    std::u32string out;
    out.reserve(folded.size());
    for (std::size_t i = 0; i < folded.size(); ++i) {
        if (folded[i] == ' ' && i > 0 && i + 1 < folded.size() &&
            (is_cjk(folded[i - 1]) || is_cjk(folded[i + 1])))
            continue;
        out.push_back(folded[i]);
    }
    return out;
}

}  // namespace loyalty::devices::receipt_text
