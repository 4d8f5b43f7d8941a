#pragma once
// A terminal database for the tests: the test program (points available at
// once, so sales can also pay with points), members enrolled under uids shared
// by every terminal, and sales that leave events in the outbox.
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "loyalty/engine.hpp"

namespace loyalty::sync::test {

ProgramConfig link_program();   // code "TEST", stores S001..S003, no return window, parking
std::string member_uid(int i);  // the same member on every terminal

class Terminal {
  public:
    Terminal(const std::filesystem::path& db, const std::string& store, const std::string& terminal,
             int members = 0);
    Engine& engine() { return *engine_; }
    // A sale for member i (0-based) with the next receipt number; pays some of
    // it with points now and then.
    void sell(int member_index);
    std::int64_t last_seq();  // the outbox sequence of the last event written
    std::int64_t backlog() { return engine_->outbox().backlog(); }
    // Sum over this terminal's ledger of the member's points (available + pending).
    std::int64_t ledger_points(const std::string& uid);
    MemberId member_id(int i) const { return members_.at(static_cast<std::size_t>(i)); }
    const std::string& store() const { return store_; }
    const std::string& terminal() const { return terminal_; }

  private:
    ManualClock clock_;
    std::unique_ptr<Engine> engine_;
    std::string store_, terminal_;
    std::vector<MemberId> members_;
    int receipts_ = 0;
    std::mt19937 rng_{7};
};

}  // namespace loyalty::sync::test
