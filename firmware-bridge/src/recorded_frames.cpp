#include "loyalty/devices/recorded_frames.hpp"

#include <stb_image.h>
#include <stb_image_write.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace loyalty::devices {
namespace {

Error file_error(const std::filesystem::path& path, const std::string& what) {
    return make_error(Errc::not_found, "recording " + path.string() + ": " + what);
}

bool is_image(const std::filesystem::path& p) {
    auto ext = p.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return ext == ".png" || ext == ".pgm" || ext == ".ppm" || ext == ".jpg" || ext == ".jpeg" ||
           ext == ".bmp";
}

// One line of a Y4M file (header or FRAME), without its newline; false at the end of the file.
bool read_line(std::FILE* f, std::string& line) {
    line.clear();
    for (int c; (c = std::fgetc(f)) != EOF;) {
        if (c == '\n') return true;
        line.push_back(static_cast<char>(c));
        if (line.size() > 4096) return false;  // not a Y4M header
    }
    return false;
}

// Bytes of one frame of a Y4M colour space ("C" tag); 0 for one this reader does not take.
std::size_t y4m_frame_bytes(const std::string& colour, int w, int h) {
    const auto luma = static_cast<std::size_t>(w) * static_cast<std::size_t>(h);
    const auto half_w = static_cast<std::size_t>((w + 1) / 2);
    const auto half_h = static_cast<std::size_t>((h + 1) / 2);
    if (colour.empty() || colour == "420" || colour == "420jpeg" || colour == "420paldv" ||
        colour == "420mpeg2")
        return luma + 2 * half_w * half_h;
    if (colour == "422") return luma + 2 * half_w * static_cast<std::size_t>(h);
    if (colour == "444") return 3 * luma;
    if (colour == "mono") return luma;
    return 0;
}

}  // namespace

Result<GreyImage> read_grey_image(const std::filesystem::path& path) {
    int w = 0, h = 0, channels = 0;
    stbi_uc* data = stbi_load(path.c_str(), &w, &h, &channels, 1);
    if (!data)
        return file_error(path,
                          std::string("cannot read the image (") + stbi_failure_reason() + ")");
    GreyImage image{w, h, std::vector<std::uint8_t>(data, data + static_cast<std::size_t>(w) * h)};
    stbi_image_free(data);
    return image;
}

Result<void> write_grey_png(const std::filesystem::path& path, const GreyImage& image) {
    if (!stbi_write_png(path.c_str(), image.width, image.height, 1, image.pixels.data(),
                        image.width))
        return make_error(Errc::file_io, "cannot write " + path.string());
    return {};
}

Result<void> write_y4m(const std::filesystem::path& path, const std::vector<GreyImage>& frames,
                       int fps) {
    if (frames.empty()) return make_error(Errc::invalid_argument, "no frames to write");
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "wb"), &std::fclose);
    if (!f) return make_error(Errc::file_io, "cannot write " + path.string());
    const int w = frames.front().width, h = frames.front().height;
    std::fprintf(f.get(), "YUV4MPEG2 W%d H%d F%d:1 Ip A1:1 C420jpeg\n", w, h, fps);
    const std::vector<std::uint8_t> chroma(
        2 * static_cast<std::size_t>((w + 1) / 2) * static_cast<std::size_t>((h + 1) / 2), 128);
    for (const auto& frame : frames) {
        if (frame.width != w || frame.height != h)
            return make_error(Errc::invalid_argument, "frames of a Y4M file must share one size");
        std::fputs("FRAME\n", f.get());
        std::fwrite(frame.pixels.data(), 1, frame.pixels.size(), f.get());
        std::fwrite(chroma.data(), 1, chroma.size(), f.get());
    }
    if (std::fflush(f.get()) != 0)
        return make_error(Errc::file_io, "cannot write " + path.string());
    return {};
}

bool is_recording_path(const std::string& path) {
    return path.ends_with(".y4m") || std::filesystem::is_directory(path);
}

