#pragma once
// A PostgreSQL 15 cluster a suite starts for itself: initdb in a temporary directory,
// a free loopback port, stopped (and the directory removed) when it goes. Run as root
// (CI), the server runs as the postgres user, since it refuses root.
#include <filesystem>
#include <memory>
#include <string>

namespace loyalty::sync::test {

class PostgresCluster {
  public:
    enum class Kind {
        scratch,  // fsync off: what the suites' hubs run on
        primary,  // fsync on, WAL for a standby (start_standby)
    };
    // Throws std::runtime_error, with the server's log, when it cannot start.
    explicit PostgresCluster(Kind kind = Kind::scratch);
    ~PostgresCluster();
    PostgresCluster(const PostgresCluster&) = delete;
    PostgresCluster& operator=(const PostgresCluster&) = delete;

    // A new empty database; its postgresql:// URI.
    std::string create_database(const std::string& name);
    std::string uri(const std::string& database) const;
    int port() const { return port_; }

    // A hot standby streaming from this primary (pg_basebackup -R) on a port of its own.
    // From then on this primary's commits wait until the standby has them on disk
    // (synchronous_standby_names), so a commit a hub acknowledged survives the primary.
    std::unique_ptr<PostgresCluster> start_standby();
    // The machine is lost: SIGKILL to the postmaster, no shutdown checkpoint.
    void kill_now();
    // pg_ctl promote: the standby takes writes when this returns.
    void promote();

  private:
    struct Standby {};
    PostgresCluster(Standby, const PostgresCluster& primary);
    void make_directory();
    [[noreturn]] void fail(const std::string& why);
    void start(const std::string& extra_settings);
    void sql(const std::string& statement);

    std::filesystem::path dir_;
    int port_ = 0;
};

}  // namespace loyalty::sync::test
