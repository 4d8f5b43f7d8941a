#include "hub_requester.hpp"

#include <sodium.h>

#include "mqtt_session.hpp"

namespace loyalty::sync {

namespace {

std::string random_tag() {
    unsigned char bytes[8];
    randombytes_buf(bytes, sizeof bytes);
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned char b : bytes) {
        out += hex[b >> 4];
        out += hex[b & 15];
    }
    return out;
}

}  // namespace

HubRequester::HubRequester(BrokerConfig broker, TerminalAddress self)
    : broker_(std::move(broker)), self_(std::move(self)), client_tag_(random_tag()) {
    // Never the agent's client id: the broker would disconnect the agent.
    broker_.client_id = "ask-" + self_.store + "-" + self_.terminal + "-" + client_tag_;
    reply_topic_ = replies_topic(self_, client_tag_);
    thread_ = std::thread([this] { keep_connected(); });
}

HubRequester::~HubRequester() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    changed_.notify_all();
    thread_.join();
    if (client_) {
        try {
            if (client_->is_connected())
                client_->disconnect()->wait_for(std::chrono::milliseconds(500));
        } catch (const mqtt::exception&) {
        }
    }
}

bool HubRequester::connect_once() {
    std::shared_ptr<mqtt::async_client> client;
    try {
        client = make_client(broker_);  // throws on a malformed broker URI
    } catch (const mqtt::exception&) {
        return false;
    }
    client->set_message_callback([this](mqtt::const_message_ptr m) {
        const auto& props = m->get_properties();
        if (!props.contains(mqtt::property::CORRELATION_DATA)) return;
        const auto id = mqtt::get<std::string>(props, mqtt::property::CORRELATION_DATA);
        {
            std::lock_guard lock(mutex_);
            auto it = waiting_.find(id);
            if (it == waiting_.end()) return;  // late: its caller gave up already
            it->second = m->get_payload_str();
        }
        changed_.notify_all();
    });
    on_connection_lost(*client, [this] {
        {
            std::lock_guard lock(mutex_);
            connected_ = false;
        }
        changed_.notify_all();
    });
    try {
        // No session kept at the broker: an answer is useful only to a caller still waiting.
        connect_and_subscribe(*client, broker_, std::nullopt, 0, {reply_topic_});
    } catch (const mqtt::exception&) {
        return false;
    }
    std::lock_guard lock(mutex_);
    // The connection may have dropped already (its handler ran before this): then the
    // loop connects again.
    connected_ = client->is_connected();
    client_ = std::move(client);
    changed_.notify_all();
    return connected_;
}

void HubRequester::keep_connected() {
    Backoff backoff(200, 5000);
    std::unique_lock lock(mutex_);
    while (!stop_) {
        if (connected_) {
            changed_.wait(lock, [&] { return stop_ || !connected_; });
            continue;
        }
        lock.unlock();
        // The old client (if any) goes only here, on this thread: Paho must not
        // destroy a client from inside its own callback.
        std::shared_ptr<mqtt::async_client> old;
        {
            std::lock_guard guard(mutex_);
            old = std::move(client_);
        }
        old.reset();
        const bool ok = connect_once();
        lock.lock();
        if (ok) {
            backoff.reset();
            continue;
        }
        changed_.wait_for(lock, backoff.next(), [&] { return stop_; });
    }
}

bool HubRequester::connected() {
    std::lock_guard lock(mutex_);
    return connected_;
}

Result<std::string> HubRequester::ask(const std::string& payload,
                                      std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::unique_lock lock(mutex_);
    if (!changed_.wait_until(lock, deadline, [&] { return connected_ || stop_; }) || stop_)
        return make_error(Errc::unreachable, "no connection to the hub's broker " + broker_.uri);
    const auto id = client_tag_ + "-" + std::to_string(++next_id_);
    waiting_[id] = std::nullopt;
    const auto client = client_;
    lock.unlock();
    try {
        // QoS 0: a lost request is a timeout (the caller works offline or asks again),
        // and a QoS 1 PUBACK in each direction lets Nagle hold packets back for tens of ms.
        auto msg = mqtt::make_message(requests_topic(self_), payload, 0, false);
        msg->set_properties(mqtt::properties{{mqtt::property::RESPONSE_TOPIC, reply_topic_},
                                             {mqtt::property::CORRELATION_DATA, id}});
        client->publish(msg);
    } catch (const mqtt::exception& e) {
        lock.lock();
        waiting_.erase(id);
        connected_ = false;  // the background thread connects again
        changed_.notify_all();
        return make_error(Errc::unreachable,
                          std::string("the request could not be sent: ") + e.what());
    }
    lock.lock();
    changed_.wait_until(lock, deadline, [&] { return waiting_[id].has_value() || stop_; });
    auto answer = std::move(waiting_[id]);
    waiting_.erase(id);
    if (!answer)
        return make_error(Errc::unreachable, "no answer from the hub within " +
                                                 std::to_string(timeout.count()) + " ms");
    return std::move(*answer);
}

}  // namespace loyalty::sync
