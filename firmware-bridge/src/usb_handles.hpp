#pragma once
// RAII over libusb-1.0: every context, device reference, open handle, claimed
// interface and transfer is released on every path, in the right order.
#include <libusb.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "loyalty/result.hpp"

namespace loyalty::devices::usb {

Error usb_error(const std::string& what, int code);

class Context {
  public:
    static Result<Context> create();
    Context(Context&& o) noexcept : ctx_(std::exchange(o.ctx_, nullptr)) {}
    Context& operator=(Context&&) = delete;
    Context(const Context&) = delete;
    ~Context() {
        if (ctx_) libusb_exit(ctx_);
    }
    libusb_context* get() const { return ctx_; }

  private:
    explicit Context(libusb_context* c) : ctx_(c) {}
    libusb_context* ctx_;
};

// A counted reference to a libusb_device (valid after it is unplugged, until released).
class DeviceRef {
  public:
    DeviceRef() = default;
    explicit DeviceRef(libusb_device* d) : dev_(d ? libusb_ref_device(d) : nullptr) {}
    DeviceRef(const DeviceRef& o) : DeviceRef(o.dev_) {}
    DeviceRef(DeviceRef&& o) noexcept : dev_(std::exchange(o.dev_, nullptr)) {}
    DeviceRef& operator=(DeviceRef o) noexcept {
        std::swap(dev_, o.dev_);
        return *this;
    }
    ~DeviceRef() {
        if (dev_) libusb_unref_device(dev_);
    }
    libusb_device* get() const { return dev_; }

  private:
    libusb_device* dev_ = nullptr;
};

// The endpoints of one interface, found from the active configuration descriptor.
struct InterfaceEndpoints {
    int interface_number = -1;
    std::uint8_t interrupt_in = 0;
    std::uint8_t bulk_in = 0;
    std::uint8_t bulk_out = 0;
    int interrupt_in_size = 8;
};
// First interface of `interface_class` (0xFF: any) with the endpoints it needs.
Result<InterfaceEndpoints> find_interface(libusb_device* dev, int interface_class);

// An open device with (after claim) one interface claimed. Closing releases the
// interface and gives the kernel driver back, so a keyboard works again after us.
class Handle {
  public:
    static Result<Handle> open(const DeviceRef& dev);
    Handle(Handle&& o) noexcept
        : h_(std::exchange(o.h_, nullptr)),
          claimed_(std::exchange(o.claimed_, -1)),
          reattach_(o.reattach_) {}
    Handle& operator=(Handle&&) = delete;
    Handle(const Handle&) = delete;
    ~Handle();

    // Detaches a kernel driver (usbhid would turn a wedge's reads into keystrokes in
    // the kiosk UI; pn533 would hold an NFC reader) and claims the interface.
    Result<void> claim(int interface_number);
    libusb_device_handle* get() const { return h_; }

  private:
    explicit Handle(libusb_device_handle* h) : h_(h) {}
    libusb_device_handle* h_;
    int claimed_ = -1;
    bool reattach_ = false;
};

// An asynchronous transfer; freed when the owner is destroyed. The owner must not
// destroy it while busy(): in flight, or its completion callback still running
// (callbacks run on whichever thread is handling libusb events, not only ours).
class Transfer {
  public:
    using Done = std::function<void(libusb_transfer&)>;
    Transfer() : t_(libusb_alloc_transfer(0)) {}
    ~Transfer() {
        if (t_) libusb_free_transfer(t_);
    }
    Transfer(const Transfer&) = delete;
    Transfer& operator=(const Transfer&) = delete;

    Result<void> submit_interrupt_in(libusb_device_handle* h, std::uint8_t endpoint, int length,
                                     Done done);
    Result<void> resubmit();
    bool in_flight() const { return in_flight_; }
    bool busy() const { return in_flight_ || completing_; }
    void cancel() {
        if (in_flight_) libusb_cancel_transfer(t_);
    }

  private:
    static void LIBUSB_CALL trampoline(libusb_transfer* t);
    libusb_transfer* t_;
    std::vector<std::uint8_t> buffer_;
    Done done_;
    std::atomic<bool> in_flight_{false};
    std::atomic<bool> completing_{false};
};

}  // namespace loyalty::devices::usb
