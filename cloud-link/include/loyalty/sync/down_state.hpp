#pragma once
// The terminal's copy of what the hub sent down, kept in the terminal database
// beside the engine's tables: the highest version of every (kind, key) item,
// the agent's status figures and its dead letters. Used by the agent, and by
// the kiosk and the POS to show a member's hub-reconciled balance.
#include <cstdint>
#include <optional>
#include <string>

#include "loyalty/storage/database.hpp"
#include "loyalty/sync/messages.hpp"

namespace loyalty::sync {

class DownState {
  public:
    // Brings the link_* tables up to date (the link part's numbered migrations).
    explicit DownState(Database& db);

    // Stores the item if its version is newer than the stored one; false for a
    // duplicate or an old item (nothing changes). through: the hub's applied-
    // through sequence for this terminal when the item was made (snapshots).
    bool apply(const DownItem& item, std::int64_t through, std::int64_t now_ms);

    struct StoredSnapshot {
        MemberSnapshot snapshot;
        std::int64_t through = 0;
    };
    std::optional<StoredSnapshot> snapshot(const std::string& member_uid);

    // The member's points as the hub would count them now: the hub's snapshot
    // plus this terminal's own events the snapshot did not include yet (outbox
    // rows after its `through`). nullopt without a snapshot.
    std::optional<std::int64_t> reconciled_points(const std::string& member_uid,
                                                  const std::string& store,
                                                  const std::string& terminal);

    void dead_letter(const std::string& topic, const std::string& why, const std::string& payload,
                     std::int64_t now_ms);
    std::int64_t dead_letter_count();
    std::int64_t item_count(const std::string& kind);

    void set_status(const std::string& name, std::int64_t value);
    std::optional<std::int64_t> status(const std::string& name);

  private:
    Database& db_;
};

}  // namespace loyalty::sync
