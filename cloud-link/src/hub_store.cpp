#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <set>
#include <tuple>

#include "batch_codec.hpp"
#include "event_effects.hpp"
#include "hub_migrations.hpp"
#include "loyalty/sync/hub.hpp"
#include "loyalty/engine.hpp"
#include "loyalty/sync/signing.hpp"
#include "loyalty/storage/engine_storage.hpp"

namespace loyalty::sync {

using nlohmann::json;

namespace {

constexpr std::size_t snapshot_items_per_message = 1000;
constexpr std::size_t dead_letter_payload_bytes = 64 * 1024;

// Held while a worker opens (and on first use creates and migrates) the shared
// database: two workers starting together must not both run the migrations.
class OpenLock {
public:
    explicit OpenLock(const std::filesystem::path& db) {
        fd_ = ::open((db.string() + ".open-lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd_ >= 0) ::flock(fd_, LOCK_EX);
    }
    ~OpenLock() {
        if (fd_ >= 0) ::close(fd_);  // releases the lock
    }
    OpenLock(const OpenLock&) = delete;
    OpenLock& operator=(const OpenLock&) = delete;

private:
    int fd_ = -1;
};

std::string key_of(const TerminalAddress& a) { return a.store + '\x1f' + a.terminal; }

}  // namespace

// One apply() call: what it touched, to answer after the commit.
struct HubStore::Pass {
    Pass(HubStore& h, std::int64_t now) : hub(h), now_ms(now) {}
    HubStore& hub;
    std::int64_t now_ms;
    HubApplyReport report;
    struct TerminalTouch {
        TerminalAddress address;
        std::int64_t skew_ms = 0;
        std::int64_t duplicates = 0;
    };
    std::map<std::string, TerminalTouch> terminals;
    std::map<std::pair<std::string, std::string>, std::set<std::string>> members;  // (program, store) -> uids
    // Cards reported lost or blocked at one store, to block at every store.
    std::map<std::string, std::vector<json>> card_blocks;  // program -> items
    std::map<std::string, Timestamp> tier_checks;           // member uid -> its latest event

    void check_tiers() {
        if (tier_checks.empty()) return;
        auto moved = hub.engine_->replication().check_tiers(tier_checks);
        if (!moved) throw OperationAborted(moved.error());
        tier_checks.clear();
    }

    Database& db() { return engine_database(*hub.engine_); }

    void dead_letter(const HubIncoming& in, const Error& why) {
        db().prepare(
                "INSERT INTO hub_dead_letters(topic, reason, detail, payload, received_at_ms, worker) "
                "VALUES (?, ?, ?, ?, ?, ?)")
            .bind_all(in.topic.substr(0, 1024), reason_of(why), why.message,
                      std::string_view(in.payload).substr(0, dead_letter_payload_bytes), now_ms, hub.options_.worker)
            .run();
        ++report.dead_letters;
        if (report.dead_letter_notes.size() < 20) report.dead_letter_notes.push_back(in.topic + ": " + why.message);
    }

    std::int64_t last_seq(const TerminalAddress& a) {
        auto st = db().prepare("SELECT last_seq FROM hub_terminals WHERE store = ? AND terminal = ?");
        st.bind_all(a.store, a.terminal);
        std::int64_t seq = 0;
        if (st.step()) seq = st.int64(0);
        return seq;
    }

    void set_last_seq(const TerminalAddress& a, std::int64_t seq, std::optional<std::int64_t> skew) {
        db().prepare(
                "INSERT INTO hub_terminals(store, terminal, program, last_seq, skew_ms, last_seen_ms) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(store, terminal) DO UPDATE SET last_seq = excluded.last_seq, "
                "skew_ms = coalesce(excluded.skew_ms, skew_ms), last_seen_ms = excluded.last_seen_ms")
            .bind_all(a.store, a.terminal, a.program, seq, skew, now_ms)
            .run();
    }

