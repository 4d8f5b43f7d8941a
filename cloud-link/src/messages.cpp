#include "loyalty/sync/messages.hpp"

#include <nlohmann/json.hpp>

#include "loyalty/event_fields.hpp"
#include "loyalty/exact_integer.hpp"
#include "wire_envelope.hpp"

namespace loyalty::sync {

using nlohmann::json;

std::string reason_of(const Error& error) {
    const auto colon = error.message.find(':');
    return colon == std::string::npos ? error.message : error.message.substr(0, colon);
}

std::string encode_batch(const TerminalAddress& from, std::int64_t base, std::int64_t sent_at_ms,
                         const std::vector<OutboxEvent>& events, std::size_t first,
                         std::size_t count) {
    const std::size_t end = count > events.size() - first ? events.size() : first + count;
    std::string out;
    out.reserve(256 + (end - first) * 400);
    out += json{{"v", protocol_version},   {"kind", "events"},          {"program", from.program},
                {"store", from.store},     {"terminal", from.terminal}, {"base", base},
                {"sent_at_ms", sent_at_ms}}
               .dump();
    out.pop_back();  // reopen the object to append the events array
    out += ",\"events\":[";
    for (std::size_t i = first; i < end; ++i) {
        const auto& e = events[i];
        if (i != first) out += ',';
        auto head = json{{"id", e.event_id},
                         {"seq", e.seq},
                         {"type", e.type},
                         {"schema", e.schema_version},
                         {"at", to_unix(e.occurred_at)}}
                        .dump();
        head.pop_back();
        out += head;
        out += ",\"payload\":";
        out += e.payload.empty() ? std::string("{}") : e.payload;
        out += '}';
    }
    out += "]}";
    return out;
}

std::string encode_ack(const Ack& a) {
    return json{{"v", protocol_version}, {"kind", "ack"},
                {"store", a.store},      {"terminal", a.terminal},
                {"through", a.through},  {"hub_time_ms", a.hub_time_ms},
                {"skew_ms", a.skew_ms},  {"duplicates", a.duplicates}}
        .dump();
}

Result<Ack> decode_ack(std::string_view payload) {
    auto j = envelope(payload, "ack");
    if (!j) return j.error();
    Ack a;
    if (!field(*j, "store", a.store) || !field(*j, "terminal", a.terminal) ||
        !field(*j, "through", a.through))
        return bad(reason::malformed, "ack needs store, terminal, through");
    field(*j, "hub_time_ms", a.hub_time_ms);
    field(*j, "skew_ms", a.skew_ms);
    field(*j, "duplicates", a.duplicates);
    if (a.through < 0) return bad(reason::malformed, "negative sequence");
    return a;
}

std::string encode_presence(const Presence& p) {
    json j{{"v", protocol_version},  {"kind", "presence"}, {"store", p.store},
           {"terminal", p.terminal}, {"state", p.state},   {"at_ms", p.at_ms},
           {"backlog", p.backlog}};
    if (!p.reason.empty()) j["reason"] = p.reason;
    return j.dump();
}

Result<Presence> decode_presence(std::string_view payload) {
    auto j = envelope(payload, "presence");
    if (!j) return j.error();
    Presence p;
    if (!field(*j, "store", p.store) || !field(*j, "terminal", p.terminal) ||
        !field(*j, "state", p.state))
        return bad(reason::malformed, "presence needs store, terminal, state");
    if (p.state != "online" && p.state != "offline")
        return bad(reason::malformed, "state " + p.state);
    field(*j, "reason", p.reason);
    field(*j, "at_ms", p.at_ms);
    field(*j, "backlog", p.backlog);
    return p;
}

namespace {
json snapshot_json(const MemberSnapshot& s) {
    return json{{"key", s.uid},
                {"version", s.version},
                {"points", s.points},
                {"available", s.available},
                {"pending", s.pending},
                {"tier", s.tier},
                {"status", s.status},
                {"tier_review_at", s.tier_review_at},
                {"stored_value", json{{"principal", s.sv_principal}, {"bonus", s.sv_bonus}}}};
}
}  // namespace

std::string snapshot_item(const MemberSnapshot& snapshot) {
    return snapshot_json(snapshot).dump();
}

std::string encode_snapshots(const std::string& program, const std::vector<MemberSnapshot>& items,
                             const std::map<std::string, std::int64_t>& through) {
    json arr = json::array();
    for (const auto& s : items) arr.push_back(snapshot_json(s));
    return json{{"v", protocol_version},
                {"kind", "snapshots"},
                {"program", program},
                {"items", std::move(arr)},
                {"through", through}}
        .dump();
}

Result<std::string> encode_config(const std::string& program, const std::string& key,
                                  std::int64_t version, const std::string& body_json) {
    auto body = json::parse(body_json, nullptr, false);
    if (!body.is_object()) return bad(reason::malformed, "a config body must be a JSON object");
    json item{{"key", key}, {"version", version}, {"body", std::move(body)}};
    return json{{"v", protocol_version},
                {"kind", "config"},
                {"program", program},
                {"items", json::array({item})}}
        .dump();
}

Result<DownMessage> decode_down(std::string_view payload) {
    auto j = envelope(payload, nullptr);
    if (!j) return j.error();
    DownMessage m;
    field(*j, "kind", m.kind);
    if (m.kind != "snapshots" && m.kind != "card_block" && m.kind != "coupon_issue" &&
        m.kind != "config" && m.kind != "member_merged" && m.kind != "claim_reversed")
        return bad(reason::unknown_kind, m.kind);
    field(*j, "program", m.program);
    if (auto th = j->find("through"); th != j->end() && th->is_object())
        for (const auto& [terminal, seq] : th->items())
            if (auto v = exact_integer<std::int64_t>(seq)) m.through[terminal] = *v;
    auto items = j->find("items");
    if (items == j->end() || !items->is_array()) return bad(reason::malformed, "no items");
    for (const auto& it : *items) {
        DownItem d;
        d.kind = m.kind;
        if (!it.is_object() || !field(it, "key", d.key) || !field(it, "version", d.version) ||
            d.key.empty())
            return bad(reason::malformed, "an item needs key and version");
        d.body = it.dump();
        m.items.push_back(std::move(d));
    }
    return m;
}

std::string encode_resequence(const Resequence& r) {
    return json{{"v", protocol_version},  {"kind", "resequence"}, {"store", r.store},
                {"terminal", r.terminal}, {"through", r.through}, {"seq", r.seq}}
        .dump();
}

Result<Resequence> decode_resequence(std::string_view payload) {
    auto j = envelope(payload, "resequence");
    if (!j) return j.error();
    Resequence r;
    if (!field(*j, "store", r.store) || !field(*j, "terminal", r.terminal) ||
        !field(*j, "through", r.through))
        return bad(reason::malformed, "resequence needs store, terminal, through");
    field(*j, "seq", r.seq);
    if (r.through < 0 || r.through > max_wire_integer)
        return bad(reason::malformed, "through out of range");
    return r;
}

}  // namespace loyalty::sync

