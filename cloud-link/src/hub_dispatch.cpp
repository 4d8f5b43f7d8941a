// The hub's first step for every incoming message: by topic to the handler of its
// kind (an event batch, a presence); whatever is refused goes to the dead letters.
#include "hub_pass.hpp"

namespace loyalty::sync {

namespace {

constexpr std::size_t dead_letter_payload_bytes = 64 * 1024;

}  // namespace

void HubStore::Pass::one(const HubIncoming& in) {
    std::optional<Error> bad;
    if (in.payload.size() > max_payload_bytes) {
        bad = make_error(Errc::invalid_argument, std::string(reason::oversized) + ": " +
                                                     std::to_string(in.payload.size()) + " bytes");
    } else if (auto t = parse_topic(in.topic); !t) {
        bad = make_error(Errc::invalid_argument, std::string(reason::malformed) + ": topic");
    } else if (t->kind == TopicKind::events) {
        bad = events(in, t->address);
    } else if (t->kind == TopicKind::presence) {
        bad = presence(in, t->address);
    } else {
        bad = make_error(Errc::invalid_argument,
                         std::string(reason::unknown_kind) + ": not a hub topic");
    }
    if (bad) dead_letter(in, *bad);
}

void HubStore::Pass::dead_letter(const HubIncoming& in, const Error& why) {
    db().prepare(
            "INSERT INTO hub_dead_letters(topic, reason, detail, payload, received_at_ms, worker) "
            "VALUES (?, ?, ?, ?, ?, ?)")
        .bind_all(in.topic.substr(0, 1024), reason_of(why), why.message,
                  std::string_view(in.payload).substr(0, dead_letter_payload_bytes), now_ms,
                  hub.options_.worker)
        .run();
    ++report.dead_letters;
    if (report.dead_letter_notes.size() < 20)
        report.dead_letter_notes.push_back(in.topic + ": " + why.message);
}

void HubStore::Pass::dead_letter_event(const TerminalAddress& a, const DecodedEvent& e,
                                       const Error& why) {
    // The event whole (at most the 1 MiB of its message), so --replay can apply it.
    db().prepare(
            "INSERT INTO hub_dead_letters(topic, reason, detail, payload, received_at_ms, worker, "
            "store, terminal, "
            "seq, event_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .bind_all(events_topic(a), reason_of(why), why.message, event_json(e).dump(), now_ms,
                  hub.options_.worker, a.store, a.terminal, e.seq, e.id)
        .run();
    ++report.dead_letters;
    if (report.dead_letter_notes.size() < 20)
        report.dead_letter_notes.push_back(a.store + "/" + a.terminal + " seq " +
                                           std::to_string(e.seq) + ": " + why.message);
}

std::optional<Error> HubStore::Pass::presence(const HubIncoming& in, const TerminalAddress& topic) {
    auto p = decode_presence(in.payload);
    if (!p) return p.error();
    if (p->store != topic.store || p->terminal != topic.terminal)
        return make_error(Errc::unauthorized, std::string(reason::topic_mismatch) +
                                                  ": presence of " + p->store + "/" + p->terminal);
    db().prepare(
            "INSERT INTO hub_presence(store, terminal, state, reason, at_ms, backlog, "
            "received_at_ms) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(store, terminal) DO UPDATE SET state = "
            "excluded.state, "
            "reason = excluded.reason, at_ms = excluded.at_ms, backlog = excluded.backlog, "
            "received_at_ms = excluded.received_at_ms")
        .bind_all(p->store, p->terminal, p->state, p->reason, p->at_ms, p->backlog, now_ms)
        .run();
    return std::nullopt;
}

}  // namespace loyalty::sync
