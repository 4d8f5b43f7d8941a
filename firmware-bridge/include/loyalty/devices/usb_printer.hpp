#pragma once
// An ESC/POS receipt printer on USB, driven directly over libusb (printer class,
// bulk OUT), for kiosks where the usblp driver is not loaded. Each job opens the
// printer, claims it, writes, and lets go, so an unplugged printer returns
// without restarting the app.
#include <cstdint>
#include <memory>
#include <optional>

#include "loyalty/devices/escpos.hpp"

namespace loyalty::devices {

class UsbPrinter final : public ReceiptPrinter {
  public:
    // vendor/product id of the printer; nullopt = the first USB printer-class device.
    UsbPrinter(std::optional<std::uint16_t> vendor_id = std::nullopt,
               std::optional<std::uint16_t> product_id = std::nullopt, unsigned timeout_ms = 5000)
        : vendor_id_(vendor_id), product_id_(product_id), timeout_ms_(timeout_ms) {}
    Result<void> print(std::span<const std::uint8_t> job) override;

  private:
    std::optional<std::uint16_t> vendor_id_;
    std::optional<std::uint16_t> product_id_;
    unsigned timeout_ms_;
};

}  // namespace loyalty::devices
