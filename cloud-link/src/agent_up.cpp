#include "agent_up.hpp"

#include <algorithm>

#include "loyalty/sync/signing.hpp"
#include "loyalty/sync/topics.hpp"

namespace loyalty::sync {

OutboxShipper::OutboxShipper(const AgentConfig& config, std::string who, Engine& engine,
                             DownState& down, AgentStatsBox& stats,
                             std::function<std::int64_t()> terminal_ms)
    : config_(config),
      who_(std::move(who)),
      engine_(engine),
      down_(down),
      stats_(stats),
      terminal_ms_(std::move(terminal_ms)) {
    // The agent's own terminal first: its stream exists before it has written anything.
    streams_[config_.address.terminal].address = config_.address;
}

void OutboxShipper::discover() {
    for (const auto& w : engine_.outbox().writers()) {
        if (w.store == config_.address.store && streams_.count(w.terminal)) continue;
        const auto who = w.store + "/" + w.terminal;
        if (w.store != config_.address.store || !valid_code(w.terminal)) {
            if (not_shipped_.insert(who).second)
                log_line(
                    who_,
                    "events of " + who + " in this database are not shipped: " +
                        (w.store != config_.address.store
                             ? "this agent ships store " + config_.address.store + " only"
                             : std::string("the terminal code is not one of [A-Za-z0-9_-]{1,32}")));
            continue;
        }
        auto& stream = streams_[w.terminal];
        stream.address = TerminalAddress{config_.address.program, w.store, w.terminal};
        stream.last_progress = std::chrono::steady_clock::now();
        log_line(who_, "shipping the events of terminal " + who + " too");
    }
}

void OutboxShipper::restart() {
    for (auto& [terminal, s] : streams_) {
        if (s.sent > s.acked) stats_.update([](AgentStats& st) { ++st.resends; });
        s.sent = s.acked;
        s.quiet_timeouts = 0;
        s.last_progress = std::chrono::steady_clock::now();
    }
}

void OutboxShipper::on_ack(const Ack& ack) {
    if (ack.store != config_.address.store) return;
    // Acks of the store's other terminals (served by another database's agent) arrive too.
    auto it = streams_.find(ack.terminal);
    if (it == streams_.end()) return;
    auto& s = it->second;
    stats_.update([&](AgentStats& st) { st.last_skew_ms = ack.skew_ms; });
    if (ack.through <= s.acked) return;
    // Never delete what this process has not sent: an ack beyond it means a
    // second terminal (or a second database) writes with this terminal's codes.
    const auto through = std::min(ack.through, s.sent_ever);
    if (through < ack.through)
        log_line(who_, "the hub acknowledges " + ack.terminal + " sequence " +
                           std::to_string(ack.through) + " but only " +
                           std::to_string(s.sent_ever) +
                           " was sent: is another terminal using these codes?");
    if (through <= s.acked) return;
    const int deleted =
        engine_.outbox().acknowledge_through(s.address.store, s.address.terminal, through);
    s.acked = through;
    s.quiet_timeouts = 0;
    if (s.sent < s.acked) s.sent = s.acked;
    s.last_progress = std::chrono::steady_clock::now();
    if (is_own(s)) down_.set_status("acked_through", s.acked);
    down_.set_status("skew_ms", ack.skew_ms);
    down_.set_status("last_ack_ms", ack.hub_time_ms);
    stats_.update([&](AgentStats& st) {
        if (is_own(s)) st.acked_through = s.acked;
        st.events_deleted += deleted;
    });
}

void OutboxShipper::on_resequence(const Resequence& r) {
    if (r.store != config_.address.store) return;
    auto it = streams_.find(r.terminal);
    if (it == streams_.end()) return;
    auto& s = it->second;
    const int moved =
        engine_.outbox().renumber_after(s.address.store, s.address.terminal, r.through);
    if (moved > 0) {
        log_line(who_, "the hub applied other events at " + r.terminal + " sequence " +
                           std::to_string(r.seq) +
                           " (a restored database?): " + std::to_string(moved) +
                           " waiting event(s) renumbered after " + std::to_string(r.through));
        // Nothing of this terminal is left at or below the hub's sequence.
        s.acked = r.through;
        s.sent_ever = std::max(s.sent_ever, r.through);
        if (is_own(s)) down_.set_status("acked_through", s.acked);
    }
    // Renumbered now or by an earlier copy of this message: send from the acked point.
    s.sent = s.acked;
    s.quiet_timeouts = 0;
    s.last_progress = std::chrono::steady_clock::now();
}

// Keeps a batch well inside the hub's payload limit. An event that cannot fit
// even alone goes with a stub payload of schema 0: the hub parks it in its
// dead letters and moves on, rather than the terminal resending it forever.
void OutboxShipper::fit_in_one_message(std::vector<OutboxEvent>& events) {
    constexpr std::size_t budget = max_payload_bytes * 3 / 4;
    constexpr std::size_t per_event_overhead = 256;
    std::size_t bytes = 512, count = 0;
    for (; count < events.size(); ++count) {
        const auto add = events[count].payload.size() + per_event_overhead;
        if (count > 0 && bytes + add > budget) break;
        bytes += add;
    }
    events.resize(count);
    if (count == 1 && events.front().payload.size() + per_event_overhead + 512 > budget) {
        auto& e = events.front();
        log_line(
            who_,
            "event " + e.terminal + "/" + std::to_string(e.seq) + " (" + e.type + ", " +
                std::to_string(e.payload.size()) +
                " bytes) is too large for one message; sending it as a stub for the hub to park");
        e.payload = "{\"oversized\":true,\"bytes\":" + std::to_string(e.payload.size()) + "}";
        e.schema_version = 0;
    }
}

bool OutboxShipper::send_more(AgentConnection& connection) {
    bool sent = false;
    for (auto& [terminal, stream] : streams_) {
        if (connection.lost()) break;
        if (send_next(connection, stream)) sent = true;
    }
    return sent;
}

bool OutboxShipper::send_next(AgentConnection& connection, Stream& s) {
    const auto in_flight = s.sent - s.acked;
    if (in_flight >= config_.window_events) return false;
    const int room = static_cast<int>(
        std::min<std::int64_t>(config_.window_events - in_flight, config_.batch_events));
    auto events = engine_.outbox().pending(s.address.store, s.address.terminal, s.sent, room);
    if (events.empty()) return false;
    fit_in_one_message(events);
    // Rows before the first one still here were settled (acknowledged, or
    // cleared before this terminal was linked): the hub may skip to there.
    if (s.sent == s.acked && events.front().seq > s.acked + 1)
        s.acked = s.sent = events.front().seq - 1;
    if (in_flight == 0) s.last_progress = std::chrono::steady_clock::now();
    auto payload = encode_batch(s.address, s.acked, terminal_ms_(), events);
    auto msg = mqtt::message::create(events_topic(s.address), payload, 1, false);
    if (!config_.sign_key.empty()) {
        if (auto sig = sign_payload(config_.sign_key, payload)) {
            mqtt::properties props;
            props.add(mqtt::property(mqtt::property::USER_PROPERTY, std::string(signature_property),
                                     *sig));
            msg->set_properties(props);
        }
    }
    if (!connection.publish(msg)) return false;
    s.sent = events.back().seq;
    s.sent_ever = std::max(s.sent_ever, s.sent);
    stats_.update([&](AgentStats& st) {
        ++st.batches_sent;
        st.events_sent += static_cast<std::int64_t>(events.size());
    });
    return true;
}

void OutboxShipper::check_ack_timeout(std::chrono::steady_clock::time_point now) {
    for (auto& [terminal, s] : streams_) {
        // While the hub is away, resend less and less often (up to a minute)
        // instead of piling duplicates into the broker's queue.
        const auto timeout = std::min<std::int64_t>(
            std::int64_t{config_.ack_timeout_ms} << std::min(s.quiet_timeouts, 10),
            std::max(60000, config_.ack_timeout_ms));
        if (s.sent > s.acked && now - s.last_progress > std::chrono::milliseconds(timeout)) {
            log_line(who_, "no ack for " + std::to_string(timeout) + " ms, resending " + terminal +
                               " from " + std::to_string(s.acked + 1));
            s.sent = s.acked;
            s.last_progress = now;
            ++s.quiet_timeouts;
            stats_.update([](AgentStats& st) { ++st.resends; });
        }
    }
}

}  // namespace loyalty::sync
