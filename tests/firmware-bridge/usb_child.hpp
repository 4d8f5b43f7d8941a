#pragma once
namespace loyalty::devices::test {
// `firmware_tests --usb-child <wedge|swipe|nfc> <vid:pid> <events> <timeout ms>`: runs a
// DeviceManager for one device profile and prints "EVENT <kind> <payload> <source>" and "LOG
// <message>" lines.
int usb_child(int argc, char** argv);
}  // namespace loyalty::devices::test
