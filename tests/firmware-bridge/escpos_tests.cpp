#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "loyalty/devices/escpos.hpp"
#include "receipts.hpp"
#include "temp_dir.hpp"

using namespace loyalty::devices;
using Bytes = std::vector<std::uint8_t>;

namespace {
Bytes bytes(std::initializer_list<int> b) {
    Bytes out;
    for (int x : b) out.push_back(static_cast<std::uint8_t>(x));
    return out;
}
Bytes concat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}
const Bytes kQrPreamble = bytes({0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00,  // model 2
                                 0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x43, 0x06,        // module 6
                                 0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x45, 0x31});      // EC M
const Bytes kQrPrint = bytes({0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30});
}  // namespace

TEST_CASE("Chinese text is converted to GB18030 and English stays ASCII") {
    auto gb = utf8_to_gb18030("积分 Points 兑换");
    REQUIRE(gb);
    // 积 = BB FD, 分 = B7 D6, 兑 = B6 D2, 换 = BB BB in GB2312 (a subset of GB18030)
    const std::string expected = "\xBB\xFD\xB7\xD6 Points \xB6\xD2\xBB\xBB";
    CHECK(*gb == expected);
    // Pinyin é is in GB2312 (A8 A6); À and emoji are not and take GB18030's four-byte form.
    auto more = utf8_to_gb18030("\xC3\xA9\xC3\x80\xF0\x9F\x98\x80");
    REQUIRE(more);
    CHECK(*more == std::string("\xA8\xA6\x81\x30\x86\x38\x94\x39\xFC\x36", 10));
}

TEST_CASE("text that is not UTF-8 is refused, not printed as garbage") {
    auto bad = utf8_to_gb18030("ok\xFF\xFEmore");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message.find("not valid UTF-8 at byte 2") != std::string::npos);
    EscPosJob job;
    CHECK_FALSE(job.line("\xC3"));
    CHECK(job.bytes().empty());
}

TEST_CASE("a small QR is stored with pL = length + 3 and printed with GS ( k") {
    EscPosJob job;
    REQUIRE(job.qr("LM1.hub.abc"));
    const Bytes expected =
        concat({kQrPreamble, bytes({0x1D, 0x28, 0x6B, 11 + 3, 0x00, 0x31, 0x50, 0x30}),
                Bytes{'L', 'M', '1', '.', 'h', 'u', 'b', '.', 'a', 'b', 'c'}, kQrPrint});
    CHECK(job.bytes() == expected);
}

TEST_CASE("a QR payload over 255 bytes carries its length in pL and pH") {
    const std::string payload(300, 'x');  // 303 = 0x012F -> pL 0x2F, pH 0x01
    EscPosJob job;
    REQUIRE(job.qr(payload, 4, QrErrorCorrection::Q));
    Bytes expected =
        bytes({0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00, 0x1D, 0x28, 0x6B, 0x03,
               0x00, 0x31, 0x43, 0x04, 0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x45, 0x32});
    expected = concat({expected, bytes({0x1D, 0x28, 0x6B, 0x2F, 0x01, 0x31, 0x50, 0x30}),
                       Bytes(payload.begin(), payload.end()), kQrPrint});
    CHECK(job.bytes() == expected);

    // The boundary: 253 bytes + 3 = 256 -> pL 0, pH 1.
    EscPosJob edge;
    REQUIRE(edge.qr(std::string(253, 'y')));
    CHECK(edge.bytes()[kQrPreamble.size() + 3] == 0x00);
    CHECK(edge.bytes()[kQrPreamble.size() + 4] == 0x01);
}

TEST_CASE("QR payloads the symbol cannot hold are refused") {
    EscPosJob job;
    CHECK_FALSE(job.qr(""));
    CHECK_FALSE(job.qr(std::string(7090, '1')));
    CHECK_FALSE(job.qr("x", 0));
    CHECK(job.bytes().empty());
}

TEST_CASE("a coupon slip prints as the exact byte sequence to a printer path") {
    const EscPosJob job = test::coupon_job();
    const Bytes expected =
        concat({bytes({0x1B, 0x40, 0x1C, 0x26, 0x1B, 0x61, 0x01, 0x1B, 0x45, 0x01}),
                bytes({0xD3, 0xC5, 0xBB, 0xDD, 0xC8, 0xAF, 0x0A}),  // 优惠券 in GB18030
                bytes({0x1B, 0x45, 0x00, 0x1B, 0x61, 0x00}),
                Bytes{'1', '0', ' ', 'R', 'M', 'B', ' ', 'o', 'f', 'f', 0x0A}, kQrPreamble,
                bytes({0x1D, 0x28, 0x6B, 0x07, 0x00, 0x31, 0x50, 0x30}), Bytes{'C', '-', '4', '2'},
                kQrPrint, bytes({0x1B, 0x64, 0x03, 0x1D, 0x56, 0x42, 0x03})});
    CHECK(job.bytes() == expected);

    test::TempDir dir;
    const auto path = dir.path() / "lp0";
    PathPrinter printer(path.string());
    REQUIRE(printer.print(job.bytes()));
    REQUIRE(printer.print(job.bytes()));  // a second job appends, like a device would
    std::ifstream in(path, std::ios::binary);
    const Bytes written{std::istreambuf_iterator<char>(in), {}};
    CHECK(written.size() == 2 * expected.size());
    CHECK(Bytes(written.begin(), written.begin() + static_cast<long>(expected.size())) == expected);
}

TEST_CASE("a printer path that cannot be opened is an error value") {
    PathPrinter printer("/nonexistent-dir/lp0");
    auto r = printer.print(Bytes{0x1B, 0x40});
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("/nonexistent-dir/lp0") != std::string::npos);
}

TEST_CASE("Chinese characters take two cells when lining up columns") {
    CHECK(*display_width("Points") == 6);
    CHECK(*display_width("积分") == 4);
    CHECK(*display_width("兑换 coupon") == 11);
    CHECK(*display_width("ＡＢ") == 4);  // fullwidth forms
    CHECK_FALSE(display_width("\xE7\xA7"));
}

TEST_CASE("a receipt row puts the amount flush right on 32 columns, Chinese or not") {
    EscPosJob job;
    REQUIRE(job.row("积分余额", "1,280"));  // 8 cells + 19 spaces + 5 cells = 32
    auto expected = *utf8_to_gb18030("积分余额" + std::string(19, ' ') + "1,280");
    expected.push_back('\n');
    CHECK(std::string(job.bytes().begin(), job.bytes().end()) == expected);

    EscPosJob long_name;
    // Too long for the line: cut at a whole character, one space kept before the amount.
    REQUIRE(long_name.row("会员专享兑换券满一百减二十元可叠加使用", "-20.00"));
    // 25 cells of room: 12 characters (24 cells) fit, the 13th would not; 2 spaces pad to 32.
    auto cut = *utf8_to_gb18030("会员专享兑换券满一百减二  -20.00");
    cut.push_back('\n');
    CHECK(std::string(long_name.bytes().begin(), long_name.bytes().end()) == cut);
    CHECK_FALSE(long_name.row("ok", "\xFF"));
}
