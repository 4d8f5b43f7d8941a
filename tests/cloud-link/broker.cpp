#include "broker.hpp"

#include <pwd.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>

namespace loyalty::sync::test {

namespace fs = std::filesystem;

#ifndef LOYALTY_MOSQUITTO
#define LOYALTY_MOSQUITTO "/usr/sbin/mosquitto"
#endif
#ifndef LOYALTY_MOSQUITTO_PASSWD
#define LOYALTY_MOSQUITTO_PASSWD "/usr/bin/mosquitto_passwd"
#endif
#ifndef LOYALTY_OPENSSL
#define LOYALTY_OPENSSL "/usr/bin/openssl"
#endif

std::string mosquitto_path() {
    return LOYALTY_MOSQUITTO;
}
std::string mosquitto_passwd_path() {
    return LOYALTY_MOSQUITTO_PASSWD;
}
std::string openssl_path() {
    return LOYALTY_OPENSSL;
}

namespace {
// Not doctest: the benchmark starts its broker with this file too.
void require(bool ok, const std::string& what) {
    if (!ok) throw std::runtime_error(what);
}

const std::string openssl = openssl_path();

void ec_key_and_csr(const fs::path& dir, const std::string& name, const std::string& cn) {
    const auto log = dir / "openssl.log";
    require(run_command({openssl, "req", "-new", "-newkey", "ec", "-pkeyopt",
                         "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                         (dir / (name + ".key")).string(), "-out", (dir / (name + ".csr")).string(),
                         "-subj", "/CN=" + cn},
                        log) == 0,
            "a setup command failed");
}

void sign(const fs::path& dir, const std::string& name, const std::string& ext) {
    const auto ext_file = dir / (name + ".ext");
    std::ofstream(ext_file) << ext << "\n";
    require(run_command({openssl, "x509", "-req", "-in", (dir / (name + ".csr")).string(), "-CA",
                         (dir / "ca.crt").string(), "-CAkey", (dir / "ca.key").string(),
                         "-CAcreateserial", "-out", (dir / (name + ".crt")).string(), "-days", "2",
                         "-extfile", ext_file.string()},
                        dir / "openssl.log") == 0,
            "a setup command failed");
}
}  // namespace

void give_to_mosquitto(const fs::path& dir) {
    if (::geteuid() != 0) return;
    const passwd* pw = ::getpwnam("mosquitto");
    if (!pw) return;
    (void)::chown(dir.c_str(), pw->pw_uid, pw->pw_gid);
    for (const auto& entry : fs::recursive_directory_iterator(dir))
        (void)::chown(entry.path().c_str(), pw->pw_uid, pw->pw_gid);
}

Mosquitto::Mosquitto(fs::path dir, std::vector<std::string> users, bool tls)
    : dir_(std::move(dir)), users_(std::move(users)), tls_(tls), port_(free_loopback_port()) {
    fs::create_directories(dir_ / "persist");
    // As cloud-link/examples/central.acl: the car park reads the parking credits only.
    std::ofstream(dir_ / "acl") << "user hub\ntopic readwrite loyalty/v1/#\n\n"
                                << "user carpark\ntopic read loyalty/v1/+/carpark/#\n\n"
                                << "pattern write loyalty/v1/+/stores/%u/#\n"
                                << "pattern read loyalty/v1/+/stores/%u/#\n";
    std::ofstream conf(dir_ / "mosquitto.conf");
    conf << "per_listener_settings false\nallow_anonymous false\n"
         << "acl_file " << (dir_ / "acl").string() << "\n"
         << "persistence true\npersistence_location " << (dir_ / "persist").string() << "/\n"
         << "max_queued_messages 200000\nmax_inflight_messages 100\n"
         // As the example configs: a till waits for each answer, so no Nagle delay.
         << "set_tcp_nodelay true\n"
         << "log_dest stdout\nlog_type error\nlog_type warning\nlog_type notice\n"
         << "listener " << port_ << " 127.0.0.1\n";
    if (tls_) {
        make_ca();
        conf << "cafile " << (dir_ / "ca.crt").string() << "\ncertfile "
             << (dir_ / "server.crt").string() << "\nkeyfile " << (dir_ / "server.key").string()
             << "\nrequire_certificate true\nuse_identity_as_username true\n";
    } else {
        const auto passwd = dir_ / "passwd";
        bool first = true;
        for (const auto& u : users_) {
            std::vector<std::string> args{mosquitto_passwd_path(), "-b"};
            if (first) args.push_back("-c");
            args.insert(args.end(), {passwd.string(), u, "pw-" + u});
            require(run_command(args, dir_ / "passwd.log") == 0, "a setup command failed");
            first = false;
        }
        conf << "password_file " << passwd.string() << "\n";
    }
    conf.close();
    give_to_mosquitto(dir_);
    start();
}

Mosquitto::~Mosquitto() {
    process_.kill_now();
}

void Mosquitto::make_ca() {
    const auto log = dir_ / "openssl.log";
    require(run_command(
                {openssl, "req", "-x509", "-new", "-newkey", "ec", "-pkeyopt",
                 "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", (dir_ / "ca.key").string(),
                 "-out", (dir_ / "ca.crt").string(), "-days", "2", "-subj", "/CN=loyalty test CA"},
                log) == 0,
            "a setup command failed");
    ec_key_and_csr(dir_, "server", "localhost");
    sign(dir_, "server", "subjectAltName=IP:127.0.0.1,DNS:localhost");
    for (const auto& u : users_) {
        ec_key_and_csr(dir_, "client-" + u, u);
        sign(dir_, "client-" + u, "extendedKeyUsage=clientAuth");
    }
}

void Mosquitto::start() {
    process_ = ChildProcess({mosquitto_path(), "-c", (dir_ / "mosquitto.conf").string()},
                            dir_ / "mosquitto.log");
    require(wait_for_port(port_, 5000),
            "mosquitto did not start; see " + (dir_ / "mosquitto.log").string());
}

void Mosquitto::stop() {
    process_.terminate();
}

std::string Mosquitto::uri() const {
    return std::string(tls_ ? "ssl" : "tcp") + "://127.0.0.1:" + std::to_string(port_);
}

BrokerConfig Mosquitto::client(const std::string& user, const std::string& client_id) {
    BrokerConfig b;
    b.uri = uri();
    b.client_id = client_id;
    b.connect_timeout_ms = 2000;
    if (tls_) {
        b.ca_file = (dir_ / "ca.crt").string();
        b.cert_file = (dir_ / ("client-" + user + ".crt")).string();
        b.key_file = (dir_ / ("client-" + user + ".key")).string();
    } else {
        b.username = user;
        b.password = "pw-" + user;
    }
    return b;
}

}  // namespace loyalty::sync::test
