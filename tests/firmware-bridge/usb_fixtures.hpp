#pragma once
// Emulated USB devices for umockdev: .umockdev descriptions with raw descriptors, and
// .ioctl URB records ("USBDEVFS_REAPURBNDELAY 0 type endpoint status flags
// buffer_length actual_length error_count data") of the device's side of a conversation.
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "hid_reports.hpp"

namespace loyalty::devices::test {

using Bytes = std::vector<std::uint8_t>;

inline std::string hex(const Bytes& b) {
    std::string s;
    char buf[3];
    for (auto x : b) {
        std::snprintf(buf, sizeof buf, "%02x", x);
        s += buf;
    }
    return s;
}

inline std::string self_exe() {
    std::array<char, 4096> buf{};
    const auto n = ::readlink("/proc/self/exe", buf.data(), buf.size() - 1);
    return n > 0 ? std::string(buf.data(), static_cast<std::size_t>(n)) : std::string{};
}

// A .umockdev description of one USB device on bus 1 as device 2, with its raw
// device + configuration descriptors (what libusb reads from sysfs).
// Plugging a device back in gives it a new device number, as the kernel does.
inline std::string umockdev_file(std::uint16_t vid, std::uint16_t pid, const Bytes& descriptors,
                                 int devnum = 2) {
    char node[32];
    std::snprintf(node, sizeof node, "bus/usb/001/%03d", devnum);
    char ids[64];
    std::snprintf(ids, sizeof ids, "%04x", vid);
    const std::string v = ids;
    std::snprintf(ids, sizeof ids, "%04x", pid);
    const std::string p = ids;
    std::snprintf(ids, sizeof ids, "%x/%x/100", vid, pid);
    std::ostringstream o;
    o << "P: /devices/pci0000:00/0000:00:14.0/usb1/1-3\n"
      << "N: " << node << "\n"
      << "E: DEVNAME=/dev/" << node << "\n"
      << "E: DEVTYPE=usb_device\n"
      << "E: DRIVER=usb\n"
      << "E: PRODUCT=" << ids << "\n"
      << "E: TYPE=0/0/0\n"
      << "E: BUSNUM=001\n"
      << "E: DEVNUM=" << (node + 12) << "\n"  // the "NNN" of bus/usb/001/NNN
      << "E: MAJOR=189\n"
      << "E: MINOR=" << devnum - 1 << "\n"
      << "E: SUBSYSTEM=usb\n"
      << "A: busnum=1\n"
      << "A: devnum=" << devnum << "\n"
      << "A: idVendor=" << v << "\n"
      << "A: idProduct=" << p << "\n"
      << "A: speed=12\n"
      << "A: bConfigurationValue=1\n"
      << "A: bNumConfigurations=1\n"
      << "A: bDeviceClass=00\n"
      << "A: devpath=3\n"
      << "H: descriptors=" << hex(descriptors) << "\n";
    return o.str();
}

inline Bytes device_descriptor(std::uint16_t vid, std::uint16_t pid, std::uint8_t max_packet) {
    return {0x12,
            0x01,
            0x00,
            0x02,
            0x00,
            0x00,
            0x00,
            max_packet,
            static_cast<std::uint8_t>(vid & 0xFF),
            static_cast<std::uint8_t>(vid >> 8),
            static_cast<std::uint8_t>(pid & 0xFF),
            static_cast<std::uint8_t>(pid >> 8),
            0x00,
            0x01,
            0x01,
            0x02,
            0x00,
            0x01};
}

// HID boot keyboard: one interface (class 3, subclass 1, protocol 1), interrupt IN 0x81.
inline Bytes wedge_descriptors(std::uint16_t vid, std::uint16_t pid) {
    Bytes d = device_descriptor(vid, pid, 8);
    const Bytes config{0x09, 0x02, 34,   0x00, 0x01, 0x01, 0x00, 0x80, 0x32, 0x09, 0x04, 0x00,
                       0x00, 0x01, 0x03, 0x01, 0x01, 0x00, 0x09, 0x21, 0x11, 0x01, 0x00, 0x01,
                       0x22, 0x3F, 0x00, 0x07, 0x05, 0x81, 0x03, 0x08, 0x00, 0x0A};
    d.insert(d.end(), config.begin(), config.end());
    return d;
}

// HID POS scanner: one HID interface (no boot protocol), interrupt IN 0x81 of 64 bytes.
inline Bytes hid_pos_descriptors(std::uint16_t vid, std::uint16_t pid) {
    Bytes d = device_descriptor(vid, pid, 64);
    const Bytes config{0x09, 0x02, 34,   0x00, 0x01, 0x01, 0x00, 0x80, 0x32, 0x09, 0x04, 0x00,
                       0x00, 0x01, 0x03, 0x00, 0x00, 0x00, 0x09, 0x21, 0x11, 0x01, 0x00, 0x01,
                       0x22, 0x40, 0x00, 0x07, 0x05, 0x81, 0x03, 0x40, 0x00, 0x01};
    d.insert(d.end(), config.begin(), config.end());
    return d;
}

// ACR122U: one CCID interface (class 0x0B): bulk OUT 0x02, bulk IN 0x82, interrupt IN 0x83.
inline Bytes ccid_descriptors() {
    Bytes d = device_descriptor(0x072f, 0x2200, 64);
    const Bytes config{0x09, 0x02, 39,   0x00, 0x01, 0x01, 0x00, 0x80, 0x32, 0x09,
                       0x04, 0x00, 0x00, 0x03, 0x0B, 0x00, 0x00, 0x00, 0x07, 0x05,
                       0x02, 0x02, 0x40, 0x00, 0x00, 0x07, 0x05, 0x82, 0x02, 0x40,
                       0x00, 0x00, 0x07, 0x05, 0x83, 0x03, 0x08, 0x00, 0x0A};
    d.insert(d.end(), config.begin(), config.end());
    return d;
}

// One reaped URB: "type endpoint status flags buffer_length actual_length error_count data".
inline std::string urb(int type, int endpoint, int buffer_length, const Bytes& data) {
    std::ostringstream o;
    o << "USBDEVFS_REAPURBNDELAY 0 " << type << ' ' << endpoint << " 0 0 " << buffer_length << ' '
      << data.size() << " 0 " << hex(data) << "\n";
    return o.str();
}
inline std::string interrupt_in(const test::Report& r) {
    return urb(1, 0x81, 8, Bytes(r.begin(), r.end()));
}
inline std::string bulk_out(const Bytes& b) {
    return urb(3, 0x02, static_cast<int>(b.size()), b);
}
inline std::string bulk_in(const Bytes& b) {
    return urb(3, 0x82, 272, b);
}

inline Bytes data_block(std::uint8_t seq, const Bytes& data, std::uint8_t status = 0x00) {
    Bytes f{0x80, static_cast<std::uint8_t>(data.size()), 0, 0, 0, 0x00, seq, status, 0x00, 0x00};
    f.insert(f.end(), data.begin(), data.end());
    return f;
}

}  // namespace loyalty::devices::test
