#include <doctest/doctest.h>

#include "hid_reports.hpp"
#include "loyalty/devices/wedge_decoder.hpp"

using namespace loyalty::devices;
using namespace std::chrono_literals;
using test::Report;

namespace {
std::vector<std::string> run(WedgeDecoder& d, const std::vector<Report>& reports,
                             WedgeDecoder::TimePoint start = {},
                             std::chrono::milliseconds step = 2ms) {
    std::vector<std::string> reads;
    auto t = start;
    for (const auto& r : reports) {
        if (auto s = d.feed(r, t)) reads.push_back(*s);
        t += step;
    }
    return reads;
}
}  // namespace

TEST_CASE("a wedge card read of digits and letters ends at Enter") {
    WedgeDecoder d;
    CHECK(run(d, test::type("6280001234567890\n")) == std::vector<std::string>{"6280001234567890"});
    CHECK(d.pending().empty());
}

TEST_CASE("shift from either side gives capitals and symbols") {
    WedgeDecoder d;
    CHECK(run(d, test::type("AbC%B12^?\n")) == std::vector<std::string>{"AbC%B12^?"});
    WedgeDecoder r;
    CHECK(run(r, test::type("XY?\n", true)) == std::vector<std::string>{"XY?"});
}

TEST_CASE("Tab terminates only when the device is configured so") {
    WedgeDecoder tab({.tab_terminates = true});
    CHECK(run(tab, test::type("123\t456\n")) == std::vector<std::string>{"123", "456"});
    WedgeDecoder no_tab({.tab_terminates = false});
    CHECK(run(no_tab, test::type("123\t456\n")) == std::vector<std::string>{"123456"});
}

TEST_CASE("repeated characters need a release between them and a held key counts once") {
    WedgeDecoder d;
    const Report one{0, 0, 0x1E, 0, 0, 0, 0, 0};
    const Report up{};
    const Report enter{0, 0, 0x28, 0, 0, 0, 0, 0};
    // 1 pressed, still held in the next report, released, pressed again: "11".
    CHECK(run(d, {one, one, up, one, up, enter, up}) == std::vector<std::string>{"11"});
}

TEST_CASE("two keys in one report (fast scanners roll over) both count, in order") {
    WedgeDecoder d;
    const Report two{0, 0, 0x1E, 0x1F, 0, 0, 0, 0};  // "1" and "2" down together
    const Report enter{0, 0, 0x28, 0, 0, 0, 0, 0};
    CHECK(run(d, {two, Report{}, enter, Report{}}) == std::vector<std::string>{"12"});
}

TEST_CASE("a partial read that stalls past the timeout is dropped, not glued to the next read") {
    WedgeDecoder d({.partial_timeout = 100ms});
    WedgeDecoder::TimePoint t{};
    auto half = test::type("6280");
    run(d, half, t);
    CHECK(d.pending() == "6280");
    CHECK_FALSE(d.expire(t + 50ms));
    // The next read starts well after the timeout.
    auto reads = run(d, test::type("1234\n"), t + 500ms);
    CHECK(reads == std::vector<std::string>{"1234"});
    CHECK(d.dropped_partials() == 1);
    run(d, test::type("99"), t + 1s);
    CHECK(d.expire(t + 2s));
    CHECK(d.pending().empty());
}

TEST_CASE("error-rollover, short and garbage reports are ignored without crashing") {
    WedgeDecoder d;
    const Report rollover{0, 0, 1, 1, 1, 1, 1, 1};
    const std::uint8_t short_report[2] = {0, 0};
    CHECK_FALSE(d.feed(rollover, {}));
    CHECK_FALSE(d.feed(short_report, {}));
    // Usages that type nothing (F1, arrows, reserved) add nothing.
    const Report junk{0xFF, 0xFF, 0x3A, 0x4F, 0xE0, 0xA5, 0xFF, 0x00};
    CHECK_FALSE(d.feed(junk, {}));
    CHECK(d.pending().empty());
    // An Enter with nothing pending is not a read.
    const Report enter{0, 0, 0x28, 0, 0, 0, 0, 0};
    CHECK_FALSE(d.feed(enter, {}));
}

TEST_CASE("a runaway device cannot grow the buffer without end") {
    WedgeDecoder d({.max_length = 16});
    auto reads = run(d, test::type(std::string(40, '7') + "\n"));
    REQUIRE(reads.size() == 1);
    CHECK(reads[0].size() <= 16);
}
