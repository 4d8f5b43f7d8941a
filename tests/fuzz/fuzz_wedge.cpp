// A keyboard-wedge reader's report stream: 8-byte boot-keyboard reports, fed in order,
// with the partial-read timeout exercised between some of them.
#include <chrono>

#include "fuzz_support.hpp"
#include "loyalty/devices/wedge_decoder.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace std::chrono;
    loyalty::devices::WedgeDecoder decoder;
    auto at = steady_clock::time_point{} + hours{1};
    for (std::size_t i = 0; i < size; i += 8) {
        const std::size_t n = std::min<std::size_t>(8, size - i);
        (void)decoder.feed({data + i, n}, at);
        at += milliseconds{data[i] & 0x3f};  // gaps of 0..63 ms; some reports arrive late
        if ((data[i] & 0xc0) == 0xc0) {
            at += milliseconds{400};
            (void)decoder.expire(at);
        }
    }
    return 0;
}
