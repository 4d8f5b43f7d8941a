#include "usb_handles.hpp"

namespace loyalty::devices::usb {

Error usb_error(const std::string& what, int code) {
    return make_error(code == LIBUSB_ERROR_NO_DEVICE ? Errc::device_gone : Errc::device,
                      what + ": " + libusb_error_name(code));
}

Result<Context> Context::create() {
    libusb_context* ctx = nullptr;
    if (const int rc = libusb_init(&ctx); rc != 0) return usb_error("libusb_init", rc);
    return Context(ctx);
}

Result<InterfaceEndpoints> find_interface(libusb_device* dev, int interface_class) {
    libusb_config_descriptor* raw = nullptr;
    if (const int rc = libusb_get_active_config_descriptor(dev, &raw); rc != 0) {
        // Unconfigured devices (or ones whose active config is unknown): use the first.
        if (const int rc2 = libusb_get_config_descriptor(dev, 0, &raw); rc2 != 0)
            return usb_error("config descriptor", rc);
    }
    std::unique_ptr<libusb_config_descriptor, decltype(&libusb_free_config_descriptor)> config(
        raw, &libusb_free_config_descriptor);
    for (int i = 0; i < config->bNumInterfaces; ++i) {
        const auto& iface = config->interface[i];
        if (iface.num_altsetting < 1) continue;
        const auto& alt = iface.altsetting[0];
        if (interface_class != 0xFF && alt.bInterfaceClass != interface_class) continue;
        InterfaceEndpoints ep;
        ep.interface_number = alt.bInterfaceNumber;
        for (int e = 0; e < alt.bNumEndpoints; ++e) {
            const auto& d = alt.endpoint[e];
            const auto type = d.bmAttributes & LIBUSB_TRANSFER_TYPE_MASK;
            const bool in = (d.bEndpointAddress & LIBUSB_ENDPOINT_IN) != 0;
            if (type == LIBUSB_TRANSFER_TYPE_INTERRUPT && in && ep.interrupt_in == 0) {
                ep.interrupt_in = d.bEndpointAddress;
                ep.interrupt_in_size = d.wMaxPacketSize;
            }
            if (type == LIBUSB_TRANSFER_TYPE_BULK && in && ep.bulk_in == 0)
                ep.bulk_in = d.bEndpointAddress;
            if (type == LIBUSB_TRANSFER_TYPE_BULK && !in && ep.bulk_out == 0)
                ep.bulk_out = d.bEndpointAddress;
        }
        return ep;
    }
    return make_error(Errc::not_found, "no interface of class " + std::to_string(interface_class));
}

Result<Handle> Handle::open(const DeviceRef& dev) {
    libusb_device_handle* h = nullptr;
    if (const int rc = libusb_open(dev.get(), &h); rc != 0) return usb_error("libusb_open", rc);
    return Handle(h);
}

Handle::~Handle() {
    if (!h_) return;
    if (claimed_ >= 0) {
        libusb_release_interface(h_, claimed_);
        if (reattach_) libusb_attach_kernel_driver(h_, claimed_);
    }
    libusb_close(h_);
}

Result<void> Handle::claim(int interface_number) {
    // 1 = a driver is bound; errors (NOT_SUPPORTED on some platforms) mean "none we can see".
    if (libusb_kernel_driver_active(h_, interface_number) == 1) {
        if (const int rc = libusb_detach_kernel_driver(h_, interface_number); rc != 0)
            return usb_error("detach kernel driver", rc);
        reattach_ = true;
    }
    if (const int rc = libusb_claim_interface(h_, interface_number); rc != 0) {
        // BUSY: another program (pcscd for NFC readers) holds it.
        return usb_error("claim interface " + std::to_string(interface_number), rc);
    }
    claimed_ = interface_number;
    return {};
}

Result<void> Transfer::submit_interrupt_in(libusb_device_handle* h, std::uint8_t endpoint,
                                           int length, Done done) {
    if (!t_) return make_error(Errc::device, "libusb_alloc_transfer failed");
    buffer_.assign(static_cast<std::size_t>(length), 0);
    done_ = std::move(done);
    libusb_fill_interrupt_transfer(t_, h, endpoint, buffer_.data(), length, &Transfer::trampoline,
                                   this, 0);
    return resubmit();
}

Result<void> Transfer::resubmit() {
    if (const int rc = libusb_submit_transfer(t_); rc != 0) return usb_error("submit transfer", rc);
    in_flight_ = true;
    return {};
}

void LIBUSB_CALL Transfer::trampoline(libusb_transfer* t) {
    auto* self = static_cast<Transfer*>(t->user_data);
    self->completing_ = true;
    self->in_flight_ = false;
    self->done_(*t);
    self->completing_ = false;
}

}  // namespace loyalty::devices::usb