    // Applies one event whose turn it is. Returns false for a duplicate id.
    bool apply_event(const TerminalAddress& a, const DecodedEvent& e) {
        const bool known = known_event_schema(e.schema);
        const EventEffects effects = known ? effects_of(e.type, e.payload) : EventEffects{};
        std::int64_t own_delta = 0;
        for (const auto& p : effects.points)
            if (p.uid == effects.member_uid) own_delta += p.delta;
        // The unique event id is the dedupe: a second copy inserts nothing.
        db().prepare(
                "INSERT INTO hub_applied(event_id, program, store, terminal, seq, type, member_uid, points_delta, "
                "status, occurred_at, applied_at_ms, worker) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(event_id) DO NOTHING")
            .bind_all(e.id, a.program, a.store, a.terminal, e.seq, e.type,
                      effects.member_uid.empty() ? std::nullopt : std::optional<std::string>(effects.member_uid),
                      own_delta, known ? "applied" : "parked", e.at, now_ms, hub.options_.worker)
            .run();
        if (db().changes() == 0) return false;
        const auto row = db().last_insert_rowid();
        if (!known) {
            // Consumed (the terminal must not stall on it) but parked for an operator.
            HubIncoming in{events_topic(a), json{{"id", e.id}, {"seq", e.seq}, {"type", e.type}, {"schema", e.schema},
                                                 {"payload", e.payload}}
                                                .dump(),
                           {}};
            dead_letter(in, make_error(Errc::invalid_argument, std::string(reason::unknown_schema) + ": event " +
                                                                   e.id + " schema " + std::to_string(e.schema)));
            return true;
        }
        if (!replicate(a, e, row)) return true;
        if (e.type == "card.lost" || e.type == "card.blocked") {
            auto number = e.payload.find("card");
            if (number != e.payload.end() && number->is_string())
                // The hub_applied row id orders every change the hub saw: the item's version.
                card_blocks[a.program].push_back(json{{"key", *number},
                                                      {"version", row},
                                                      {"state", e.type == "card.lost" ? "lost" : "blocked"},
                                                      {"member_uid", effects.member_uid},
                                                      {"from_store", a.store}});
        }
        return true;
    }

    // The event through the loyalty engine on the hub's database. A refusal (a
    // program the hub does not know, a payload without what its type needs)
    // parks the event: consumed, so the terminal does not stall, and listed.
    bool replicate(const TerminalAddress& a, const DecodedEvent& e, std::int64_t row) {
        auto done = hub.engine_->replication().apply(
            ReplicatedEvent{e.id, e.type, a.program, a.store, a.terminal, from_unix(e.at), e.payload, true});
        if (!done) {
            if (done.error().code == Errc::storage) throw OperationAborted(done.error());
            db().prepare("UPDATE hub_applied SET status = 'parked' WHERE id = ?").bind(1, row).run();
            const char* why = done.error().code == Errc::not_found ? reason::unknown_program : reason::malformed;
            HubIncoming in{events_topic(a), json{{"id", e.id}, {"seq", e.seq}, {"type", e.type}, {"payload", e.payload}}.dump(), {}};
            dead_letter(in, make_error(done.error().code, std::string(why) + ": event " + e.id + " (" + e.type +
                                                              "): " + done.error().message));
            return false;
        }
        for (const auto& uid : done->members) members[{a.program, a.store}].insert(uid);
        if (done->tier_check_due) {
            // Once per member per transaction, as of its latest event, not after every sale.
            auto& at = tier_checks[done->members.front()];
            at = std::max(at, from_unix(e.at));
        }
        if (done->shortfall > 0 && !done->members.empty())
            db().prepare("INSERT OR IGNORE INTO hub_shortfalls(event_id, program, member_uid, points, at_ms) VALUES (?, ?, ?, ?, ?)")
                .bind_all(e.id, a.program, done->members.front(), done->shortfall, now_ms)
                .run();
        return true;
    }

    // Applies events that waited for this one, in order.
    void release_held(const TerminalAddress& a, std::int64_t& last) {
        while (true) {
            auto st = db().prepare("SELECT event FROM hub_held WHERE store = ? AND terminal = ? AND seq = ?");
            st.bind_all(a.store, a.terminal, last + 1);
            if (!st.step()) {
                break;
            }
            const auto j = json::parse(st.text(0));
            DecodedEvent e{j.at("id").get<std::string>(), j.at("seq").get<std::int64_t>(),
                           j.at("type").get<std::string>(), j.at("schema").get<int>(), j.value("at", std::int64_t{0}),
                           j.at("payload")};
            if (apply_event(a, e)) ++report.applied; else ++report.duplicates;
            ++last;
        }
        db().prepare("DELETE FROM hub_held WHERE store = ? AND terminal = ? AND seq <= ?")
            .bind_all(a.store, a.terminal, last)
            .run();
    }

