#include "config_file.hpp"

#include <toml++/toml.h>

#include <fstream>
#include <sstream>

#include "loyalty/json_limits.hpp"

namespace loyalty {

Result<std::string> read_config_file_as_json(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) return make_error(Errc::not_found, "cannot read " + path.string());
    std::error_code ec;
    const auto bytes = std::filesystem::file_size(path, ec);
    if (ec)
        return make_error(Errc::not_found, "cannot read " + path.string() + ": " + ec.message());
    if (auto refused = size_refusal(bytes, kMaxConfigFileBytes))
        return make_error(Errc::invalid_argument, path.string() + ": " + *refused);
    std::stringstream text;
    text << in.rdbuf();
    if (path.extension() != ".toml") return text.str();
    try {
        auto table = toml::parse(text.str(), path.string());
        std::stringstream as_json;
        as_json << toml::json_formatter{table};
        return as_json.str();
    } catch (const toml::parse_error& e) {
        std::ostringstream msg;
        msg << path.string() << ":" << e.source().begin.line << ": " << e.description();
        return make_error(Errc::invalid_argument, msg.str());
    }
}

}  // namespace loyalty
