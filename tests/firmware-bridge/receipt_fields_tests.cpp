// The receipt field extractor on text: what Tesseract gives back from real receipt
// layouts, the lines that look like a total but are not, and garbage.
#include <doctest/doctest.h>

#include <string>

#include "loyalty/devices/receipt_fields.hpp"

using namespace loyalty::devices;

namespace {

const char* const kSupermarket =
    "永辉超市（天河店）\n"
    "欢迎光临\n"
    "小票号：0012026120100042\n"
    "日期：2026-12-01 14:32:05  收银员：07\n"
    "--------------------------------\n"
    "品名        数量    单价    金额\n"
    "鲜牛奶      2       12.50   25.00\n"
    "苹果        1       18.80   18.80\n"
    "--------------------------------\n"
    "合计：                      43.80\n"
    "优惠：                      -5.00\n"
    "实付：                     ¥38.80\n"
    "现金：                     100.00\n"
    "找零：                      61.20\n"
    "谢谢惠顾\n";

}  // namespace

TEST_CASE("a supermarket receipt gives its shop, number, paid total and date") {
    const auto f = extract_receipt_fields(kSupermarket);
    CHECK(f.shop_name == "永辉超市(天河店)");
    CHECK(f.receipt_number == "0012026120100042");
    CHECK(f.amount_minor == 3880);
    CHECK(f.date == "2026-12-01");
    CHECK(f.amount_confidence == doctest::Approx(1.0));
}

TEST_CASE("the paid total wins over the total, and change, discounts and cash are never it") {
    CHECK(extract_receipt_fields("合计 88.00\n实付 80.00\n").amount_minor == 8000);
    CHECK(extract_receipt_fields("实付 80.00\n合计 88.00\n").amount_minor == 8000);
    CHECK(extract_receipt_fields("应付金额 120.00\n现金 200.00\n找零 80.00\n").amount_minor ==
          12000);
    CHECK(extract_receipt_fields("合计 50.00\n优惠合计 10.00\n").amount_minor == 5000);
    CHECK(extract_receipt_fields("找零 12.00\n优惠 3.00\n现金 100.00\n").amount_minor ==
          std::nullopt);
    // 金额 as a column header and a count after 合计 are not money.
    CHECK(extract_receipt_fields("品名 数量 金额\n合计 3件 ¥66.50\n").amount_minor == 6650);
    CHECK(extract_receipt_fields("合计: 3\n").amount_minor == std::nullopt);
}

TEST_CASE("amounts with thousands, full-width digits, ￥, 元 and a recogniser's slips") {
    CHECK(extract_receipt_fields("实付：￥１，２８８．００").amount_minor == 128800);
    CHECK(extract_receipt_fields("合计 1,288.00").amount_minor == 128800);
    CHECK(extract_receipt_fields("合计 1.288.00").amount_minor == 128800);  // '.' for ','
    CHECK(extract_receipt_fields("合计 88,00").amount_minor == 8800);       // ',' for '.'
    CHECK(extract_receipt_fields("合计 Y1,.083.00").amount_minor == 108300);
    CHECK(extract_receipt_fields("实付 V303.00").amount_minor == 30300);  // ¥ read as V
    CHECK(extract_receipt_fields("合计: 88元").amount_minor == 8800);
    CHECK(extract_receipt_fields("合计: ¥ 7").amount_minor == 700);
    CHECK(extract_receipt_fields("合计 12.5").amount_minor == 1250);
    CHECK(extract_receipt_fields("合计 1O8.OO").amount_minor == 10800);  // O for 0
    // The figure on the next line when the label stands alone.
    CHECK(extract_receipt_fields("实付金额\n¥56.00\n").amount_minor == 5600);
}

TEST_CASE("yuan become fen with integer arithmetic and refuse what is not one figure") {
    CHECK(parse_yuan_to_fen("0.01") == 1);
    CHECK(parse_yuan_to_fen("0.10") == 10);
    CHECK(parse_yuan_to_fen("0.1") == 10);
    CHECK(parse_yuan_to_fen("19.99") == 1999);
    CHECK(parse_yuan_to_fen("999999999.99") == 99999999999);
    CHECK(parse_yuan_to_fen("1,000,000.00") == 100000000);
    CHECK(parse_yuan_to_fen("¥12.30") == 1230);
    CHECK(parse_yuan_to_fen("１２．３０") == 1230);
    CHECK(parse_yuan_to_fen("1000000000.00") == std::nullopt);  // over a billion yuan
    CHECK(parse_yuan_to_fen("12.345") == std::nullopt);
    CHECK(parse_yuan_to_fen("1,28,8.00") == std::nullopt);
    CHECK(parse_yuan_to_fen("12a.00") == std::nullopt);
    CHECK(parse_yuan_to_fen("-5.00") == std::nullopt);
    CHECK(parse_yuan_to_fen("") == std::nullopt);
    CHECK(parse_yuan_to_fen(".") == std::nullopt);
    CHECK(parse_yuan_to_fen("99999999999999999999999999.00") == std::nullopt);
}

