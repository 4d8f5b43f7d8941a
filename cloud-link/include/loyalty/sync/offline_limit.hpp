#pragma once
// A per-member bound on points redeemed at this terminal that the hub has not
// confirmed yet. While the link is up, events are acknowledged within moments
// and their outbox rows deleted, so the bound rarely bites; while it is down, it
// caps what a member could spend twice in two stores on the same balance.
// The kiosk and the POS ask before a redemption (paying with points, a reward):
//
//   OfflineRedemptionLimit limit(engine_database(engine), config.offline_redeem_limit, store,
//   terminal); if (auto ok = limit.check(member.uid, points); !ok) refuse(ok.error().message);
#include <cstdint>
#include <string>

#include "loyalty/result.hpp"
#include "loyalty/storage/database.hpp"
#include "loyalty/storage/engine_storage.hpp"

namespace loyalty::sync {

class OfflineRedemptionLimit {
  public:
    // limit_points <= 0: no limit.
    OfflineRedemptionLimit(Database& db, std::int64_t limit_points, std::string store,
                           std::string terminal);

    // Points this terminal has redeemed for the member that the hub has not
    // acknowledged (its events still in the outbox).
    std::int64_t unconfirmed(const std::string& member_uid);
    // Errc::limit_exceeded when redeeming `points` more would pass the limit.
    Result<void> check(const std::string& member_uid, std::int64_t points);

  private:
    Database& db_;
    std::int64_t limit_;
    std::string store_, terminal_;
};

}  // namespace loyalty::sync