    std::optional<Error> check_signature(const HubIncoming& in, const std::string& store) {
        auto key = hub.options_.store_keys.find(store);
        if (key == hub.options_.store_keys.end()) {
            if (hub.options_.require_signatures)
                return make_error(Errc::unauthorized, std::string(reason::unsigned_message) + ": no key for store " + store);
            return std::nullopt;
        }
        if (in.signature.empty())
            return make_error(Errc::unauthorized, std::string(reason::unsigned_message) + ": store " + store + " signs");
        if (!signature_matches(key->second, in.payload, in.signature))
            return make_error(Errc::unauthorized, std::string(reason::bad_signature) + ": store " + store);
        return std::nullopt;
    }

    std::optional<Error> events(const HubIncoming& in, const TerminalAddress& topic) {
        if (auto bad = check_signature(in, topic.store)) return bad;
        auto batch = decode_batch(in.payload);
        if (!batch) return batch.error();
        const auto& a = batch->from;
        if (a.program != topic.program || a.store != topic.store || a.terminal != topic.terminal)
            return make_error(Errc::unauthorized, std::string(reason::topic_mismatch) + ": payload says " + a.program +
                                                      "/" + a.store + "/" + a.terminal);
        std::int64_t last = std::max(last_seq(a), batch->base);
        if (batch->events.back().seq > last + max_hold_ahead)
            return make_error(Errc::invalid_argument, std::string(reason::out_of_window) + ": sequence " +
                                                          std::to_string(batch->events.back().seq) + " after " +
                                                          std::to_string(last));
        auto& touch = terminals[key_of(a)];
        touch.address = a;
        for (const auto& e : batch->events) {
            if (e.seq <= last) {
                ++report.duplicates;
                ++touch.duplicates;
            } else if (e.seq == last + 1) {
                if (apply_event(a, e)) ++report.applied; else ++report.duplicates;
                ++last;
            } else {
                db().prepare(
                        "INSERT OR IGNORE INTO hub_held(store, terminal, seq, program, event) VALUES (?, ?, ?, ?, ?)")
                    .bind_all(a.store, a.terminal, e.seq, a.program,
                              json{{"id", e.id}, {"seq", e.seq}, {"type", e.type}, {"schema", e.schema},
                                   {"at", e.at}, {"payload", e.payload}}
                                  .dump())
                    .run();
                ++report.held;
            }
        }
        release_held(a, last);
        touch.skew_ms = batch->sent_at_ms ? now_ms - batch->sent_at_ms : 0;
        set_last_seq(a, last, batch->sent_at_ms ? std::optional<std::int64_t>(touch.skew_ms) : std::nullopt);
        return std::nullopt;
    }

    std::optional<Error> presence(const HubIncoming& in, const TerminalAddress& topic) {
        auto p = decode_presence(in.payload);
        if (!p) return p.error();
        if (p->store != topic.store || p->terminal != topic.terminal)
            return make_error(Errc::unauthorized, std::string(reason::topic_mismatch) + ": presence of " + p->store +
                                                      "/" + p->terminal);
        db().prepare(
                "INSERT INTO hub_presence(store, terminal, state, reason, at_ms, backlog, received_at_ms) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(store, terminal) DO UPDATE SET state = excluded.state, "
                "reason = excluded.reason, at_ms = excluded.at_ms, backlog = excluded.backlog, "
                "received_at_ms = excluded.received_at_ms")
            .bind_all(p->store, p->terminal, p->state, p->reason, p->at_ms, p->backlog, now_ms)
            .run();
        return std::nullopt;
    }

    void one(const HubIncoming& in) {
        std::optional<Error> bad;
        if (in.payload.size() > max_payload_bytes) {
            bad = make_error(Errc::invalid_argument,
                             std::string(reason::oversized) + ": " + std::to_string(in.payload.size()) + " bytes");
        } else if (auto t = parse_topic(in.topic); !t) {
            bad = make_error(Errc::invalid_argument, std::string(reason::malformed) + ": topic");
        } else if (t->kind == TopicKind::events) {
            bad = events(in, t->address);
        } else if (t->kind == TopicKind::presence) {
            bad = presence(in, t->address);
        } else {
            bad = make_error(Errc::invalid_argument, std::string(reason::unknown_kind) + ": not a hub topic");
        }
        if (bad) dead_letter(in, *bad);
    }

