#pragma once
// What a receipt's QR code says, for a mall's receipt claims: the national e-invoice QR, or a
// shop's own format (MallShop::receipt_formats). Pure functions over text: no database, no
// clock, so the kiosk can read a code before asking the engine anything, and a fuzzer can
// hammer them.
#include <optional>
#include <string>
#include <string_view>

#include "loyalty/mall_rules.hpp"
#include "loyalty/result.hpp"

namespace loyalty {

enum class ReceiptSource { e_invoice, shop_code, keyed };
const char* to_string(ReceiptSource source);

struct ReadReceipt {
    ReceiptSource source = ReceiptSource::keyed;
    std::optional<std::string> shop;  // a shop format names its shop; an e-invoice does not
    std::string receipt;              // e-invoice: invoice code + number (数电票: the number)
    Money amount{};
    std::string date;  // "YYYY-MM-DD"
};

// The e-invoice QR (增值税电子发票 and 全电/数电票): comma-separated version, type, invoice code
// (10 or 12 digits; empty on a fully digitized invoice, whose number has 20 digits), number,
// amount before tax ("128.50"), date (YYYYMMDD), check code, and a trailer.
// "01,10,044031900111,12345678,128.50,20261201,12345678901234567890,A1B2,"
// std::nullopt when the text is not shaped like one; an error when it is but a field is wrong.
std::optional<Result<ReadReceipt>> read_e_invoice(std::string_view text);

// Whether `text` matches a shop's format; the fields it gives. A format that is itself
// malformed matches nothing (check_receipt_format says why).
std::optional<ReadReceipt> match_receipt_format(std::string_view format, std::string_view text);
// Why a format cannot be used (unknown field, two fields touching, no {receipt}), or nothing.
std::optional<std::string> check_receipt_format(std::string_view format);

// A scanned receipt code under the program's rules: an e-invoice when they accept those, else
// the first shop whose format matches. Errc::invalid_argument says what is wrong with it.
Result<ReadReceipt> read_receipt_code(const ReceiptClaimRules& rules, std::string_view text);

// Amount typed or printed in yuan ("128", "128.5", "128.50", "1,280.00") as fen.
std::optional<Money> parse_yuan(std::string_view text);
// A date as 20261201 or 2026-12-01 (a real calendar date), as "YYYY-MM-DD".
std::optional<std::string> parse_receipt_date(std::string_view text);

}  // namespace loyalty
