#pragma once
// Recognised receipt text -> the fields a points claim needs (shop, receipt number,
// paid total, date). Pure: no OCR engine here, so it can be tested on text and fuzzed.
// Written for Chinese shop receipts as a thermal printer prints them; every field is
// optional because a photo may be cut, blurred or of something else entirely.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace loyalty::devices {

// One line of recognised text and the recogniser's confidence in it (0..1).
struct TextLine {
    std::string text;  // UTF-8
    float confidence = 1.0F;
};

// The fields read from a receipt. Each confidence (0..1) is the recogniser's
// confidence in the line the field was read from; 0 when the field is absent.
struct ReceiptFields {
    std::optional<std::string> shop_name;       // as printed, CJK spacing removed
    std::optional<std::string> receipt_number;  // letters, digits and '-', as printed
    std::optional<std::int64_t> amount_minor;   // the paid total in fen (1 yuan = 100)
    std::optional<std::string> date;            // YYYY-MM-DD
    float shop_name_confidence = 0.0F;
    float receipt_number_confidence = 0.0F;
    float amount_confidence = 0.0F;
    float date_confidence = 0.0F;
};

// Full-width forms (０-９, Ａ-Ｚ, ：, ．, （）, the ideographic space) become their ASCII
// forms and ￥ becomes ¥, invalid UTF-8 becomes U+FFFD, runs of white space become one
// space and a space next to a CJK character (recognisers put them between ideographs)
// is dropped.
std::string normalize_receipt_line(std::string_view line);

// Reads the fields from lines in print order. Amounts: the last money figure on the
// line of the best total label (实付 > 应付 > 实收金额 > 合计 > 总计 > 金额), never from
// lines of change, discounts or tendered cash (找零, 优惠, 现金...); yuan with
// decimals are turned into fen with integer arithmetic only.
ReceiptFields extract_receipt_fields(const std::vector<TextLine>& lines);

// The same for plain text (lines split at '\n', each with confidence 1).
ReceiptFields extract_receipt_fields(std::string_view text);

// "88.00", "¥1,288.5", "88,00" -> fen; nullopt when `token` is not one money figure.
std::optional<std::int64_t> parse_yuan_to_fen(std::string_view token);

}  // namespace loyalty::devices
