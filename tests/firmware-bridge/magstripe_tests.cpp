#include <doctest/doctest.h>

#include "loyalty/devices/magstripe.hpp"

using namespace loyalty::devices;

namespace {
// Computes the LRC the way a reader does, so tests can append a right or wrong one.
char track2_lrc(std::string_view framed) {
    unsigned acc = 0;
    for (char c : framed) acc ^= static_cast<unsigned>(c - '0') & 0x0F;
    return static_cast<char>('0' + acc);
}
char track1_lrc(std::string_view framed) {
    unsigned acc = 0;
    for (char c : framed) acc ^= static_cast<unsigned>(c - ' ') & 0x3F;
    return static_cast<char>(' ' + acc);
}
std::string refusal(const auto& r) {
    return r ? std::string("accepted") : r.error().message;
}
}  // namespace

TEST_CASE("a track 2 swipe yields account, expiry, service code and discretionary data") {
    auto t = parse_track2(";6280001234567890=28121010000?");
    REQUIRE(t);
    CHECK(t->pan == "6280001234567890");
    CHECK(t->expiry_yymm == "2812");
    CHECK(t->service_code == "101");
    CHECK(t->discretionary == "0000");
    CHECK_FALSE(t->lrc_checked);
}

TEST_CASE("a track 2 LRC is checked when the reader passes it through") {
    const std::string framed = ";6280001234567890=2812101?";
    auto good = parse_track2(framed + track2_lrc(framed));
    REQUIRE(good);
    CHECK(good->lrc_checked);
    const char wrong = static_cast<char>(track2_lrc(framed) == '0' ? '1' : '0');
    CHECK(refusal(parse_track2(framed + wrong)) == "track 2: LRC mismatch (misread swipe)");
}

TEST_CASE("malformed track 2 data is refused with the reason") {
    CHECK(refusal(parse_track2("")) == "track 2: empty");
    CHECK(refusal(parse_track2("6280001234=2812101?")) == "track 2: missing start sentinel ';'");
    CHECK(refusal(parse_track2(";6280001234=2812")) ==
          "track 2: missing end sentinel '?' (truncated swipe)");
    CHECK(refusal(parse_track2(";62800012342812101?")) == "track 2: missing field separator '='");
    CHECK(refusal(parse_track2(";=2812101?")) == "track 2: empty account number");
    CHECK(refusal(parse_track2(";62800012345678901234=2812101?")) ==
          "track 2: account number longer than 19 digits");
    CHECK(refusal(parse_track2(";62800A1234=2812101?")) ==
          "track 2: character outside the track 2 set");
    CHECK(refusal(parse_track2(";6280001234=28?")) ==
          "track 2: expiry (YYMM) and service code must follow the separator");
    CHECK(refusal(parse_track2(";6280001234=2813101?")) == "track 2: expiry month out of range");
    CHECK(refusal(parse_track2(";6280001234=2812101=1?")) ==
          "track 2: more than one field separator");
    CHECK(refusal(parse_track2(";6280001234=2812101?77")) ==
          "track 2: data after the end sentinel");
}

TEST_CASE("a track 1 swipe yields account and the cardholder's name") {
    const std::string framed = "%B6280001234567890^WANG/XIAOMING   ^2812101000000?";
    auto t = parse_track1(framed + track1_lrc(framed));
    REQUIRE(t);
    CHECK(t->pan == "6280001234567890");
    CHECK(t->name == "WANG/XIAOMING");
    CHECK(t->expiry_yymm == "2812");
    CHECK(t->service_code == "101");
    CHECK(t->lrc_checked);
}

TEST_CASE("malformed track 1 data is refused with the reason") {
    CHECK(refusal(parse_track1("%A6280001234^WANG/X^2812101?")) ==
          "track 1: format code must be 'B'");
    CHECK(refusal(parse_track1("%B6280001234WANG/X2812101?")) ==
          "track 1: missing field separator '^' after the account");
    CHECK(refusal(parse_track1("%B6280001234^WANG/X2812101?")) ==
          "track 1: missing field separator '^' after the name");
    CHECK(refusal(parse_track1("%B6280001234^W^2812101?")) ==
          "track 1: name must be 2 to 26 characters");
    CHECK(refusal(parse_track1("%B6280001234^wang^2812101?")) ==
          "track 1: character outside the track 1 set");
    CHECK(refusal(parse_track1("%B6280001234^WANG/X^2812101")) ==
          "track 1: missing end sentinel '?' (truncated swipe)");
}

TEST_CASE("a whole swipe prefers track 2 and survives one damaged track") {
    auto both = parse_swipe("%B6280001234567890^WANG/XIAOMING^2812101?;6280001234567890=2812101?");
    REQUIRE(both);
    CHECK(both->track1);
    CHECK(both->track2);
    CHECK(both->account() == "6280001234567890");

    auto t1_only = parse_swipe("%B6280009999^WANG/XIAOMING^2812101?;62800=2?");
    REQUIRE(t1_only);
    CHECK_FALSE(t1_only->track2);
    CHECK(t1_only->account() == "6280009999");

    auto none = parse_swipe("%B62800^WANG^28?;6280001234");
    REQUIRE_FALSE(none);
    CHECK(none.error().message.find("track 2: missing end sentinel") != std::string::npos);
    CHECK(refusal(parse_swipe("hello")) == "swipe: no track start sentinel ('%' or ';')");
}
