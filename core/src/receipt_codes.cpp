#include "loyalty/receipt_codes.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <vector>

namespace loyalty {

namespace {

constexpr std::size_t kMaxCodeLength = 512;       // a receipt QR is short; longer is not one
constexpr std::int64_t kMaxFen = 100'000'000'00;  // 100 million yuan: no receipt says more

bool all_digits(std::string_view s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::vector<std::string_view> split(std::string_view text, char sep) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (true) {
        const auto at = text.find(sep, start);
        out.push_back(text.substr(start, at == std::string_view::npos ? text.npos : at - start));
        if (at == std::string_view::npos) return out;
        start = at + 1;
    }
}

bool receipt_number_char(char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' ||
           c == '_';
}

bool valid_receipt_number(std::string_view s) {
    return !s.empty() && s.size() <= 40 && std::all_of(s.begin(), s.end(), receipt_number_char);
}

// A shop format as parsed: literal text and fields, alternating as written.
struct FormatPart {
    bool field = false;
    std::string_view text;  // the literal, or the field's name
};

constexpr std::array<std::string_view, 5> kFields{"receipt", "amount", "amount_fen", "date", "*"};

std::optional<std::vector<FormatPart>> parse_format(std::string_view format,
                                                    std::string* why = nullptr) {
    auto fail = [&](std::string reason) -> std::optional<std::vector<FormatPart>> {
        if (why) *why = std::move(reason);
        return std::nullopt;
    };
    if (format.empty() || format.size() > 200) return fail("a format is 1 to 200 characters");
    std::vector<FormatPart> parts;
    std::size_t at = 0;
    while (at < format.size()) {
        const auto open = format.find('{', at);
        if (open != at) {
            const auto literal = format.substr(at, open == format.npos ? format.npos : open - at);
            if (literal.find('}') != literal.npos) return fail("a '}' outside a field");
            parts.push_back({false, literal});
            if (open == format.npos) break;
        }
        const auto close = format.find('}', open);
        if (close == format.npos) return fail("a field is not closed with '}'");
        const auto name = format.substr(open + 1, close - open - 1);
        if (std::find(kFields.begin(), kFields.end(), name) == kFields.end())
            return fail("unknown field {" + std::string(name) +
                        "} (receipt, amount, amount_fen, date, *)");
        if (!parts.empty() && parts.back().field)
            return fail("two fields touch: put text between {" + std::string(parts.back().text) +
                        "} and {" + std::string(name) + "}");
        if (name != "*")
            for (const auto& p : parts)
                if (p.field && p.text == name) return fail("{" + std::string(name) + "} twice");
        parts.push_back({true, name});
        at = close + 1;
    }
    const bool has_receipt = std::any_of(parts.begin(), parts.end(), [](const FormatPart& p) {
        return p.field && p.text == "receipt";
    });
    if (!has_receipt) return fail("a format needs {receipt}");
    // A code without its amount or date could never be claimed: every claim needs both.
    const auto amounts = std::count_if(parts.begin(), parts.end(), [](const FormatPart& p) {
        return p.field && (p.text == "amount" || p.text == "amount_fen");
    });
    if (amounts != 1) return fail("a format needs one of {amount} or {amount_fen}");
    if (std::none_of(parts.begin(), parts.end(),
                     [](const FormatPart& p) { return p.field && p.text == "date"; }))
        return fail("a format needs {date}");
    return parts;
}

}  // namespace

const char* to_string(ReceiptSource source) {
    switch (source) {
        case ReceiptSource::e_invoice:
            return "e_invoice";
        case ReceiptSource::shop_code:
            return "shop_code";
        case ReceiptSource::keyed:
            return "keyed";
    }
    return "keyed";
}

std::optional<Money> parse_yuan(std::string_view text) {
    std::string digits;
    std::size_t decimals = 0;
    bool point = false;
    // Thousands separators only where they belong: "1,280.00", never "12,34".
    std::size_t since_comma = 0;
    bool grouped = false;
    for (const char c : text) {
        if (c == ',' && !point) {
            if (digits.empty() || (grouped && since_comma != 3) || (!grouped && digits.size() > 3))
                return std::nullopt;
            grouped = true;
            since_comma = 0;
            continue;
        }
        if (c == '.' && grouped && since_comma != 3) return std::nullopt;
        if (c >= '0' && c <= '9' && !point) ++since_comma;
        if (c == '.' && !point) {
            point = true;
            continue;
        }
        if (c < '0' || c > '9') return std::nullopt;
        if (point && ++decimals > 2) return std::nullopt;
        if (digits.size() >= 13) return std::nullopt;
        digits += c;
    }
    if (digits.empty() || digits.size() == decimals) return std::nullopt;  // "" or ".5"
    if (point && decimals == 0) return std::nullopt;                       // "128."
    if (grouped && !point && since_comma != 3) return std::nullopt;        // "1,28"
    std::int64_t fen = std::stoll(digits);
    for (auto d = decimals; d < 2; ++d) fen *= 10;
    if (fen > kMaxFen) return std::nullopt;
    return Money{fen};
}

std::optional<std::string> parse_receipt_date(std::string_view text) {
    std::string digits;
    if (text.size() == 8 && all_digits(text))
        digits = text;
    else if (text.size() == 10 && text[4] == '-' && text[7] == '-' &&
             all_digits(text.substr(0, 4)) && all_digits(text.substr(5, 2)) &&
             all_digits(text.substr(8, 2)))
        digits = std::string(text.substr(0, 4)) + std::string(text.substr(5, 2)) +
                 std::string(text.substr(8, 2));
    else
        return std::nullopt;
    const int y = std::stoi(digits.substr(0, 4));
    const auto m = static_cast<unsigned>(std::stoi(digits.substr(4, 2)));
    const auto d = static_cast<unsigned>(std::stoi(digits.substr(6, 2)));
    if (y < 2000 || y > 2099) return std::nullopt;
    if (!std::chrono::year_month_day{std::chrono::year{y}, std::chrono::month{m},
                                     std::chrono::day{d}}
             .ok())
        return std::nullopt;
    return digits.substr(0, 4) + "-" + digits.substr(4, 2) + "-" + digits.substr(6, 2);
}

std::optional<Result<ReadReceipt>> read_e_invoice(std::string_view text) {
    if (text.size() > kMaxCodeLength) return std::nullopt;
    const auto f = split(text, ',');
    // Shape: "01," version, a two-digit type, and at least the date's field.
    if (f.size() < 6 || f[0] != "01" || f[1].size() != 2 || !all_digits(f[1])) return std::nullopt;
    auto bad = [](std::string why) -> std::optional<Result<ReadReceipt>> {
        return Result<ReadReceipt>(make_error(Errc::invalid_argument, "e-invoice QR: " + why));
    };
    const auto code = f[2];
    const auto number = f[3];
    if (code.empty()) {
        if (number.size() != 20 || !all_digits(number))
            return bad("a fully digitized invoice's number has 20 digits");
    } else {
        if ((code.size() != 10 && code.size() != 12) || !all_digits(code))
            return bad("the invoice code has 10 or 12 digits");
        if (number.size() != 8 || !all_digits(number))
            return bad("the invoice number has 8 digits");
    }
    const auto amount = parse_yuan(f[4]);
    if (!amount || amount->minor <= 0) return bad("the amount is not a positive yuan figure");
    if (f[5].size() != 8) return bad("the date is not YYYYMMDD");
    const auto date = parse_receipt_date(f[5]);
    if (!date) return bad("the date is not YYYYMMDD");
    ReadReceipt r;
    r.source = ReceiptSource::e_invoice;
    // Code and number apart: a 12-digit code + 8-digit number never reads as a 20-digit 数电
    // number.
    r.receipt = code.empty() ? std::string(number) : std::string(code) + "-" + std::string(number);
    r.amount = *amount;
    r.date = *date;
    return Result<ReadReceipt>(std::move(r));
}

std::optional<std::string> check_receipt_format(std::string_view format) {
    std::string why;
    if (parse_format(format, &why)) return std::nullopt;
    return why;
}

std::optional<ReadReceipt> match_receipt_format(std::string_view format, std::string_view text) {
    if (text.size() > kMaxCodeLength) return std::nullopt;
    const auto parts = parse_format(format);
    if (!parts) return std::nullopt;
    ReadReceipt r;
    r.source = ReceiptSource::shop_code;
    std::size_t at = 0;
    for (std::size_t i = 0; i < parts->size(); ++i) {
        const auto& part = (*parts)[i];
        if (!part.field) {
            if (text.substr(at, part.text.size()) != part.text) return std::nullopt;
            at += part.text.size();
            continue;
        }
        // A field runs to the first place the literal after it matches (or to the end): no
        // backtracking, so matching stays linear however hostile the text.
        std::size_t end = text.size();
        if (i + 1 < parts->size()) {
            end = text.find((*parts)[i + 1].text, at);
            if (end == text.npos) return std::nullopt;
        }
        const auto value = text.substr(at, end - at);
        at = end;
        if (part.text == "receipt") {
            if (!valid_receipt_number(value)) return std::nullopt;
            r.receipt = value;
        } else if (part.text == "amount") {
            const auto a = parse_yuan(value);
            if (!a) return std::nullopt;
            r.amount = *a;
        } else if (part.text == "amount_fen") {
            if (!all_digits(value) || value.size() > 12) return std::nullopt;
            r.amount = Money{std::stoll(std::string(value))};
            if (r.amount.minor > kMaxFen) return std::nullopt;
        } else if (part.text == "date") {
            const auto d = parse_receipt_date(value);
            if (!d) return std::nullopt;
            r.date = *d;
        }
    }
    if (at != text.size()) return std::nullopt;
    return r;
}

Result<ReadReceipt> read_receipt_code(const ReceiptClaimRules& rules, std::string_view text) {
    if (rules.e_invoices)
        if (auto invoice = read_e_invoice(text)) return std::move(*invoice);
    for (const auto& shop : rules.shops)
        for (const auto& format : shop.receipt_formats)
            if (auto r = match_receipt_format(format, text)) {
                r->shop = shop.code;
                return std::move(*r);
            }
    return make_error(Errc::invalid_argument, "not a receipt code of a shop in this mall");
}

}  // namespace loyalty
