#pragma once
// A child process the test starts and ends itself (broker, agent, hub workers).
#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace loyalty::sync::test {

class ChildProcess {
  public:
    ChildProcess() = default;
    // stdout and stderr go to log (appended).
    ChildProcess(std::vector<std::string> argv, const std::filesystem::path& log);
    ChildProcess(ChildProcess&& other) noexcept;
    ChildProcess& operator=(ChildProcess&& other) noexcept;
    ~ChildProcess();  // SIGKILL + reap if still running

    bool running();
    void signal(int sig);
    int wait();        // exit status, or 128 + signal
    void kill_now();   // SIGKILL and reap
    void terminate();  // SIGTERM, reap (SIGKILL after 5 s)
    pid_t pid() const { return pid_; }

  private:
    pid_t pid_ = -1;
};

int free_loopback_port();
bool wait_for_port(int port, int timeout_ms);
// Runs a command to completion; its exit status.
int run_command(const std::vector<std::string>& argv, const std::filesystem::path& log);

}  // namespace loyalty::sync::test
