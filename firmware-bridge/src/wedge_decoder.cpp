#include "loyalty/devices/wedge_decoder.hpp"

#include <algorithm>
#include <utility>

namespace loyalty::devices {
namespace {
constexpr std::uint8_t kEnter = 0x28;
constexpr std::uint8_t kKeypadEnter = 0x58;
constexpr std::uint8_t kTab = 0x2B;
constexpr std::uint8_t kErrorRollOver = 0x01;
constexpr std::uint8_t kShiftMask = 0x02 | 0x20;  // left shift | right shift
}  // namespace

char hid_usage_to_char(std::uint8_t usage, bool shift) {
    if (usage >= 0x04 && usage <= 0x1D) {  // a..z
        const char c = static_cast<char>('a' + (usage - 0x04));
        return shift ? static_cast<char>(c - 'a' + 'A') : c;
    }
    if (usage >= 0x1E && usage <= 0x27) {  // 1..9, 0
        static constexpr char plain[] = "1234567890";
        static constexpr char shifted[] = "!@#$%^&*()";
        return (shift ? shifted : plain)[usage - 0x1E];
    }
    if (usage >= 0x2C && usage <= 0x38) {  // space - = [ ] \ (non-US #) ; ' ` , . /
        static constexpr char plain[] = " -=[]\\#;'`,./";
        static constexpr char shifted[] = " _+{}|~:\"~<>?";
        return (shift ? shifted : plain)[usage - 0x2C];
    }
    if (usage >= 0x59 && usage <= 0x62) {  // keypad 1..9, 0 (NumLock assumed on)
        static constexpr char pad[] = "1234567890";
        return pad[usage - 0x59];
    }
    switch (usage) {
        case 0x54:
            return '/';
        case 0x55:
            return '*';
        case 0x56:
            return '-';
        case 0x57:
            return '+';
        case 0x63:
            return '.';
        default:
            return 0;
    }
}

std::optional<std::string> WedgeDecoder::feed(std::span<const std::uint8_t> report, TimePoint at) {
    if (report.size() < 3) return std::nullopt;
    const auto keys = report.subspan(2, std::min<std::size_t>(6, report.size() - 2));
    if (std::ranges::any_of(keys, [](std::uint8_t k) { return k == kErrorRollOver; }))
        return std::nullopt;
    const bool shift = (report[0] & kShiftMask) != 0;

    std::optional<std::string> completed;
    for (const std::uint8_t key : keys) {
        if (key == 0) continue;
        if (std::ranges::find(held_, key) != std::end(held_))
            continue;  // still held, not a new press
        expire(at);
        last_key_ = at;
        if (key == kEnter || key == kKeypadEnter || (key == kTab && config_.tab_terminates)) {
            if (!buffer_.empty()) completed = std::exchange(buffer_, {});
            continue;
        }
        const char c = hid_usage_to_char(key, shift);
        if (c == 0) continue;
        if (buffer_.size() >= config_.max_length) {  // a runaway device: drop, don't grow
            buffer_.clear();
            ++dropped_;
        }
        buffer_.push_back(c);
    }
    std::fill(std::begin(held_), std::end(held_), std::uint8_t{0});
    std::copy(keys.begin(), keys.end(), std::begin(held_));
    return completed;
}

bool WedgeDecoder::expire(TimePoint now) {
    if (buffer_.empty() || now - last_key_ <= config_.partial_timeout) return false;
    buffer_.clear();
    ++dropped_;
    return true;
}

}  // namespace loyalty::devices
