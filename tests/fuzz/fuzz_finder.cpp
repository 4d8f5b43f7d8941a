// The camera's cheap QR finder-pattern pre-check over a grey frame: two bytes of width,
// then the pixels (height follows from the size; a stride wider than the row sometimes).
#include "finder_patterns.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 3) return 0;
    const int width = 1 + (data[0] | (data[1] & 0x03) << 8);  // 1..1024
    const int pad = data[1] >> 6;                             // stride = width + 0..3
    const int stride = width + pad;
    const std::size_t pixels = size - 2;
    const int height = static_cast<int>(pixels / static_cast<std::size_t>(stride));
    if (height < 1) return 0;
    loyalty::devices::detail::FinderRegion region;
    (void)loyalty::devices::detail::count_finder_patterns(data + 2, width, height, stride, 2, 2, 10,
                                                          &region);
    (void)loyalty::devices::detail::count_finder_patterns(data + 2, width, height, stride, 1, 1, 1,
                                                          nullptr);
    return 0;
}
