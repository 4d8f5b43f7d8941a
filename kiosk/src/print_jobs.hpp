#pragma once
// What the kiosk prints on the receipt printer (ESC/POS, via firmware-bridge):
// a redeemed coupon with its QR, and the manager's Z-report.
#include <cstdint>
#include <string>
#include <vector>

#include "kiosk_state.hpp"
#include "loyalty/result.hpp"

namespace loyalty::kiosk {

Result<std::vector<std::uint8_t>> coupon_job(const CouponView& coupon);
Result<std::vector<std::uint8_t>> z_report_job(const ClosingReport& report);

}  // namespace loyalty::kiosk
