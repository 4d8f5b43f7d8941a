// A receipt's QR as the mall kiosk reads it: the e-invoice QR, a shop's own format (and the
// format itself, from the program file), amounts and dates. Input: "<format>\n<text>"; without
// a newline the text alone, against the demo mall's formats.
#include "fuzz_support.hpp"
#include "loyalty/receipt_codes.hpp"

namespace {

// What every code read must satisfy: an amount a claim can hold, a date that reads again, a
// receipt number a claim can store.
void check(const loyalty::ReadReceipt& r) {
    if (r.amount.minor < 0 || r.amount.minor > 100'000'000'00) __builtin_trap();
    if (!r.date.empty() && loyalty::parse_receipt_date(r.date) != r.date) __builtin_trap();
    if (r.receipt.empty() || r.receipt.size() > 41) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace loyalty;
    static const ReceiptClaimRules rules = [] {
        ReceiptClaimRules r;
        MallShop a;
        a.code = "1023";
        a.receipt_formats = {"UQ|{receipt}|{amount}|{date}"};
        MallShop b;
        b.code = "2015";
        b.receipt_formats = {"HDL|{date}|{*}|NO.{receipt};AMT={amount_fen}"};
        r.shops = {a, b};
        return r;
    }();
    const auto input = fuzz::as_text(data, size);
    const auto cut = input.find('\n');
    const auto text = cut == std::string::npos ? std::string_view(input)
                                               : std::string_view(input).substr(cut + 1);
    if (cut != std::string::npos) {
        const auto format = std::string_view(input).substr(0, cut);
        const bool usable = !check_receipt_format(format);
        const auto matched = match_receipt_format(format, text);
        // A format refused by the check never matches anything.
        if (!usable && matched) __builtin_trap();
        if (matched) check(*matched);
    }
    if (auto r = read_receipt_code(rules, text); r.ok()) check(*r);
    (void)parse_yuan(text);
    (void)parse_receipt_date(text);
    return 0;
}
