#pragma once
// HID POS "Scanned Data Report" sequences as a scanner sends them (64 bytes each,
// 56 bytes of data per report, bit 0 of the last byte set while more follows).
#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace loyalty::devices::test {

inline std::vector<std::array<std::uint8_t, 64>> hid_pos_reports(const std::string& aim,
                                                                 const std::string& data) {
    std::vector<std::array<std::uint8_t, 64>> out;
    std::size_t at = 0;
    do {
        std::array<std::uint8_t, 64> r{};
        const std::size_t n = std::min<std::size_t>(56, data.size() - at);
        r[0] = 0x02;
        r[1] = static_cast<std::uint8_t>(n);
        std::copy_n(aim.begin(), 3, r.begin() + 2);
        std::copy_n(data.begin() + static_cast<std::ptrdiff_t>(at), n, r.begin() + 5);
        at += n;
        r[63] = at < data.size() ? 0x01 : 0x00;
        out.push_back(r);
    } while (at < data.size());
    return out;
}

}  // namespace loyalty::devices::test
