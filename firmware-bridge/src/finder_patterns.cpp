#include "finder_patterns.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <vector>

namespace loyalty::devices::detail {
namespace {

struct Candidate {
    float x, y, module;
    int hits;
};

// Runs in 1:1:3:1:1 proportion, each within half a module (the centre 1.5 modules).
bool finder_ratio(const std::array<int, 5>& r, int min_total) {
    const int total = r[0] + r[1] + r[2] + r[3] + r[4];
    if (total < min_total) return false;
    const float m = static_cast<float>(total) / 7.0f, tol = m * 0.6f;
    return std::abs(static_cast<float>(r[0]) - m) < tol &&
           std::abs(static_cast<float>(r[1]) - m) < tol &&
           std::abs(static_cast<float>(r[3]) - m) < tol &&
           std::abs(static_cast<float>(r[4]) - m) < tol &&
           std::abs(static_cast<float>(r[2]) - 3 * m) < 2 * tol;
}

// Vertical check through (x, y) against threshold t: dark centre, light ring, dark ring.
bool vertical_ratio(const std::uint8_t* data, int height, int stride, int x, int y, int t,
                    int horizontal_total) {
    auto dark = [&](int yy) { return data[static_cast<std::ptrdiff_t>(yy) * stride + x] < t; };
    if (!dark(y)) return false;
    std::array<int, 5> r{};
    int yy = y;
    while (yy >= 0 && dark(yy)) ++r[2], --yy;
    while (yy >= 0 && !dark(yy) && r[1] <= horizontal_total) ++r[1], --yy;
    while (yy >= 0 && dark(yy) && r[0] <= horizontal_total) ++r[0], --yy;
    yy = y + 1;
    while (yy < height && dark(yy)) ++r[2], ++yy;
    while (yy < height && !dark(yy) && r[3] <= horizontal_total) ++r[3], ++yy;
    while (yy < height && dark(yy) && r[4] <= horizontal_total) ++r[4], ++yy;
    const int total = r[0] + r[1] + r[2] + r[3] + r[4];
    return finder_ratio(r, 7) && std::abs(total - horizontal_total) * 2 < horizontal_total;
}

}  // namespace

int count_finder_patterns(const std::uint8_t* data, int width, int height, int stride, int row_step,
                          int min_hits, int min_total, FinderRegion* region) {
    constexpr int kRadius = 24;      // local mean window: follows lighting and texture, not modules
    constexpr int kHysteresis = 10;  // grey levels either side of the mean before a run flips
    std::vector<int> prefix(static_cast<std::size_t>(width) + 1);
    std::vector<Candidate> found;
    for (int y = 0; y < height; y += row_step) {
        const std::uint8_t* row = data + static_cast<std::ptrdiff_t>(y) * stride;
        for (int x = 0; x < width; ++x)
            prefix[static_cast<std::size_t>(x) + 1] = prefix[static_cast<std::size_t>(x)] + row[x];
        std::array<int, 5> runs{};  // the last five completed runs, oldest first
        int completed = 0;          // runs completed in this row
        int run = 0;
        bool run_dark = false;
        for (int x = 0; x <= width; ++x) {
            bool dark = !run_dark;  // x == width closes the last run
            if (x < width) {
                const int lo = std::max(0, x - kRadius), hi = std::min(width, x + kRadius + 1);
                const int n = hi - lo;
                const int sum =
                    prefix[static_cast<std::size_t>(hi)] - prefix[static_cast<std::size_t>(lo)];
                // Against the local mean, with hysteresis: sensor noise around the mean
                // must not split runs (it also keeps the number of runs, and so the cost, low).
                const int scaled = row[x] * n;
                dark = run_dark ? scaled < sum + kHysteresis * n : scaled < sum - kHysteresis * n;
            }
            if (x == 0 || dark == run_dark) {
                run_dark = dark;
                ++run;
                continue;
            }
            runs = {runs[1], runs[2], runs[3], runs[4], run};
            ++completed;
            // Five runs ending in a dark one: dark light dark light dark.
            if (run_dark && completed >= 5 && finder_ratio(runs, min_total)) {
                const int total = runs[0] + runs[1] + runs[2] + runs[3] + runs[4];
                const int cx = x - runs[4] - runs[3] - runs[2] / 2 - 1;
                // Printed or on a screen, a finder is crisp: its dark centre is well below
                // its light ring. Texture and noise that merely happen to fit the ratio are not.
                int dark_sum = 0, light_sum = 0;
                for (int k = x - runs[4] - runs[3] - runs[2]; k < x - runs[4] - runs[3]; ++k)
                    dark_sum += row[k];
                for (int k = x - runs[4] - runs[3]; k < x - runs[4]; ++k) light_sum += row[k];
                for (int k = x - total + runs[0]; k < x - total + runs[0] + runs[1]; ++k)
                    light_sum += row[k];
                const int dark_mean = dark_sum / runs[2],
                          light_mean = light_sum / (runs[1] + runs[3]);
                if (light_mean - dark_mean >= 40 &&
                    vertical_ratio(data, height, stride, cx, y, (dark_mean + light_mean) / 2,
                                   total)) {
                    const float m = static_cast<float>(total) / 7.0f;
                    // Candidates arrive roughly in row order: only recent ones can be this one.
                    const auto from = found.size() > 32 ? found.end() - 32 : found.begin();
                    auto near = std::find_if(from, found.end(), [&](const Candidate& c) {
                        return std::abs(c.x - static_cast<float>(cx)) < 2 * m &&
                               std::abs(c.y - static_cast<float>(y)) < 4 * m + 2;
                    });
                    if (near == found.end() && found.size() < 4096)
                        found.push_back({static_cast<float>(cx), static_cast<float>(y), m, 1});
                    else if (near != found.end())
                        near->y = static_cast<float>(y), ++near->hits;
                }
            }
            run_dark = dark;
            run = 1;
        }
    }
    std::erase_if(found, [&](const Candidate& c) { return c.hits < min_hits; });
    if (region && !found.empty()) {
        FinderRegion r{width, height, 0, 0, 0};
        for (const auto& c : found) {
            r.x0 = std::min(r.x0, static_cast<int>(c.x));
            r.y0 = std::min(r.y0, static_cast<int>(c.y));
            r.x1 = std::max(r.x1, static_cast<int>(c.x));
            r.y1 = std::max(r.y1, static_cast<int>(c.y));
            r.module = std::max(r.module, c.module);
        }
        *region = r;
    }
    // Three of similar module size in an L: two equal sides at a right angle.
    int triples = 0;
    const auto n = found.size();
    for (std::size_t a = 0; a < n && n <= 64; ++a)
        for (std::size_t b = 0; b < n; ++b)
            for (std::size_t c = b + 1; c < n; ++c) {
                if (a == b || a == c) continue;
                const auto& A = found[a];
                const auto& B = found[b];
                const auto& C = found[c];
                auto similar = [](float p, float q) {
                    return std::abs(p - q) < 0.4f * std::max(p, q);
                };
                if (!similar(A.module, B.module) || !similar(A.module, C.module)) continue;
                const float bx = B.x - A.x, by = B.y - A.y, cx = C.x - A.x, cy = C.y - A.y;
                const float lb = std::hypot(bx, by), lc = std::hypot(cx, cy);
                if (lb < 7 * A.module || !similar(lb, lc)) continue;
                if (std::abs(bx * cx + by * cy) < 0.25f * lb * lc) ++triples;
            }
    return triples > 0 ? 3 : static_cast<int>(std::min<std::size_t>(n, 2));
}

}  // namespace loyalty::devices::detail
