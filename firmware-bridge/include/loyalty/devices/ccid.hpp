#pragma once
// CCID (USB smart-card reader class) framing for NFC readers of the ACR122U kind:
// APDUs travel in PC_to_RDR_XfrBlock messages over the bulk OUT endpoint and come
// back in RDR_to_PC_DataBlock messages on bulk IN. Pure bytes: no USB here.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "loyalty/result.hpp"

namespace loyalty::devices::ccid {

using Bytes = std::vector<std::uint8_t>;

inline constexpr std::uint8_t kIccPowerOn = 0x62;
inline constexpr std::uint8_t kXfrBlock = 0x6F;
inline constexpr std::uint8_t kDataBlock = 0x80;

// The get-UID pseudo APDU (PC/SC part 3): FF CA 00 00 00 -> UID bytes + 90 00.
inline const Bytes kGetUid{0xFF, 0xCA, 0x00, 0x00, 0x00};
// ACR122U bi-colour LED + buzzer: blink green once with a short beep.
// FF 00 40 P2 04 T1 T2 repeat buzzer-link; P2 0x2A = green blink, final green.
inline const Bytes kAckLedBuzzer{0xFF, 0x00, 0x40, 0x2A, 0x04, 0x01, 0x01, 0x01, 0x01};

Bytes power_on(std::uint8_t slot, std::uint8_t seq);
Bytes xfr_block(std::uint8_t slot, std::uint8_t seq, std::span<const std::uint8_t> apdu);

// A parsed RDR_to_PC_DataBlock. Refuses frames that are short, of another type,
// answer another sequence number, or report a slot error.
Result<Bytes> parse_data_block(std::span<const std::uint8_t> frame, std::uint8_t expected_seq);

// The UID from a get-UID response (data + SW1 SW2): upper-case hex on 90 00;
// "no card" on 63 00, "not supported" on 6A 81, the status words otherwise.
Result<std::string> uid_from_response(std::span<const std::uint8_t> response);

std::string hex(std::span<const std::uint8_t> bytes);

}  // namespace loyalty::devices::ccid
