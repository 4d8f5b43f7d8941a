#include "member_mirror.hpp"

#include <nlohmann/json.hpp>
#include <set>

#include "event_effects.hpp"
#include "json_fields.hpp"
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

namespace {

std::int64_t number_in(const nlohmann::json& j, const char* name) {
    const auto it = j.find(name);
    return it != j.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}

}  // namespace

SvFigure program_wide_stored_value(Database& db, const std::string& store, const SvHolder& holder,
                                   SvFigure snapshot,
                                   const std::map<std::string, std::int64_t>& through) {
    SvFigure f = snapshot;
    auto add = [&f](std::int64_t principal, std::int64_t bonus) {
        f.principal = checked_add(f.principal, principal).value_or(f.principal);
        f.bonus = checked_add(f.bonus, bonus).value_or(f.bonus);
    };
    const bool card = !holder.card.empty();
    const auto& needle = card ? holder.card : holder.member_uid;
    // What this database's own entries of one kind under one key did to the holder's
    // account: the share of a refund (the event gives only its total and names no card),
    // a card's top-up refunded (the event does not name the card).
    auto own_entries = [&](const std::string& where, const auto&... values) {
        db.prepare(
              "SELECT coalesce(sum(e.principal_delta), 0), coalesce(sum(e.bonus_delta), 0) "
              "FROM sv_entries e JOIN sv_accounts acc ON acc.id = e.account_id "
              "LEFT JOIN members m ON m.id = acc.member_id "
              "JOIN programs pr ON pr.id = acc.program_id WHERE " +
              std::string(card ? "acc.card = ?1" : "m.uid = ?1") + " AND " + where)
            .bind_all(needle, values...)
            .one([&](const Statement& row) {
                add(row.int64(0), row.int64(1));
                return 0;
            });
    };
    // Members merged into this one here (one shopper enrolled twice): their events the hub
    // lacks count for this one, unless this database's own merge event, not at the hub
    // either, carries their whole balance over.
    std::set<std::string> absorbed, merged_here;
    if (!card) {
        auto merged = db.prepare(
            "SELECT a.uid FROM members a JOIN members s ON s.id = a.merged_into "
            "WHERE s.uid = ? AND a.status = 'merged'");
        merged.bind(1, holder.member_uid);
        while (merged.step()) absorbed.insert(merged.text(0));
    }
    struct Row {
        std::string type;
        nlohmann::json payload;
    };
    std::vector<Row> rows;
    // Sales without stored value (nearly all of them) are left out in SQL: this runs for
    // every snapshot item inside the down transaction, and a long outage leaves thousands of
    // unacknowledged sales, which parsed one by one held the store's write lock for seconds.
    auto st = db.prepare(
        "SELECT terminal, seq, type, payload FROM outbox WHERE store = ? AND (type LIKE "
        "'stored_value.%' OR type = 'member.merged' OR (type IN ('sale.committed', "
        "'sale.refunded') AND instr(payload, '\"stored_value\"') > 0)) "
        "ORDER BY terminal, seq");
    st.bind(1, store);
    while (st.step()) {
        const auto it = through.find(st.text(0));
        if (it != through.end() && st.int64(1) <= it->second) continue;  // in the hub's figure
        auto p = nlohmann::json::parse(st.text(3), nullptr, false);
        if (!p.is_object()) continue;
        auto type = st.text(2);
        if (type == "member.merged" && !card && text_field(p, "survivor_uid") == holder.member_uid)
            merged_here.insert(text_field(p, "absorbed_uid"));
        rows.push_back(Row{std::move(type), std::move(p)});
    }
    for (const auto& [type, p] : rows) {
        const auto who = text_field(p, "member_uid");
        const bool names_member = !card && (who == holder.member_uid ||
                                            (absorbed.contains(who) && !merged_here.contains(who)));
        if (type == "member.merged") {
            if (!card && text_field(p, "survivor_uid") == holder.member_uid)
                if (auto moved = p.find("stored_value"); moved != p.end() && moved->is_object())
                    add(number_in(*moved, "principal"), number_in(*moved, "bonus"));
            continue;
        }
        if (type == "stored_value.topped_up") {
            if (names_member || (card && text_field(p, "card") == holder.card))
                add(number_in(p, "amount"), number_in(p, "bonus"));
        } else if (type == "stored_value.top_up_refunded") {
            if (names_member)
                add(-number_in(p, "principal"), -number_in(p, "bonus"));
            else if (card && !p.contains("member_uid"))
                own_entries(
                    "e.kind = 'top_up_refund' AND e.idempotency_key = 'sv-top-up:' || "
                    "pr.code || ':' || ?2",
                    text_field(p, "request") + ":refund");
        } else if (type == "stored_value.adjusted") {
            if (names_member) add(number_in(p, "principal"), number_in(p, "bonus"));
        } else if (type == "sale.committed") {
            if (!names_member && !card) continue;
            if (auto paid = p.find("stored_value"); paid != p.end() && paid->is_array())
                for (const auto& line : *paid)
                    if (line.is_object() &&
                        (card ? text_field(line, "card") == holder.card : !line.contains("card")))
                        add(-number_in(line, "principal"), -number_in(line, "bonus"));
        } else if (type == "sale.refunded" && p.contains("stored_value")) {
            // The event gives the refund's total; the holder's share of it is what this
            // database's refund put back on the holder's account.
            own_entries(
                "e.kind = 'refund' AND e.reference = 'receipt:' || pr.code || '/' || ?2 "
                "AND e.reason = ?3",
                store + "/" + text_field(p, "terminal") + "/" + text_field(p, "receipt"),
                "refund " + text_field(p, "refund_ref"));
        }
    }
    return f;
}

bool align_member_stored_value(Engine& engine, const std::string& store,
                               const std::string& member_uid, const nlohmann::json& snapshot,
                               const std::map<std::string, std::int64_t>& through) {
    const auto sv = snapshot.find("stored_value");
    if (sv == snapshot.end() || !sv->is_object()) return false;  // a hub without stored value
    auto member = engine.members().get_by_uid(member_uid);
    if (!member || member->status != "active") return false;
    const auto figure = program_wide_stored_value(
        engine_database(engine), store, SvHolder{member_uid, {}},
        SvFigure{number_in(*sv, "principal"), number_in(*sv, "bonus")}, through);
    auto moved = engine.stored_value().align_member_balance(
        member->id, SvSplit{Money{figure.principal}, Money{figure.bonus}},
        "balance at headquarters");
    return moved && (moved->principal.minor != 0 || moved->bonus.minor != 0);
}

Result<void> align_card_stored_value(Engine& engine, const std::string& program,
                                     const std::string& store, const std::string& card,
                                     SvFigure hub, std::int64_t expires_at,
                                     const std::map<std::string, std::int64_t>& through) {
    const auto figure =
        program_wide_stored_value(engine_database(engine), store, SvHolder{{}, card}, hub, through);
    auto moved = engine.stored_value().align_card_balance(
        program, card, SvSplit{Money{figure.principal}, Money{figure.bonus}}, expires_at,
        "balance at headquarters");
    if (!moved) return moved.error();
    return {};
}

}  // namespace loyalty::sync
