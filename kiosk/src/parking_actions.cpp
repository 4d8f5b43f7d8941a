#include "parking_actions.hpp"

#include <algorithm>

#include "loyalty/parking.hpp"

namespace loyalty::kiosk {

std::string plate_display(const std::string& plate) {
    // The province is one (multi-byte) character, then the issuing letter.
    std::size_t i = 0;
    while (i < plate.size() && (static_cast<unsigned char>(plate[i]) & 0x80)) ++i;
    if (i == 0 || i + 1 >= plate.size()) return plate;
    return plate.substr(0, i + 1) + "·" + plate.substr(i + 1);
}

bool parking_offered(Engine& engine, const std::string& program) {
    auto config = engine.programs().get(program);
    if (!config) return false;
    const auto& p = **config;
    if (p.parking.points_per_hour > 0) return true;
    return std::any_of(p.tiers.levels.begin(), p.tiers.levels.end(),
                       [](const TierLevel& t) { return t.parking_minutes > 0; });
}

Notice parking_refusal_notice(const Error& error, const ParkingToday* today) {
    const auto& why = error.message;
    const auto has = [&](const char* words) { return why.find(words) != std::string::npos; };
    switch (error.code) {
        case Errc::already_used:
            return {"error.parking_free_used", why, true};
        case Errc::limit_exceeded:
            if (has("plates"))
                return {
                    "error.parking_plates_full", why, true, {std::to_string(kMaxPlatesPerMember)}};
            return {"error.parking_hours_cap",
                    why,
                    true,
                    {std::to_string(today && today->hours_cap_left ? *today->hours_cap_left : 0)}};
        case Errc::insufficient_points:
            return {"error.insufficient_points", why, true};
        case Errc::not_found:
            if (has("plates")) return {"error.parking_plate_missing", why, true};
            return notice_for(error);
        case Errc::invalid_argument:
            if (has("is not a plate")) return {"error.parking_plate_invalid", why, true};
            if (has("no free parking")) return {"error.parking_no_free", why, true};
            if (has("not sold")) return {"error.parking_not_sold", why, true};
            if (has("nothing to credit")) return {"error.parking_nothing", why, true};
            return notice_for(error);
        default:
            return notice_for(error);
    }
}

ParkingLoad load_parking(Engine& engine, const KioskConfig& config, MemberId member,
                         sync::TerminalHub* hub) {
    ParkingLoad out;
    auto today = engine.parking().today(config.program, member);
    if (!today) {
        out.refused = parking_refusal_notice(today.error());
        return out;
    }
    out.today = std::move(today.value());
    // Out of reach already (a question unanswered, the broker connection down): say so before
    // the shopper chooses hours that could not be cleared.
    out.offline = hub && hub->unreachable_since_ms().has_value();
    return out;
}

PlateChange add_member_plate(Engine& engine, MemberId member, const std::string& typed) {
    auto plates = engine.parking().add_plate(member, typed);
    if (!plates) return {{}, parking_refusal_notice(plates.error())};
    return {std::move(plates.value()), {}};
}

PlateChange remove_member_plate(Engine& engine, MemberId member, const std::string& plate) {
    auto plates = engine.parking().remove_plate(member, plate);
    if (!plates) return {{}, parking_refusal_notice(plates.error())};
    return {std::move(plates.value()), {}};
}

ParkingBooking credit_parking(Engine& engine, const KioskConfig& config,
                              const ParkingCreditRequest& request, sync::TerminalHub* hub) {
    ParkingBooking out;
    auto& parking = engine.parking();
    auto today = parking.today(request.program, request.member);
    if (!today) {
        out.refused = parking_refusal_notice(today.error());
        return out;
    }
    std::optional<sync::SpendClearance> clearance;
    if (hub && request.hours > 0) {
        // A retry of a credit booked already was cleared the first time.
        auto booked = parking.credits_of(request.member, today->date);
        const bool replay =
            booked && std::any_of(booked->begin(), booked->end(), [&](const ParkingCredit& c) {
                return c.credit_id == request.credit_id && c.terminal == config.origin.terminal;
            });
        if (!replay) {
            auto who = engine.members().get(request.member);
            if (!who) {
                out.refused = notice_for(who.error());
                return out;
            }
            const Points points = today->points_per_hour * request.hours;
            // The hub captures the hold by the credit's id (its parking.credited event).
            auto cleared = hub->clear_spend(
                *who, points, "parking/" + config.origin.terminal + "/" + request.credit_id);
            if (!cleared) {
                const auto code = cleared.error().code;
                // Headquarters' own refusals (not enough points there) are said as such; no
                // answer, or only the offline limit, means no hours bought here.
                if (code == Errc::insufficient_points || code == Errc::invalid_argument) {
                    out.refused = parking_refusal_notice(cleared.error(), &*today);
                } else {
                    out.offline = true;
                    out.refused = {"error.parking_offline", cleared.error().message, true};
                }
                return out;
            }
            if (!cleared->online) {
                // Cleared only against the offline limit: hours need headquarters' word.
                hub->release(*cleared);
                out.offline = true;
                out.refused = {"error.parking_offline", "no answer from headquarters", true};
                return out;
            }
            clearance = std::move(cleared.value());
        }
    }
    auto credited = parking.credit(request);
    if (!credited) {
        // A conflict: the id is another credit's, whose hold stays.
        if (clearance && credited.error().code != Errc::conflict) hub->release(*clearance);
        out.refused = parking_refusal_notice(credited.error(), &*today);
        return out;
    }
    out.outcome = std::move(credited.value());
    return out;
}

}  // namespace loyalty::kiosk
