#pragma once
#include <stdexcept>

#include "loyalty/devices/escpos.hpp"

namespace loyalty::devices::test {

// The coupon slip whose exact bytes escpos_tests.cpp pins down.
inline EscPosJob coupon_job() {
    EscPosJob job;
    job.init().align(Align::center).bold(true);
    if (!job.line("优惠券")) throw std::logic_error("GB18030");
    job.bold(false).align(Align::left);
    if (!job.line("10 RMB off") || !job.qr("C-42")) throw std::logic_error("coupon");
    job.feed(3).cut();
    return job;
}

}  // namespace loyalty::devices::test
