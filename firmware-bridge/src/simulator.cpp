#include "loyalty/devices/simulator.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <vector>

#include "loyalty/devices/magstripe.hpp"

namespace loyalty::devices {
namespace {

Error sys_error(const std::string& what) {
    return make_error(Errc::device, what + ": " + std::strerror(errno));
}

Result<sockaddr_un> unix_address(const std::string& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof(addr.sun_path))
        return make_error(Errc::invalid_argument, "socket path too long: " + path);
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    return addr;
}

// Owns a file descriptor (sockets here); closes it on every path.
class Fd {
  public:
    explicit Fd(int fd = -1) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    Fd& operator=(Fd&& o) noexcept {
        if (this != &o) {
            if (fd_ >= 0) ::close(fd_);
            fd_ = std::exchange(o.fd_, -1);
        }
        return *this;
    }
    int get() const { return fd_; }
    int release() { return std::exchange(fd_, -1); }

  private:
    int fd_;
};

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

void write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        const auto n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;  // the client went away; nothing to tell it
        data.remove_prefix(static_cast<std::size_t>(n));
    }
}

}  // namespace

std::string default_sim_socket() {
    if (const char* p = std::getenv("LOYALTY_SCAN_SOCKET"); p && *p) return p;
    if (const char* d = std::getenv("XDG_RUNTIME_DIR"); d && *d)
        return std::string(d) + "/loyalty-scan.sock";
    return "/tmp/loyalty-scan-" + std::to_string(::getuid()) + ".sock";
}

Result<ScanEvent> parse_sim_line(std::string_view line, std::string source,
                                 std::chrono::system_clock::time_point at) {
    line = trim(line);
    const auto space = line.find(' ');
    const auto verb = line.substr(0, space);
    const auto arg =
        space == std::string_view::npos ? std::string_view{} : trim(line.substr(space + 1));
    if (arg.empty())
        return make_error(Errc::invalid_argument, "expected '<card|qr|barcode|swipe> <data>'");
    ScanEvent event{std::move(source), ScanKind::barcode, std::string(arg), at};
    if (verb == "card") {
        event.kind = ScanKind::card_uid;
        // UIDs are 4, 7 or 10 bytes; accept any whole number of bytes up to 10.
        if (arg.size() % 2 != 0 || arg.size() > 20 || !std::ranges::all_of(arg, [](char c) {
                return std::isxdigit(static_cast<unsigned char>(c)) != 0;
            }))
            return make_error(Errc::invalid_argument,
                              "card UID must be hex bytes (up to 10), e.g. 04A1B2C3D4E5F6");
        std::ranges::transform(event.payload, event.payload.begin(), [](char c) {
            return static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        });
    } else if (verb == "qr") {
        event.kind = ScanKind::qr;
    } else if (verb == "barcode") {
        event.kind = ScanKind::barcode;
    } else if (verb == "swipe") {
        auto swipe = parse_swipe(arg);
        if (!swipe) return swipe.error();
        event.kind = ScanKind::magstripe;
        event.payload = swipe->account();
    } else {
        return make_error(Errc::invalid_argument,
                          "unknown device verb '" + std::string(verb) + "'");
    }
    return event;
}

Result<std::unique_ptr<SimulatorSource>> SimulatorSource::listen(std::string socket_path,
                                                                 ScanQueue& queue,
                                                                 EventClock clock) {
    auto addr = unix_address(socket_path);
    if (!addr) return addr.error();
    Fd sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (sock.get() < 0) return sys_error("socket");
    ::unlink(socket_path.c_str());  // a socket left by a killed run
    if (::bind(sock.get(), reinterpret_cast<const sockaddr*>(&*addr), sizeof(sockaddr_un)) != 0)
        return sys_error("bind " + socket_path);
    if (::listen(sock.get(), 8) != 0) return sys_error("listen " + socket_path);
    int wake[2];
    if (::pipe2(wake, O_CLOEXEC) != 0) return sys_error("pipe");
    if (!clock) clock = [] { return std::chrono::system_clock::now(); };
    return std::unique_ptr<SimulatorSource>(new SimulatorSource(
        std::move(socket_path), sock.release(), wake[0], wake[1], queue, std::move(clock)));
}

SimulatorSource::SimulatorSource(std::string path, int listen_fd, int wake_read, int wake_write,
                                 ScanQueue& queue, EventClock clock)
    : path_(std::move(path)),
      listen_fd_(listen_fd),
      wake_read_(wake_read),
      wake_write_(wake_write),
      queue_(queue),
      clock_(std::move(clock)) {
    thread_ = std::thread([this] { serve(); });
}

SimulatorSource::~SimulatorSource() {
    const char byte = 'q';
    (void)!::write(wake_write_, &byte, 1);
    thread_.join();
    ::close(listen_fd_);
    ::close(wake_read_);
    ::close(wake_write_);
    ::unlink(path_.c_str());
}

std::string SimulatorSource::handle_line(std::string_view line) {
    auto event = parse_sim_line(line, "sim:" + path_, clock_());
    if (!event) return "error " + event.error().message + "\n";
    std::string reply = "ok " + std::string(to_string(event->kind)) + " " + event->payload + "\n";
    queue_.push(std::move(*event));
    return reply;
}

void SimulatorSource::serve() {
    std::map<int, std::string> clients;  // fd -> bytes of an unfinished line
    for (;;) {
        std::vector<pollfd> fds{{wake_read_, POLLIN, 0}, {listen_fd_, POLLIN, 0}};
        for (const auto& [fd, _] : clients) fds.push_back({fd, POLLIN, 0});
        if (::poll(fds.data(), fds.size(), -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (fds[0].revents != 0) break;
        if (fds[1].revents & POLLIN) {
            const int c = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
            if (c >= 0) clients.emplace(c, std::string{});
        }
        for (std::size_t i = 2; i < fds.size(); ++i) {
            if (fds[i].revents == 0) continue;
            const int fd = fds[i].fd;
            char buf[4096];
            const auto n = ::recv(fd, buf, sizeof buf, 0);
            auto& pending = clients[fd];
            if (n > 0) pending.append(buf, static_cast<std::size_t>(n));
            for (auto nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n')) {
                const std::string reply = handle_line(std::string_view(pending).substr(0, nl));
                write_all(fd, reply);
                pending.erase(0, nl + 1);
            }
            if (n <= 0 || pending.size() > 64 * 1024) {
                if (n == 0 && !trim(pending).empty()) write_all(fd, handle_line(pending));
                ::close(fd);
                clients.erase(fd);
            }
        }
    }
    for (const auto& [fd, _] : clients) ::close(fd);
}

Result<std::string> send_sim_line(const std::string& socket_path, std::string_view line) {
    auto addr = unix_address(socket_path);
    if (!addr) return addr.error();
    Fd sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (sock.get() < 0) return sys_error("socket");
    if (::connect(sock.get(), reinterpret_cast<const sockaddr*>(&*addr), sizeof(sockaddr_un)) != 0)
        return sys_error("connect " + socket_path + " (is loyalty-scan-monitor running?)");
    std::string msg(trim(line));
    msg.push_back('\n');
    write_all(sock.get(), msg);
    std::string reply;
    char buf[512];
    while (reply.find('\n') == std::string::npos) {
        const auto n = ::recv(sock.get(), buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        reply.append(buf, static_cast<std::size_t>(n));
    }
    if (reply.empty()) return make_error(Errc::device, "no reply from " + socket_path);
    reply.erase(reply.find_last_not_of('\n') + 1);
    return reply;
}

}  // namespace loyalty::devices
