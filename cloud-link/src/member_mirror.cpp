#include "member_mirror.hpp"

#include <nlohmann/json.hpp>
#include <set>

#include "event_effects.hpp"
#include "loyalty/checked_math.hpp"
#include "loyalty/storage/engine_storage.hpp"

namespace loyalty::sync {

std::int64_t program_wide_points(Database& db, const std::string& store,
                                 const std::string& member_uid, std::int64_t snapshot_points,
                                 const std::map<std::string, std::int64_t>& through) {
    // The member and those merged into it here: an event about a member enrolled
    // twice, not yet at the hub, counts for the one it was merged into.
    std::set<std::string> uids{member_uid};
    auto merged = db.prepare(
        "SELECT a.uid FROM members a JOIN members s ON s.id = a.merged_into "
        "WHERE s.uid = ? AND a.status = 'merged'");
    merged.bind(1, member_uid);
    while (merged.step()) uids.insert(merged.text(0));
    std::int64_t points = snapshot_points;
    std::set<std::pair<std::string, std::int64_t>> counted;  // (terminal, seq)
    for (const auto& uid : uids) {
        auto st = db.prepare(
            "SELECT terminal, seq, type, payload FROM outbox WHERE store = ? AND instr(payload, "
            "?) > 0 ORDER BY terminal, seq");
        st.bind_all(store, uid);
        while (st.step()) {
            const auto it = through.find(st.text(0));
            if (it != through.end() && st.int64(1) <= it->second) continue;  // in the hub's figure
            if (!counted.emplace(st.text(0), st.int64(1)).second) continue;
            const auto type = st.text(2);
            const auto payload = nlohmann::json::parse(st.text(3), nullptr, false);
            // A merge made here moves the absorbed member's points to this one: its
            // credit counts, the absorbed side's debit does not (not in the snapshot).
            for (const auto& effect : effects_of(type, payload).points)
                if (effect.uid == member_uid ||
                    (type != "member.merged" && uids.contains(effect.uid)))
                    points = checked_add(points, effect.delta).value_or(points);
        }
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
