#pragma once
// Decoding an event batch at the hub: the whole envelope and every event checked
// before anything is applied, so a bad batch is refused whole.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "loyalty/result.hpp"
#include "loyalty/sync/topics.hpp"

namespace loyalty::sync {

struct DecodedEvent {
    std::string id;
    std::int64_t seq = 0;
    std::string type;
    int schema = 1;
    std::int64_t at = 0;
    nlohmann::json payload;
    std::string problem;  // "at: missing ...": the event is parked as malformed_event at its turn
};

struct DecodedBatch {
    TerminalAddress from;
    std::int64_t base = 0;
    std::int64_t sent_at_ms = 0;
    std::vector<DecodedEvent> events;
};

Result<DecodedBatch> decode_batch(std::string_view payload);

// One decoded event as the hub keeps it (held behind a gap, parked as a dead
// letter for --replay) and reads it back; the reading never throws.
nlohmann::json event_json(const DecodedEvent& e);
DecodedEvent event_from_json(const nlohmann::json& j);

}  // namespace loyalty::sync
