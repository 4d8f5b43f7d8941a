#pragma once
// ESC/POS receipt printers: coupons, redemption slips and the manager's closing
// report. The builder produces the exact bytes; a ReceiptPrinter sends them.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "loyalty/result.hpp"

namespace loyalty::devices {

// Printed width in half-width cells: East Asian wide characters (CJK, fullwidth forms)
// count 2, everything else 1. Refuses invalid UTF-8.
Result<int> display_width(std::string_view utf8);

// UTF-8 -> GB18030 (the code page Chinese ESC/POS printers print), via glibc iconv.
// ASCII maps to itself. Invalid UTF-8 is refused rather than printed as garbage.
Result<std::string> utf8_to_gb18030(std::string_view utf8);

enum class Align : std::uint8_t { left = 0, center = 1, right = 2 };
enum class QrErrorCorrection : std::uint8_t { L = 0x30, M = 0x31, Q = 0x32, H = 0x33 };

// Builds one print job. Text is UTF-8 in, GB18030 out; the printer is put in
// Chinese character mode (FS &) by init() so double-byte characters print.
class EscPosJob {
  public:
    EscPosJob& init();                         // ESC @, then FS & (Chinese mode)
    EscPosJob& align(Align a);                 // ESC a n
    EscPosJob& bold(bool on);                  // ESC E n
    EscPosJob& double_size(bool on);           // GS ! n
    Result<void> text(std::string_view utf8);  // no newline
    Result<void> line(std::string_view utf8);  // text + LF
    // One line with `left` flush left and `right` flush right on paper `columns`
    // half-width cells wide (32 on 58 mm paper, 48 on 80 mm). Chinese characters take
    // two cells. A left part too long for the line is cut at a character boundary.
    Result<void> row(std::string_view left_utf8, std::string_view right_utf8, int columns = 32);
    EscPosJob& feed(std::uint8_t lines);  // ESC d n
    // QR model 2 via GS ( k: model, module size, error correction, store, print.
    // Refuses payloads over the symbol's 7089-byte ceiling.
    Result<void> qr(std::string_view data, std::uint8_t module_size = 6,
                    QrErrorCorrection ec = QrErrorCorrection::M);
    EscPosJob& cut();  // GS V 66 3: feed to the cutter and cut

    const std::vector<std::uint8_t>& bytes() const { return bytes_; }

  private:
    EscPosJob& raw(std::initializer_list<std::uint8_t> b);
    std::vector<std::uint8_t> bytes_;
};

// Where print jobs go. Implementations must not throw; errors come back as values.
class ReceiptPrinter {
  public:
    virtual ~ReceiptPrinter() = default;
    virtual Result<void> print(std::span<const std::uint8_t> job) = 0;
};

// A printer reached through a path: /dev/usb/lp0 (usblp), a serial tty, or a plain
// file for tests and the demo. The path is opened per job so an unplugged printer
// comes back without restarting the app.
class PathPrinter final : public ReceiptPrinter {
  public:
    explicit PathPrinter(std::string path) : path_(std::move(path)) {}
    Result<void> print(std::span<const std::uint8_t> job) override;

  private:
    std::string path_;
};

}  // namespace loyalty::devices
