#include "member_mirror.hpp"

#include <nlohmann/json.hpp>

#include "event_effects.hpp"
#include "loyalty/checked_math.hpp"
#include "loyalty/storage/engine_storage.hpp"

namespace loyalty::sync {

std::int64_t program_wide_points(Database& db, const std::string& store,
                                 const std::string& member_uid, std::int64_t snapshot_points,
                                 const std::map<std::string, std::int64_t>& through) {
    std::int64_t points = snapshot_points;
    auto st = db.prepare(
        "SELECT terminal, seq, type, payload FROM outbox WHERE store = ? AND instr(payload, ?) > 0 "
        "ORDER BY terminal, seq");
    st.bind_all(store, member_uid);
    while (st.step()) {
        const auto it = through.find(st.text(0));
        if (it != through.end() && st.int64(1) <= it->second) continue;  // in the hub's figure
        const auto payload = nlohmann::json::parse(st.text(3), nullptr, false);
        for (const auto& effect : effects_of(st.text(2), payload).points)
            if (effect.uid == member_uid)
                points = checked_add(points, effect.delta).value_or(points);
    }
    return points;
}

std::int64_t align_member(Engine& engine, const std::string& store, const std::string& member_uid,
                          std::int64_t snapshot_points,
                          const std::map<std::string, std::int64_t>& through) {
    auto member = engine.members().get_by_uid(member_uid);
    if (!member || member->status != "active") return 0;
    const auto target =
        program_wide_points(engine_database(engine), store, member_uid, snapshot_points, through);
    return engine.ledger().align_total(member->id, std::max<std::int64_t>(0, target),
                                       "balance at headquarters");
}

}  // namespace loyalty::sync
