#include "config_file.hpp"

#include <toml++/toml.h>

#include <fstream>
#include <sstream>

#include "loyalty/json_limits.hpp"

namespace loyalty {

Result<std::string> read_config_file_as_json(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) return make_error(Errc::not_found, "cannot read " + path.string());
    // At most one byte past the limit is read, from the stream itself, so a pipe or a
    // file that grows while it is read is measured as well as a plain file.
    std::string text(kMaxConfigFileBytes + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxConfigFileBytes)
        return make_error(Errc::invalid_argument, path.string() + ": more than " +
                                                      std::to_string(kMaxConfigFileBytes) +
                                                      " bytes is refused");
    if (path.extension() != ".toml") return text;
    try {
        auto table = toml::parse(text, path.string());
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
