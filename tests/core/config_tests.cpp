// Program configuration as data: TOML and JSON, validated with clear errors.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "loyalty/insight.hpp"
#include "loyalty/json_limits.hpp"
#include "loyalty/program_config.hpp"
#include "test_support.hpp"

using namespace loyalty;
using namespace loyalty::test;

TEST_CASE("the demo program loads from TOML with its tiers, rules and rewards") {
    auto c = load_program_config_file(std::filesystem::path(LOYALTY_SOURCE_DIR) /
                                      "assets/config/demo-program.toml");
    REQUIRE(c.ok());
    CHECK(c->code == "DEMO");
    CHECK(c->tiers.levels.size() == 3);
    CHECK(c->tier("gold")->multiplier_percent == 150);
    CHECK(c->tier("platinum")->member_prices.at("SH-3388") == 109900);
    CHECK(c->earning.excluded_categories.size() == 2);
    CHECK(c->earning.windows.size() == 1);
    CHECK(c->rewards.size() == 7);
    CHECK(c->rfm.weight_f == 8);
}

TEST_CASE("a program config survives a JSON round trip unchanged") {
    const auto c = test_program();
    const auto json = program_config_to_json(c);
    auto again = parse_program_config_json(json);
    REQUIRE(again.ok());
    CHECK(program_config_to_json(*again) == json);
}

TEST_CASE("invalid program configs are refused with the reason") {
    auto refuse = [](const std::string& json, const std::string& needle) {
        auto c = parse_program_config_json(json);
        REQUIRE_FALSE(c.ok());
        CHECK(c.error().code == Errc::invalid_argument);
        CHECK_MESSAGE(c.error().message.find(needle) != std::string::npos, c.error().message);
    };
    refuse(R"({"code":"X","tiers":{"levels":[{"code":"a","threshold":5}]}})", "threshold 0");
    refuse(
        R"({"code":"X","tiers":{"levels":[{"code":"a","threshold":0},{"code":"b","threshold":0}]}})",
        "ascending");
    refuse(R"({"code":"X","earning":{"rounding":"up"},"tiers":{"levels":[{"code":"a"}]}})",
           "rounding");
    refuse(R"({"code":"X"})", "tiers");
    refuse(R"({"code":"X","earning":{"unit_minor":"100"},"tiers":{"levels":[{"code":"a"}]}})",
           "unit_minor");
    refuse(R"({"code":"X","tiers":{"levels":[{"code":"a","birthday_gift":"NOPE"}]}})", "NOPE");
    refuse("not json", "program config");
    refuse(
        R"({"code":"X","earning":{"expiry_months":12,"expiry_days":90},"tiers":{"levels":[{"code":"a"}]}})",
        "expiry_months or expiry_days, not both");
    refuse(R"({"code":"X","earning":{"expiry_days":0},"tiers":{"levels":[{"code":"a"}]}})",
           "expiry_days must be");
    refuse(R"({"code":"X","tiers":{"downgrade":"sometimes","levels":[{"code":"a"}]}})",
           "tiers.downgrade must be review, immediate or never, not 'sometimes'");
}

TEST_CASE("expiry in days and the tier downgrade mode are read and kept through a round trip") {
    auto c = parse_program_config_json(
        R"({"code":"X","earning":{"expiry_days":90},"tiers":{"downgrade":"immediate","levels":[{"code":"a"}]}})");
    REQUIRE(c.ok());
    CHECK(c->earning.expiry_days == 90);
    CHECK(c->tiers.downgrade == TierDowngrade::immediate);
    auto again = parse_program_config_json(program_config_to_json(*c));
    REQUIRE(again.ok());
    CHECK(again->earning.expiry_days == 90);
    CHECK(again->tiers.downgrade == TierDowngrade::immediate);
    auto plain = parse_program_config_json(R"({"code":"X","tiers":{"levels":[{"code":"a"}]}})");
    REQUIRE(plain.ok());
    CHECK(plain->earning.expiry_days == 0);  // today's behaviour: whole months
    CHECK(plain->earning.expiry_months == 24);
    CHECK(plain->tiers.downgrade == TierDowngrade::review);
    auto never = parse_program_config_json(
        R"({"code":"X","tiers":{"downgrade":"never","levels":[{"code":"a"}]}})");
    REQUIRE(never.ok());
    CHECK(never->tiers.downgrade == TierDowngrade::never);
}

TEST_CASE("a TOML syntax error names the file and line") {
    TempDir dir;
    const auto path = dir.path() / "bad.toml";
    std::ofstream(path) << "code = \"X\"\n[tiers\n";
    auto c = load_program_config_file(path);
    REQUIRE_FALSE(c.ok());
    CHECK(c.error().message.find("bad.toml:2") != std::string::npos);
}

TEST_CASE("a program or campaign file over 4 MiB is refused before it is read, naming the file") {
    TempDir dir;
    const auto path = dir.path() / "huge.toml";
    {
        std::ofstream out(path);
        out << "code = \"X\"\n# " << std::string((std::size_t{4} << 20), 'x') << "\n";
    }
    auto program = load_program_config_file(path);
    REQUIRE_FALSE(program.ok());
    CHECK(program.error().message.find("huge.toml") != std::string::npos);
    CHECK(program.error().message.find("bytes is refused") != std::string::npos);
}

TEST_CASE(
    "JSON nested deeper than any document of ours is refused before parsing, with the reason") {
    const std::string deep = std::string(100000, '[') + std::string(100000, ']');
    auto program = parse_program_config_json(R"({"code":"X","rules":)" + deep + "}");
    REQUIRE_FALSE(program.ok());
    CHECK(program.error().message.find("deeper than") != std::string::npos);
    auto filter = parse_member_filter(R"({"tiers":)" + deep + "}");
    REQUIRE_FALSE(filter.ok());
    CHECK(filter.error().message.find("deeper than") != std::string::npos);
    // Brackets inside strings are text, not nesting.
    CHECK_FALSE(
        json_nesting_refusal(R"({"name":")" + std::string(1000, '[') + R"("})").has_value());
    CHECK(json_nesting_refusal(std::string(33, '[')).has_value());
    CHECK_FALSE(json_nesting_refusal(std::string(32, '[')).has_value());
}

TEST_CASE(
    "numbers that are floats or out of range in a program or a member filter are refused, naming "
    "the field") {
    auto config = loyalty::test::test_program();
    auto j = nlohmann::json::parse(program_config_to_json(config));
    for (const char* bad : {"3e44", "1.5", "-9223372036854775809", "18446744073709551615"}) {
        CAPTURE(bad);
        auto mangled = j;
        mangled["earning"]["daily_cap"] = nlohmann::json::parse(bad);
        auto parsed = parse_program_config_json(mangled.dump());
        REQUIRE_FALSE(parsed.ok());
        CHECK(parsed.error().message.find("daily_cap") != std::string::npos);
        // Found by the long fuzz run: a reward's value was read with a plain cast.
        mangled = j;
        REQUIRE_FALSE(mangled["rewards"].empty());
        mangled["rewards"][0]["value_minor"] = nlohmann::json::parse(bad);
        parsed = parse_program_config_json(mangled.dump());
        REQUIRE_FALSE(parsed.ok());
        CHECK(parsed.error().message.find("value_minor") != std::string::npos);
        auto filter = parse_member_filter(std::string(R"({"rfm_min":)") + bad + "}");
        REQUIRE_FALSE(filter.ok());
        CHECK(filter.error().message.find("rfm_min") != std::string::npos);
    }
}
