#pragma once
// ISO/IEC 7813 magnetic-stripe tracks as a reader hands them over (ASCII, with
// sentinels). Malformed tracks are refused with a reason a person can act on.
#include <optional>
#include <string>
#include <string_view>

#include "loyalty/result.hpp"

namespace loyalty::devices {

// Track 2: ";" PAN "=" YYMM service-code discretionary "?" [LRC]
struct Track2 {
    std::string pan;
    std::string expiry_yymm;
    std::string service_code;
    std::string discretionary;
    bool lrc_checked = false;  // the reader passed the LRC through and it matched
};

// Track 1 (format B): "%B" PAN "^" NAME "^" YYMM service-code discretionary "?" [LRC]
struct Track1 {
    std::string pan;
    std::string name;
    std::string expiry_yymm;
    std::string service_code;
    std::string discretionary;
    bool lrc_checked = false;
};

Result<Track1> parse_track1(std::string_view track);
Result<Track2> parse_track2(std::string_view track);

// A whole swipe as a wedge reader types it: track 1 and/or track 2 back to back.
// Track 2 is preferred for the account; a swipe with a broken track 2 but a good
// track 1 still reads (and the other way round), a swipe with neither is refused.
struct Swipe {
    std::optional<Track1> track1;
    std::optional<Track2> track2;
    const std::string& account() const { return track2 ? track2->pan : track1->pan; }
};
Result<Swipe> parse_swipe(std::string_view text);

}  // namespace loyalty::devices
