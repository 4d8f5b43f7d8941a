#include "loyalty/points_ledger.hpp"

#include "engine_context.hpp"
#include "member_rows.hpp"

namespace loyalty {

using nlohmann::json;

std::string points_short(Points has, Points needs) {
    return "the member has " + std::to_string(has) + " points; this needs " + std::to_string(needs);
}

const char* to_string(LedgerKind kind) {
    switch (kind) {
        case LedgerKind::earn:
            return "earn";
        case LedgerKind::redeem:
            return "redeem";
        case LedgerKind::expire:
            return "expire";
        case LedgerKind::adjust:
            return "adjust";
        case LedgerKind::reverse:
            return "reverse";
        case LedgerKind::transfer:
            return "transfer";
        case LedgerKind::bonus:
            return "bonus";
        case LedgerKind::release:
            return "release";
    }
    return "adjust";
}

bool BalanceCheck::agrees() const {
    return materialized.available == from_ledger.available &&
           materialized.pending == from_ledger.pending &&
           materialized.available == from_lots.available &&
           materialized.pending == from_lots.pending;
}

namespace {

LedgerKind kind_from(const std::string& s) {
    for (auto k :
         {LedgerKind::earn, LedgerKind::redeem, LedgerKind::expire, LedgerKind::adjust,
          LedgerKind::reverse, LedgerKind::transfer, LedgerKind::bonus, LedgerKind::release})
        if (s == to_string(k)) return k;
    return LedgerKind::adjust;
}

constexpr const char* kEntryColumns =
    "SELECT id, member_id, kind, available_delta, pending_delta, occurred_at, reason, reference, "
    "idempotency_key, "
    "store, terminal, actor FROM ledger_entries ";

LedgerEntry read_entry(Statement& st) {
    LedgerEntry e;
    e.id = st.int64(0);
    e.member = st.int64(1);
    e.kind = kind_from(st.text(2));
    e.available_delta = st.int64(3);
    e.pending_delta = st.int64(4);
    e.occurred_at = from_unix(st.int64(5));
    e.reason = st.text(6);
    e.reference = st.optional_text(7);
    e.idempotency_key = st.text(8);
    e.store = st.optional_text(9);
    e.terminal = st.optional_text(10);
    e.actor = st.optional_text(11);
    return e;
}

struct OpenLot {
    std::int64_t id;
    Points remaining;
};

}  // namespace

std::int64_t PointsLedger::insert_entry(MemberId member, LedgerKind kind, Points available_delta,
                                        Points pending_delta, const std::string& reason,
                                        const std::optional<std::string>& reference,
                                        const std::string& key,
                                        const std::optional<std::string>& actor) {
    auto& db = *ctx_.db;
    db.prepare(
          "INSERT INTO ledger_entries(member_id, kind, available_delta, pending_delta, "
          "occurred_at, reason, reference, "
          "idempotency_key, store, terminal, actor) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .bind_all(member, to_string(kind), available_delta, pending_delta, to_unix(ctx_.now()),
                  reason, reference, key, ctx_.origin.store, ctx_.origin.terminal, actor)
        .run();
    return db.last_insert_rowid();
}

void PointsLedger::apply_to_member(MemberId member, Points available_delta, Points pending_delta) {
    ctx_.db
        ->prepare(
            "UPDATE members SET points_available = points_available + ?, points_pending = "
            "points_pending + ?, "
            "version = version + 1 WHERE id = ?")
        .bind_all(available_delta, pending_delta, member)
        .run();
}

Timestamp PointsLedger::expiry_for(const std::string& program, Timestamp at) {
    const auto& config = ctx_.program(program)->config;
    using namespace std::chrono;
    if (config.earning.expiry_days > 0) {
        // Valid through the local day expiry_days after the day earned: expires at the
        // local midnight that ends it (earned Monday with 1 day: gone at Wednesday 00:00).
        return local_midnight(at, config.utc_offset_minutes) + Days{config.earning.expiry_days + 1};
    }
    const auto d = local_date(at, config.utc_offset_minutes);
    // Valid through the end of the month expiry_months on: expires at the next month's first local
    // midnight.
    const int months = static_cast<int>(d.month) - 1 + config.earning.expiry_months + 1;
    const int year = d.year + months / 12;
    const unsigned month = static_cast<unsigned>(months % 12) + 1;
    const sys_days first{std::chrono::year{year} / std::chrono::month{month} / 1};
    return time_point_cast<seconds>(first) - minutes{config.utc_offset_minutes};
}

std::int64_t PointsLedger::credit(const Credit& c) {
    auto& db = *ctx_.db;
    const Points available = c.pending ? 0 : c.points;
    const Points pending = c.pending ? c.points : 0;
    const auto entry = insert_entry(c.member, c.kind, available, pending, c.reason, c.reference,
                                    c.idempotency_key, c.actor);
    if (c.points > 0) {
        db.prepare(
              "INSERT INTO point_lots(member_id, source_entry_id, earned_at, release_at, "
              "expires_at, original, "
              "remaining, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
            .bind_all(c.member, entry, to_unix(ctx_.now()),
                      to_unix(c.pending ? c.release_at : ctx_.now()), to_unix(c.expires_at),
                      c.points, c.points, c.pending ? "pending" : "available")
            .run();
        // No lot_movements row: a lot's own credit is its source_entry_id. Movements record
        // what changed a lot after it was made (debits, reversals, restores), which is
        // what restore_debit reads; a row here would cost every credit another b-tree.
        apply_to_member(c.member, available, pending);
    }
    return entry;
}

namespace {

// Expires this member's lots past their date before a debit, so the debit
// never counts on points that are already gone.
Points expire_member_lots(EngineContext& ctx, MemberId member, Timestamp now);

std::vector<OpenLot> open_lots(EngineContext& ctx, MemberId member) {
    std::vector<OpenLot> lots;
    auto st = ctx.db->prepare(
        "SELECT id, remaining FROM point_lots WHERE member_id = ? AND remaining > 0 AND state = "
        "'available' "
        "ORDER BY expires_at, id");
    st.bind(1, member);
    while (st.step()) lots.push_back(OpenLot{st.int64(0), st.int64(1)});
    return lots;
}

void move_lot(EngineContext& ctx, std::int64_t entry, std::int64_t lot, Points delta) {
    ctx.db->prepare("UPDATE point_lots SET remaining = remaining + ? WHERE id = ?")
        .bind_all(delta, lot)
        .run();
    ctx.db
        ->prepare(
            "INSERT INTO lot_movements(entry_id, lot_id, points) VALUES (?, ?, ?) "
            "ON CONFLICT(entry_id, lot_id) DO UPDATE SET points = lot_movements.points + "
            "excluded.points")
        .bind_all(entry, lot, delta)
        .run();
}

}  // namespace

Result<std::int64_t> PointsLedger::debit(const Debit& d) {
    if (d.points <= 0)
        return make_error(Errc::invalid_argument, "a debit must be a positive number of points");
    expire_member_lots(ctx_, d.member, ctx_.now());
    const auto balance_now = balance(d.member);
    if (balance_now.available < d.points)
        return make_error(Errc::insufficient_points, points_short(balance_now.available, d.points));
    const auto entry = insert_entry(d.member, d.kind, -d.points, 0, d.reason, d.reference,
                                    d.idempotency_key, d.actor);
    Points left = d.points;
    for (const auto& lot : open_lots(ctx_, d.member)) {
        if (left == 0) break;
        const Points take = std::min(left, lot.remaining);
        move_lot(ctx_, entry, lot.id, -take);
        left -= take;
    }
    if (left != 0)
        throw OperationAborted(
            make_error(Errc::corrupt_database,
                       "lots disagree with the balance of member " + std::to_string(d.member)));
    apply_to_member(d.member, -d.points, 0);
    return entry;
}

namespace {
// A lot the hub expires, not this terminal: 9999-12-31T23:59:59Z.
const Timestamp kNeverExpires = from_unix(253402300799);
}  // namespace

Points PointsLedger::align_total(MemberId member, Points total, const std::string& reason) {
    // Compared as booked: the hub's total still holds lots past their expiry until a
    // store's nightly run books them out, and so does the booked figure here. Against the
    // spendable-now figure the difference would come back as points that never expire.
    const auto now = materialized(member);
    const Points delta = total - (now.available + now.pending);
    if (delta == 0) return 0;
    // Unique for every booking: the member's ledger only grows.
    const auto key =
        "align:" + std::to_string(member) + ":" +
        std::to_string(ctx_.db->prepare("SELECT coalesce(max(id), 0) FROM ledger_entries")
                           .scalar<std::int64_t>()
                           .value_or(0));
    if (delta > 0) {
        credit(Credit{member, LedgerKind::transfer, delta, false, ctx_.now(), kNeverExpires, reason,
                      std::nullopt, key, std::string("hub")});
        return delta;
    }
    const Points take = std::min(-delta, balance(member).available);
    if (take <= 0) return 0;
    if (auto taken =
            debit(Debit{member, LedgerKind::transfer, take, reason, std::nullopt, key, "hub"});
        !taken)
        return 0;
    return -take;
}

Points PointsLedger::reverse_earn(MemberId member, std::int64_t source_entry_id, Points points,
                                  const std::string& reason, const std::string& reference,
                                  const std::string& idempotency_key) {
    if (points <= 0) return 0;
    expire_member_lots(ctx_, member, ctx_.now());
    struct Take {
        std::int64_t lot;
        Points points;
        bool pending;
    };
    std::vector<Take> plan;
    Points left = points;
    std::optional<std::int64_t> own_lot;
    // remaining > 0 lets the member's index find it (a spent lot has nothing to give
    // back, and open_lots below does not list it either); without it, every refund read
    // the whole of point_lots.
    auto own = ctx_.db->prepare(
        "SELECT id, remaining, state FROM point_lots WHERE source_entry_id = ? AND member_id = ? "
        "AND remaining > 0");
    own.bind_all(source_entry_id, member);
    if (own.step()) {
        own_lot = own.int64(0);
        const Points take = std::min(left, own.int64(1));
        if (take > 0) plan.push_back(Take{own.int64(0), take, own.text(2) == "pending"});
        left -= take;
    }
    if (left > 0)
        for (const auto& lot : open_lots(ctx_, member)) {
            if (left == 0) break;
            if (own_lot && lot.id == *own_lot) continue;
            const Points take = std::min(left, lot.remaining);
            plan.push_back(Take{lot.id, take, false});
            left -= take;
        }
    Points available_delta = 0, pending_delta = 0;
    for (const auto& t : plan) (t.pending ? pending_delta : available_delta) -= t.points;
    const auto entry = insert_entry(member, LedgerKind::reverse, available_delta, pending_delta,
                                    reason, reference, idempotency_key, std::nullopt);
    for (const auto& t : plan) {
        move_lot(ctx_, entry, t.lot, -t.points);
        // A pending lot reversed to nothing has nothing left to release: it leaves the
        // pending state now (settle_member looks only at lots with points left, and the
        // hub runs no release sweep).
        if (t.pending)
            ctx_.db
                ->prepare(
                    "UPDATE point_lots SET state = 'available' WHERE id = ? AND remaining = 0")
                .bind(1, t.lot)
                .run();
    }
    apply_to_member(member, available_delta, pending_delta);
    return left;  // the shortfall
}

Points PointsLedger::restore_debit(MemberId member, std::int64_t debit_entry_id, Points points,
                                   const std::string& reason, const std::string& reference,
                                   const std::string& idempotency_key) {
    if (points <= 0) return 0;
    // What each lot gave to the debit, less what earlier restores gave back.
    const auto restore_ref = "restore:" + std::to_string(debit_entry_id);
    auto st = ctx_.db->prepare(
        "SELECT lm.lot_id, -lm.points - coalesce((SELECT sum(r.points) FROM lot_movements r "
        "  JOIN ledger_entries e ON e.id = r.entry_id WHERE e.reference = ?2 AND r.lot_id = "
        "lm.lot_id), 0) "
        "FROM lot_movements lm JOIN point_lots l ON l.id = lm.lot_id "
        "WHERE lm.entry_id = ?1 AND lm.points < 0 ORDER BY l.expires_at DESC, l.id DESC");
    st.bind_all(debit_entry_id, restore_ref);
    std::vector<OpenLot> plan;
    Points left = points;
    while (st.step() && left > 0) {
        const Points take = std::min(left, st.int64(1));
        if (take > 0) plan.push_back(OpenLot{st.int64(0), take});
        left -= take;
    }
    const Points restored = points - left;
    if (restored == 0) return 0;
    const auto entry =
        insert_entry(member, LedgerKind::reverse, restored, 0, reason + " (" + reference + ")",
                     restore_ref, idempotency_key, std::nullopt);
    for (const auto& lot : plan) move_lot(ctx_, entry, lot.id, lot.remaining);
    apply_to_member(member, restored, 0);
    return restored;
}

Result<LedgerEntry> PointsLedger::adjust(MemberId member_id, Points delta,
                                         const std::string& reason, const std::string& actor,
                                         const std::string& idempotency_key) {
    return guarded([&]() -> Result<LedgerEntry> {
        if (delta == 0)
            return make_error(Errc::invalid_argument, "an adjustment must change the balance");
        if (reason.empty())
            return make_error(Errc::invalid_argument,
                              "an adjustment needs a reason for the audit trail");
        if (actor.empty())
            return make_error(Errc::unauthorized, "an adjustment needs the manager who made it");
        if (idempotency_key.empty())
            return make_error(Errc::invalid_argument, "an adjustment needs an idempotency key");
        const auto key = "adjust:" + idempotency_key;
        // Key check and write under one write lock: concurrent copies replay, never collide.
        auto& db = *ctx_.db;
        Transaction tx(db);
        if (auto existing = find_by_key(key)) {
            if (existing->member != member_id || existing->available_delta != delta)
                return make_error(Errc::conflict, "idempotency key " + idempotency_key +
                                                      " was used for another adjustment");
            return *existing;
        }
        auto member = load_member(ctx_, member_id);
        if (!member || member->status != "active")
            return make_error(Errc::not_found, "no active member " + std::to_string(member_id));
        if (delta > 0) {
            credit(Credit{member_id, LedgerKind::adjust, delta, false, ctx_.now(),
                          expiry_for(member->program, ctx_.now()), reason, std::nullopt, key,
                          actor});
        } else {
            auto debited = debit(
                Debit{member_id, LedgerKind::adjust, -delta, reason, std::nullopt, key, actor});
            if (!debited) return debited.error();
        }
        const auto after = balance(member_id);
        ctx_.audit.record(
            actor, "points.adjusted", "member:" + std::to_string(member_id),
            json{{"delta", delta}, {"reason", reason}, {"balance_after", after.available}}.dump());
        ctx_.emit("points.adjusted", member->program,
                  json{{"member", member_id},
                       {"delta", delta},
                       {"reason", reason},
                       {"actor", actor},
                       {"available", after.available},
                       {"pending", after.pending}});
        tx.commit();
        return *find_by_key(key);
    });
}

namespace {

void expire_lot(EngineContext& ctx, std::int64_t lot, MemberId member, Points remaining,
                Timestamp now) {
    auto& db = *ctx.db;
    db.prepare(
          "INSERT INTO ledger_entries(member_id, kind, available_delta, pending_delta, "
          "occurred_at, reason, reference, "
          "idempotency_key, store, terminal) VALUES (?, 'expire', ?, 0, ?, 'points expired', ?, ?, "
          "?, ?)")
        .bind_all(member, -remaining, to_unix(now), "lot:" + std::to_string(lot),
                  "expire:lot:" + std::to_string(lot) + "@" + std::to_string(to_unix(now)) + ":" +
                      std::to_string(remaining),
                  ctx.origin.store, ctx.origin.terminal)
        .run();
    const auto entry = db.last_insert_rowid();
    move_lot(ctx, entry, lot, -remaining);
    db.prepare(
          "UPDATE members SET points_available = points_available - ?, version = version + 1 WHERE "
          "id = ?")
        .bind_all(remaining, member)
        .run();
}

Points expire_member_lots(EngineContext& ctx, MemberId member, Timestamp now) {
    auto st = ctx.db->prepare(
        "SELECT id, remaining FROM point_lots WHERE member_id = ? AND remaining > 0 AND state = "
        "'available' "
        "AND expires_at <= ?");
    st.bind_all(member, to_unix(now));
    std::vector<OpenLot> due;
    while (st.step()) due.push_back(OpenLot{st.int64(0), st.int64(1)});
    Points expired = 0;
    for (const auto& lot : due) {
        expire_lot(ctx, lot.id, member, lot.remaining, now);
        expired += lot.remaining;
    }
    return expired;
}

}  // namespace

void PointsLedger::release_lot(std::int64_t lot, MemberId member, Points remaining) {
    auto& db = *ctx_.db;
    db.prepare("UPDATE point_lots SET state = 'available' WHERE id = ?").bind(1, lot).run();
    if (remaining == 0) return;
    const auto entry = insert_entry(member, LedgerKind::release, remaining, -remaining,
                                    "return window passed", "lot:" + std::to_string(lot),
                                    "release:lot:" + std::to_string(lot), std::nullopt);
    db.prepare("INSERT INTO lot_movements(entry_id, lot_id, points) VALUES (?, ?, 0)")
        .bind_all(entry, lot)
        .run();
    apply_to_member(member, remaining, -remaining);
}

Points PointsLedger::settle_member(MemberId member, Timestamp at) {
    auto st = ctx_.db->prepare(
        "SELECT id, remaining FROM point_lots WHERE member_id = ? AND state = 'pending' AND "
        "remaining > 0 "
        "AND release_at <= ?");  // a pending lot reversed to nothing is left to run_due's sweep
    st.bind_all(member, to_unix(at));
    std::vector<OpenLot> due;
    while (st.step()) due.push_back(OpenLot{st.int64(0), st.int64(1)});
    for (const auto& lot : due) release_lot(lot.id, member, lot.remaining);
    return expire_member_lots(ctx_, member, at);
}

Result<MaintenanceReport> PointsLedger::run_due(Timestamp now) {
    return guarded([&]() -> Result<MaintenanceReport> {
        MaintenanceReport report;
        auto& db = *ctx_.db;
        struct DueLot {
            std::int64_t id;
            MemberId member;
            Points remaining;
        };
        auto due_lots = [&](const char* sql) {
            auto st = db.prepare(sql);
            st.bind(1, to_unix(now));
            std::vector<DueLot> due;
            while (st.step()) due.push_back(DueLot{st.int64(0), st.int64(1), st.int64(2)});
            return due;
        };
        // Small batches keep each write transaction short for the till.
        for (;;) {
            const auto due = due_lots(
                "SELECT id, member_id, remaining FROM point_lots WHERE state = 'pending' AND "
                "release_at <= ? LIMIT 500");
            if (due.empty()) break;
            Transaction tx(db);
            for (const auto& lot : due) {
                release_lot(lot.id, lot.member, lot.remaining);
                if (lot.remaining == 0) continue;  // fully reversed by a refund
                ++report.lots_released;
                report.points_released += lot.remaining;
            }
            tx.commit();
        }
        std::map<MemberId, Points> expired_by_member;
        for (;;) {
            const auto due = due_lots(
                "SELECT id, member_id, remaining FROM point_lots WHERE remaining > 0 AND state = "
                "'available' "
                "AND expires_at <= ? LIMIT 500");
            if (due.empty()) break;
            Transaction tx(db);
            for (const auto& lot : due) {
                expire_lot(ctx_, lot.id, lot.member, lot.remaining, now);
                ++report.lots_expired;
                report.points_expired += lot.remaining;
                expired_by_member[lot.member] += lot.remaining;
            }
            tx.commit();
        }
        if (!expired_by_member.empty()) {
            Transaction tx(db);
            for (const auto& [member, points] : expired_by_member)
                ctx_.emit("points.expired", ctx_.program_of(member).config.code,
                          json{{"member", member},
                               {"points", points},
                               {"available", balance(member).available}});
            tx.commit();
        }
        return report;
    });
}

Balance PointsLedger::balance(MemberId member) {
    auto st = ctx_.db->prepare(std::string("SELECT ") + kSpendablePointsSql +
                               ", m.points_pending FROM members m WHERE m.id = ?1");
    st.bind_all(member, to_unix(ctx_.now()));
    Balance b;
    if (st.step()) b = Balance{st.int64(0), st.int64(1)};
    return b;
}

Balance PointsLedger::materialized(MemberId member) {
    auto st = ctx_.db->prepare("SELECT points_available, points_pending FROM members WHERE id = ?");
    st.bind(1, member);
    Balance b;
    if (st.step()) b = Balance{st.int64(0), st.int64(1)};
    return b;
}

std::vector<LedgerEntry> PointsLedger::history(MemberId member, int limit) {
    std::vector<LedgerEntry> out;
    auto st = ctx_.db->prepare(std::string(kEntryColumns) +
                               "WHERE member_id = ? ORDER BY id DESC LIMIT ?");
    st.bind_all(member, limit);
    while (st.step()) out.push_back(read_entry(st));
    return out;
}

std::optional<LedgerEntry> PointsLedger::find_by_key(const std::string& key) {
    auto st = ctx_.db->prepare(std::string(kEntryColumns) + "WHERE idempotency_key = ?");
    st.bind(1, key);
    if (!st.step()) return std::nullopt;
    auto e = read_entry(st);
    return e;
}

Points PointsLedger::expiring_between(MemberId member, Timestamp from, Timestamp to) {
    auto st = ctx_.db->prepare(
        "SELECT coalesce(sum(remaining), 0) FROM point_lots WHERE member_id = ? AND remaining > 0 "
        "AND expires_at > ? AND expires_at <= ?");
    st.bind_all(member, to_unix(from), to_unix(to));
    st.step();
    const auto points = st.int64(0);
    return points;
}

BalanceCheck PointsLedger::verify(MemberId member) {
    BalanceCheck check;
    check.member = member;
    check.materialized = materialized(member);
    auto ledger = ctx_.db->prepare(
        "SELECT coalesce(sum(available_delta), 0), coalesce(sum(pending_delta), 0) FROM "
        "ledger_entries WHERE member_id = ?");
    ledger.bind(1, member);
    ledger.step();
    check.from_ledger = Balance{ledger.int64(0), ledger.int64(1)};
    auto lots = ctx_.db->prepare(
        "SELECT coalesce(sum(CASE WHEN state = 'available' THEN remaining END), 0), "
        "coalesce(sum(CASE WHEN state = 'pending' THEN remaining END), 0) FROM point_lots WHERE "
        "member_id = ?");
    lots.bind(1, member);
    lots.step();
    check.from_lots = Balance{lots.int64(0), lots.int64(1)};
    return check;
}

std::vector<BalanceCheck> PointsLedger::verify_all() {
    // One pass over all three sources, grouped per member, instead of a query per member.
    std::vector<BalanceCheck> bad;
    auto st = ctx_.db->prepare(
        "SELECT m.id, m.points_available, m.points_pending, coalesce(l.a, 0), coalesce(l.p, 0), "
        "coalesce(t.a, 0), coalesce(t.p, 0) FROM members m "
        "LEFT JOIN (SELECT member_id, sum(available_delta) a, sum(pending_delta) p FROM "
        "ledger_entries "
        "  GROUP BY member_id) l ON l.member_id = m.id "
        "LEFT JOIN (SELECT member_id, sum(CASE WHEN state = 'available' THEN remaining END) a, "
        "  sum(CASE WHEN state = 'pending' THEN remaining END) p FROM point_lots GROUP BY "
        "member_id) t "
        "  ON t.member_id = m.id");
    while (st.step()) {
        BalanceCheck c{st.int64(0),
                       {st.int64(1), st.int64(2)},
                       {st.int64(3), st.int64(4)},
                       {st.int64(5), st.int64(6)}};
        if (!c.agrees()) bad.push_back(c);
    }
    return bad;
}

}  // namespace loyalty
