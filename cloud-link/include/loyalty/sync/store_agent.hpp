#pragma once
// The store-side agent: drains the outbox of the store database it serves to the
// hub over MQTT 5 (every terminal of its store that writes there: tills, kiosk,
// loyalty-admin, each with its own sequence, topic and acks) and applies what the
// hub sends down. Its only durable state is that database, so it may be killed
// at any moment and restarted. Usable inside the
// kiosk or the POS (run() on a thread of their own) or as `loyalty-link`.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>

#include "loyalty/result.hpp"
#include "loyalty/sync/link_config.hpp"

namespace loyalty::sync {

struct AgentStats {
    std::int64_t batches_sent = 0;
    std::int64_t events_sent = 0;  // every terminal's
    std::int64_t acked_through =
        0;  // highest sequence of the agent's own terminal the hub has acknowledged
    std::int64_t events_deleted = 0;
    std::int64_t resends = 0;  // go-back-N after an ack timeout or a reconnect
    std::int64_t connects = 0;
    std::int64_t publish_refused = 0;  // PUBACK >= 0x80, e.g. 135 not authorised
    std::int64_t down_applied = 0;
    std::int64_t down_stale = 0;
    std::int64_t dead_letters = 0;
    std::int64_t campaigns_installed = 0;  // campaign definitions installed from hub `config` items
    std::int64_t campaigns_refused =
        0;  // definitions (or whole files) the engine refused, with a logged reason
    std::int64_t programs_installed =
        0;  // program rules and rewards from hub `config` items (key "program")
    std::int64_t programs_refused = 0;
    std::int64_t tiers_adopted = 0;  // members moved to the tier the hub decided
    // members whose points here were brought to the program-wide balance
    std::int64_t balances_aligned = 0;
    std::int64_t coupons_accepted =
        0;  // hub `coupon_issue` items recorded for this store's members
    // members enrolled here twice (one phone) that the hub merged, merged here too
    std::int64_t members_merged = 0;
    // receipt claims of this store the hub reversed (the receipt claimed first elsewhere),
    // marked reversed here so the kiosk tells the member
    std::int64_t claims_reversed = 0;
    std::int64_t last_skew_ms = 0;
    std::int64_t backlog = 0;
    bool connected = false;
};

class StoreAgent {
  public:
    // The terminal's wall clock in milliseconds (what it stamps on batches and
    // presence); injectable so a test can run a terminal whose clock is wrong.
    using WallClock = std::function<std::int64_t()>;
    explicit StoreAgent(AgentConfig config, WallClock wall_clock = {});
    ~StoreAgent();
    StoreAgent(const StoreAgent&) = delete;
    StoreAgent& operator=(const StoreAgent&) = delete;

    // Runs until `stop` becomes true; returns an error only when it cannot start
    // (database refused, bad TLS files). A broker that is down is not an error:
    // the agent keeps retrying with backoff.
    Result<void> run(const std::atomic<bool>& stop);

    // Safe from any thread while run() is going.
    AgentStats stats() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace loyalty::sync
