#include "loyalty/devices/ccid.hpp"

namespace loyalty::devices::ccid {
namespace {
Bytes message(std::uint8_t type, std::uint8_t slot, std::uint8_t seq,
              std::span<const std::uint8_t> data) {
    // dwLength is little-endian; the three bytes after bSeq are message specific (zero here).
    const std::size_t length = data.size();
    Bytes out;
    out.reserve(10 + length);
    for (std::uint8_t b : {type, static_cast<std::uint8_t>(length & 0xFF),
                           static_cast<std::uint8_t>((length >> 8) & 0xFF),
                           static_cast<std::uint8_t>((length >> 16) & 0xFF),
                           static_cast<std::uint8_t>((length >> 24) & 0xFF), slot, seq,
                           std::uint8_t{0}, std::uint8_t{0}, std::uint8_t{0}})
        out.push_back(b);
    for (std::uint8_t b : data) out.push_back(b);
    return out;
}
}  // namespace

Bytes power_on(std::uint8_t slot, std::uint8_t seq) {
    return message(kIccPowerOn, slot, seq, {});
}

Bytes xfr_block(std::uint8_t slot, std::uint8_t seq, std::span<const std::uint8_t> apdu) {
    return message(kXfrBlock, slot, seq, apdu);
}

Result<Bytes> parse_data_block(std::span<const std::uint8_t> f, std::uint8_t expected_seq) {
    if (f.size() < 10)
        return make_error(Errc::invalid_argument,
                          "CCID: short frame (" + std::to_string(f.size()) + " bytes)");
    if (f[0] != kDataBlock)
        return make_error(Errc::invalid_argument,
                          "CCID: unexpected message type " + hex(f.subspan(0, 1)));
    const std::size_t length = f[1] | (f[2] << 8) | (static_cast<std::size_t>(f[3]) << 16) |
                               (static_cast<std::size_t>(f[4]) << 24);
    if (f[6] != expected_seq)
        return make_error(Errc::invalid_argument, "CCID: answer to another request (sequence)");
    // bStatus bits 6-7: command status (0 = ok, 1 = failed); bits 0-1: ICC presence.
    if ((f[7] & 0xC0) != 0)
        return make_error(Errc::not_found, "CCID: slot error " + hex(f.subspan(8, 1)) +
                                               " (status " + hex(f.subspan(7, 1)) + ")");
    if (f.size() - 10 < length)
        return make_error(Errc::invalid_argument, "CCID: truncated data block");
    return Bytes(f.begin() + 10, f.begin() + 10 + static_cast<std::ptrdiff_t>(length));
}

Result<std::string> uid_from_response(std::span<const std::uint8_t> r) {
    if (r.size() < 2)
        return make_error(Errc::invalid_argument, "get UID: response shorter than a status word");
    const auto sw = r.subspan(r.size() - 2);
    if (sw[0] == 0x90 && sw[1] == 0x00) {
        if (r.size() == 2)
            return make_error(Errc::invalid_argument, "get UID: 90 00 without a UID");
        if (r.size() - 2 > 10)
            return make_error(Errc::invalid_argument, "get UID: UID longer than 10 bytes");
        return hex(r.first(r.size() - 2));
    }
    if (sw[0] == 0x63 && sw[1] == 0x00)
        return make_error(Errc::not_found, "get UID: no card (63 00)");
    if (sw[0] == 0x6A && sw[1] == 0x81)
        return make_error(Errc::invalid_argument, "get UID: not supported (6A 81)");
    return make_error(Errc::invalid_argument, "get UID: status " + hex(sw));
}

std::string hex(std::span<const std::uint8_t> bytes) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (auto b : bytes) {
        out.push_back(digits[b >> 4]);
        out.push_back(digits[b & 0x0F]);
    }
    return out;
}

}  // namespace loyalty::devices::ccid
