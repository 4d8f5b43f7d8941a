#include "loyalty/devices/hid_pos.hpp"

#include "loyalty/devices/ccid.hpp"

namespace loyalty::devices {
namespace {
constexpr std::size_t kReportSize = 64;
constexpr std::size_t kMaxData = 56;
constexpr std::size_t kMaxScan = 8 * 1024;  // a scanner that never stops "continuing" is broken

bool printable_utf8(const std::string& s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::size_t len = c < 0x80           ? 1
                          : (c >> 5) == 0x6  ? 2
                          : (c >> 4) == 0xE  ? 3
                          : (c >> 3) == 0x1E ? 4
                                             : 0;
        if (len == 0 || i + len > s.size()) return false;
        if (len == 1 && (c < 0x20 || c == 0x7F) && c != '\t') return false;
        for (std::size_t k = 1; k < len; ++k)
            if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
        if (len == 2 && c < 0xC2) return false;  // overlong
        i += len;
    }
    return true;
}
}  // namespace

std::string scan_payload(const std::string& data) {
    if (printable_utf8(data)) return data;
    return ccid::hex({reinterpret_cast<const std::uint8_t*>(data.data()), data.size()});
}

std::optional<Result<HidPosScan>> HidPosAssembler::feed(std::span<const std::uint8_t> r) {
    if (r.empty() || r[0] != kHidPosScannedDataReport) return std::nullopt;
    auto refuse = [&](std::string why) -> std::optional<Result<HidPosScan>> {
        pending_.clear();
        aim_.clear();
        return Result<HidPosScan>(make_error(Errc::invalid_argument, "HID POS: " + std::move(why)));
    };
    if (r.size() < kReportSize)
        return refuse("short report (" + std::to_string(r.size()) + " bytes)");
    const std::size_t length = r[1];
    if (length > kMaxData) return refuse("data length " + std::to_string(length) + " exceeds 56");
    const std::string aim(reinterpret_cast<const char*>(&r[2]), 3);
    if (aim[0] != ']') return refuse("no AIM symbology identifier");
    if (!aim_.empty() && aim != aim_) return refuse("continued report of another symbology");
    aim_ = aim;
    pending_.append(reinterpret_cast<const char*>(&r[5]), length);
    if (pending_.size() > kMaxScan) return refuse("scan longer than 8 KiB");
    if (r[63] & 0x01) return std::nullopt;  // more to come
    HidPosScan scan{aim_, aim_[1] == 'Q' ? ScanKind::qr : ScanKind::barcode, std::move(pending_)};
    pending_.clear();
    aim_.clear();
    if (scan.data.empty())
        return Result<HidPosScan>(make_error(Errc::invalid_argument, "HID POS: empty scan"));
    return Result<HidPosScan>(std::move(scan));
}

}  // namespace loyalty::devices
