// A campaign file as loyalty-admin (or the hub's config push) hands it to the engine,
// checked against the demo program: JSON text, or a .toml file when the first byte is odd.
#include <memory>

#include "fuzz_files.hpp"
#include "loyalty/engine.hpp"

namespace {

loyalty::Engine& engine() {
    static loyalty::ManualClock clock(loyalty::from_unix(1764547200));
    static std::unique_ptr<loyalty::Engine> e = [] {
        loyalty::DatabaseOptions options;
        options.full_sync = false;
        auto opened = loyalty::Engine::open(loyalty::fuzz::scratch_dir() / "campaigns.db", clock,
                                            loyalty::EngineOptions{{}, options});
        auto engine = std::move(opened.value());
        auto program = loyalty::load_program_config_file(LOYALTY_SOURCE_DIR
                                                         "/assets/config/demo-program.toml");
        (void)engine->programs().save(program.value(), "fuzz");
        return engine;
    }();
    return *e;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const auto text = loyalty::fuzz::as_text(data + 1, size - 1);
    if (data[0] & 1)
        (void)engine().campaigns().load_file(loyalty::fuzz::write_input("campaigns.toml", text),
                                             "fuzz", true);
    else
        (void)engine().campaigns().check(std::string(text));
    return 0;
}
