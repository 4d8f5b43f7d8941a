// A CCID reader's bulk-in frame (RDR_to_PC_DataBlock) and the Get-UID APDU response in it.
#include "fuzz_support.hpp"
#include "loyalty/devices/ccid.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::span<const std::uint8_t> frame(data + 1, size - 1);
    if (auto block = loyalty::devices::ccid::parse_data_block(frame, data[0])) {
        (void)loyalty::devices::ccid::uid_from_response(*block);
    }
    (void)loyalty::devices::ccid::uid_from_response(frame);
    return 0;
}
