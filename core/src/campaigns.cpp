// Campaigns: loading definitions and keeping the compiled set in step with the
// database. Evaluation and actions are in campaign_evaluation.cpp.
#include "loyalty/campaigns.hpp"

#include <algorithm>
#include <set>

#include "campaign_cache.hpp"
#include "config_file.hpp"
#include "engine_context.hpp"

namespace loyalty {

using nlohmann::json;

namespace {

constexpr const char* kTriggerNames[kTriggerCount] = {
    "purchase",     "enrollment",      "tier_upgraded",       "tier_downgrade_warning",
    "birthday",     "points_expiring", "visit_after_absence", "card_linked",
    "rating_given", "coupon_expiring", "tier_expiring"};

std::optional<MemberFilter> saved_segment(EngineContext& ctx, std::int64_t program_id,
                                          const std::string& name) {
    auto st = ctx.db->prepare("SELECT filter_json FROM segments WHERE program_id = ? AND name = ?");
    st.bind_all(program_id, name);
    if (!st.step()) return std::nullopt;
    auto filter = parse_member_filter(st.text(0));
    if (!filter) return std::nullopt;
    return filter.value();
}

std::int64_t generation_of(EngineContext& ctx, std::int64_t program_id) {
    auto st = ctx.db->prepare("SELECT generation FROM campaign_generations WHERE program_id = ?");
    st.bind(1, program_id);
    const auto g = st.step() ? st.int64(0) : 0;
    return g;
}

}  // namespace

const char* to_string(CampaignTrigger trigger) {
    return kTriggerNames[static_cast<std::size_t>(trigger)];
}

std::optional<CampaignTrigger> campaign_trigger_from_string(const std::string& s) {
    for (std::size_t i = 0; i < kTriggerCount; ++i)
        if (s == kTriggerNames[i]) return static_cast<CampaignTrigger>(i);
    return std::nullopt;
}

Campaigns::Campaigns(EngineContext& ctx) : ctx_(ctx), cache_(std::make_unique<CampaignCache>()) {}
Campaigns::~Campaigns() = default;

const CampaignCache& Campaigns::cache_for(const std::string& program) {
    const auto* p = ctx_.program(program);
    if (!p) return *cache_;
    auto& compiled = cache_->programs[program];
    const auto generation = generation_of(ctx_, p->id);
    if (compiled.generation == generation && compiled.program_id == p->id) return *cache_;
    CompiledProgram fresh;
    fresh.program_id = p->id;
    fresh.generation = generation;
    std::vector<std::pair<std::int64_t, std::string>> rows;
    auto st = ctx_.db->prepare(
        "SELECT id, definition_json FROM campaigns WHERE program_id = ? AND active = 1");
    st.bind(1, p->id);
    while (st.step()) rows.emplace_back(st.int64(0), st.text(1));
    for (auto& [id, text] : rows) {
        // Stored definitions were validated on arrival; one that no longer fits the
        // program (a tier or reward removed since) is left out rather than stopping sales.
        auto def = parse_campaign_definition(json::parse(text), p->config);
        if (!def || !def->enabled) continue;
        CompiledCampaign c{id, std::move(def.value()), std::nullopt, {}, {}};
        if (c.def.segment) {
            c.segment = saved_segment(ctx_, p->id, *c.def.segment);
            if (!c.segment) continue;
        }
        fresh.by_trigger[static_cast<std::size_t>(c.def.trigger)].push_back(std::move(c));
    }
    const auto number = [](std::unordered_map<std::string, std::uint32_t>& ids,
                           const std::vector<std::string>& names) {
        std::vector<std::uint32_t> out;
        for (const auto& n : names)
            out.push_back(ids.try_emplace(n, static_cast<std::uint32_t>(ids.size())).first->second);
        std::sort(out.begin(), out.end());
        return out;
    };
    for (auto& list : fresh.by_trigger)
        for (auto& c : list) {
            c.category_ids = number(fresh.category_ids, c.def.categories);
            c.sku_ids = number(fresh.sku_ids, c.def.skus);
        }
    for (auto& list : fresh.by_trigger)
        std::sort(list.begin(), list.end(),
                  [](const CompiledCampaign& a, const CompiledCampaign& b) {
                      return a.def.priority != b.def.priority ? a.def.priority > b.def.priority
                                                              : a.def.code < b.def.code;
                  });
    compiled = std::move(fresh);
    return *cache_;
}

Result<CampaignLoadReport> Campaigns::load_file(const std::filesystem::path& path,
                                                const std::string& actor, bool check_only) {
    auto text = read_config_file_as_json(path);
    if (!text) return text.error();
    return check_only ? check(*text) : load(*text, actor);
}

Result<CampaignLoadReport> Campaigns::check(const std::string& json_text) {
    return guarded([&]() -> Result<CampaignLoadReport> {
        // The real load inside a savepoint that is never committed: the same checks,
        // including versions against what is in force, and nothing written.
        Transaction dry_run(*ctx_.db);
        return load(json_text, "check");
    });
}

Result<CampaignLoadReport> Campaigns::load(const std::string& json_text, const std::string& actor) {
    return guarded([&]() -> Result<CampaignLoadReport> {
        auto doc = parse_campaign_document(json_text);
        if (!doc) return doc.error();
        const auto* program = ctx_.program(doc->program);
        if (!program)
            return make_error(Errc::not_found, "campaign file: unknown program " + doc->program);
        CampaignLoadReport report;
        auto& db = *ctx_.db;
        Transaction tx(db);
        std::set<std::string> seen;
        for (std::size_t i = 0; i < doc->campaigns.size(); ++i) {
            const auto& j = doc->campaigns[i];
            std::string label = "campaign #" + std::to_string(i + 1);
            if (j.is_object() && j.contains("code") && j.at("code").is_string())
                label = j.at("code").get<std::string>();
            auto def = parse_campaign_definition(j, program->config);
            if (!def) {
                report.refused.push_back({label, def.error().message});
                continue;
            }
            if (auto twice = duplicate_birthday_benefit(*def, program->config)) {
                report.refused.push_back({label, *twice});
                continue;
            }
            if (!seen.insert(def->code).second) {
                report.refused.push_back(
                    {label, "the file lists campaign " + def->code + " twice"});
                continue;
            }
            if (def->segment && !saved_segment(ctx_, program->id, *def->segment)) {
                report.refused.push_back(
                    {label, "filter: no saved segment '" + *def->segment + "'"});
                continue;
            }
            const auto canonical = j.dump();
            const auto tag = def->code + "@" + std::to_string(def->version);
            auto same = db.prepare(
                "SELECT definition_json FROM campaigns WHERE program_id = ? AND code = ? AND "
                "version = ?");
            same.bind_all(program->id, def->code, def->version);
            if (same.step()) {
                const bool identical = same.text(0) == canonical;
                if (identical)
                    report.unchanged.push_back(tag);
                else
                    report.refused.push_back(
                        {label, "version " + std::to_string(def->version) +
                                    " was already loaded with other content; raise the version"});
                continue;
            }
            auto current = db.prepare(
                "SELECT version FROM campaigns WHERE program_id = ? AND code = ? AND active = 1");
            current.bind_all(program->id, def->code);
            if (current.step()) {
                const auto in_force = current.int64(0);
                if (in_force > def->version) {
                    report.refused.push_back({label, "version " + std::to_string(def->version) +
                                                         " is older than version " +
                                                         std::to_string(in_force) + " in force"});
                    continue;
                }
            }
            db.prepare(
                  "UPDATE campaigns SET active = 0 WHERE program_id = ? AND code = ? AND active = "
                  "1")
                .bind_all(program->id, def->code)
                .run();
            db.prepare(
                  "INSERT INTO campaigns(program_id, code, version, schema_version, "
                  "definition_json, loaded_at, loaded_by, "
                  "active) VALUES (?, ?, ?, ?, ?, ?, ?, 1)")
                .bind_all(program->id, def->code, def->version, kCampaignSchemaVersion, canonical,
                          to_unix(ctx_.now()), actor)
                .run();
            report.installed.push_back(tag);
        }
        if (!report.installed.empty()) {
            db.prepare(
                  "INSERT INTO campaign_generations(program_id, generation) VALUES (?, 1) "
                  "ON CONFLICT(program_id) DO UPDATE SET generation = "
                  "campaign_generations.generation + 1")
                .bind(1, program->id)
                .run();
        }
        json refused = json::array();
        for (const auto& r : report.refused)
            refused.push_back({{"campaign", r.campaign}, {"reason", r.reason}});
        const json details{
            {"installed", report.installed}, {"unchanged", report.unchanged}, {"refused", refused}};
        ctx_.audit.record(actor, "campaigns.loaded", "program:" + doc->program, details.dump());
        ctx_.emit("campaigns.loaded", doc->program, details);
        tx.commit();
        return report;
    });
}

std::vector<std::string> Campaigns::active(const std::string& program) {
    std::vector<std::string> out;
    auto st = ctx_.db->prepare(
        "SELECT c.code, c.version FROM campaigns c JOIN programs p ON p.id = c.program_id "
        "WHERE p.code = ? AND c.active = 1 ORDER BY c.code");
    st.bind(1, program);
    while (st.step()) out.push_back(st.text(0) + "@" + std::to_string(st.int64(1)));
    return out;
}

}  // namespace loyalty
