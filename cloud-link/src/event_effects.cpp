#include "event_effects.hpp"

#include <algorithm>

#include "json_fields.hpp"
#include "loyalty/checked_math.hpp"

namespace loyalty::sync {

namespace {
std::int64_t int_of(const nlohmann::json& j, const char* name) {
    return int_field(j, name);
}
std::string str_of(const nlohmann::json& j, const char* name) {
    return text_field(j, name);
}
}  // namespace

EventEffects effects_of(const std::string& type, const nlohmann::json& p) {
    EventEffects e;
    if (!p.is_object()) return e;
    e.member_uid = str_of(p, "member_uid");
    const auto& uid = e.member_uid;
    // Numbers from an event: a sum that would overflow counts as no change (the
    // hub refuses such an event before it gets here; see EventFields).
    auto add = [&](const std::string& who, std::optional<std::int64_t> delta) {
        if (!who.empty() && delta && *delta != 0) e.points.push_back({who, *delta});
    };
    if (type == "sale.committed") {
        add(uid, checked_sub(int_of(p, "points_earned"), int_of(p, "points_paid")));
        if (auto t = str_of(p, "tier"); !t.empty()) e.tier = t;
    } else if (type == "sale.refunded") {
        const auto back = checked_sub(int_of(p, "points_restored"), int_of(p, "points_reversed"));
        add(uid, back ? checked_sub(*back, int_of(p, "campaign_points_reversed")) : std::nullopt);
    } else if (type == "campaign.fired") {
        std::optional<std::int64_t> bonus = 0;
        if (auto c = p.find("campaigns"); c != p.end() && c->is_array())
            for (const auto& f : *c)
                if (bonus && f.is_object()) bonus = checked_add(*bonus, int_of(f, "points"));
        add(uid, bonus);
    } else if (type == "sale.claimed" || type == "receipt.claimed" ||
               type == "receipt.claim_decided") {
        add(uid, int_of(p, "points_earned"));
    } else if (type == "points.adjusted") {
        add(uid, int_of(p, "delta"));
    } else if (type == "points.expired" || type == "reward.redeemed" ||
               type == "parking.credited") {
        add(uid, checked_sub(0, int_of(p, "points")));
    } else if (type == "member.merged") {
        const auto moved = checked_add(int_of(p, "points_available"), int_of(p, "points_pending"));
        add(str_of(p, "survivor_uid"), moved);
        add(str_of(p, "absorbed_uid"), moved ? checked_sub(0, *moved) : std::nullopt);
        e.member_uid = str_of(p, "survivor_uid");
    } else if (type == "stored_value.topped_up") {
        add(uid, int_of(p, "points"));  // a top-up rule's points, credited with the top-up
    } else if (type == "stored_value.top_up_refunded") {
        add(uid, checked_sub(0, int_of(p, "points")));
    } else if (type == "tier.changed") {
        if (auto t = str_of(p, "to"); !t.empty()) e.tier = t;
    } else if (type == "member.enrolled") {
        if (auto t = str_of(p, "tier"); !t.empty()) e.tier = t;
    }
    return e;
}

std::int64_t redeemed_by(const std::string& type, const nlohmann::json& p,
                         const std::string& member_uid) {
    if (!p.is_object() || str_of(p, "member_uid") != member_uid) return 0;
    if (type == "sale.committed") return int_of(p, "points_paid");
    if (type == "reward.redeemed" || type == "parking.credited") return int_of(p, "points");
    if (type == "points.adjusted")
        return std::max<std::int64_t>(0, checked_sub(0, int_of(p, "delta")).value_or(0));
    return 0;
}

}  // namespace loyalty::sync
