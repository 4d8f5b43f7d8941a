#pragma once
// Parking credits forwarded to the mall's car park system (PROTOCOL.md, "Parking credits").
// When the hub applies a terminal's `parking.credited` it queues the credit once by its id in
// hub_carpark_credits, inside the same transaction; a worker then publishes each queued credit
// (QoS 1) on the program's car park topic and marks it published once the broker acknowledged
// it. A refused or unanswered publish is retried, so neither a hub restart nor a link restart
// loses or doubles a credit. The car park dedupes by credit_id what QoS 1 may deliver twice.
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "loyalty/sync/hub.hpp"
#include "loyalty/sync/topics.hpp"

namespace loyalty::sync {

// loyalty/v1/{program}/carpark/credits
std::string carpark_credits_topic(const std::string& program);
// What the car park's credentials may read: loyalty/v1/+/carpark/#
std::string carpark_subscription();

// Queues the credit of an applied `parking.credited` event (its payload checked by the
// engine's Replication already), inside the caller's transaction; a credit id queued before
// changes nothing. `at_s` is the event's time (unix seconds).
void queue_carpark_credit(Database& db, const TerminalAddress& from, const std::string& event_id,
                          std::int64_t at_s, const nlohmann::json& payload, std::int64_t now_ms);

// Starts one QoS 1 publish; the function returned waits for the broker's answer and says
// whether it accepted the message.
using CarparkSend =
    std::function<std::function<bool()>(const std::string& topic, const std::string& payload)>;

// Publishes the credits due (queued, their next try come) through `send`, leasing them first
// so two workers never send one at once; marks each one the broker accepted as published and
// tries the others again after 1, 2, 4 ... 30 s. Returns how many were published.
std::int64_t drain_carpark_outbox(HubStore& hub, const CarparkSend& send, std::int64_t now_ms);

}  // namespace loyalty::sync
