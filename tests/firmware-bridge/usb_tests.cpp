// libusb code paths against emulated devices: umockdev-run gives the suite (re-run
// as a child) a sysfs + /dev/bus/usb with a hand-written device and replays the
// device's side of the conversation from an .ioctl record written here.
#include <doctest/doctest.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "hid_pos_reports.hpp"
#include "hid_reports.hpp"
#include "loyalty/devices/ccid.hpp"
#include "receipts.hpp"
#include "temp_dir.hpp"
#include "usb_fixtures.hpp"

using namespace loyalty::devices;

using namespace loyalty::devices::test;

namespace {

struct Run {
    std::vector<std::string> events;
    std::vector<std::string> logs;
    std::string raw;
};

Run run_emulated(const test::TempDir& dir, const std::string& device, const std::string& ioctl,
                 const std::string& role, const std::string& ids, int events, int timeout_ms) {
    const auto dev_file = dir.path() / "device.umockdev";
    const auto ioctl_file = dir.path() / "device.ioctl";
    std::ofstream(dev_file) << device;
    std::ofstream(ioctl_file) << "@DEV /dev/bus/usb/001/002 (usbdevfs)\n" << ioctl;
    const std::string cmd = "umockdev-run --device " + dev_file.string() +
                            " --ioctl /dev/bus/usb/001/002=" + ioctl_file.string() + " -- " +
                            self_exe() + " --usb-child " + role + " " + ids + " " +
                            std::to_string(events) + " " + std::to_string(timeout_ms) + " 2>&1";
    Run run;
    FILE* pipe = ::popen(cmd.c_str(), "r");
    REQUIRE(pipe != nullptr);
    std::array<char, 1024> line{};
    while (std::fgets(line.data(), static_cast<int>(line.size()), pipe)) {
        std::string s(line.data());
        run.raw += s;
        if (!s.empty() && s.back() == '\n') s.pop_back();
        if (s.rfind("EVENT ", 0) == 0) run.events.push_back(s.substr(6));
        if (s.rfind("LOG ", 0) == 0) run.logs.push_back(s.substr(4));
    }
    ::pclose(pipe);
    return run;
}

}  // namespace

TEST_CASE("a keyboard-wedge card reader is claimed and its HID reports become a card event") {
    test::TempDir dir;
    std::string ioctl;
    for (const auto& r : test::type("04a1b2c3\n")) ioctl += interrupt_in(r);
    auto run = run_emulated(dir, umockdev_file(0xffff, 0x0035, wedge_descriptors(0xffff, 0x0035)),
                            ioctl, "wedge", "ffff:0035", 1, 5000);
    CAPTURE(run.raw);
    REQUIRE(run.events.size() == 1);
    CHECK(run.events[0] == "card_uid 04A1B2C3 usb:ffff:0035@1-3");
}

TEST_CASE(
    "a magstripe swipe typed by a wedge reader is parsed as track 2; a bad swipe is refused") {
    test::TempDir dir;
    std::string ioctl;
    for (const auto& r : test::type(";6280001234=\n"))
        ioctl += interrupt_in(r);  // truncated: refused
    for (const auto& r : test::type(";6280001234567890=2812101?\n")) ioctl += interrupt_in(r);
    auto run = run_emulated(dir, umockdev_file(0x0801, 0x0001, wedge_descriptors(0x0801, 0x0001)),
                            ioctl, "swipe", "0801:0001", 1, 5000);
    CAPTURE(run.raw);
    REQUIRE(run.events.size() == 1);
    CHECK(run.events[0] == "magstripe 6280001234567890 usb:0801:0001@1-3");
    bool refused = false;
    for (const auto& l : run.logs)
        refused =
            refused || l.find("swipe refused: track 2: missing end sentinel") != std::string::npos;
    CHECK(refused);
}

TEST_CASE("an ACR122U reports a tapped card's UID once, with the LED/buzzer acknowledgement") {
    test::TempDir dir;
    std::string ioctl;
    // power on -> ATR; no card (63 00); card (UID + 90 00) -> acknowledgement; same card again.
    ioctl += bulk_out(ccid::power_on(0, 0)) + bulk_in(data_block(0, {0x3B, 0x00}));
    ioctl += bulk_out(ccid::xfr_block(0, 1, ccid::kGetUid)) + bulk_in(data_block(1, {0x63, 0x00}));
    ioctl += bulk_out(ccid::xfr_block(0, 2, ccid::kGetUid)) +
             bulk_in(data_block(2, {0x04, 0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0xF6, 0x90, 0x00}));
    ioctl +=
        bulk_out(ccid::xfr_block(0, 3, ccid::kAckLedBuzzer)) + bulk_in(data_block(3, {0x90, 0x0A}));
    ioctl += bulk_out(ccid::xfr_block(0, 4, ccid::kGetUid)) +
             bulk_in(data_block(4, {0x04, 0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0xF6, 0x90, 0x00}));
    // After the record runs out the reader stops answering: it is reported, closed,
    // reopened after retry_after, and the replay (from the start) reads the card again.
    auto run = run_emulated(dir, umockdev_file(0x072f, 0x2200, ccid_descriptors()), ioctl, "nfc",
                            "072f:2200", 2, 4000);
    CAPTURE(run.raw);
    REQUIRE(run.events.size() == 2);
    CHECK(run.events[0] == "card_uid 04A1B2C3D4E5F6 usb:072f:2200@1-3");
    // Between the first event and the failure there is no second event: the same card
    // still on the reader (the fifth exchange) is not a second tap.
    const auto first = run.raw.find("EVENT");
    const auto ack = run.raw.find("04A1B2C3D4E5F6 acknowledged (LED/buzzer)");
    const auto failed = run.raw.find("detached (failed)");
    const auto second = run.raw.find("EVENT", first + 1);
    REQUIRE(failed != std::string::npos);
    CHECK(
        first <
        failed);  // (the event and the log line come from different threads: no order between them)
    CHECK(ack < failed);
    CHECK(failed < second);
    CHECK(run.raw.find("CCID send: LIBUSB_ERROR_IO") < failed);
    CHECK(run.raw.find("(nfc): attached", failed) < second);
}

