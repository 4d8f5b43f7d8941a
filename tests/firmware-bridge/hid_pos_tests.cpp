#include <doctest/doctest.h>

#include "hid_pos_reports.hpp"
#include "loyalty/devices/hid_pos.hpp"

using namespace loyalty::devices;

TEST_CASE("a HID POS scan in one report gives its symbology and data") {
    HidPosAssembler a;
    auto r = a.feed(test::hid_pos_reports("]Q1", "LM1.hub-1.abc")[0]);
    REQUIRE(r);
    REQUIRE(*r);
    CHECK((*r)->aim_id == "]Q1");
    CHECK((*r)->kind == ScanKind::qr);
    CHECK((*r)->data == "LM1.hub-1.abc");
}

TEST_CASE("a long scan continued over several reports is joined") {
    const std::string text(150, 'x');
    const auto reports = test::hid_pos_reports("]C0", text);
    REQUIRE(reports.size() == 3);
    HidPosAssembler a;
    CHECK_FALSE(a.feed(reports[0]));
    CHECK_FALSE(a.feed(reports[1]));
    auto r = a.feed(reports[2]);
    REQUIRE(r);
    REQUIRE(*r);
    CHECK((*r)->kind == ScanKind::barcode);
    CHECK((*r)->data == text);
}

TEST_CASE("malformed HID POS reports are refused with a reason and do not poison the next scan") {
    HidPosAssembler a;
    auto bad_len = test::hid_pos_reports("]E0", "6901234567892")[0];
    bad_len[1] = 57;
    CHECK(a.feed(bad_len)->error().message == "HID POS: data length 57 exceeds 56");
    auto no_aim = test::hid_pos_reports("]E0", "6901234567892")[0];
    no_aim[2] = 'E';
    CHECK(a.feed(no_aim)->error().message == "HID POS: no AIM symbology identifier");
    const std::uint8_t short_report[4] = {0x02, 1, ']', 'E'};
    CHECK(a.feed(short_report)->error().message == "HID POS: short report (4 bytes)");
    // A continued scan whose next part claims another symbology is dropped.
    auto first = test::hid_pos_reports("]C0", std::string(60, 'a'))[0];
    auto other = test::hid_pos_reports("]E0", "1")[0];
    CHECK_FALSE(a.feed(first));
    CHECK(a.feed(other)->error().message == "HID POS: continued report of another symbology");
    // Reports of other ids (e.g. the scanner's status report) are ignored.
    auto status = test::hid_pos_reports("]E0", "1")[0];
    status[0] = 0x04;
    CHECK_FALSE(a.feed(status));
    // And a good scan reads normally afterwards.
    auto good = a.feed(test::hid_pos_reports("]E0", "6901234567892")[0]);
    REQUIRE(good);
    CHECK((*good)->data == "6901234567892");
}

TEST_CASE("binary or non-UTF-8 payloads are hex-encoded for the event; text stays text") {
    CHECK(scan_payload("LM1.hub-1.abc") == "LM1.hub-1.abc");
    CHECK(scan_payload("会员 42") == "会员 42");
    CHECK(scan_payload(std::string("\x00\x01\xFF", 3)) == "0001FF");
    CHECK(scan_payload("ok\xC0\xAF") == "6F6BC0AF");               // overlong encoding of '/'
    CHECK(scan_payload("line\nbreak") == "6C696E650A627265616B");  // control characters
    CHECK(scan_payload("\xE4\xBC") == "E4BC");                     // truncated sequence
}
