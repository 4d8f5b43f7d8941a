#include "agent_up.hpp"

#include <algorithm>

#include "loyalty/sync/signing.hpp"
#include "loyalty/sync/topics.hpp"

namespace loyalty::sync {

OutboxShipper::OutboxShipper(const AgentConfig& config, std::string who, Engine& engine, DownState& down,
                             AgentStatsBox& stats, std::function<std::int64_t()> terminal_ms)
    : config_(config),
      who_(std::move(who)),
      engine_(engine),
      down_(down),
      stats_(stats),
      terminal_ms_(std::move(terminal_ms)) {}

void OutboxShipper::restart() {
    if (sent_ > acked_) stats_.update([](AgentStats& s) { ++s.resends; });
    sent_ = acked_;
    quiet_timeouts_ = 0;
    last_progress_ = std::chrono::steady_clock::now();
}

void OutboxShipper::on_ack(const Ack& ack) {
    if (ack.store != config_.address.store || ack.terminal != config_.address.terminal) return;
    stats_.update([&](AgentStats& s) { s.last_skew_ms = ack.skew_ms; });
    if (ack.through <= acked_) return;
    // Never delete what this process has not sent: an ack beyond it means a
    // second terminal is configured with this terminal's codes.
    const auto through = std::min(ack.through, sent_ever_);
    if (through < ack.through)
        log_line(who_, "the hub acknowledges sequence " + std::to_string(ack.through) + " but only " +
                           std::to_string(sent_ever_) + " was sent: is another terminal using these codes?");
    if (through <= acked_) return;
    const int deleted =
        engine_.outbox().acknowledge_through(config_.address.store, config_.address.terminal, through);
    acked_ = through;
    quiet_timeouts_ = 0;
    if (sent_ < acked_) sent_ = acked_;
    last_progress_ = std::chrono::steady_clock::now();
    down_.set_status("acked_through", acked_);
    down_.set_status("skew_ms", ack.skew_ms);
    down_.set_status("last_ack_ms", ack.hub_time_ms);
    stats_.update([&](AgentStats& s) {
        s.acked_through = acked_;
        s.events_deleted += deleted;
    });
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
        log_line(who_, "event " + std::to_string(e.seq) + " (" + e.type + ", " + std::to_string(e.payload.size()) +
                           " bytes) is too large for one message; sending it as a stub for the hub to park");
        e.payload = "{\"oversized\":true,\"bytes\":" + std::to_string(e.payload.size()) + "}";
        e.schema_version = 0;
    }
}

bool OutboxShipper::send_more(AgentConnection& connection) {
    const auto in_flight = sent_ - acked_;
    if (in_flight >= config_.window_events) return false;
    const int room = static_cast<int>(std::min<std::int64_t>(config_.window_events - in_flight, config_.batch_events));
    auto events = engine_.outbox().pending(config_.address.store, config_.address.terminal, sent_, room);
    if (events.empty()) return false;
    fit_in_one_message(events);
    // Rows before the first one still here were settled (acknowledged, or
    // cleared before this terminal was linked): the hub may skip to there.
    if (sent_ == acked_ && events.front().seq > acked_ + 1) acked_ = sent_ = events.front().seq - 1;
    if (in_flight == 0) last_progress_ = std::chrono::steady_clock::now();
    auto payload = encode_batch(config_.address, acked_, terminal_ms_(), events);
    auto msg = mqtt::message::create(events_topic(config_.address), payload, 1, false);
    if (!config_.sign_key.empty()) {
        if (auto sig = sign_payload(config_.sign_key, payload)) {
            mqtt::properties props;
            props.add(mqtt::property(mqtt::property::USER_PROPERTY, std::string(signature_property), *sig));
            msg->set_properties(props);
        }
    }
    if (!connection.publish(msg)) return false;
    sent_ = events.back().seq;
    sent_ever_ = std::max(sent_ever_, sent_);
    stats_.update([&](AgentStats& s) {
        ++s.batches_sent;
        s.events_sent += static_cast<std::int64_t>(events.size());
    });
    return true;
}

void OutboxShipper::check_ack_timeout(std::chrono::steady_clock::time_point now) {
    // While the hub is away, resend less and less often (up to a minute)
    // instead of piling duplicates into the broker's queue.
    const auto timeout = std::min<std::int64_t>(std::int64_t{config_.ack_timeout_ms} << std::min(quiet_timeouts_, 10),
                                                std::max(60000, config_.ack_timeout_ms));
    if (sent_ > acked_ && now - last_progress_ > std::chrono::milliseconds(timeout)) {
        log_line(who_, "no ack for " + std::to_string(timeout) + " ms, resending from " + std::to_string(acked_ + 1));
        sent_ = acked_;
        last_progress_ = now;
        ++quiet_timeouts_;
        stats_.update([](AgentStats& s) { ++s.resends; });
    }
}

}  // namespace loyalty::sync
