#pragma once
// Program and campaign files are JSON documents; people writing by hand may use TOML,
// which is read into the same JSON first, so one parser and one validator serve both.
#include <filesystem>
#include <string>

#include "loyalty/result.hpp"

namespace loyalty {

// The file's content as JSON text. A TOML error names the file and line.
Result<std::string> read_config_file_as_json(const std::filesystem::path& path);

}  // namespace loyalty