TEST_CASE("receipt numbers follow their labels and keep letters and dashes") {
    CHECK(extract_receipt_fields("单号: XS-039434").receipt_number == "XS-039434");
    CHECK(extract_receipt_fields("订单号：A20615756 收银员：03").receipt_number == "A20615756");
    CHECK(extract_receipt_fields("流水号; 2025091337688").receipt_number == "2025091337688");
    CHECK(extract_receipt_fields("No. 00123456").receipt_number == "00123456");
    CHECK(extract_receipt_fields("NO:7781-22").receipt_number == "7781-22");
    CHECK(extract_receipt_fields("单号 XS.064783").receipt_number == "XS-064783");  // dash as dot
    CHECK(extract_receipt_fields("小票号\nA0042-17\n").receipt_number == "A0042-17");
    CHECK(extract_receipt_fields("流水号 2O26l201").receipt_number == "20261201");  // O, l
    // Not numbers: too short, no digits, a month after "Nov".
    CHECK(extract_receipt_fields("单号: 12").receipt_number == std::nullopt);
    CHECK(extract_receipt_fields("单号: ABCDEF").receipt_number == std::nullopt);
    CHECK(extract_receipt_fields("Nov 2026 12345").receipt_number == std::nullopt);
    // A garbled label near the top still gives a number-like value after its colon.
    CHECK(extract_receipt_fields("某店\n流水如: XS-039434\n日期: 2026-01-02").receipt_number ==
          "XS-039434");
    // The best label wins: a receipt number over a transaction number.
    CHECK(extract_receipt_fields("交易号: 99887766\n小票号: 1234567").receipt_number == "1234567");
}

TEST_CASE("dates in every printed form become YYYY-MM-DD and impossible dates are refused") {
    CHECK(extract_receipt_fields("日期: 2026-12-01").date == "2026-12-01");
    CHECK(extract_receipt_fields("2026/12/01 14:32").date == "2026-12-01");
    CHECK(extract_receipt_fields("2026年12月1日").date == "2026-12-01");
    CHECK(extract_receipt_fields("2026 年 3 月 9 日").date == "2026-03-09");
    CHECK(extract_receipt_fields("日期：20261201").date == "2026-12-01");
    CHECK(extract_receipt_fields("２０２６－１２－０１").date == "2026-12-01");
    CHECK(extract_receipt_fields("2026.12.01").date == "2026-12-01");
    CHECK(extract_receipt_fields("日期: 2026-06-241439").date == "2026-06-24");  // time glued on
    CHECK(extract_receipt_fields("日期: 20250S24").date == "2025-05-24");        // S for 5
    CHECK(extract_receipt_fields("2028-02-29").date == "2028-02-29");
    CHECK(extract_receipt_fields("2026-02-29").date == std::nullopt);
    CHECK(extract_receipt_fields("2026-13-01").date == std::nullopt);
    CHECK(extract_receipt_fields("1999-12-01").date == std::nullopt);
    // A receipt number that starts with a date is not the date.
    CHECK(extract_receipt_fields("单号: 20261201").date == std::nullopt);
    CHECK(extract_receipt_fields("单号: 202612010042").date == std::nullopt);
    // The labelled date wins over one elsewhere.
    CHECK(extract_receipt_fields("有效期至 2027-01-31\n日期 2026-12-01").date == "2026-12-01");
}

TEST_CASE("the shop is the first line of words, not a greeting, a title or noise") {
    CHECK(extract_receipt_fields("欢迎光临\n星巴克咖啡\n单号: 1234").shop_name == "星巴克咖啡");
    CHECK(extract_receipt_fields("*** 屈臣氏 ***\n").shop_name == "屈臣氏");
    CHECK(extract_receipt_fields("购物小票\n名 创 优 品\n").shop_name == "名创优品");
    CHECK(extract_receipt_fields("奈雪的茶     和\n").shop_name == "奈雪的茶");  // a speck
    CHECK(extract_receipt_fields("”绿茶餐厅\n").shop_name == "绿茶餐厅");
    CHECK(extract_receipt_fields("UNIQLO 优衣库\n").shop_name == "UNIQLO优衣库");
    CHECK(extract_receipt_fields("., -' ~\n12345 678\n").shop_name == std::nullopt);
    CHECK(extract_receipt_fields("单号: 1234\n日期: 2026-12-01\n").shop_name == std::nullopt);
}

TEST_CASE("garbage, invalid UTF-8 and empty text give no fields and no crash") {
    for (const std::string& text :
         {std::string(), std::string("\n\n\n"), std::string("\xff\xfe\x80\xc3", 4),
          std::string("合计\xe5\x90", 8), std::string(5000, '9'), std::string("实付\0 1.00", 11),
          std::string("日期 ") + std::string(3000, '2'), std::string(2000, '.')}) {
        const auto f = extract_receipt_fields(text);
        CHECK_FALSE(f.date.has_value());
        CHECK_FALSE(f.shop_name.has_value());
    }
    CHECK(normalize_receipt_line("\xff") == "\xef\xbf\xbd");
}

TEST_CASE("each field carries the confidence of the line it was read from") {
    const auto f = extract_receipt_fields(std::vector<TextLine>{{"星巴克咖啡", 0.91F},
                                                                {"单号: A123456", 0.62F},
                                                                {"2026-12-01", 0.8F},
                                                                {"实付 ¥36.00", 0.75F}});
    CHECK(f.shop_name_confidence == doctest::Approx(0.91));
    CHECK(f.receipt_number_confidence == doctest::Approx(0.62));
    CHECK(f.date_confidence == doctest::Approx(0.8));
    CHECK(f.amount_confidence == doctest::Approx(0.75));
    CHECK(extract_receipt_fields("").amount_confidence == 0.0F);
}
