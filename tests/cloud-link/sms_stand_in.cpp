#include "sms_stand_in.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

namespace loyalty::sync::test {

SmsStandIn::SmsStandIn(const std::filesystem::path& dir, std::string token, int fail_first)
    : log_(dir / "sms.jsonl"), token_(std::move(token)), port_(free_loopback_port()) {
    std::filesystem::create_directories(dir);
    server_ = ChildProcess(
        {"/usr/bin/env", "python3", LOYALTY_SOURCE_DIR "/tests/support/sms_gateway_stand_in.py",
         "--port", std::to_string(port_), "--log", log_.string(), "--token", token_, "--fail-first",
         std::to_string(fail_first)},
        dir / "sms-stand-in.log");
    REQUIRE_MESSAGE(wait_for_port(port_, 10000), "the SMS stand-in did not start");
}

std::vector<SmsPosted> SmsStandIn::posted() const {
    std::vector<SmsPosted> out;
    std::ifstream in(log_);
    for (std::string line; std::getline(in, line);) {
        auto j = nlohmann::json::parse(line, nullptr, false);
        if (!j.is_object()) continue;
        out.push_back(SmsPosted{j.value("id", ""), j.value("to", ""), j.value("text", ""),
                                j.value("auth", ""), j.value("status", 0)});
    }
    return out;
}

std::optional<std::string> SmsStandIn::last_code(const std::string& phone) const {
    std::optional<std::string> code;
    static const std::regex six_digits("[0-9]{6}");
    for (const auto& p : posted()) {
        std::smatch m;
        if (p.to == phone && p.status == 200 && std::regex_search(p.text, m, six_digits))
            code = m.str();
    }
    return code;
}

}  // namespace loyalty::sync::test
