// ISO 7813 magnetic-stripe text as a reader types it: track 1 and 2, LRC, separators.
#include "fuzz_support.hpp"
#include "loyalty/devices/magstripe.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto text = loyalty::fuzz::as_text(data, size);
    (void)loyalty::devices::parse_swipe(text);
    (void)loyalty::devices::parse_track1(text);
    (void)loyalty::devices::parse_track2(text);
    return 0;
}
