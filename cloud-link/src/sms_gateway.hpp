#pragma once
// The hub's SMS gateway adapter: one HTTP POST per text to the provider the hub is
// configured with (hub.toml [sms]), and the sender that drains hub_sms_outbox through
// it. The provider interface (PROTOCOL.md, "SMS gateway"):
//   POST <url>   Authorization: Bearer <token>   Content-Type: application/json
//   {"id": "<hub message id>", "to": "+8613800138000", "text": "..."}
// 2xx: accepted; 4xx: refused for good (not retried); anything else, or no answer
// within the timeout: retried with backoff. `id` lets the provider drop a resend.
#include <cstdint>
#include <memory>
#include <string>

#include "loyalty/result.hpp"
#include "loyalty/sync/link_config.hpp"

namespace loyalty::sync {

class HubStore;

class SmsGateway {
  public:
    explicit SmsGateway(SmsGatewayConfig config);
    ~SmsGateway();
    SmsGateway(const SmsGateway&) = delete;
    SmsGateway& operator=(const SmsGateway&) = delete;

    // unreachable: try again later; invalid_argument: the provider refused it for good.
    Result<void> send(const std::string& id, const std::string& to, const std::string& text);

  private:
    SmsGatewayConfig config_;
    void* curl_;  // CURL*, reused between sends (keeps the connection)
};

// Sends every text due in hub_sms_outbox; how many the provider accepted. Several hub
// workers may drain one database: each text is leased before it is sent.
std::int64_t drain_sms_outbox(HubStore& hub, SmsGateway& gateway, std::int64_t now_ms);

}  // namespace loyalty::sync
