#pragma once
// A device with no hardware, for `make demo` and tests: text lines on a unix
// socket become scan events, exactly as a real reader's reads would.
//   card 04A1B2C3D4E5F6        -> card_uid
//   qr <text>                  -> qr
//   barcode <text>             -> barcode
//   swipe ;6280001234=28121?   -> magstripe (parsed like a real swipe, errors refused)
// Each line gets a reply: "ok <kind> <payload>" or "error <reason>".
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "loyalty/devices/scan_queue.hpp"
#include "loyalty/result.hpp"

namespace loyalty::devices {

using EventClock = std::function<std::chrono::system_clock::time_point()>;

Result<ScanEvent> parse_sim_line(std::string_view line, std::string source,
                                 std::chrono::system_clock::time_point at);

class SimulatorSource {
  public:
    // Binds a unix stream socket at `socket_path` (a stale socket file is replaced)
    // and serves it on its own thread until destroyed.
    static Result<std::unique_ptr<SimulatorSource>> listen(std::string socket_path,
                                                           ScanQueue& queue, EventClock clock = {});
    ~SimulatorSource();
    SimulatorSource(const SimulatorSource&) = delete;
    SimulatorSource& operator=(const SimulatorSource&) = delete;

    const std::string& path() const { return path_; }

  private:
    SimulatorSource(std::string path, int listen_fd, int wake_read, int wake_write,
                    ScanQueue& queue, EventClock clock);
    void serve();
    std::string handle_line(std::string_view line);

    std::string path_;
    int listen_fd_;
    int wake_read_;
    int wake_write_;
    ScanQueue& queue_;
    EventClock clock_;
    std::thread thread_;
};

// $LOYALTY_SCAN_SOCKET, else $XDG_RUNTIME_DIR/loyalty-scan.sock, else /tmp/loyalty-scan-<uid>.sock.
std::string default_sim_socket();

// Client side (the loyalty-scan-sim tool): sends one line, returns the reply.
Result<std::string> send_sim_line(const std::string& socket_path, std::string_view line);

}  // namespace loyalty::devices
