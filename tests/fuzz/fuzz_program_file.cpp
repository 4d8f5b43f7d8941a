// A program file (rules, tiers, rewards) as loyalty-admin load-program reads it: the
// first byte chooses JSON text or a .toml file.
#include "fuzz_files.hpp"
#include "loyalty/program_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const auto text = loyalty::fuzz::as_text(data + 1, size - 1);
    if (data[0] & 1) {
        (void)loyalty::load_program_config_file(loyalty::fuzz::write_input("program.toml", text));
    } else {
        auto parsed = loyalty::parse_program_config_json(std::string(text));
        if (parsed) (void)loyalty::program_config_to_json(*parsed);
    }
    return 0;
}
