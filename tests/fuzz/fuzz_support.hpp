#pragma once
// Shared by the fuzz targets: a scratch directory for the stateful targets' files
// (in /dev/shm when there is one: a database per input would wear a disk and be slow),
// and a reader of the input's leading bytes.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace loyalty::fuzz {

// Removed when the process ends (after the targets' own statics, which were made later).
class ScratchDir {
  public:
    ScratchDir() {
        std::error_code ec;
        const std::filesystem::path base = std::filesystem::is_directory("/dev/shm", ec)
                                               ? "/dev/shm"
                                               : std::filesystem::temp_directory_path();
        path_ = base / ("loyalty-fuzz-" + std::to_string(::getpid()));
        std::filesystem::create_directories(path_);
    }
    ~ScratchDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

  private:
    std::filesystem::path path_;
};

inline const std::filesystem::path& scratch_dir() {
    static const ScratchDir dir;
    return dir.path();
}

// The input as text.
inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

}  // namespace loyalty::fuzz
