// Receipt text -> fields. Works on code points (std::u32string) after normalising,
// so labels such as 实付 are matched as characters, not bytes, and full-width digits
// count as digits. No floating point anywhere: money is parsed into fen directly.
#include "loyalty/devices/receipt_fields.hpp"

#include <algorithm>
#include <array>

#include "receipt_text.hpp"

namespace loyalty::devices {

namespace {

using namespace receipt_text;

// Bounds that keep a hostile or garbage text cheap: a receipt has tens of lines.
constexpr std::size_t kMaxLines = 400;
constexpr std::size_t kShopNameLines = 5;  // the shop's name is printed at the top

struct Line {
    std::u32string text;  // normalised
    float confidence = 1.0F;
    std::string_view raw;  // as recognised (points into the caller's lines)
};

bool contains(std::u32string_view hay, std::u32string_view needle) {
    return hay.find(needle) != std::u32string_view::npos;
}
bool contains_any(std::u32string_view hay, std::initializer_list<std::u32string_view> needles) {
    return std::any_of(needles.begin(), needles.end(),
                       [&](std::u32string_view n) { return contains(hay, n); });
}

// ---- money -------------------------------------------------------------------------

constexpr std::int64_t kMaxYuanDigits = 9;  // a receipt under a billion yuan

std::optional<std::int64_t> parse_money(std::u32string_view t) {
    // Currency marks around the figure.
    while (!t.empty() &&
           (t.front() == kYen || t.front() == 'Y' || t.front() == ' ' || t.front() == ':'))
        t.remove_prefix(1);
    if (t.size() >= 3 && t.substr(0, 3) == U"RMB") t.remove_prefix(3);
    while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
    if (!t.empty() && t.back() == U'元') t.remove_suffix(1);
    if (t.empty() || !is_digit(t.front()) || !is_digit(t.back())) return std::nullopt;
    // A run of separators is one separator a recogniser doubled (1,.083.00).
    std::u32string single;
    for (char32_t c : t)
        if (!((c == '.' || c == ',') && !single.empty() &&
              (single.back() == '.' || single.back() == ',')))
            single.push_back(c);
        else
            single.back() = c;
    t = single;
    // Separators ('.' or ','; tills and recognisers mix them up): the last one is the
    // decimal point when one or two digits follow it; every other one must be followed
    // by exactly three digits (thousands: 1,288.00, 1.288.00, 1288,00).
    std::vector<std::size_t> seps;
    for (std::size_t i = 0; i < t.size(); ++i) {
        if (t[i] == '.' || t[i] == ',') {
            seps.push_back(i);
        } else if (!is_digit(t[i])) {
            return std::nullopt;
        }
    }
    std::size_t whole_end = t.size();
    std::u32string_view frac;
    if (!seps.empty() && t.size() - seps.back() - 1 <= 2) {
        whole_end = seps.back();
        frac = t.substr(seps.back() + 1);
        seps.pop_back();
    } else if (!seps.empty() && t[seps.back()] == '.') {
        return std::nullopt;  // 12.345 is not money
    }
    for (std::size_t k = 0; k < seps.size(); ++k) {
        const std::size_t next = k + 1 < seps.size() ? seps[k + 1] : whole_end;
        if (next - seps[k] - 1 != 3 || seps[k] == 0) return std::nullopt;
    }
    if (!seps.empty() && seps.front() > 3) return std::nullopt;  // 12345,678
    std::int64_t yuan = 0;
    std::int64_t digits = 0;
    for (std::size_t i = 0; i < whole_end; ++i) {
        if (!is_digit(t[i])) continue;
        if (++digits > kMaxYuanDigits) return std::nullopt;
        yuan = yuan * 10 + (t[i] - '0');
    }
    if (digits == 0) return std::nullopt;
    std::int64_t fen = 0;
    if (frac.size() == 1) fen = (frac[0] - '0') * 10;
    if (frac.size() == 2) fen = (frac[0] - '0') * 10 + (frac[1] - '0');
    return yuan * 100 + fen;
}

char32_t digit_lookalike(char32_t c) {
    switch (c) {
        case 'O':
        case 'o':
        case 'D':
            return '0';
        case 'l':
        case 'I':
        case '|':
            return '1';
        case 'S':
        case 's':
            return '5';
        case 'B':
            return '8';
        case 'Z':
            return '2';
        default:
            return 0;
    }
}

// Letters a recogniser reads in place of digits, put back inside figures: after a digit
// (or a digit and a separator) and not followed by a letter of a word (2025O824,
// 20250S24, 108.OO). Used for figures and dates, not for receipt numbers, which may
// hold letters.
std::u32string digits_view(std::u32string_view line) {
    std::u32string out(line);
    for (std::size_t i = 1; i < out.size(); ++i) {
        const bool after_digit =
            is_digit(out[i - 1]) ||
            (i >= 2 && (out[i - 1] == '.' || out[i - 1] == ',') && is_digit(out[i - 2]));
        if (!after_digit || digit_lookalike(out[i]) == 0) continue;
        const char32_t next = i + 1 < out.size() ? out[i + 1] : U' ';
        if (is_ascii_letter(next) && digit_lookalike(next) == 0) continue;
        out[i] = digit_lookalike(out[i]);
    }
    return out;
}

bool money_char(char32_t c) {
    return is_digit(c) || c == '.' || c == ',';
}

// The last figure on the line that is money: with decimals, or marked by ¥ or 元.
std::optional<std::int64_t> last_money_on(std::u32string_view text) {
    const std::u32string digits = digits_view(text);
    const std::u32string_view line = digits;
    std::optional<std::int64_t> found;
    std::size_t i = 0;
    while (i < line.size()) {
        if (!is_digit(line[i])) {
            ++i;
            continue;
        }
        const std::size_t start = i;
        while (i < line.size() && money_char(line[i])) ++i;
        std::size_t end = i;
        while (end > start && (line[end - 1] == '.' || line[end - 1] == ',')) --end;
        const auto token = line.substr(start, end - start);
        // Skip a negative figure (a discount).
        std::size_t before = start;
        while (before > 0 && line[before - 1] == ' ') --before;
        const char32_t prev = before > 0 ? line[before - 1] : U' ';
        if (prev == '-') continue;
        // ¥ as printed, or as a recogniser reads it (Y, V).
        const bool marked_yen = prev == kYen || prev == 'Y' || prev == 'y' || prev == 'V';
        const bool has_decimals =
            parse_money(token).has_value() && token.size() >= 3 &&
            (token[token.size() - 3] == '.' || token[token.size() - 3] == ',' ||
             token[token.size() - 2] == '.');
        // A whole number glued to a word is an item code or a count, not money.
        if (!has_decimals && is_ascii_letter(prev) && !marked_yen) continue;
        std::size_t after = i;
        while (after < line.size() && line[after] == ' ') ++after;
        const bool marked_yuan = after < line.size() && line[after] == U'元';
        if (!has_decimals && !marked_yen && !marked_yuan) continue;
        if (auto fen = parse_money(token)) found = fen;
    }
    return found;
}

// Totals in order of preference: what was paid, then what was due, then the total.
struct Label {
    std::u32string_view text;
    int rank;
};
constexpr std::array kAmountLabels{
    Label{U"实付", 8},  Label{U"实际支付", 8}, Label{U"应付", 7}, Label{U"应收", 6},
    Label{U"合计", 5},  Label{U"总计", 4},     Label{U"总额", 4}, Label{U"总金额", 4},
    Label{U"TOTAL", 3}, Label{U"Total", 3},    Label{U"实收", 2}, Label{U"金额", 1},
};
// Lines that carry money which is not the paid total.
bool misleading_money_line(std::u32string_view line) {
    return contains_any(
        line, {U"找零", U"优惠", U"折扣", U"减免", U"抹零", U"积分", U"现金", U"余额", U"税",
               U"单价", U"原价", U"节省", U"立减", U"满减", U"券", U"找赎", U"CHANGE", U"Change"});
}

int amount_rank(std::u32string_view line) {
    int rank = 0;
    for (const auto& label : kAmountLabels)
        if (contains(line, label.text)) rank = std::max(rank, label.rank);
    return rank;
}

// ---- receipt numbers ----------------------------------------------------------------

constexpr std::array kNumberLabels{
    Label{U"小票号", 3}, Label{U"单号", 3},   Label{U"单据号", 3}, Label{U"流水号", 2},
    Label{U"票号", 2},   Label{U"交易号", 1}, Label{U"No", 1},     Label{U"NO", 1},
};

bool number_char(char32_t c) {
    return is_digit(c) || is_ascii_letter(c) || c == '-' || c == '_';
}

// The value after `label` at `pos`: separators, then a run of letters, digits and '-'.
std::optional<std::u32string> number_after(std::u32string_view line, std::size_t pos) {
    std::size_t i = pos;
    while (i < line.size() &&
           (line[i] == ':' || line[i] == ';' || line[i] == ',' || line[i] == ' ' ||
            line[i] == '.' || line[i] == '#' || line[i] == U'号' || line[i] == U'码'))
        ++i;
    const std::size_t start = i;
    // A thin printed dash is often read as '.': XS.064783 is XS-064783.
    while (i < line.size() &&
           (number_char(line[i]) || (line[i] == '.' && i > start && i + 1 < line.size() &&
                                     number_char(line[i + 1]) && line[i + 1] != '-')))
        ++i;
    std::u32string value(line.substr(start, i - start));
    std::replace(value.begin(), value.end(), U'.', U'-');
    while (!value.empty() && (value.back() == '-' || value.back() == '_')) value.pop_back();
    const auto digits = std::count_if(value.begin(), value.end(), is_digit);
    const auto letters = std::count_if(value.begin(), value.end(), is_ascii_letter);
    // A recogniser's O for 0 or l for 1 inside an all-digit number.
    if (letters > 0 && letters <= 2 && digits >= 4) {
        bool only_lookalikes = std::all_of(value.begin(), value.end(), [](char32_t c) {
            return is_digit(c) || c == 'O' || c == 'o' || c == 'l' || c == 'I' || c == '-';
        });
        if (only_lookalikes && is_digit(value.front()) && is_digit(value.back()))
            for (auto& c : value) {
                if (c == 'O' || c == 'o') c = U'0';
                if (c == 'l' || c == 'I') c = U'1';
            }
    }
    if (value.size() < 4 || digits < 3) return std::nullopt;
    return value;
}

struct NumberHit {
    std::u32string value;
    int rank = 0;
    std::size_t line = 0;
};

std::optional<NumberHit> number_on(const std::vector<Line>& lines, std::size_t index) {
    const auto& line = lines[index].text;
    std::optional<NumberHit> best;
    for (const auto& label : kNumberLabels) {
        std::size_t pos = line.find(label.text);
        while (pos != std::u32string::npos) {
            const std::size_t after = pos + label.text.size();
            const bool ascii_label = is_ascii_letter(label.text.front());
            // "No" must stand alone and be followed by '.', ':' or a space ("Nov" is not it).
            const bool usable =
                !ascii_label ||
                ((pos == 0 || !is_ascii_letter(line[pos - 1])) && after < line.size() &&
                 (line[after] == '.' || line[after] == ':' || line[after] == ' '));
            if (usable && (!best || label.rank > best->rank)) {
                auto value = number_after(line, after);
                // A label alone at the end of its line: the number is on the next.
                if (!value && index + 1 < lines.size() &&
                    line.find_first_not_of(U" :.#号", after) == std::u32string::npos)
                    value = number_after(lines[index + 1].text, 0);
                if (value) best = NumberHit{std::move(*value), label.rank, index};
            }
            pos = line.find(label.text, pos + 1);
        }
    }
    return best;
}

// ---- dates --------------------------------------------------------------------------

bool valid_date(int y, int m, int d) {
    if (y < 2000 || y > 2099 || m < 1 || m > 12 || d < 1) return false;
    static constexpr std::array<int, 12> days{31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (d > days[static_cast<std::size_t>(m - 1)]) return false;
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return !(m == 2 && d == 29 && !leap);
}

std::u32string format_date(int y, int m, int d) {
    std::string s = std::to_string(y) + "-" + (m < 10 ? "0" : "") + std::to_string(m) + "-" +
                    (d < 10 ? "0" : "") + std::to_string(d);
    return {s.begin(), s.end()};
}

// Reads up to `max` digits at i; returns the count read.
int read_number(std::u32string_view s, std::size_t& i, int max, int& value) {
    int n = 0;
    value = 0;
    while (i < s.size() && n < max && is_digit(s[i])) value = value * 10 + (s[i++] - '0'), ++n;
    return n;
}

bool date_separator(char32_t c) {
    return c == '-' || c == '/' || c == '.' || c == U'年' || c == U'月';
}

// A separated date (2026-12-01, 2026/12/1, 2026年12月1日) or, when `compact`, 20261201.
std::optional<std::u32string> date_on(std::u32string_view s, bool compact) {
    for (std::size_t start = 0; start < s.size(); ++start) {
        if (!is_digit(s[start]) || (start > 0 && (is_digit(s[start - 1]) || s[start - 1] == '.')))
            continue;
        std::size_t i = start;
        int y = 0, m = 0, d = 0;
        if (read_number(s, i, 4, y) != 4) continue;
        if (i < s.size() && is_digit(s[i])) {
            // 20261201, standing alone.
            if (!compact) continue;
            std::size_t j = i;
            if (read_number(s, j, 2, m) != 2 || read_number(s, j, 2, d) != 2) continue;
            if (j < s.size() && (is_digit(s[j]) || is_ascii_letter(s[j]))) continue;
            if (start > 0 && is_ascii_letter(s[start - 1])) continue;
            if (valid_date(y, m, d)) return format_date(y, m, d);
            continue;
        }
        auto skip_sep = [&](std::size_t& k) {
            while (k < s.size() && s[k] == ' ') ++k;
            if (k >= s.size() || !date_separator(s[k])) return false;
            ++k;
            while (k < s.size() && s[k] == ' ') ++k;
            return true;
        };
        if (!skip_sep(i) || read_number(s, i, 2, m) == 0 || !skip_sep(i) ||
            read_number(s, i, 2, d) == 0)
            continue;
        // The time may be glued on (2026-06-241439): four or six more digits.
        std::size_t glued = 0;
        while (i + glued < s.size() && is_digit(s[i + glued])) ++glued;
        if (glued != 0 && glued != 4 && glued != 6) continue;
        if (valid_date(y, m, d)) return format_date(y, m, d);
    }
    return std::nullopt;
}

// ---- shop name ----------------------------------------------------------------------

bool decoration(char32_t c) {
    return c == ' ' || c == '*' || c == '=' || c == '-' || c == '_' || c == '~' || c == '#' ||
           c == '.' || c == ',' || c == ':' || c == '|' || c == '"' || c == '\'' || c == '`' ||
           c == 0x201C || c == 0x201D || c == 0x2018 || c == 0x2019 || c == ';' || c == '!' ||
           c == kReplacement || (c >= 0x2500 && c <= 0x25FF) || c == 0x2605 || c == 0x2606;
}

std::optional<std::u32string> shop_name_from(std::u32string_view line) {
    while (!line.empty() && decoration(line.front())) line.remove_prefix(1);
    while (!line.empty() && decoration(line.back())) line.remove_suffix(1);
    if (line.empty()) return std::nullopt;
    if (contains_any(line, {U"单号", U"小票号", U"流水号", U"票号", U"日期", U"时间", U"电话",
                            U"地址", U"收银", U"合计", U"金额", U"Tel", U"TEL"}))
        return std::nullopt;
    // Receipt titles and greetings are not the shop.
    std::u32string rest(line);
    for (std::u32string_view generic :
         {U"欢迎光临", U"欢迎惠顾", U"谢谢惠顾", U"购物小票", U"销售小票", U"收银小票", U"结账单",
          U"顾客联", U"存根联", U"销售单", U"小票"})
        for (auto pos = rest.find(generic); pos != std::u32string::npos; pos = rest.find(generic))
            rest.erase(pos, generic.size());
    const auto ideographs = std::count_if(rest.begin(), rest.end(), is_ideograph);
    const auto letters = std::count_if(rest.begin(), rest.end(), is_ascii_letter);
    const auto visible =
        std::count_if(rest.begin(), rest.end(), [](char32_t c) { return c != ' '; });
    if (ideographs < 2 && letters < 3) return std::nullopt;
    // Mostly words, not a line of figures or recogniser noise.
    if ((ideographs + letters) * 10 < visible * 6) return std::nullopt;
    if (ideographs < 2 && date_on(line, true)) return std::nullopt;
    return std::u32string(line);
}

// A recogniser separates things printed apart (the name and a speck beside it) by a
// run of spaces: the segment with the most words is the one a name can be.
std::u32string widest_segment(std::string_view raw) {
    const auto text = decode_utf8(raw.substr(0, std::min(raw.size(), kMaxLineChars * 4)));
    std::u32string best;
    long best_words = -1;
    std::size_t i = 0;
    while (i <= text.size()) {
        std::size_t end = i;
        while (end < text.size() &&
               !(is_space(text[end]) && end + 1 < text.size() && is_space(text[end + 1])) &&
               text[end] != 0x3000 && text[end] != '\t')
            ++end;
        auto segment = normalize(std::u32string_view(text).substr(i, end - i));
        const long words = std::count_if(segment.begin(), segment.end(), [](char32_t c) {
            return is_ideograph(c) || is_ascii_letter(c);
        });
        if (words > best_words) best = std::move(segment), best_words = words;
        while (end < text.size() && (is_space(text[end]) || text[end] == '\t')) ++end;
        if (end >= text.size()) break;
        i = end;
    }
    return best;
}

}  // namespace

std::optional<std::int64_t> parse_yuan_to_fen(std::string_view token) {
    if (token.size() > 64) return std::nullopt;
    return parse_money(normalize(decode_utf8(token)));
}

std::string normalize_receipt_line(std::string_view line) {
    return encode_utf8(normalize(decode_utf8(line)));
}

ReceiptFields extract_receipt_fields(const std::vector<TextLine>& input) {
    std::vector<Line> lines;
    lines.reserve(std::min(input.size(), kMaxLines));
    for (const auto& in : input) {
        if (lines.size() >= kMaxLines) break;
        // A line is cut at its first kMaxLineChars characters; decoding more is wasted.
        auto text = normalize(decode_utf8(
            std::string_view(in.text).substr(0, std::min(in.text.size(), kMaxLineChars * 4))));
        if (text.empty()) continue;
        float confidence = in.confidence;
        if (!(confidence >= 0.0F)) confidence = 0.0F;  // NaN too
        confidence = std::min(confidence, 1.0F);
        lines.push_back({std::move(text), confidence, in.text});
    }

    ReceiptFields fields;
    // The paid total: the best-ranked label; among equals the last (totals come last).
    int best_rank = 0;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const auto& line = lines[i].text;
        if (misleading_money_line(line)) continue;
        const int rank = amount_rank(line);
        if (rank == 0 || rank < best_rank) continue;
        auto amount = last_money_on(line);
        float confidence = lines[i].confidence;
        if (!amount && i + 1 < lines.size() && amount_rank(lines[i + 1].text) == 0 &&
            !misleading_money_line(lines[i + 1].text)) {
            amount = last_money_on(lines[i + 1].text);
            confidence = std::min(confidence, lines[i + 1].confidence);
        }
        if (!amount) continue;
        best_rank = rank;
        fields.amount_minor = *amount;
        fields.amount_confidence = confidence;
    }

