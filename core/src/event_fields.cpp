#include "loyalty/event_fields.hpp"

#include "loyalty/checked_math.hpp"
#include "loyalty/exact_integer.hpp"

namespace loyalty {

namespace {

// Enough of the offending value to recognise it, never a whole nested document.
std::string shown(const nlohmann::json& value) {
    auto text = value.dump();
    if (text.size() > 40) text = text.substr(0, 37) + "...";
    return text;
}

}  // namespace

const nlohmann::json* EventFields::find(const char* name, Need need, const char* expected) {
    if (p_.is_object())
        if (auto it = p_.find(name); it != p_.end() && !it->is_null()) return &*it;
    if (need == Need::required) refuse(std::string(name) + ": missing (" + expected + ")");
    return nullptr;
}

std::string EventFields::text(const char* name, Need need) {
    const auto* value = find(name, need, "text");
    if (!value) return {};
    if (!value->is_string()) {
        refuse(std::string(name) + ": text, not " + shown(*value));
        return {};
    }
    auto out = value->get<std::string>();
    if (need == Need::required && out.empty()) refuse(std::string(name) + ": empty");
    return out;
}

std::int64_t EventFields::integer(const char* name, std::int64_t low, std::int64_t high, Need need,
                                  std::int64_t absent) {
    const auto* value = find(name, need, "a whole number");
    if (!value) return absent;
    const auto v = exact_integer<std::int64_t>(*value);
    if (!v || *v < low || *v > high) {
        refuse(std::string(name) + ": a whole number in [" + std::to_string(low) + ", " +
               std::to_string(high) + "], not " + shown(*value));
        return absent;
    }
    return *v;
}

bool EventFields::flag(const char* name) {
    const auto* value = find(name, Need::optional, "true or false");
    if (!value) return false;
    if (!value->is_boolean()) {
        refuse(std::string(name) + ": true or false, not " + shown(*value));
        return false;
    }
    return value->get<bool>();
}

std::int64_t EventFields::points_sum(const char* list, const char* field) {
    const auto* items = find(list, Need::optional, "a list");
    if (!items) return 0;
    if (!items->is_array()) {
        refuse(std::string(list) + ": a list, not " + shown(*items));
        return 0;
    }
    std::int64_t sum = 0;
    for (const auto& item : *items) {
        EventFields one(item);
        const auto points = one.points(field);
        const auto total = checked_add(sum, points);
        if (one.problem() || !total) {
            refuse(std::string(list) + "[]." +
                   (one.problem() ? *one.problem() : std::string(field) + ": sum out of range"));
            return 0;
        }
        sum = *total;
    }
    return sum;
}

}  // namespace loyalty