    void answers() {
        for (const auto& [key, t] : terminals)
            report.publish.push_back({acks_topic(t.address),
                                      encode_ack(Ack{t.address.store, t.address.terminal, last_seq(t.address), now_ms,
                                                     t.skew_ms, t.duplicates})});
        // A member's snapshot goes to every store that knows the member, not only the
        // one whose events changed it: a tier earned over two stores reaches both.
        std::map<std::pair<std::string, std::string>, std::set<std::string>> audience;
        for (const auto& [where, uids] : members) {
            const auto& [program, store] = where;
            for (const auto& uid : uids) {
                db().prepare("INSERT OR IGNORE INTO hub_member_stores(program, uid, store) VALUES (?, ?, ?)")
                    .bind_all(program, uid, store)
                    .run();
                auto st = db().prepare("SELECT store FROM hub_member_stores WHERE program = ? AND uid = ?");
                st.bind_all(program, uid);
                while (st.step()) audience[{program, st.text(0)}].insert(uid);
            }
        }
        for (const auto& [where, uids] : audience) {
            const auto& [program, store] = where;
            std::map<std::string, std::int64_t> through;
            auto th = db().prepare("SELECT terminal, last_seq FROM hub_terminals WHERE store = ? AND program = ?");
            th.bind_all(store, program);
            while (th.step()) through[th.text(0)] = th.int64(1);
            std::vector<MemberSnapshot> items;
            for (const auto& uid : uids) {
                if (auto m = hub.member(program, uid)) items.push_back(std::move(*m));
                if (items.size() == snapshot_items_per_message) {
                    report.publish.push_back({store_down_topic(program, store), encode_snapshots(program, items, through)});
                    items.clear();
                }
            }
            if (!items.empty())
                report.publish.push_back({store_down_topic(program, store), encode_snapshots(program, items, through)});
        }
        for (const auto& [program, items] : card_blocks) {
            const auto payload =
                json{{"v", protocol_version}, {"kind", "card_block"}, {"program", program}, {"items", items}}.dump();
            auto stores = db().prepare("SELECT DISTINCT store FROM hub_terminals WHERE program = ?");
            stores.bind(1, program);
            while (stores.step()) report.publish.push_back({store_down_topic(program, stores.text(0)), payload});
        }
    }
};

HubStore::HubStore(std::unique_ptr<Engine> engine, HubStoreOptions options)
    : engine_(std::move(engine)), options_(std::move(options)) {}
HubStore::~HubStore() = default;

Result<std::unique_ptr<HubStore>> HubStore::open(const std::filesystem::path& path, HubStoreOptions options) {
    DatabaseOptions db_options;
    db_options.full_sync = options.full_sync;
    db_options.integrity_check_on_open = false;
    db_options.busy_timeout_ms = 30000;  // another worker's big transaction
    OpenLock lock(path);
    // The hub's own clock only dates what it does itself (program loads, coupon
    // grants); replicated events carry their terminal's time.
    static const SystemClock hub_clock;
    auto engine = Engine::open(path, hub_clock, EngineOptions{Origin{"HUB", options.worker}, db_options});
    if (!engine) return engine.error();
    return guarded([&]() -> Result<std::unique_ptr<HubStore>> {
        auto& db = engine_database(**engine);
        db.migrate(hub_schema());
        // Event ids are random UUIDs: their unique index is written all over, so
        // keep it in memory rather than re-reading pages from the OS (64 MiB).
        db.exec("PRAGMA cache_size = -65536");
        return std::unique_ptr<HubStore>(new HubStore(std::move(engine.value()), std::move(options)));
    });
}

Result<HubApplyReport> HubStore::apply(const std::vector<HubIncoming>& messages, std::int64_t now_ms) {
    return guarded([&]() -> Result<HubApplyReport> {
        Pass pass(*this, now_ms);
        Transaction tx(engine_database(*engine_));
        for (const auto& in : messages) pass.one(in);
        pass.check_tiers();
        pass.answers();
        tx.commit();
        return std::move(pass.report);
    });
}

std::optional<MemberSnapshot> HubStore::member(const std::string& program, const std::string& uid) {
    auto st = db().prepare(
        "SELECT m.points_available + m.points_pending, m.tier_code, m.status, m.version, m.tier_review_at "
        "FROM members m JOIN programs p ON p.id = m.program_id WHERE p.code = ? AND m.uid = ?");
    st.bind_all(program, uid);
    if (!st.step()) return std::nullopt;
    MemberSnapshot s{uid, st.int64(3), st.int64(0), st.text(1), st.text(2), st.int64(4)};
    return s;
}

std::map<std::string, std::int64_t> HubStore::balances(const std::string& program) {
    std::map<std::string, std::int64_t> out;
    auto st = db().prepare(
        "SELECT m.uid, m.points_available + m.points_pending FROM members m JOIN programs p ON p.id = m.program_id "
        "WHERE p.code = ?");
    st.bind(1, program);
    while (st.step()) out[st.text(0)] = st.int64(1);
    return out;
}

std::int64_t HubStore::last_seq(const std::string& store, const std::string& terminal) {
    auto st = db().prepare("SELECT last_seq FROM hub_terminals WHERE store = ? AND terminal = ?");
    st.bind_all(store, terminal);
    std::int64_t seq = 0;
    if (st.step()) seq = st.int64(0);
    return seq;
}

std::vector<std::int64_t> HubStore::applied_order(const std::string& store, const std::string& terminal) {
    std::vector<std::int64_t> out;
    auto st = db().prepare("SELECT seq FROM hub_applied WHERE store = ? AND terminal = ? ORDER BY id");
    st.bind_all(store, terminal);
    while (st.step()) out.push_back(st.int64(0));
    return out;
}

Result<HubApplyReport> HubStore::review_tiers(std::int64_t now_ms) {
    return guarded([&]() -> Result<HubApplyReport> {
        auto reviewed = engine_->tiers().review_due(from_unix(now_ms / 1000));
        if (!reviewed) return reviewed.error();
        Pass pass(*this, now_ms);
        for (const auto& change : reviewed->changes) {
            auto m = engine_->members().get(change.member);
            if (!m) continue;
            for (const auto& store : member_stores(m->uid)) pass.members[{m->program, store}].insert(m->uid);
        }
        pass.answers();
        return std::move(pass.report);
    });
}

std::vector<std::string> HubStore::member_stores(const std::string& uid) {
    std::vector<std::string> out;
    auto st = db().prepare(
        "SELECT store FROM hub_member_stores WHERE uid = ?1 "
        "UNION SELECT home_store FROM members WHERE uid = ?1 AND home_store IS NOT NULL ORDER BY 1");
    st.bind(1, uid);
    while (st.step()) out.push_back(st.text(0));
    return out;
}

std::int64_t HubStore::shortfall_points(const std::string& program) {
    auto st = db().prepare("SELECT coalesce(sum(points), 0) FROM hub_shortfalls WHERE program = ?");
    st.bind(1, program);
    st.step();
    const auto n = st.int64(0);
    return n;
}

std::int64_t HubStore::applied_count() {
    auto st = db().prepare("SELECT count(*) FROM hub_applied");
    st.step();
    const auto n = st.int64(0);
    return n;
}

std::int64_t HubStore::held_count() {
    auto st = db().prepare("SELECT count(*) FROM hub_held");
    st.step();
    const auto n = st.int64(0);
    return n;
}

std::vector<DeadLetter> HubStore::dead_letters() {
    std::vector<DeadLetter> out;
    auto st = db().prepare("SELECT topic, reason, detail FROM hub_dead_letters ORDER BY id");
    while (st.step()) out.push_back({st.text(0), st.text(1), st.text(2)});
    return out;
}

std::optional<Presence> HubStore::presence(const std::string& store, const std::string& terminal) {
    auto st = db().prepare("SELECT state, reason, at_ms, backlog FROM hub_presence WHERE store = ? AND terminal = ?");
    st.bind_all(store, terminal);
    if (!st.step()) return std::nullopt;
    Presence p{store, terminal, st.text(0), st.text(1), st.int64(2), st.int64(3)};
    return p;
}

std::optional<std::int64_t> HubStore::skew_ms(const std::string& store, const std::string& terminal) {
    auto st = db().prepare("SELECT skew_ms FROM hub_terminals WHERE store = ? AND terminal = ?");
    st.bind_all(store, terminal);
    if (!st.step()) return std::nullopt;
    auto v = st.optional_int64(0);
    return v;
}

std::vector<TerminalStatus> HubStore::terminals() {
    std::vector<TerminalStatus> out;
    auto st = db().prepare(
        "SELECT t.program, t.store, t.terminal, t.last_seq, t.skew_ms, t.last_seen_ms, "
        "coalesce(p.state || CASE WHEN p.reason <> '' THEN '/' || p.reason ELSE '' END, '') "
        "FROM hub_terminals t LEFT JOIN hub_presence p ON p.store = t.store AND p.terminal = t.terminal "
        "ORDER BY t.program, t.store, t.terminal");
    while (st.step())
        out.push_back({st.text(0), st.text(1), st.text(2), st.int64(3), st.optional_int64(4), st.optional_int64(5),
                       st.text(6)});
    return out;
}

}  // namespace loyalty::sync
