#include "loyalty/sync/down_state.hpp"

#include <nlohmann/json.hpp>

#include "event_effects.hpp"
#include "json_fields.hpp"
#include "link_migrations.hpp"

namespace loyalty::sync {

DownState::DownState(Database& db) : db_(db) {
    db_.migrate(link_schema());
}

bool DownState::apply(const DownItem& item, std::int64_t through, std::int64_t now_ms) {
    // One statement: insert, or replace only when strictly newer.
    db_.prepare(
           "INSERT INTO link_down_items(kind, key, version, through, body, received_at_ms) VALUES "
           "(?, ?, ?, ?, ?, ?) "
           "ON CONFLICT(kind, key) DO UPDATE SET version = excluded.version, through = "
           "excluded.through, "
           "body = excluded.body, received_at_ms = excluded.received_at_ms "
           "WHERE excluded.version > link_down_items.version")
        .bind_all(item.kind, item.key, item.version, through, item.body, now_ms)
        .run();
    return db_.changes() == 1;
}

std::optional<DownState::StoredSnapshot> DownState::snapshot(const std::string& member_uid) {
    auto st = db_.prepare(
        "SELECT body, through FROM link_down_items WHERE kind = 'snapshots' AND key = ?");
    st.bind(1, member_uid);
    if (!st.step()) return std::nullopt;
    const auto body = nlohmann::json::parse(st.text(0), nullptr, false);
    StoredSnapshot s;
    s.through = st.int64(1);
    s.snapshot.uid = member_uid;
    s.snapshot.version = int_field(body, "version");
    s.snapshot.points = int_field(body, "points");
    s.snapshot.tier = text_field(body, "tier");
    s.snapshot.status = text_field(body, "status");
    s.snapshot.tier_review_at = int_field(body, "tier_review_at");
    return s;
}

std::optional<std::int64_t> DownState::reconciled_points(const std::string& member_uid,
                                                         const std::string& store,
                                                         const std::string& terminal) {
    auto snap = snapshot(member_uid);
    if (!snap) return std::nullopt;
    std::int64_t points = snap->snapshot.points;
    auto st = db_.prepare(
        "SELECT type, payload FROM outbox WHERE store = ? AND terminal = ? AND seq > ? "
        "AND instr(payload, ?) > 0 ORDER BY seq");
    st.bind_all(store, terminal, snap->through, member_uid);
    while (st.step()) {
        const auto payload = nlohmann::json::parse(st.text(1), nullptr, false);
        for (const auto& effect : effects_of(st.text(0), payload).points)
            if (effect.uid == member_uid) points += effect.delta;
    }
    return points;
}

void DownState::dead_letter(const std::string& topic, const std::string& why,
                            const std::string& payload, std::int64_t now_ms) {
    db_.prepare(
           "INSERT INTO link_dead_letters(topic, reason, payload, received_at_ms) VALUES (?, ?, ?, "
           "?)")
        .bind_all(topic, why, payload.substr(0, 64 * 1024), now_ms)
        .run();
}

std::int64_t DownState::dead_letter_count() {
    auto st = db_.prepare("SELECT count(*) FROM link_dead_letters");
    st.step();
    const auto n = st.int64(0);
    return n;
}

std::int64_t DownState::item_count(const std::string& kind) {
    auto st = db_.prepare("SELECT count(*) FROM link_down_items WHERE kind = ?");
    st.bind(1, kind);
    st.step();
    const auto n = st.int64(0);
    return n;
}

void DownState::set_status(const std::string& name, std::int64_t value) {
    db_.prepare(
           "INSERT INTO link_status(name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET "
           "value = excluded.value")
        .bind_all(name, value)
        .run();
}

std::optional<std::int64_t> DownState::status(const std::string& name) {
    auto st = db_.prepare("SELECT value FROM link_status WHERE name = ?");
    st.bind(1, name);
    if (!st.step()) return std::nullopt;
    const auto v = st.int64(0);
    return v;
}

}  // namespace loyalty::sync
