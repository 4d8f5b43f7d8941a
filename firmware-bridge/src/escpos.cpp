#include "loyalty/devices/escpos.hpp"

#include <fcntl.h>
#include <iconv.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace loyalty::devices {
namespace {
constexpr std::uint8_t ESC = 0x1B, GS = 0x1D, FS = 0x1C, LF = 0x0A;

// One iconv descriptor per conversion, closed on every path.
class Iconv {
  public:
    Iconv(const char* to, const char* from) : cd_(iconv_open(to, from)) {}
    ~Iconv() {
        if (ok()) iconv_close(cd_);
    }
    Iconv(const Iconv&) = delete;
    Iconv& operator=(const Iconv&) = delete;
    bool ok() const { return cd_ != reinterpret_cast<iconv_t>(-1); }
    iconv_t get() const { return cd_; }

  private:
    iconv_t cd_;
};
}  // namespace

Result<std::string> utf8_to_gb18030(std::string_view utf8) {
    if (utf8.empty()) return std::string{};
    Iconv cd("GB18030", "UTF-8");
    if (!cd.ok())
        return make_error(Errc::invalid_argument, "iconv has no UTF-8 -> GB18030 converter");
    std::string in(utf8);
    std::string out(utf8.size() * 2 + 8,
                    '\0');  // GB18030 never needs more than 4 bytes per 3+ UTF-8 bytes
    char* inp = in.data();
    std::size_t inleft = in.size();
    char* outp = out.data();
    std::size_t outleft = out.size();
    if (iconv(cd.get(), &inp, &inleft, &outp, &outleft) == static_cast<std::size_t>(-1)) {
        const auto offset = static_cast<std::size_t>(inp - in.data());
        return make_error(Errc::invalid_argument, "text is not valid UTF-8 at byte " +
                                                      std::to_string(offset) + ": " +
                                                      std::strerror(errno));
    }
    out.resize(out.size() - outleft);
    return out;
}

namespace {
// Decodes one UTF-8 sequence at s[i]; returns its length (0 when invalid).
std::size_t utf8_next(std::string_view s, std::size_t i, char32_t& cp) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t len = c < 0x80           ? 1
                            : (c >> 5) == 0x6  ? 2
                            : (c >> 4) == 0xE  ? 3
                            : (c >> 3) == 0x1E ? 4
                                               : 0;
    if (len == 0 || i + len > s.size()) return 0;
    cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    for (std::size_t k = 1; k < len; ++k) {
        const auto cc = static_cast<unsigned char>(s[i + k]);
        if ((cc & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (cc & 0x3F);
    }
    return len;
}
bool wide(char32_t cp) {
    return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
           (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
           (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
           (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD);
}
}  // namespace

Result<int> display_width(std::string_view utf8) {
    int width = 0;
    for (std::size_t i = 0; i < utf8.size();) {
        char32_t cp = 0;
        const auto n = utf8_next(utf8, i, cp);
        if (n == 0)
            return make_error(Errc::invalid_argument,
                              "text is not valid UTF-8 at byte " + std::to_string(i));
        width += wide(cp) ? 2 : 1;
        i += n;
    }
    return width;
}

Result<void> EscPosJob::row(std::string_view left, std::string_view right, int columns) {
    auto rw = display_width(right);
    if (!rw) return rw.error();
    if (auto lw_all = display_width(left); !lw_all) return lw_all.error();
    // Keep whole characters of `left` while they fit with at least one space before `right`.
    const int room = columns - *rw - 1;
    std::size_t cut = 0;
    int lw = 0;
    for (std::size_t i = 0; i < left.size();) {
        char32_t cp = 0;
        const auto n = utf8_next(left, i, cp);
        const int w = wide(cp) ? 2 : 1;
        if (lw + w > room) break;
        lw += w;
        i += n;
        cut = i;
    }
    std::string text(left.substr(0, cut));
    text.append(static_cast<std::size_t>(std::max(1, columns - lw - *rw)), ' ');
    text.append(right);
    return line(text);
}

EscPosJob& EscPosJob::raw(std::initializer_list<std::uint8_t> b) {
    bytes_.insert(bytes_.end(), b);
    return *this;
}

EscPosJob& EscPosJob::init() {
    return raw({ESC, '@', FS, '&'});
}
EscPosJob& EscPosJob::align(Align a) {
    return raw({ESC, 'a', static_cast<std::uint8_t>(a)});
}
EscPosJob& EscPosJob::bold(bool on) {
    return raw({ESC, 'E', static_cast<std::uint8_t>(on ? 1 : 0)});
}
EscPosJob& EscPosJob::double_size(bool on) {
    return raw({GS, '!', static_cast<std::uint8_t>(on ? 0x11 : 0)});
}
EscPosJob& EscPosJob::feed(std::uint8_t lines) {
    return raw({ESC, 'd', lines});
}
EscPosJob& EscPosJob::cut() {
    return raw({GS, 'V', 66, 3});
}

Result<void> EscPosJob::text(std::string_view utf8) {
    auto encoded = utf8_to_gb18030(utf8);
    if (!encoded) return encoded.error();
    bytes_.insert(bytes_.end(), encoded->begin(), encoded->end());
    return {};
}

Result<void> EscPosJob::line(std::string_view utf8) {
    auto r = text(utf8);
    if (!r) return r;
    bytes_.push_back(LF);
    return {};
}

Result<void> EscPosJob::qr(std::string_view data, std::uint8_t module_size, QrErrorCorrection ec) {
    if (data.empty()) return make_error(Errc::invalid_argument, "QR payload is empty");
    if (data.size() > 7089)
        return make_error(Errc::invalid_argument, "QR payload exceeds 7089 bytes");
    if (module_size < 1 || module_size > 16)
        return make_error(Errc::invalid_argument, "QR module size must be 1..16");
    raw({GS, '(', 'k', 4, 0, '1', 'A', '2', 0});                         // model 2
    raw({GS, '(', 'k', 3, 0, '1', 'C', module_size});                    // module size
    raw({GS, '(', 'k', 3, 0, '1', 'E', static_cast<std::uint8_t>(ec)});  // error correction
    const std::size_t len = data.size() + 3;                             // pL + 256*pH = k + 3
    raw({GS, '(', 'k', static_cast<std::uint8_t>(len & 0xFF), static_cast<std::uint8_t>(len >> 8),
         '1', 'P', '0'});
    bytes_.insert(bytes_.end(), data.begin(), data.end());
    raw({GS, '(', 'k', 3, 0, '1', 'Q', '0'});  // print
    return {};
}

Result<void> PathPrinter::print(std::span<const std::uint8_t> job) {
    const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        return make_error(Errc::not_found, "printer " + path_ + ": " + std::strerror(errno));
    std::size_t done = 0;
    while (done < job.size()) {
        const auto n = ::write(fd, job.data() + done, job.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const std::string why = std::strerror(errno);
            ::close(fd);
            return make_error(Errc::device, "printer " + path_ + ": write failed: " + why);
        }
        done += static_cast<std::size_t>(n);
    }
    if (::close(fd) != 0)
        return make_error(Errc::device, "printer " + path_ + ": " + std::strerror(errno));
    return {};
}

}  // namespace loyalty::devices
