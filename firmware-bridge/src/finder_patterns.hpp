#pragma once
// A cheap look for QR finder patterns (the three 1:1:3:1:1 squares), used to tell
// "no code here" from "a code is in view that ZXing could not read": ZXing-cpp 1.4
// reports nothing at all for a QR whose error correction fails.
#include <cstdint>

namespace loyalty::devices::detail {

// 3 when three finder-like squares (confirmed across and down, crisp, of similar size)
// sit in an L as a QR's do; otherwise how many finder-like squares were seen (0..2).
// Rows are sampled every `row_step`; a square counts when seen on `min_hits` sampled rows
// and is at least `min_total` pixels across (7 modules).
struct FinderRegion {
    int x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // bounding box of the squares' centres
    float module = 0;                    // largest module size seen, in pixels
};
int count_finder_patterns(const std::uint8_t* data, int width, int height, int stride,
                          int row_step = 2, int min_hits = 2, int min_total = 10,
                          FinderRegion* region = nullptr);

}  // namespace loyalty::devices::detail
