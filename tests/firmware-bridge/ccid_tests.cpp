#include <doctest/doctest.h>

#include "loyalty/devices/ccid.hpp"

using namespace loyalty::devices;
using Bytes = ccid::Bytes;

TEST_CASE("get-UID travels in a CCID XfrBlock with a little-endian length and a sequence number") {
    CHECK(ccid::xfr_block(0, 7, ccid::kGetUid) ==
          Bytes{0x6F, 0x05, 0, 0, 0, 0x00, 0x07, 0, 0, 0, 0xFF, 0xCA, 0, 0, 0});
    CHECK(ccid::power_on(0, 1) == Bytes{0x62, 0, 0, 0, 0, 0x00, 0x01, 0, 0, 0});
}

TEST_CASE("a DataBlock answer is unwrapped, checked against its request and its slot status") {
    const Bytes ok{0x80, 0x04, 0, 0, 0, 0x00, 0x03, 0x00, 0x00, 0x00, 0xDE, 0xAD, 0x90, 0x00};
    auto data = ccid::parse_data_block(ok, 3);
    REQUIRE(data);
    CHECK(*data == Bytes{0xDE, 0xAD, 0x90, 0x00});
    CHECK(ccid::parse_data_block(ok, 4).error().message ==
          "CCID: answer to another request (sequence)");
    CHECK(ccid::parse_data_block(Bytes{0x80, 0x04}, 3).error().message ==
          "CCID: short frame (2 bytes)");
    const Bytes truncated{0x80, 0x08, 0, 0, 0, 0x00, 0x03, 0x00, 0x00, 0x00, 0x90, 0x00};
    CHECK(ccid::parse_data_block(truncated, 3).error().message == "CCID: truncated data block");
    const Bytes failed{0x80, 0x00, 0,    0,    0,
                       0x00, 0x03, 0x42, 0xFE, 0x00};  // no ICC, command failed
    CHECK(ccid::parse_data_block(failed, 3).error().message == "CCID: slot error FE (status 42)");
    const Bytes other{0x81, 0x00, 0, 0, 0, 0x00, 0x03, 0x00, 0x00, 0x00};
    CHECK_FALSE(ccid::parse_data_block(other, 3));
}

TEST_CASE("the get-UID response gives an upper-case hex UID or the reason there is none") {
    CHECK(*ccid::uid_from_response(Bytes{0x04, 0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0xF6, 0x90, 0x00}) ==
          "04A1B2C3D4E5F6");
    CHECK(*ccid::uid_from_response(Bytes{0xDE, 0xAD, 0xBE, 0xEF, 0x90, 0x00}) == "DEADBEEF");
    CHECK(ccid::uid_from_response(Bytes{0x63, 0x00}).error().message == "get UID: no card (63 00)");
    CHECK(ccid::uid_from_response(Bytes{0x6A, 0x81}).error().message ==
          "get UID: not supported (6A 81)");
    CHECK(ccid::uid_from_response(Bytes{0x90, 0x00}).error().message ==
          "get UID: 90 00 without a UID");
    CHECK(ccid::uid_from_response(Bytes{0x90}).error().message ==
          "get UID: response shorter than a status word");
    CHECK(ccid::uid_from_response(Bytes(13, 0x11)).error().message == "get UID: status 1111");
}
