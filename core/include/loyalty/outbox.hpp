#pragma once
// The outbox of domain events: written in the same transaction as the change it
// describes, numbered per (store, terminal), deleted only once the hub has
// acknowledged it. This is all cloud-link needs from the engine.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "loyalty/clock.hpp"

namespace loyalty {

struct EngineContext;

struct OutboxEvent {
    std::int64_t id = 0;
    std::string event_id;  // UUID, stable across retries
    std::string type;      // e.g. "sale.committed"
    int schema_version = 1;
    std::string program;
    std::string store;
    std::string terminal;
    std::int64_t seq = 0;  // per (store, terminal), contiguous from 1
    Timestamp occurred_at;
    std::string payload;  // JSON object
};

// A store and terminal that writes events to this database.
struct OutboxWriter {
    std::string store;
    std::string terminal;
};

class Outbox {
  public:
    explicit Outbox(EngineContext& ctx) : ctx_(ctx) {}

    // Appends inside the caller's transaction; payload_json must be a JSON object.
    void append(const std::string& type, const std::string& program,
                const std::string& payload_json);

    std::vector<OutboxEvent> pending(const std::string& store, const std::string& terminal,
                                     std::int64_t after_seq, int limit);
    // Deletes every event of the terminal up to and including seq (the hub's ack).
    int acknowledge_through(const std::string& store, const std::string& terminal,
                            std::int64_t seq);
    // The terminal's history forked (its database restored from a backup): the
    // hub applied other events under sequences still waiting here. Moves every
    // waiting event of the terminal, in order, to just after `after` (the hub's
    // last applied sequence), and the terminal's counter with them, so nothing
    // is dropped and the next event follows on. Returns how many moved (0 when
    // they follow `after` already; the counter is still brought past it).
    int renumber_after(const std::string& store, const std::string& terminal, std::int64_t after);
    std::int64_t backlog();
    // Every (store, terminal) that has written events to this database (the kiosk,
    // the tills, loyalty-admin...), from the sequence table: one row each, however
    // long the backlog.
    std::vector<OutboxWriter> writers();
    std::optional<Timestamp> oldest_pending();

  private:
    EngineContext& ctx_;
};

}  // namespace loyalty
