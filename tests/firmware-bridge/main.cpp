#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstring>

#include "usb_child.hpp"

int main(int argc, char** argv) {
    // Under umockdev-run the suite re-runs itself as a plain libusb program.
    if (argc >= 2 && std::strcmp(argv[1], "--usb-child") == 0)
        return loyalty::devices::test::usb_child(argc, argv);
    doctest::Context context(argc, argv);
    return context.run();
}