Result<std::unique_ptr<RecordedFrames>> RecordedFrames::open(const std::filesystem::path& path,
                                                             Options options) {
    std::unique_ptr<RecordedFrames> r(new RecordedFrames());
    r->loop_ = options.loop;
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        std::vector<std::filesystem::path> files;
        for (const auto& entry : std::filesystem::directory_iterator(path, ec))
            if (entry.is_regular_file() && is_image(entry.path())) files.push_back(entry.path());
        std::sort(files.begin(), files.end());
        if (files.empty()) return file_error(path, "no images (.png, .pgm, .jpg) in the folder");
        for (const auto& file : files) {
            auto image = read_grey_image(file);
            if (!image) return image.error();
            if (!r->frames_.empty() &&
                (image->width != r->frames_[0].width || image->height != r->frames_[0].height))
                return file_error(file, "its size differs from the folder's first image");
            r->frames_.push_back(std::move(*image));
        }
        r->width_ = r->frames_[0].width;
        r->height_ = r->frames_[0].height;
        r->frame_count_ = r->frames_.size();
        r->fps_ = options.fps > 0 ? options.fps : 30;
        return r;
    }
    r->y4m_.reset(std::fopen(path.c_str(), "rb"));
    if (!r->y4m_) return file_error(path, std::strerror(errno));
    r->y4m_name_ = path.string();
    std::FILE* f = r->y4m_.get();
    std::string header;
    if (!read_line(f, header) || !header.starts_with("YUV4MPEG2 "))
        return file_error(path, "not a YUV4MPEG2 file");
    std::string colour;
    double file_fps = 0;
    for (std::size_t at = 10; at < header.size();) {
        auto end = header.find(' ', at);
        if (end == std::string::npos) end = header.size();
        const auto token = header.substr(at, end - at);
        at = end + 1;
        if (token.empty()) continue;
        if (token[0] == 'W') r->width_ = std::atoi(token.c_str() + 1);
        if (token[0] == 'H') r->height_ = std::atoi(token.c_str() + 1);
        if (token[0] == 'C') colour = token.substr(1);
        int num = 0, den = 0;
        if (token[0] == 'F' && std::sscanf(token.c_str() + 1, "%d:%d", &num, &den) == 2 &&
            num > 0 && den > 0)
            file_fps = static_cast<double>(num) / den;
    }
    if (r->width_ <= 0 || r->height_ <= 0 || r->width_ > 8192 || r->height_ > 8192)
        return file_error(path, "the Y4M header has no valid size");
    r->y4m_frame_bytes_ = y4m_frame_bytes(colour, r->width_, r->height_);
    if (r->y4m_frame_bytes_ == 0)
        return file_error(
            path, "colour space C" + colour + " is not read (8-bit 420, 422, 444 or mono only)");
    r->fps_ = options.fps > 0 ? options.fps : file_fps > 0 ? file_fps : 30;
    r->y4m_first_frame_ = std::ftell(f);
    r->y4m_frame_.resize(r->y4m_frame_bytes_);
    // Count the frames once (each has its own FRAME line, possibly with parameters).
    const auto size = std::filesystem::file_size(path, ec);
    std::string line;
    while (!ec && read_line(f, line) && line.starts_with("FRAME")) {
        const auto data_at = static_cast<std::uintmax_t>(std::ftell(f));
        if (data_at + r->y4m_frame_bytes_ > size) break;  // a truncated last frame is not played
        std::fseek(f, static_cast<long>(r->y4m_frame_bytes_), SEEK_CUR);
        ++r->frame_count_;
    }
    if (r->frame_count_ == 0) return file_error(path, "no frames");
    std::fseek(f, r->y4m_first_frame_, SEEK_SET);
    return r;
}

std::unique_ptr<RecordedFrames> RecordedFrames::from_frames(std::vector<GreyImage> frames,
                                                            Options options) {
    std::unique_ptr<RecordedFrames> r(new RecordedFrames());
    r->frames_ = std::move(frames);
    r->frame_count_ = r->frames_.size();
    if (!r->frames_.empty()) {
        r->width_ = r->frames_[0].width;
        r->height_ = r->frames_[0].height;
    }
    r->fps_ = options.fps > 0 ? options.fps : 30;
    r->loop_ = options.loop;
    return r;
}

RecordedFrames::~RecordedFrames() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

Result<void> RecordedFrames::start(OnFrame on_frame, OnStop on_stop) {
    if (thread_.joinable()) return make_error(Errc::conflict, "recording already playing");
    if (frame_count_ == 0) return make_error(Errc::invalid_argument, "recording has no frames");
    on_frame_ = std::move(on_frame);
    on_stop_ = std::move(on_stop);
    thread_ = std::thread([this] { play(); });
    return {};
}

Result<bool> RecordedFrames::read_y4m_frame() {
    std::FILE* f = y4m_.get();
    std::string line;
    if (!read_line(f, line)) return false;
    if (!line.starts_with("FRAME"))
        return make_error(Errc::device, "recording " + y4m_name_ + ": broken frame header");
    if (std::fread(y4m_frame_.data(), 1, y4m_frame_bytes_, f) != y4m_frame_bytes_)
        return make_error(Errc::device, "recording " + y4m_name_ + ": truncated frame");
    return true;
}

void RecordedFrames::play() {
    using Clock = std::chrono::steady_clock;
    const auto period = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(1.0 / std::max(fps_, 0.1)));
    auto next = Clock::now();
    std::size_t index = 0;
    std::optional<Error> failure;
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            if (wake_.wait_until(lock, next, [this] { return stop_; })) return;
        }
        // Late (the machine was busy): skip ahead rather than play a burst, as a camera drops.
        next = std::max(next + period, Clock::now());
        if (index == frame_count_) {
            if (!loop_) break;
            index = 0;
            if (y4m_) std::fseek(y4m_.get(), y4m_first_frame_, SEEK_SET);
        }
        GreyFrame frame;
        if (y4m_) {
            auto read = read_y4m_frame();
            if (!read || !*read) {
                failure = read ? make_error(Errc::device, "recording " + y4m_name_ +
                                                              ": ended early (file changed?)")
                               : read.error();
                break;
            }
            frame = {y4m_frame_.data(), width_, height_, width_, 1};
        } else {
            frame = frames_[index].view();
        }
        ++index;
        on_frame_(frame);
    }
    if (on_stop_) on_stop_(failure);
}

}  // namespace loyalty::devices
