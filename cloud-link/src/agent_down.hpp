#pragma once
// The agent's down path: what the hub sends to the store (member snapshots, card
// blocks, coupons, configuration, merges, reversed receipt claims) kept by DownState's version rule
// and applied through the engine, each message in one transaction. A bad message or item is a dead
// letter, never an exception.
#include <cstdint>
#include <string>

#include "agent_connection.hpp"
#include "agent_stats.hpp"
#include "loyalty/engine.hpp"
#include "loyalty/sync/down_state.hpp"
#include "loyalty/sync/messages.hpp"

namespace loyalty::sync {

class DownApplier {
  public:
    DownApplier(const AgentConfig& config, std::string who, Engine& engine, DownState& down,
                AgentStatsBox& stats);

    void apply(const Inbound& in, std::int64_t now_ms);

  private:
    void block_card(const std::string& program, const DownItem& item);
    void adopt_snapshot(const DownItem& item,
                        const std::optional<std::map<std::string, std::int64_t>>& through);
    void install_program(const std::string& program, std::int64_t version, const std::string& body);
    void accept_coupon(const std::string& program, const DownItem& item);
    // True when the item merged a member this store holds into the hub's survivor.
    bool merge_member(const std::string& program, const DownItem& item);
    // True when the item marked one of this store's claims reversed.
    bool reverse_claim(const DownItem& item);
    void install_campaigns(std::int64_t version, const std::string& body);

    const AgentConfig& config_;
    std::string who_;
    Engine& engine_;
    DownState& down_;
    AgentStatsBox& stats_;
};

}  // namespace loyalty::sync
