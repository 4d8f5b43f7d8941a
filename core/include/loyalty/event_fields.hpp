#pragma once
// Reading the payload of an event a store sent: each field has the type and range
// its event needs, or the event is refused naming the field. A mistyped or missing
// value never reads as a default (a member uid sent as a number is not "no member";
// points sent as a string are not 0). Used by the hub's Replication and its
// reading of an event's points effect, so both refuse the same events.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace loyalty {

// Bounds of what an event may carry, far beyond any real sale and far inside
// int64_t: sums of a few of them (a sale's earned minus paid, a refund's three
// columns) can never overflow.
inline constexpr std::int64_t max_event_points = 1'000'000'000'000;      // 10^12 points
inline constexpr std::int64_t max_event_amount = 1'000'000'000'000'000;  // 10^15 minor units
// Event times: unix seconds from 1970 to the end of 9999.
inline constexpr std::int64_t max_event_time = 253'402'300'799;

class EventFields {
  public:
    enum class Need { required, optional };

    explicit EventFields(const nlohmann::json& payload) : p_(payload) {}

    // Text; "" when an optional field is absent or null.
    std::string text(const char* name, Need need = Need::optional);
    // A whole number in [low, high]; `absent` when an optional field is absent or null.
    std::int64_t integer(const char* name, std::int64_t low, std::int64_t high,
                         Need need = Need::required, std::int64_t absent = 0);
    std::int64_t points(const char* name, Need need = Need::required) {
        return integer(name, 0, max_event_points, need);
    }
    std::int64_t amount(const char* name, Need need = Need::required) {
        return integer(name, 0, max_event_amount, need);
    }
    bool flag(const char* name);  // false when absent
    // The sum of `field` (points) over the objects of the optional array `list`
    // (a campaign.fired event's campaigns), added with overflow checked.
    std::int64_t points_sum(const char* list, const char* field);

    // The first field that was missing, mistyped or out of range, as
    // "points_earned: a whole number in [0, 1000000000000], not \"500\"".
    const std::optional<std::string>& problem() const { return problem_; }
    // Records a problem found by the caller (a list entry, a sum out of range).
    void refuse(const std::string& why) {
        if (!problem_) problem_ = why;
    }

  private:
    const nlohmann::json* find(const char* name, Need need, const char* expected);
    const nlohmann::json& p_;
    std::optional<std::string> problem_;
};

}  // namespace loyalty
