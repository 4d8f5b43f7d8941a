#include "loyalty/engine.hpp"

#include <sodium.h>

#include <cassert>

#include "campaign_hooks.hpp"
#include "engine_context.hpp"
#include "loyalty/storage/engine_storage.hpp"

namespace loyalty {

using nlohmann::json;

std::string new_uuid() {
    unsigned char b[16];
    randombytes_buf(b, sizeof b);
    b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
    b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
        out += hex[b[i] >> 4];
        out += hex[b[i] & 15];
    }
    return out;
}

std::string random_code(int length, const char* alphabet) {
    // One system call for the whole code, not one per character (randombytes_uniform
    // asks the kernel each time). A byte is used only below the largest multiple of
    // the alphabet's size, so every character stays equally likely.
    const auto n = static_cast<unsigned>(std::char_traits<char>::length(alphabet));
    assert(n > 0 && n <= 256);  // one byte picks one character
    const unsigned limit = 256 - 256 % n;
    std::string out;
    out.reserve(static_cast<std::size_t>(length));
    unsigned char bytes[64];
    std::size_t used = sizeof bytes;
    while (out.size() < static_cast<std::size_t>(length)) {
        if (used == sizeof bytes) {
            randombytes_buf(bytes, sizeof bytes);
            used = 0;
        }
        const unsigned b = bytes[used++];
        if (b < limit) out += alphabet[b % n];
    }
    return out;
}

std::string hex_digest(const std::string& data) {
    unsigned char digest[16];
    crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(data.data()),
                       data.size(), nullptr, 0);
    char hex[33];
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    return hex;
}

// PRAGMA data_version moves only when another connection commits; then the
// programs' versions and ids tell whether a program changed (the id too: a hub worker
// on PostgreSQL whose transaction saved a program and rolled back has cached an id that
// another worker's program of the same code and version does not have). The pragma opens a read
// transaction of its own (as costly as the lookup it guards), so it runs at most
// once a second: head office's new rules apply within a second.
// Pointers handed out earlier stay valid: the cache's nodes are retired, not freed
// (programs change a few times a year).
void EngineContext::forget_programs_saved_elsewhere() {
    const auto now = std::chrono::steady_clock::now();
    if (now < programs_checked_until) return;
    programs_checked_until = now + std::chrono::seconds(1);
    const auto version = db->data_version();
    if (version == programs_data_version) return;
    programs_data_version = version;
    auto st = db->prepare(
        "SELECT coalesce(group_concat(code || '@' || config_version || '#' || id, ','), '') "
        "FROM programs");
    st.step();
    auto stamp = st.text(0);
    if (stamp == programs_stamp) return;
    programs_stamp = std::move(stamp);
    while (!programs_by_code.empty())
        retired_programs.push_back(programs_by_code.extract(programs_by_code.begin()));
    program_code_by_id.clear();
}

const CachedProgram* EngineContext::program(const std::string& code) {
    forget_programs_saved_elsewhere();
    if (auto it = programs_by_code.find(code); it != programs_by_code.end()) return &it->second;
    auto st = db->prepare("SELECT id, config_json FROM programs WHERE code = ?");
    st.bind(1, code);
    if (!st.step()) return nullptr;
    const auto id = st.int64(0);
    auto parsed = parse_program_config_json(st.text(1));
    if (!parsed)
        throw OperationAborted(
            make_error(Errc::corrupt_database,
                       "stored program " + code + " is invalid: " + parsed.error().message));
    program_code_by_id[id] = code;
    return &programs_by_code.emplace(code, CachedProgram{id, std::move(parsed.value())})
                .first->second;
}

const CachedProgram* EngineContext::program_by_id(std::int64_t id) {
    if (auto it = program_code_by_id.find(id); it != program_code_by_id.end())
        return program(it->second);
    auto st = db->prepare("SELECT code FROM programs WHERE id = ?");
    st.bind(1, id);
    if (!st.step()) return nullptr;
    const auto code = st.text(0);
    return program(code);
}

const CachedProgram& EngineContext::program_of(MemberId member) {
    auto st = db->prepare("SELECT program_id FROM members WHERE id = ?");
    st.bind(1, member);
    if (!st.step())
        throw OperationAborted(
            make_error(Errc::not_found, "member " + std::to_string(member) + " has no program"));
    const auto id = st.int64(0);
    return *program_by_id(id);
}

std::string EngineContext::member_uid(MemberId id) {
    auto st = db->prepare("SELECT uid FROM members WHERE id = ?");
    st.bind(1, id);
    if (!st.step()) return {};
    auto uid = st.text(0);
    return uid;
}

void EngineContext::emit(const std::string& type, const std::string& program,
                         nlohmann::json payload) {
    if (replaying) return;
    for (const char* field : {"member", "survivor", "absorbed"})
        if (auto it = payload.find(field); it != payload.end() && it->is_number_integer())
            payload[std::string(field) + "_uid"] = member_uid(it->get<MemberId>());
    outbox.append(type, program, payload.dump());
    campaigns_on_domain_event(*this, type, program, payload);
}

void EngineContext::emit_text(const std::string& type, const std::string& program,
                              const std::string& payload_json) {
    if (replaying) return;
    outbox.append(type, program, payload_json);
}

