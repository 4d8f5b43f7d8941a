// HID POS scanned-data reports (usage page 0x8C), joined across continuation reports.
#include "fuzz_support.hpp"
#include "loyalty/devices/hid_pos.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    loyalty::devices::HidPosAssembler assembler;
    // The first byte picks the report length, so short and long reports are both tried.
    const std::size_t report = size ? 1 + data[0] % 64 : 64;
    for (std::size_t i = size ? 1 : 0; i < size; i += report) {
        auto scan = assembler.feed({data + i, std::min(report, size - i)});
        if (scan && *scan) (void)loyalty::devices::scan_payload((**scan).data);
    }
    return 0;
}