    std::optional<NumberHit> number;
    for (std::size_t i = 0; i < lines.size(); ++i)
        if (auto hit = number_on(lines, i); hit && (!number || hit->rank > number->rank))
            number = std::move(hit);
    // A label the recogniser garbled (流水如: XS-039434): near the top, a value after a
    // colon that looks like a receipt number and is not a date, a time or a figure.
    for (std::size_t i = 0; i < lines.size() && i < 8 && !number; ++i) {
        const auto& line = lines[i].text;
        if (contains_any(line, {U"日期", U"时间", U"收银", U"机号", U"电话", U"Tel", U"TEL"}) ||
            amount_rank(line) > 0)
            continue;
        const auto colon = line.find_first_of(U":;");
        if (colon == std::u32string::npos || colon > 8) continue;
        auto value = number_after(line, colon + 1);
        if (!value || value->size() < 6 ||
            std::count_if(value->begin(), value->end(), is_digit) < 4 ||
            date_on(digits_view(*value), true))
            continue;
        number = NumberHit{std::move(*value), 0, i};
    }
    if (number) {
        fields.receipt_number = encode_utf8(number->value);
        fields.receipt_number_confidence = lines[number->line].confidence;
    }

    // The date: a separated date on a line labelled as one first, then any separated
    // date, then 20261201 standing alone on a line that is not the receipt number's.
    auto take_date = [&](auto&& wanted, bool compact) {
        for (std::size_t i = 0; i < lines.size() && !fields.date; ++i) {
            if (!wanted(i)) continue;
            if (auto date = date_on(digits_view(lines[i].text), compact)) {
                fields.date = encode_utf8(*date);
                fields.date_confidence = lines[i].confidence;
            }
        }
    };
    take_date(
        [&](std::size_t i) {
            return contains_any(lines[i].text, {U"日期", U"时间", U"Date", U"DATE"});
        },
        false);
    take_date([](std::size_t) { return true; }, false);
    take_date(
        [&](std::size_t i) {
            return !(number && number->line == i) && amount_rank(lines[i].text) == 0 &&
                   !contains_any(lines[i].text, {U"单号", U"流水号", U"票号", U"No", U"NO"});
        },
        true);

    for (std::size_t i = 0; i < lines.size() && i < kShopNameLines; ++i) {
        if (auto name = shop_name_from(widest_segment(lines[i].raw))) {
            fields.shop_name = encode_utf8(*name);
            fields.shop_name_confidence = lines[i].confidence;
            break;
        }
    }
    return fields;
}

ReceiptFields extract_receipt_fields(std::string_view text) {
    std::vector<TextLine> lines;
    while (!text.empty() && lines.size() < kMaxLines) {
        const auto end = text.find('\n');
        lines.push_back({std::string(text.substr(0, end)), 1.0F});
        if (end == std::string_view::npos) break;
        text.remove_prefix(end + 1);
    }
    return extract_receipt_fields(lines);
}

}  // namespace loyalty::devices