TEST_CASE("a HID POS scanner's scanned-data reports become qr and barcode events") {
    test::TempDir dir;
    std::string ioctl;
    const std::string member =
        "LM1.hub-1.eyJwIjoibWFsbCIsIm0iOiJNMDAwMDQyIn0.c2lnbmF0dXJlLW9mLXRoZS1odWI";
    for (const auto& r : test::hid_pos_reports("]Q1", member))
        ioctl += urb(1, 0x81, 64, Bytes(r.begin(), r.end()));
    auto garbage = test::hid_pos_reports("]E0", "6901234567892")[0];
    garbage[1] = 200;  // a corrupted report: refused, and the scanner keeps working
    ioctl += urb(1, 0x81, 64, Bytes(garbage.begin(), garbage.end()));
    for (const auto& r : test::hid_pos_reports("]E0", "6901234567892"))
        ioctl += urb(1, 0x81, 64, Bytes(r.begin(), r.end()));
    auto run = run_emulated(dir, umockdev_file(0x0c2e, 0x0b67, hid_pos_descriptors(0x0c2e, 0x0b67)),
                            ioctl, "pos", "0c2e:0b67", 2, 5000);
    CAPTURE(run.raw);
    REQUIRE(run.events.size() == 2);
    CHECK(run.events[0] == "qr " + member + " usb:0c2e:0b67@1-3");
    CHECK(run.events[1] == "barcode 6901234567892 usb:0c2e:0b67@1-3");
    CHECK(run.raw.find("HID POS: data length 200 exceeds 56") != std::string::npos);
}

// Printer class (7/1/2): bulk OUT 0x01, bulk IN 0x81.
Bytes printer_descriptors() {
    Bytes d = device_descriptor(0x0416, 0x5011, 64);
    const Bytes config{0x09, 0x02, 32,   0x00, 0x01, 0x01, 0x00, 0xC0, 0x32, 0x09, 0x04,
                       0x00, 0x00, 0x02, 0x07, 0x01, 0x02, 0x00, 0x07, 0x05, 0x01, 0x02,
                       0x40, 0x00, 0x00, 0x07, 0x05, 0x81, 0x02, 0x40, 0x00, 0x00};
    d.insert(d.end(), config.begin(), config.end());
    return d;
}

TEST_CASE("a coupon goes to a USB printer over bulk OUT byte for byte") {
    const auto job = test::coupon_job().bytes();
    {
        test::TempDir dir;
        // The record accepts exactly these bytes; anything else fails the write.
        auto run = run_emulated(dir, umockdev_file(0x0416, 0x5011, printer_descriptors()),
                                urb(3, 0x01, static_cast<int>(job.size()), job), "printer",
                                "0416:5011", 0, 1000);
        CAPTURE(run.raw);
        CHECK(run.raw.find("PRINTED") != std::string::npos);
    }
    {
        test::TempDir dir;
        auto other = job;
        other[5] ^= 0x01;  // the printer expects something else: the job must fail loudly
        auto run = run_emulated(dir, umockdev_file(0x0416, 0x5011, printer_descriptors()),
                                urb(3, 0x01, static_cast<int>(other.size()), other), "printer",
                                "0416:5011", 0, 1000);
        CAPTURE(run.raw);
        CHECK(run.raw.find("PRINT_ERROR printer write at byte 0") != std::string::npos);
    }
    {
        test::TempDir dir;  // no printer of that id
        auto run = run_emulated(dir, umockdev_file(0x0416, 0x5011, printer_descriptors()), "",
                                "printer", "1234:5678", 0, 1000);
        CHECK(run.raw.find("PRINT_ERROR no USB receipt printer found") != std::string::npos);
    }
}

TEST_CASE("with no device plugged in, the manager runs and reports nothing") {
    test::TempDir dir;
    const auto cmd = "umockdev-run -- " + self_exe() + " --usb-child wedge ffff:0035 1 300 2>&1";
    FILE* pipe = ::popen(cmd.c_str(), "r");
    REQUIRE(pipe != nullptr);
    std::string out;
    std::array<char, 512> line{};
    while (std::fgets(line.data(), static_cast<int>(line.size()), pipe)) out += line.data();
    CHECK(::pclose(pipe) == 0);
    CHECK(out.find("EVENT") == std::string::npos);
    CHECK(out.find("DONE 0") != std::string::npos);
}
