#pragma once
// What an engine event does to a member's points as the hub counts them
// (available + pending together), shared by the hub's apply and the
// terminal's reconcile so both read the engine's events the same way.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace loyalty::sync {

struct PointsEffect {
    std::string uid;
    std::int64_t delta = 0;
};

struct EventEffects {
    std::vector<PointsEffect> points;
    std::optional<std::string> tier;    // the member's tier after the event, when it says
    std::optional<std::string> status;  // "merged" for an absorbed account
    std::string member_uid;             // the member the event is about (may be empty)
};

// The engine's event schemas this hub understands.
inline bool known_event_schema(int schema) {
    return schema == 1;
}

EventEffects effects_of(const std::string& type, const nlohmann::json& payload);

// Points the event spent for this member (paid with, redeemed for a reward,
// adjusted down); 0 for anything else.
std::int64_t redeemed_by(const std::string& type, const nlohmann::json& payload,
                         const std::string& member_uid);

}  // namespace loyalty::sync