Result<void> Programs::save(const ProgramConfig& config, const std::string& actor) {
    return guarded([&]() -> Result<void> {
        auto& db = *ctx_.db;
        Transaction tx(db);
        const std::string config_json = program_config_to_json(config);
        db.prepare(
              "INSERT INTO programs(code, name, kind, config_json) VALUES (?, ?, ?, ?) "
              "ON CONFLICT(code) DO UPDATE SET name = excluded.name, kind = excluded.kind, "
              "config_json = excluded.config_json, config_version = programs.config_version + 1")
            .bind_all(config.code, config.name, config.kind, config_json)
            .run();
        auto idq = db.prepare("SELECT id, config_version FROM programs WHERE code = ?");
        idq.bind(1, config.code);
        idq.step();
        const auto program_id = idq.int64(0);
        const auto version = idq.int64(1);
        for (const auto& store : config.stores) {
            db.prepare("INSERT INTO stores(code, name) VALUES (?, ?) ON CONFLICT(code) DO NOTHING")
                .bind_all(store, store)
                .run();
            db.prepare(
                  "INSERT OR IGNORE INTO store_programs(store_id, program_id) "
                  "SELECT id, ? FROM stores WHERE code = ?")
                .bind_all(program_id, store)
                .run();
        }
        for (const auto& r : config.rewards) {
            db.prepare(
                  "INSERT INTO rewards(program_id, code, name, points_cost, value_minor, "
                  "valid_days, stock) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(program_id, code) DO UPDATE SET name = "
                  "excluded.name, "
                  "points_cost = excluded.points_cost, value_minor = excluded.value_minor, "
                  "valid_days = excluded.valid_days, active = 1")
                .bind_all(program_id, r.code, r.name, r.points_cost, r.value.minor, r.valid_days,
                          r.stock)
                .run();
        }
        ctx_.programs_by_code.erase(config.code);
        ctx_.audit.record(actor, "program.saved", "program:" + config.code,
                          json{{"config_version", version}}.dump());
        ctx_.emit("program.updated", config.code,
                  json{{"config_version", version}, {"config", json::parse(config_json)}});
        tx.commit();
        return {};
    });
}

Result<const ProgramConfig*> Programs::get(const std::string& code) {
    return guarded([&]() -> Result<const ProgramConfig*> {
        const auto* p = ctx_.program(code);
        if (!p) return make_error(Errc::not_found, "unknown program " + code);
        return &p->config;
    });
}

std::vector<std::string> Programs::codes() {
    std::vector<std::string> out;
    auto st = ctx_.db->prepare("SELECT code FROM programs ORDER BY code");
    while (st.step()) out.push_back(st.text(0));
    return out;
}

Result<std::unique_ptr<Engine>> Engine::open(const std::filesystem::path& path, const Clock& clock,
                                             EngineOptions options) {
    if (sodium_init() < 0) return make_error(Errc::storage, "libsodium failed to initialise");
    auto db = Database::open(path, options.database);
    if (!db) return db.error();
    std::unique_ptr<Engine> engine(new Engine());
    engine->ctx_ = std::make_unique<EngineContext>();
    engine->ctx_->db = std::move(db.value());
    engine->ctx_->clock = &clock;
    engine->ctx_->origin = options.origin;
    return engine;
}

Engine::~Engine() = default;

Database& engine_database(Engine& engine) {
    return *engine.ctx_->db;
}
const Clock& Engine::clock() const {
    return *ctx_->clock;
}
const Origin& Engine::origin() const {
    return ctx_->origin;
}
Programs& Engine::programs() {
    return ctx_->programs;
}
Members& Engine::members() {
    return ctx_->members;
}
Cards& Engine::cards() {
    return ctx_->cards;
}
PointsLedger& Engine::ledger() {
    return ctx_->ledger;
}
Tiers& Engine::tiers() {
    return ctx_->tiers;
}
Sales& Engine::sales() {
    return ctx_->sales;
}
Rewards& Engine::rewards() {
    return ctx_->rewards;
}
Insight& Engine::insight() {
    return ctx_->insight;
}
Outbox& Engine::outbox() {
    return ctx_->outbox;
}
Replication& Engine::replication() {
    return ctx_->replication;
}
AuditLog& Engine::audit() {
    return ctx_->audit;
}
Staff& Engine::staff() {
    return ctx_->staff;
}
UsedCodes& Engine::used_codes() {
    return ctx_->used_codes;
}
Campaigns& Engine::campaigns() {
    return ctx_->campaigns;
}
StoredValue& Engine::stored_value() {
    return ctx_->stored_value;
}
Ratings& Engine::ratings() {
    return ctx_->ratings;
}

ReceiptClaims& Engine::receipt_claims() {
    return ctx_->receipt_claims;
}

Parking& Engine::parking() {
    return ctx_->parking;
}

Result<Engine::DailyReport> Engine::run_daily(Timestamp now) {
    DailyReport report;
    auto points = ctx_->ledger.run_due(now);
    if (!points) return points.error();
    report.points = points.value();
    auto tiers = ctx_->tiers.review_due(now);
    if (!tiers) return tiers.error();
    report.tiers = tiers.value();
    for (const auto& code : ctx_->programs.codes()) {
        auto scored = ctx_->insight.recompute_rfm(code, now);
        if (!scored) return scored.error();
        report.rfm_scored += *scored;
        const auto* program = ctx_->program(code);
        for (const auto& rule : program->config.tag_rules) {
            auto tagged = ctx_->insight.apply_tag_rule(code, rule.tag,
                                                       *parse_member_filter(rule.filter_json), now);
            if (!tagged) return tagged.error();
            report.rule_tags += *tagged;
        }
        auto gifts = ctx_->rewards.grant_birthday_gifts(code, now);
        if (!gifts) return gifts.error();
        report.birthday_gifts += *gifts;
        auto fired = ctx_->campaigns.run_scheduled(code, now);
        if (!fired) return fired.error();
        report.campaign_firings += *fired;
    }
    return report;
}

}  // namespace loyalty
