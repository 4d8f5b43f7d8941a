#include "agent_connection.hpp"

#include "loyalty/sync/messages.hpp"
#include "loyalty/sync/topics.hpp"

namespace loyalty::sync {

namespace {

constexpr int session_expiry_s = 24 * 3600;  // a day offline keeps the down queue

}  // namespace

// Counts publishes the broker refused (PUBACK reason >= 0x80: 135 is "not
// authorised", an ACL that does not cover this topic).
class AgentConnection::PublishListener : public mqtt::iaction_listener {
  public:
    explicit PublishListener(std::function<void(int)> on_refused)
        : on_refused_(std::move(on_refused)) {}
    void on_failure(const mqtt::token& tok) override {
        on_refused_(static_cast<int>(tok.get_reason_code()));
    }
    void on_success(const mqtt::token&) override {}

  private:
    std::function<void(int)> on_refused_;
};

AgentConnection::AgentConnection(const AgentConfig& config, std::string who, AgentStatsBox& stats,
                                 std::function<std::int64_t()> terminal_ms,
                                 std::function<std::int64_t()> backlog)
    : config_(config),
      who_(std::move(who)),
      stats_(stats),
      terminal_ms_(std::move(terminal_ms)),
      backlog_(std::move(backlog)),
      listener_(std::make_unique<PublishListener>([this](int rc) {
          log_line(who_, "broker refused a publish, reason code " + std::to_string(rc));
          stats_.update([](AgentStats& s) { ++s.publish_refused; });
      })) {}

AgentConnection::~AgentConnection() {
    drop();
}

mqtt::message AgentConnection::presence_message(const std::string& state, const std::string& why,
                                                std::int64_t backlog) {
    Presence p{
        config_.address.store, config_.address.terminal, state, why, terminal_ms_(), backlog};
    return mqtt::message(presence_topic(config_.address), encode_presence(p), 1, true);
}

bool AgentConnection::connect() {
    client_ = make_client(config_.broker);
    client_->set_message_callback([this](mqtt::const_message_ptr m) {
        {
            std::lock_guard lock(queue_mutex_);
            inbound_.push_back({m->get_topic(), m->get_payload_str()});
        }
        wake_.notify_one();
    });
    on_connection_lost(*client_, [this] {
        lost_ = true;
        wake_.notify_one();
    });
    const auto backlog = backlog_();
    const auto& a = config_.address;
    try {
        connect_and_subscribe(
            *client_, config_.broker, presence_message("offline", "lost", backlog),
            session_expiry_s,
            {store_acks_subscription(a.program, a.store), terminal_down_topic(a),
             store_down_topic(a.program, a.store), store_config_subscription(a.program, a.store)});
        client_->publish(std::make_shared<mqtt::message>(presence_message("online", "", backlog)));
    } catch (const mqtt::exception& e) {
        log_line(who_, std::string("connect to ") + config_.broker.uri + " failed: " + e.what());
        drop();
        return false;
    }
    lost_ = false;
    stats_.update([](AgentStats& s) {
        ++s.connects;
        s.connected = true;
    });
    log_line(who_, "connected to " + config_.broker.uri);
    return true;
}

void AgentConnection::drop() {
    if (!client_) return;
    try {
        if (client_->is_connected())
            client_->disconnect(std::chrono::milliseconds(0))->wait_for(std::chrono::seconds(1));
    } catch (const mqtt::exception&) {
    }
    client_.reset();
    stats_.update([](AgentStats& s) { s.connected = false; });
}

void AgentConnection::say_goodbye() {
    if (!client_ || !client_->is_connected()) return;
    try {
        client_
            ->publish(std::make_shared<mqtt::message>(
                presence_message("offline", "shutdown", backlog_())))
            ->wait_for(std::chrono::seconds(2));
        client_->disconnect()->wait_for(std::chrono::seconds(2));
    } catch (const mqtt::exception&) {
    }
}

bool AgentConnection::publish(mqtt::message_ptr message) {
    try {
        client_->publish(message, nullptr, *listener_);
    } catch (const mqtt::exception& e) {
        log_line(who_, std::string("publish failed: ") + e.what());
        lost_ = true;
        return false;
    }
    return true;
}

std::deque<Inbound> AgentConnection::take_inbound() {
    std::deque<Inbound> batch;
    std::lock_guard lock(queue_mutex_);
    batch.swap(inbound_);
    return batch;
}

void AgentConnection::wait(std::chrono::milliseconds timeout, const std::atomic<bool>& stop) {
    std::unique_lock lock(queue_mutex_);
    wake_.wait_for(lock, timeout, [&] { return stop.load() || lost_.load() || !inbound_.empty(); });
}

}  // namespace loyalty::sync
