#include "loyalty/devices/usb_printer.hpp"

#include <algorithm>
#include <vector>

#include "usb_handles.hpp"

namespace loyalty::devices {
namespace {
constexpr std::size_t kChunk =
    4096;  // small writes keep a slow printer's buffer from timing us out
}

Result<void> UsbPrinter::print(std::span<const std::uint8_t> job) {
    auto ctx = usb::Context::create();
    if (!ctx) return ctx.error();
    libusb_device** list = nullptr;
    const auto n = libusb_get_device_list(ctx->get(), &list);
    if (n < 0) return usb::usb_error("list devices", static_cast<int>(n));
    std::unique_ptr<libusb_device*, void (*)(libusb_device**)> owned(
        list, [](libusb_device** l) { libusb_free_device_list(l, 1); });

    for (ssize_t i = 0; i < n; ++i) {
        libusb_device_descriptor d{};
        if (libusb_get_device_descriptor(list[i], &d) != 0) continue;
        if (vendor_id_ && d.idVendor != *vendor_id_) continue;
        if (product_id_ && d.idProduct != *product_id_) continue;
        auto ep = usb::find_interface(list[i], LIBUSB_CLASS_PRINTER);
        if (!ep || ep->bulk_out == 0) continue;
        usb::DeviceRef dev(list[i]);
        auto handle = usb::Handle::open(dev);
        if (!handle) return handle.error();
        if (auto c = handle->claim(ep->interface_number); !c) return c.error();
        std::vector<std::uint8_t> chunk;
        for (std::size_t at = 0; at < job.size(); at += kChunk) {
            const auto part = job.subspan(at, std::min(kChunk, job.size() - at));
            chunk.assign(part.begin(), part.end());
            int done = 0;
            const int rc = libusb_bulk_transfer(handle->get(), ep->bulk_out, chunk.data(),
                                                static_cast<int>(chunk.size()), &done, timeout_ms_);
            if (rc != 0) return usb::usb_error("printer write at byte " + std::to_string(at), rc);
            if (static_cast<std::size_t>(done) != chunk.size())
                return make_error(Errc::device,
                                  "printer accepted " +
                                      std::to_string(at + static_cast<std::size_t>(done)) + " of " +
                                      std::to_string(job.size()) + " bytes");
        }
        return {};
    }
    return make_error(Errc::not_found, "no USB receipt printer found (printer class, bulk OUT)");
}

}  // namespace loyalty::devices
