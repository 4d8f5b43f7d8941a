#pragma once
// File-reading targets get the input through a real file, as the loaders read one.
#include <fstream>

#include "fuzz_support.hpp"

namespace loyalty::fuzz {

inline std::filesystem::path write_input(const std::string& name, std::string_view text) {
    const auto path = scratch_dir() / name;
    std::ofstream(path, std::ios::binary | std::ios::trunc)
        .write(text.data(), static_cast<std::streamsize>(text.size()));
    return path;
}

}  // namespace loyalty::fuzz
