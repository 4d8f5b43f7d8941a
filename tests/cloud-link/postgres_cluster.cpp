#include "postgres_cluster.hpp"

#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "process.hpp"

namespace loyalty::sync::test {

namespace {

namespace fs = std::filesystem;

// As root, the server's programs run as postgres; otherwise as the caller.
std::vector<std::string> as_server_user(std::vector<std::string> argv) {
    if (::geteuid() != 0) return argv;
    argv.insert(argv.begin(), {LOYALTY_RUNUSER, "-u", "postgres", "--"});
    return argv;
}

std::string bin(const char* program) {
    return std::string(LOYALTY_POSTGRES_BIN) + "/" + program;
}

std::string read_all(const fs::path& file) {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

// A cluster that could not start leaves no directory behind (a constructor that throws
// has no destructor to run).
void PostgresCluster::fail(const std::string& why) {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
    throw std::runtime_error(why);
}

void PostgresCluster::make_directory() {
    std::string pattern = (fs::temp_directory_path() / "loyalty-pg-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
    if (::geteuid() == 0) {
        const passwd* pg = ::getpwnam("postgres");
        if (!pg) throw std::runtime_error("no postgres user: install postgresql-15 (make deps)");
        if (::chown(dir_.c_str(), pg->pw_uid, pg->pw_gid) != 0)
            throw std::runtime_error("cannot give " + dir_.string() + " to postgres");
    }
}

void PostgresCluster::start(const std::string& extra_settings) {
    port_ = free_loopback_port();
    const auto log = dir_ / "server.log";
    const std::string settings = "-c listen_addresses=127.0.0.1 -c port=" + std::to_string(port_) +
                                 " -c unix_socket_directories=" + dir_.string() +
                                 " -c max_connections=200 " + extra_settings;
    if (run_command(as_server_user({bin("pg_ctl"), "-D", (dir_ / "data").string(), "-l",
                                    log.string(), "-w", "-o", settings, "start"}),
                    dir_ / "pg_ctl.log") != 0)
        fail("PostgreSQL did not start: " + read_all(log));
}

PostgresCluster::PostgresCluster(Kind kind) {
    make_directory();
    if (run_command(as_server_user({bin("initdb"), "-D", (dir_ / "data").string(), "-A", "trust",
                                    "-U", "loyalty", "-E", "UTF8", "--locale=C.UTF-8"}),
                    dir_ / "initdb.log") != 0)
        fail("initdb failed: " + read_all(dir_ / "initdb.log"));
    // A scratch cluster: durability is not what those suites check. A primary keeps
    // PostgreSQL's defaults (fsync on, WAL for replicas, its pg_hba lets 127.0.0.1 replicate).
    start(kind == Kind::scratch ? "-c fsync=off -c full_page_writes=off" : "-c wal_level=replica");
}

PostgresCluster::PostgresCluster(Standby, const PostgresCluster& primary) {
    make_directory();
    if (run_command(as_server_user({bin("pg_basebackup"), "-h", "127.0.0.1", "-p",
                                    std::to_string(primary.port_), "-U", "loyalty", "-D",
                                    (dir_ / "data").string(), "-R", "-X", "stream"}),
                    dir_ / "basebackup.log") != 0)
        fail("pg_basebackup failed: " + read_all(dir_ / "basebackup.log"));
    start("-c hot_standby=on");
}

std::unique_ptr<PostgresCluster> PostgresCluster::start_standby() {
    std::unique_ptr<PostgresCluster> standby(new PostgresCluster(Standby{}, *this));
    // pg_basebackup -R names no application: the standby streams as "walreceiver".
    sql("ALTER SYSTEM SET synchronous_standby_names = '*'");
    sql("SELECT pg_reload_conf()");
    return standby;
}

// The postmaster and every server process it started, at once: a SIGKILLed postmaster
// alone leaves its backends serving their connections until they notice.
void PostgresCluster::kill_now() {
    std::ifstream pid_file(dir_ / "data" / "postmaster.pid");
    long postmaster = 0;
    if (!(pid_file >> postmaster) || postmaster <= 0) throw std::runtime_error("no postmaster.pid");
    ::kill(static_cast<pid_t>(postmaster), SIGSTOP);  // it starts no more children
    for (const auto& entry : fs::directory_iterator("/proc")) {
        const auto name = entry.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream stat(entry.path() / "stat");
        std::string line;
        std::getline(stat, line);
        const auto after_name = line.rfind(')');  // the command may hold spaces
        if (after_name == std::string::npos) continue;
        std::istringstream fields(line.substr(after_name + 1));
        std::string state;
        long parent = 0;
        if (fields >> state >> parent && parent == postmaster)
            ::kill(static_cast<pid_t>(std::stol(name)), SIGKILL);
    }
    ::kill(static_cast<pid_t>(postmaster), SIGKILL);
}

void PostgresCluster::promote() {
    if (run_command(
            as_server_user({bin("pg_ctl"), "-D", (dir_ / "data").string(), "-w", "promote"}),
            dir_ / "promote.log") != 0)
        throw std::runtime_error("pg_ctl promote failed: " + read_all(dir_ / "promote.log"));
}

void PostgresCluster::sql(const std::string& statement) {
    if (run_command({bin("psql"), "-h", "127.0.0.1", "-p", std::to_string(port_), "-U", "loyalty",
                     "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c", statement},
                    dir_ / "psql.log") != 0)
        throw std::runtime_error(statement + " failed: " + read_all(dir_ / "psql.log"));
}

PostgresCluster::~PostgresCluster() {
    run_command(as_server_user({bin("pg_ctl"), "-D", (dir_ / "data").string(), "-m", "immediate",
                                "-w", "stop"}),
                "/dev/null");
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
}

std::string PostgresCluster::uri(const std::string& database) const {
    return "postgresql://loyalty@127.0.0.1:" + std::to_string(port_) + "/" + database;
}

std::string PostgresCluster::create_database(const std::string& name) {
    if (run_command({bin("createdb"), "-h", "127.0.0.1", "-p", std::to_string(port_), "-U",
                     "loyalty", name},
                    dir_ / "createdb.log") != 0)
        throw std::runtime_error("createdb " + name +
                                 " failed: " + read_all(dir_ / "createdb.log"));
    return uri(name);
}

}  // namespace loyalty::sync::test
