#include "loyalty/outbox.hpp"

#include <optional>

#include "engine_context.hpp"

namespace loyalty {

void Outbox::append(const std::string& type, const std::string& program,
                    const std::string& payload_json) {
    auto& db = *ctx_.db;
    // Inside an operation's transaction the write lock is already held; a caller
    // appending on its own gets a transaction of its own, so the sequence read
    // below and the rows written stay one atomic step.
    std::optional<Transaction> own;
    if (!db.in_transaction()) own.emplace(db);
    const auto& origin = ctx_.origin;
    // The sequence row is bumped in the same transaction as the event, so
    // sequences stay contiguous per terminal even with two processes writing.
    // Read, then written with its new value: an upsert with RETURNING costs a
    // temporary table per call, and a sale appends several events.
    const auto seq =
        db.prepare("SELECT last_seq FROM terminal_sequences WHERE store = ? AND terminal = ?")
            .bind_all(origin.store, origin.terminal)
            .scalar()
            .value_or(0) +
        1;
    db.prepare(
          "INSERT INTO terminal_sequences(store, terminal, last_seq) VALUES (?, ?, ?) "
          "ON CONFLICT(store, terminal) DO UPDATE SET last_seq = excluded.last_seq")
        .bind_all(origin.store, origin.terminal, seq)
        .run();
    db.prepare(
          "INSERT INTO outbox(event_id, type, schema_version, program, store, terminal, seq, "
          "occurred_at, payload) "
          "VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?)")
        .bind_all(new_uuid(), type, program, origin.store, origin.terminal, seq,
                  to_unix(ctx_.now()), payload_json)
        .run();
    if (own) own->commit();
}

std::vector<OutboxEvent> Outbox::pending(const std::string& store, const std::string& terminal,
                                         std::int64_t after_seq, int limit) {
    std::vector<OutboxEvent> out;
    auto st = ctx_.db->prepare(
        "SELECT id, event_id, type, schema_version, program, store, terminal, seq, occurred_at, "
        "payload "
        "FROM outbox WHERE store = ? AND terminal = ? AND seq > ? ORDER BY seq LIMIT ?");
    st.bind_all(store, terminal, after_seq, limit);
    while (st.step()) {
        out.push_back(OutboxEvent{st.int64(0), st.text(1), st.text(2),
                                  static_cast<int>(st.int64(3)), st.text(4), st.text(5), st.text(6),
                                  st.int64(7), from_unix(st.int64(8)), st.text(9)});
    }
    return out;
}

int Outbox::acknowledge_through(const std::string& store, const std::string& terminal,
                                std::int64_t seq) {
    ctx_.db->prepare("DELETE FROM outbox WHERE store = ? AND terminal = ? AND seq <= ?")
        .bind_all(store, terminal, seq)
        .run();
    return ctx_.db->changes();
}

int Outbox::renumber_after(const std::string& store, const std::string& terminal,
                           std::int64_t after) {
    auto& db = *ctx_.db;
    Transaction tx(db);
    const auto first = db.prepare("SELECT min(seq) FROM outbox WHERE store = ? AND terminal = ?")
                           .bind_all(store, terminal)
                           .scalar();
    int moved = 0;
    std::int64_t shift = 0;
    if (first && *first <= after) {
        // Waiting events are contiguous up to the counter: one shift keeps them so.
        // Through negatives, because (store, terminal, seq) is unique at every row.
        shift = after + 1 - *first;
        db.prepare("UPDATE outbox SET seq = -seq WHERE store = ? AND terminal = ?")
            .bind_all(store, terminal)
            .run();
        db.prepare("UPDATE outbox SET seq = ? - seq WHERE store = ? AND terminal = ? AND seq < 0")
            .bind_all(shift, store, terminal)
            .run();
        moved = db.changes();
    }
    db.prepare(
          "UPDATE terminal_sequences SET last_seq = max(last_seq + ?, ?) WHERE store = ? AND "
          "terminal = ?")
        .bind_all(shift, after, store, terminal)
        .run();
    tx.commit();
    return moved;
}

std::int64_t Outbox::backlog() {
    auto st = ctx_.db->prepare("SELECT count(*) FROM outbox");
    st.step();
    const auto count = st.int64(0);
    return count;
}

std::vector<OutboxWriter> Outbox::writers() {
    std::vector<OutboxWriter> out;
    ctx_.db->prepare("SELECT store, terminal FROM terminal_sequences ORDER BY store, terminal")
        .each([&](const Statement& row) {
            out.push_back(OutboxWriter{row.text(0), row.text(1)});
        });
    return out;
}

std::optional<Timestamp> Outbox::oldest_pending() {
    auto st = ctx_.db->prepare("SELECT min(occurred_at) FROM outbox");
    st.step();
    std::optional<Timestamp> oldest;
    if (!st.is_null(0)) oldest = from_unix(st.int64(0));
    return oldest;
}

}  // namespace loyalty
