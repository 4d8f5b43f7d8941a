#pragma once
// loyalty-admin claims: the manager's side of a mall's receipt claims, the review queue the
// kiosk's manager screen also works (list, approve, reject; a manager's PIN for the last two).
#include <CLI/CLI.hpp>
#include <string>

#include "loyalty/engine.hpp"

namespace loyalty::admin {

struct ClaimsCommand {
    CLI::App* command = nullptr;
    CLI::App* list = nullptr;
    CLI::App* approve = nullptr;
    CLI::App* reject = nullptr;
    std::string status = "pending";
    int limit = 50;
    std::int64_t id = 0;
    std::string staff;
    std::string pin;
    std::string reason;
};

void add_claims_command(CLI::App& app, ClaimsCommand& c);
// Prints what it did; the process's exit code.
int run_claims_command(Engine& engine, const std::string& program, const ClaimsCommand& c);

}  // namespace loyalty::admin
