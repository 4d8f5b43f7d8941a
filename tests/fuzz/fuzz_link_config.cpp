// The link agent's and the hub's TOML configuration files.
#include "fuzz_files.hpp"
#include "loyalty/sync/link_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto file = loyalty::fuzz::write_input("link.toml", loyalty::fuzz::as_text(data, size));
    (void)loyalty::sync::load_agent_config(file);
    (void)loyalty::sync::load_hub_config(file);
    return 0;
}
