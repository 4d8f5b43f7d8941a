#pragma once
// A small real store database for the POS tests, made through the engine:
// the demo program, a few members (one with points, one gold, one with a
// blocked card), a manager and a cashier, and signed member codes.
#include <cstdint>
#include <filesystem>
#include <string>

namespace loyalty::pos_test {

// 2026-03-10 12:00 at UTC+8, a Tuesday: no campaign window is open.
constexpr std::int64_t kNow = 1773115200;
constexpr const char* kHubKeyId = "hub-1";
constexpr const char* kHubSeedHex =
    "0101010101010101010101010101010101010101010101010101010101010101";
constexpr const char* kManager = "m-01";
constexpr const char* kManagerPin = "246810";
constexpr const char* kCashier = "c-01";
constexpr const char* kCashierPin = "135790";
constexpr const char* kRichMemberPin = "8642";  // the rich member's own PIN

struct SeededStore {
    std::string rich_uid;  // 50,000 points available, silver
    std::string rich_phone = "13900000001";
    std::string rich_card = "8800000000000001";
    std::string gold_uid;  // gold after a 6,000.00 sale
    std::string gold_card = "8800000000000003";
    std::string blocked_uid;
    std::string blocked_card = "8800000000000002";
    std::string hub_public_hex;
    std::string code_fresh;    // rich member, issued at kNow
    std::string code_fresh2;   // gold member, issued at kNow
    std::string code_expired;  // rich member, issued 10 minutes before kNow
    std::string code_forged;   // signed by a key the terminal does not trust
    std::string config_json;   // a session config for loyalty_pos_open
};

// Creates db (must not exist) and fills it. Throws on failure (test set-up).
SeededStore seed_store(const std::filesystem::path& db);
std::string seeded_store_json(const SeededStore& s);

// Every row of every table, as text: equal before and after a call means the
// call wrote nothing.
std::string dump_database(const std::filesystem::path& db);

}  // namespace loyalty::pos_test
