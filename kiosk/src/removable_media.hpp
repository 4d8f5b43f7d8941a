#pragma once
// A USB stick the manager plugged in, to take the closing report away on.
#include <filesystem>
#include <optional>
#include <vector>

namespace loyalty::kiosk {

// The first writable mount point under one of `roots` (/media and /run/media, where udisks
// and usbmount mount removable drives) listed in `mounts_table` (/proc/self/mounts). None
// when nothing is mounted there.
std::optional<std::filesystem::path> removable_media(
    const std::filesystem::path& mounts_table, const std::vector<std::filesystem::path>& roots);

}  // namespace loyalty::kiosk
