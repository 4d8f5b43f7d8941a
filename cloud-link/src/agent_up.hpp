#pragma once
// The agent's up path: every terminal's events of the store database it serves
// (the tills, the kiosk, loyalty-admin), each terminal a stream of its own: its
// own sequence, topic and acks. A stream is shipped in sequence order inside a
// bounded window of unacknowledged events, deleted only on the hub's ack, and
// resent from its last ack when acks stop coming (go-back-N, each timeout in a
// row doubling the wait). Events another store wrote to this database are not
// this agent's to ship (the broker's ACL would refuse them too): logged, left.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "agent_connection.hpp"
#include "agent_stats.hpp"
#include "loyalty/engine.hpp"
#include "loyalty/sync/down_state.hpp"
#include "loyalty/sync/messages.hpp"

namespace loyalty::sync {

class OutboxShipper {
  public:
    OutboxShipper(const AgentConfig& config, std::string who, Engine& engine, DownState& down,
                  AgentStatsBox& stats, std::function<std::int64_t()> terminal_ms);

    // Picks up terminals that started writing to the database since the last look.
    void discover();
    // After a (re)connect: everything not acknowledged is sent again; the hub drops what it has.
    void restart();
    // Publishes the next batch of each stream whose window has room; false when nothing was sent.
    bool send_more(AgentConnection& connection);
    void on_ack(const Ack& ack);
    // The hub holds other events under some of this terminal's waiting
    // sequences (a restored database): they move after the hub's last applied
    // one and go again from there.
    void on_resequence(const Resequence& r);
    // A stream with no ack progress for its timeout goes back to its oldest unacknowledged event.
    void check_ack_timeout(std::chrono::steady_clock::time_point now);

  private:
    struct Stream {
        TerminalAddress address;
        std::int64_t acked = 0;      // everything <= acked is deleted from the outbox
        std::int64_t sent = 0;       // highest sequence published on this connection
        std::int64_t sent_ever = 0;  // highest sequence this process has published
        int quiet_timeouts = 0;      // ack timeouts in a row: each doubles the next wait
        std::chrono::steady_clock::time_point last_progress;
    };
    bool send_next(AgentConnection& connection, Stream& stream);
    void fit_in_one_message(std::vector<OutboxEvent>& events);
    bool is_own(const Stream& stream) const {
        return stream.address.terminal == config_.address.terminal;
    }

    const AgentConfig& config_;
    std::string who_;
    Engine& engine_;
    DownState& down_;
    AgentStatsBox& stats_;
    std::function<std::int64_t()> terminal_ms_;
    std::map<std::string, Stream> streams_;  // terminal code -> its stream, this store's only
    std::set<std::string> not_shipped_;      // "store/terminal" writers already logged as not ours
};

}  // namespace loyalty::sync
