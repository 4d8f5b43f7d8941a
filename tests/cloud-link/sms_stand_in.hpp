#pragma once
// The SMS provider's stand-in (tests/support/sms_gateway_stand_in.py) on a free loopback
// port: the hub's gateway posts to it, and a test reads the texts a phone would get.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "process.hpp"

namespace loyalty::sync::test {

struct SmsPosted {
    std::string id, to, text, auth;
    int status = 0;
};

class SmsStandIn {
  public:
    // fail_first: the first N posts are answered 503.
    SmsStandIn(const std::filesystem::path& dir, std::string token, int fail_first = 0);
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/send"; }
    const std::string& token() const { return token_; }
    std::vector<SmsPosted> posted() const;
    // The six-digit code of the newest text the provider accepted for `phone`.
    std::optional<std::string> last_code(const std::string& phone) const;

  private:
    std::filesystem::path log_;
    std::string token_;
    int port_ = 0;
    ChildProcess server_;
};

}  // namespace loyalty::sync::test