#include "batch_codec.hpp"

namespace loyalty::sync {

Result<DecodedBatch> decode_batch(std::string_view payload) {
    auto j = envelope(payload, "events");
    if (!j) return j.error();
    DecodedBatch b;
    if (!field(*j, "program", b.from.program) || !field(*j, "store", b.from.store) ||
        !field(*j, "terminal", b.from.terminal) || !field(*j, "base", b.base))
        return bad(reason::malformed, "a batch needs program, store, terminal, base");
    if (j->contains("sent_at_ms") && !field(*j, "sent_at_ms", b.sent_at_ms))
        return bad(reason::malformed, "sent_at_ms is not a whole number");
    auto events = j->find("events");
    if (events == j->end() || !events->is_array() || events->empty())
        return bad(reason::malformed, "a batch needs a non-empty events array");
    if (b.base < 0 || b.base > max_wire_integer) return bad(reason::malformed, "base out of range");
    if (b.sent_at_ms < 0 || b.sent_at_ms > max_wire_integer)
        return bad(reason::malformed, "sent_at_ms out of range");
    b.events.reserve(events->size());
    for (auto& e : *events) {
        DecodedEvent d;
        std::int64_t schema = 0;
        if (!e.is_object() || !field(e, "id", d.id) || d.id.empty() || d.id.size() > 64 ||
            !field(e, "seq", d.seq) || !field(e, "type", d.type) || !field(e, "schema", schema))
            return bad(reason::malformed, "an event needs id, seq, type, schema");
        if (d.seq <= b.base) return bad(reason::malformed, "event sequence at or below base");
        if (d.seq > max_wire_integer) return bad(reason::malformed, "event sequence out of range");
        if (schema < 0 || schema > 1000) return bad(reason::malformed, "event schema out of range");
        if (!b.events.empty() && d.seq != b.events.back().seq + 1)
            return bad(reason::malformed, "event sequences must be consecutive");
        auto p = e.find("payload");
        if (p == e.end() || !p->is_object())
            return bad(reason::malformed, "an event payload must be an object");
        d.schema = static_cast<int>(schema);
        // A bad time is this event's fault alone: it is parked at its turn
        // (malformed_event), the batch around it goes on.
        EventFields times(e);
        d.at = times.integer("at", 0, max_event_time);
        if (times.problem()) d.problem = *times.problem();
        d.payload = std::move(*p);
        b.events.push_back(std::move(d));
    }
    return b;
}

nlohmann::json event_json(const DecodedEvent& e) {
    json j{{"id", e.id},         {"seq", e.seq}, {"type", e.type},
           {"schema", e.schema}, {"at", e.at},   {"payload", e.payload}};
    if (!e.problem.empty()) j["problem"] = e.problem;
    return j;
}

DecodedEvent event_from_json(const nlohmann::json& j) {
    DecodedEvent e;
    if (!j.is_object()) return e;
    std::int64_t schema = 0;
    field(j, "id", e.id);
    field(j, "seq", e.seq);
    field(j, "type", e.type);
    if (field(j, "schema", schema) && schema >= 0 && schema <= 1000)
        e.schema = static_cast<int>(schema);
    field(j, "at", e.at);
    field(j, "problem", e.problem);
    if (auto p = j.find("payload"); p != j.end()) e.payload = *p;
    return e;
}

}  // namespace loyalty::sync
