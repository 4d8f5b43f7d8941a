#include "removable_media.hpp"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace loyalty::kiosk {

namespace {

// The kernel writes a space in a mount point as \040 (tab \011, newline \012, backslash \134).
std::string unescape_mount_point(const std::string& field) {
    std::string out;
    for (std::size_t i = 0; i < field.size(); ++i) {
        const bool octal_escape =
            field[i] == '\\' && i + 3 < field.size() &&
            field.substr(i + 1, 3).find_first_not_of("01234567") == std::string::npos;
        if (octal_escape) {
            out += static_cast<char>(std::stoi(field.substr(i + 1, 3), nullptr, 8));
            i += 3;
        } else {
            out += field[i];
        }
    }
    return out;
}

bool under(const std::filesystem::path& path, const std::filesystem::path& root) {
    const auto rel = path.lexically_relative(root);
    return !rel.empty() && *rel.begin() != ".." && rel != ".";
}

}  // namespace

std::optional<std::filesystem::path> removable_media(
    const std::filesystem::path& mounts_table, const std::vector<std::filesystem::path>& roots) {
    std::ifstream in(mounts_table);
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string device, mount_point;
        if (!(fields >> device >> mount_point)) continue;
        const std::filesystem::path at = unescape_mount_point(mount_point);
        for (const auto& root : roots) {
            if (!under(at, root)) continue;
            std::error_code ec;
            if (std::filesystem::is_directory(at, ec) && ::access(at.c_str(), W_OK) == 0) return at;
        }
    }
    return std::nullopt;
}

}  // namespace loyalty::kiosk
