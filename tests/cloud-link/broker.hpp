#pragma once
// A real mosquitto for one test: its own config, password file and ACL (stores
// write and read only under loyalty/v1/+/stores/<their code>/#), on a free
// loopback port, optionally TLS with a CA the test makes with openssl.
#include <filesystem>
#include <string>
#include <vector>

#include "loyalty/sync/link_config.hpp"
#include "process.hpp"

namespace loyalty::sync::test {

struct BrokerUser {
    std::string name;
    std::string password;
};

// The Debian packages' programs, found by CMake (defaults: Debian's paths).
std::string mosquitto_path();
std::string mosquitto_passwd_path();
std::string openssl_path();

// Run as root, mosquitto drops to the mosquitto user: let it read the files
// under dir and write its persistence there.
void give_to_mosquitto(const std::filesystem::path& dir);

class Mosquitto {
  public:
    // Users get the password "pw-<name>". With tls, clients authenticate with a
    // certificate whose CN is their user name (client_cert()).
    Mosquitto(std::filesystem::path dir, std::vector<std::string> users, bool tls = false);
    ~Mosquitto();

    void start();
    void stop();  // SIGTERM: mosquitto saves its persistence file
    bool running() { return process_.running(); }
    int port() const { return port_; }
    std::string uri() const;

    // Broker settings for one of the users (credentials, TLS files).
    BrokerConfig client(const std::string& user, const std::string& client_id);
    const std::filesystem::path& dir() const { return dir_; }

  private:
    void make_ca();
    std::filesystem::path dir_;
    std::vector<std::string> users_;
    bool tls_;
    int port_;
    ChildProcess process_;
};

}  // namespace loyalty::sync::test
