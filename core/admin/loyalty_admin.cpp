// loyalty-admin: the store manager's command line over the loyalty engine.
// Every command prints one clear line and exits non-zero on error; every
// change is one transaction, so a failed command leaves nothing half-written.
#include <toml++/toml.h>

#include <CLI/CLI.hpp>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "claims_command.hpp"
#include "loyalty/backups.hpp"
#include "loyalty/csv_export.hpp"
#include "loyalty/day_report.hpp"
#include "loyalty/demo_data.hpp"
#include "loyalty/engine.hpp"
#include "loyalty/storage/engine_storage.hpp"

using namespace loyalty;

namespace {

struct Globals {
    std::string db_path = "loyalty.db";
    std::string store = "S001";
    std::string terminal = "ADMIN";
    std::string program = "DEMO";
};

// A store or terminal code, as it travels in the hub's topics: 1..32 of [A-Za-z0-9_-].
bool valid_code(const std::string& code) {
    if (code.empty() || code.size() > 32) return false;
    for (const unsigned char c : code)
        if (!std::isalnum(c) && c != '_' && c != '-') return false;
    return true;
}

// The store's settings from --config: its [terminal] table (db, program, store; the
// link agent's link.toml has one) and [admin] terminal, this program's own code
// (default ADMIN: never the till's or the kiosk's). A relative db is relative to the
// file. Only what the command line left unset is taken.
Result<void> apply_config_file(const std::string& file, Globals& g, const CLI::App& app) {
    toml::table t;
    try {
        t = toml::parse_file(file);
    } catch (const toml::parse_error& e) {
        return make_error(Errc::invalid_argument, file + ": " + std::string(e.description()));
    }
    const auto given = [&](const char* option) { return app.get_option(option)->count() > 0; };
    if (auto db = t["terminal"]["db"].value<std::string>(); db && !given("--db")) {
        std::filesystem::path p(*db);
        if (p.is_relative()) p = std::filesystem::path(file).parent_path() / p;
        g.db_path = p.string();
    }
    if (auto program = t["terminal"]["program"].value<std::string>();
        program && !given("--program"))
        g.program = *program;
    if (auto store = t["terminal"]["store"].value<std::string>(); store && !given("--store"))
        g.store = *store;
    if (auto terminal = t["admin"]["terminal"].value<std::string>();
        terminal && !given("--terminal"))
        g.terminal = *terminal;
    return {};
}

int fail(const Error& e) {
    std::fprintf(stderr, "loyalty-admin: %s: %s\n", to_string(e.code), e.message.c_str());
    return 1;
}

std::string date_of(Timestamp t) {
    return format_iso8601(t).substr(0, 10);
}

std::unique_ptr<Engine> open_engine(const Globals& g, const Clock& clock) {
    auto engine = Engine::open(g.db_path, clock, EngineOptions{Origin{g.store, g.terminal}, {}});
    if (!engine) {
        fail(engine.error());
        std::exit(1);
    }
    return std::move(engine.value());
}

void print_member(Engine& engine, const Member& m) {
    const auto now = engine.clock().now();
    const auto* program = *engine.programs().get(m.program);
    const auto* tier = program->tier(m.tier_code);
    const auto phone = engine.members().phone_of(m.id);
    std::printf("Member %lld  %s  %s\n", static_cast<long long>(m.id),
                mask_name(m.display_name).c_str(), phone ? mask_phone(*phone).c_str() : "-");
    std::printf("  program  %s (%s), enrolled %s, status %s\n",
                all_names(program->name, program->names).c_str(), m.program.c_str(),
                date_of(m.enrolled_at).c_str(), m.status.c_str());
    std::printf(
        "  tier     %s since %s, review %s%s\n",
        tier ? all_names(tier->name, tier->names).c_str() : m.tier_code.c_str(),
        date_of(m.tier_since).c_str(), date_of(m.tier_review_at).c_str(),
        (std::string(m.tier_grace_until ? ", grace until " + date_of(*m.tier_grace_until) : "") +
         (m.tier_floor ? ", floor " + *m.tier_floor : ""))
            .c_str());
    if (auto progress = engine.tiers().progress(m.id, now); progress && progress->next_tier)
        std::printf("  progress %s spent in %d days; %s more for %s\n",
                    format_money(Money{progress->qualifying}).c_str(), program->tiers.window_days,
                    format_money(Money{progress->needed_for_next}).c_str(),
                    all_names(program->tier(*progress->next_tier)->name,
                              program->tier(*progress->next_tier)->names)
                        .c_str());
    std::printf(
        "  points   %lld available, %lld pending, %lld expiring in 30 days\n",
        static_cast<long long>(m.points_available), static_cast<long long>(m.points_pending),
        static_cast<long long>(engine.ledger().expiring_between(m.id, now, now + Days{30})));
    std::printf("  RFM      %d (R%d F%d M%d)\n", m.rfm.score, m.rfm.r, m.rfm.f, m.rfm.m);
    for (const auto& id : engine.members().identities(m.id))
        std::printf(
            "  identity %-11s %s\n", to_string(id.kind),
            id.kind == IdentityKind::phone ? mask_phone(id.value).c_str() : id.value.c_str());
    for (const auto& c : engine.rewards().coupons_of(m.id, true))
        std::printf("  coupon   %s  %s  valid to %s\n", c.code.c_str(), c.title.c_str(),
                    date_of(c.expires_at).c_str());
    const auto tags = engine.insight().tags(m.id);
    if (!tags.empty()) {
        std::string joined;
        for (const auto& t : tags) joined += (joined.empty() ? "" : ", ") + t;
        std::printf("  tags     %s\n", joined.c_str());
    }
}

// The demo members to try, one per state, as the demo user types them at the kiosk or till.
void print_named_demo_members(const std::vector<NamedDemoMember>& named) {
    if (named.empty()) return;
    std::printf("Demo members to try (phone, card; PIN %s unless said):\n", kNamedDemoPin);
    for (const auto& m : named)
        std::printf("  %s  %s  %s  %s\n", m.phone.c_str(), m.card.c_str(),
                    mask_name(m.name).c_str(), m.state.c_str());
}

Result<Member> find_member(Engine& engine, const std::string& program, const std::string& who) {
    return engine.members().lookup_any(program, who);
}

// CLI11 check for a calendar date written YYYY-MM-DD.
std::string check_calendar_date(const std::string& text) {
    int y = 0;
    unsigned m = 0, d = 0;
    char tail = 0;
    const bool parsed = std::sscanf(text.c_str(), "%d-%u-%u%c", &y, &m, &d, &tail) == 3;
    if (parsed && std::chrono::year_month_day{std::chrono::year{y}, std::chrono::month{m},
                                              std::chrono::day{d}}
                      .ok())
        return {};
    return "expected a calendar date as YYYY-MM-DD, got '" + text + "'";
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"loyalty-admin: manage a store's loyalty database"};
    app.require_subcommand(1);
    Globals g;
    app.add_option("--db", g.db_path, "SQLite database file")->capture_default_str();
    app.add_option("--store", g.store, "this store's code")->capture_default_str();
    app.add_option("--terminal", g.terminal, "the code loyalty-admin writes its events under")
        ->capture_default_str();
    app.add_option("--program", g.program, "program code")->capture_default_str();
    std::string config_path;
    app.add_option("--config", config_path,
                   "the store's settings (TOML): [terminal] db, program, store as in link.toml; "
                   "[admin] terminal")
        ->check(CLI::ExistingFile);
    SystemClock system_clock;

    auto* init = app.add_subcommand("init", "create or migrate the database");

    std::string config_file;
    auto* load = app.add_subcommand("load-program", "load a program configuration (TOML or JSON)");
    load->add_option("file", config_file, "program configuration file")
        ->required()
        ->check(CLI::ExistingFile);

    DemoOptions demo_options;
    std::string demo_config;
    auto* demo =
        app.add_subcommand("demo", "create the demo program with members and purchase histories");
    demo->add_option("--program-file", demo_config, "program configuration")
        ->required()
        ->check(CLI::ExistingFile);
    demo->add_option("--members", demo_options.members, "how many members")->capture_default_str();

    std::string who;
    auto* lookup =
        app.add_subcommand("lookup", "find a member by any identity (card, phone, app code...)");
    lookup->add_option("identity", who, "card number, phone, UID, app code, union id or member id")
        ->required();

    int limit = 50;
    auto* ledger = app.add_subcommand("ledger", "show a member's points ledger, newest first");
    ledger->add_option("identity", who, "member id or any identity")->required();
    ledger->add_option("--limit", limit)->capture_default_str();

    Points delta = 0;
    std::string reason, actor, key;
    auto* adjust = app.add_subcommand("adjust", "adjust a member's points (audited)");
    adjust->add_option("identity", who, "member id or any identity")->required();
    adjust->add_option("points", delta, "points to add (negative to take away)")
        ->required()
        ->allow_extra_args(false);
    adjust->add_option("--reason", reason, "why (kept in the audit trail)")->required();
    adjust->add_option("--actor", actor, "manager making the change")->required();
    adjust->add_option("--key", key, "idempotency key (default: generated)");

    std::string coupon_code;
    auto* cancel_coupon = app.add_subcommand(
        "cancel-coupon", "cancel an issued, unused coupon; a reward's points come back (audited)");
    cancel_coupon->add_option("code", coupon_code, "the coupon's code")->required();
    cancel_coupon->add_option("--reason", reason, "why (kept in the audit trail)")->required();
    cancel_coupon->add_option("--actor", actor, "manager making the change")->required();

    std::string what, out_path;
    auto* export_cmd = app.add_subcommand("export", "export members or ledger as CSV");
    export_cmd->add_option("what", what, "members | ledger")
        ->required()
        ->check(CLI::IsMember({"members", "ledger"}));
    export_cmd->add_option("--out", out_path, "output file")->required();
    bool unmasked = false;
    std::string export_staff, export_pin;
    export_cmd->add_flag("--unmasked", unmasked,
                         "full names and phone numbers (a manager's --staff and --pin; audited)");
    export_cmd->add_option("--staff", export_staff, "the manager's staff id, with --unmasked");
    export_cmd->add_option("--pin", export_pin, "the manager's PIN, with --unmasked");

    std::string campaign_file;
    auto* load_campaigns =
        app.add_subcommand("load-campaigns", "validate and install a campaign file (JSON)");
    load_campaigns->add_option("file", campaign_file, "campaign definitions")
        ->required()
        ->check(CLI::ExistingFile);
    bool check_only = false;
    load_campaigns->add_flag("--check", check_only,
                             "validate only: report what would be installed, change nothing");
    auto* campaigns =
        app.add_subcommand("campaigns", "the campaigns in force and what each has done");
    std::string report_date;
    auto* report_cmd =
        app.add_subcommand("day-report", "the store's figures for one day (the closing report)");
    report_cmd
        ->add_option("--date", report_date,
                     "YYYY-MM-DD in the program's local time (default: today)")
        ->check(check_calendar_date);

    auto* verify = app.add_subcommand(
        "verify", "check database integrity and that every balance agrees with its ledger");
    auto* daily =
        app.add_subcommand("run-daily", "release pending points, expire lots, review tiers");
    std::string as_of;
    bool force_future = false;
    daily
        ->add_option("--as-of", as_of,
                     "run as of the start (local midnight, --program's time) of this day, "
                     "YYYY-MM-DD: lots that expire at that midnight or before are expired, "
                     "reviews due by then are made (default: now)")
        ->check(check_calendar_date);
    daily->add_flag("--force", force_future, "allow an --as-of date after today (for tests)");

    std::string tier_member, tier_code, tier_reason, tier_actor = "loyalty-admin";
    bool tier_floor = false;
    auto* set_tier = app.add_subcommand(
        "set-tier", "set a member's tier by hand (audited; a new review period starts)");
    set_tier->add_option("--member", tier_member, "member id or any identity")->required();
    set_tier->add_option("--tier", tier_code, "tier code, as in the program file")->required();
    set_tier->add_option("--reason", tier_reason, "why (kept in the audit trail)")->required();
    set_tier->add_option("--actor", tier_actor, "manager making the change")->capture_default_str();
    set_tier->add_flag("--floor", tier_floor,
                       "the tier is also a floor no review goes below (without it, a floor the "
                       "member had is lifted)");
    auto* walkthrough =
        app.add_subcommand("walkthrough", "a tour of the demo program and a few members");

    BackupPolicy backup_policy{"backups", 14};
    auto* backup = app.add_subcommand(
        "backup", "copy the database while it runs, check the copy, keep the newest N");
    backup->add_option("--dir", backup_policy.directory, "backup directory")->capture_default_str();
    backup->add_option("--keep", backup_policy.keep, "copies to keep")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    std::string restore_from;
    auto* restore = app.add_subcommand(
        "restore", "replace the database with a backup that passes its integrity check");
    restore->add_option("backup", restore_from, "backup file")->required();

    admin::ClaimsCommand claims_cmd;
    admin::add_claims_command(app, claims_cmd);

    // Every command's --help ends with a call to copy (tests/cli runs each one's --help).
    const std::pair<CLI::App*, const char*> examples[] = {
        {init, "loyalty-admin --db store.db init"},
        {load, "loyalty-admin --db store.db load-program assets/config/demo-program.toml"},
        {demo,
         "loyalty-admin --db demo.db demo --program-file assets/config/demo-program.toml "
         "--members 200"},
        {lookup, "loyalty-admin --db store.db lookup 13900000042"},
        {ledger, "loyalty-admin --db store.db ledger 13900000042 --limit 20"},
        {adjust,
         "loyalty-admin --db store.db adjust 13900000042 500 --reason \"complaint 7\" --actor "
         "mgr-li"},
        {cancel_coupon,
         "loyalty-admin --db store.db cancel-coupon CPN-XXXX --reason \"issued by mistake\" "
         "--actor mgr-li"},
        {export_cmd,
         "loyalty-admin --db store.db export members --out members.csv\n"
         "  loyalty-admin --db store.db export members --out members.csv --unmasked --staff M001 "
         "--pin 246810"},
        {load_campaigns,
         "loyalty-admin --db store.db load-campaigns assets/config/demo-campaigns.json --check"},
        {campaigns, "loyalty-admin --db store.db campaigns"},
        {report_cmd, "loyalty-admin --db store.db day-report --date 2026-03-10"},
        {verify, "loyalty-admin --db store.db verify"},
        {daily, "loyalty-admin --db store.db run-daily --as-of 2026-03-10"},
        {set_tier,
         "loyalty-admin --db store.db set-tier --member 13900000042 --tier gold --reason "
         "\"VIP guest\" --actor mgr-li --floor"},
        {walkthrough, "loyalty-admin --db demo.db walkthrough"},
        {backup, "loyalty-admin --db store.db backup --dir backups --keep 14"},
        {restore, "loyalty-admin --db store.db restore backups/loyalty-20260310-030000.db"},
    };
    for (const auto& [command, example] : examples)
        command->footer(std::string("\nExample:\n  ") + example);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    if (!config_path.empty())
        if (auto applied = apply_config_file(config_path, g, app); !applied)
            return fail(applied.error());
    // The store's link agent ships what this program writes under (store, terminal).
    if (!valid_code(g.store) || !valid_code(g.terminal))
        return fail(Error{Errc::invalid_argument,
                          "store and terminal must be codes of 1 to 32 of [A-Za-z0-9_-], got '" +
                              g.store + "' and '" + g.terminal + "'"});

    if (*init) {
        auto engine = open_engine(g, system_clock);
        std::printf("database %s ready (schema version %d)\n", g.db_path.c_str(),
                    engine_database(*engine).schema_version());
        return 0;
    }
    if (*load) {
        auto config = load_program_config_file(config_file);
        if (!config) return fail(config.error());
        auto engine = open_engine(g, system_clock);
        if (auto saved = engine->programs().save(*config, "loyalty-admin"); !saved)
            return fail(saved.error());
        std::printf("program %s loaded: %zu tiers, %zu rewards, %zu stores\n", config->code.c_str(),
                    config->tiers.levels.size(), config->rewards.size(), config->stores.size());
        return 0;
    }
    if (*demo) {
        auto config = load_program_config_file(demo_config);
        if (!config) return fail(config.error());
        const auto end = system_clock.now();
        ManualClock clock(end);
        auto engine = open_engine(g, clock);
        if (auto saved = engine->programs().save(*config, "loyalty-admin"); !saved)
            return fail(saved.error());
        auto made = create_demo_data(*engine, clock, end, config->code, demo_options);
        if (!made) return fail(made.error());
        std::printf(
            "demo program %s: %lld members, %lld sales, %lld refunds, %lld rewards redeemed, "
            "%lld top-ups\n",
            config->code.c_str(), static_cast<long long>(made->members),
            static_cast<long long>(made->sales), static_cast<long long>(made->refunds),
            static_cast<long long>(made->redemptions), static_cast<long long>(made->top_ups));
        auto named = create_named_demo_members(*engine, clock, end, config->code);
        if (!named) return fail(named.error());
        print_named_demo_members(*named);
        if (auto staff = create_demo_staff(*engine); !staff) return fail(staff.error());
        std::printf("Demo staff: manager %s (PIN %s), cashier %s (PIN %s)\n", kDemoStaffManager,
                    kDemoStaffManagerPin, kDemoStaffCashier, kDemoStaffCashierPin);
        return 0;
    }
    if (*restore) {
        // Not through the engine: the live database may be the broken one being replaced.
        if (auto restored = restore_backup(restore_from, g.db_path); !restored)
            return fail(restored.error());
        std::printf("restored %s from %s\n", g.db_path.c_str(), restore_from.c_str());
        return 0;
    }
    // Only init, demo, load-program and restore create a database: a mistyped --db for anything
    // else would otherwise open a new, empty one and answer from it as if the store had no members.
    if (std::error_code ec; !std::filesystem::exists(g.db_path, ec))
        return fail(Error{Errc::not_found, "no database at " + g.db_path +
                                               " (check --db; 'loyalty-admin --db " + g.db_path +
                                               " init' creates one)"});
    auto engine = open_engine(g, system_clock);
    // run-daily --as-of: the whole run (ledger entries, events, reviews) is stamped
    // with that moment, so the engine runs on a clock standing there.
    ManualClock as_of_clock(system_clock.now());
    if (*daily && !as_of.empty()) {
        auto program = engine->programs().get(g.program);
        if (!program) return fail(program.error());
        const int offset = (*program)->utc_offset_minutes;
        const auto at = parse_local_date(as_of.c_str(), offset);
        if (at > local_midnight(system_clock.now(), offset) && !force_future)
            return fail(Error{Errc::invalid_argument,
                              "--as-of " + as_of + " is after today (" +
                                  date_of(system_clock.now() + std::chrono::minutes{offset}) +
                                  " local); give --force to run a day that has not come"});
        as_of_clock.set(at);
        engine.reset();
        engine = open_engine(g, as_of_clock);
    }
    if (*claims_cmd.command) return admin::run_claims_command(*engine, g.program, claims_cmd);
    if (*backup) {
        auto file = take_backup(*engine, backup_policy, system_clock.now());
        if (!file) return fail(file.error());
        std::printf("backup %s written and checked; %zu kept in %s\n", file->c_str(),
                    list_backups(backup_policy.directory).size(), backup_policy.directory.c_str());
        return 0;
    }
    if (*lookup) {
        auto member = find_member(*engine, g.program, who);
        if (!member) return fail(member.error());
        print_member(*engine, *member);
        return 0;
    }
    if (*ledger) {
        auto member = find_member(*engine, g.program, who);
        if (!member) return fail(member.error());
        std::printf("%-6s %-20s %-8s %9s %9s  %s\n", "entry", "when (UTC)", "kind", "available",
                    "pending", "reason");
        for (const auto& e : engine->ledger().history(member->id, limit))
            std::printf("%-6lld %-20s %-8s %+9lld %+9lld  %s%s\n", static_cast<long long>(e.id),
                        format_iso8601(e.occurred_at).c_str(), to_string(e.kind),
                        static_cast<long long>(e.available_delta),
                        static_cast<long long>(e.pending_delta), e.reason.c_str(),
                        e.reference ? ("  [" + *e.reference + "]").c_str() : "");
        return 0;
    }
    if (*adjust) {
        auto member = find_member(*engine, g.program, who);
        if (!member) return fail(member.error());
        if (key.empty())
            key = "admin-" + std::to_string(to_unix(system_clock.now())) + "-" +
                  std::to_string(member->id) + "-" + std::to_string(delta);
        auto entry = engine->ledger().adjust(member->id, delta, reason, actor, key);
        if (!entry) return fail(entry.error());
        std::printf("adjusted member %lld by %+lld points; %lld available\n",
                    static_cast<long long>(member->id), static_cast<long long>(delta),
                    static_cast<long long>(engine->ledger().balance(member->id).available));
        return 0;
    }
    if (*cancel_coupon) {
        auto cancelled = engine->rewards().cancel({coupon_code, reason, actor});
        if (!cancelled) return fail(cancelled.error());
        std::printf(
            "coupon %s (%s) cancelled; %lld points back to member %lld, %lld available\n",
            coupon_code.c_str(), cancelled->coupon.title.c_str(),
            static_cast<long long>(cancelled->points_returned),
            static_cast<long long>(cancelled->coupon.member),
            static_cast<long long>(engine->ledger().balance(cancelled->coupon.member).available));
        return 0;
    }
    if (*export_cmd) {
        // Real names and phones leave the store only with a manager who says so: the PIN is
        // checked (a wrong one counts towards the lockout) before any file is opened.
        std::string manager_name;
        if (unmasked) {
            if (export_staff.empty() || export_pin.empty())
                return fail(Error{Errc::unauthorized,
                                  "--unmasked needs a manager: give --staff and --pin"});
            auto manager = engine->staff().require_manager(export_staff, export_pin);
            if (!manager)
                return fail(
                    Error{manager.error().code, "--unmasked refused: " + manager.error().message});
            manager_name = manager->name;
        }
        // Write beside the target and rename, so a failed export leaves no half file.
        const auto tmp = out_path + ".partial";
        std::ofstream out(tmp, std::ios::binary);
        if (!out) return fail(Error{Errc::storage, "cannot write " + tmp});
        auto rows = what == "members" ? export_members_csv(*engine, g.program, out, unmasked)
                                      : export_ledger_csv(*engine, g.program, out);
        out.close();
        if (!rows || !out) {
            std::remove(tmp.c_str());
            return fail(rows ? Error{Errc::storage, "writing " + tmp + " failed"} : rows.error());
        }
        // The audit first: an unmasked file that is not in the audit trail must not exist.
        if (unmasked) {
            const auto file = std::filesystem::absolute(out_path).string();
            auto audited = guarded([&]() -> Result<void> {
                engine->audit().record(export_staff, "export.unmasked", file,
                                       nlohmann::json{{"what", what},
                                                      {"file", file},
                                                      {"rows", *rows},
                                                      {"staff", export_staff},
                                                      {"staff_name", manager_name}}
                                           .dump());
                return {};
            });
            if (!audited) {
                std::remove(tmp.c_str());
                return fail(audited.error());
            }
        }
        std::rename(tmp.c_str(), out_path.c_str());
        std::printf("exported %lld %s rows to %s%s\n", static_cast<long long>(*rows), what.c_str(),
                    out_path.c_str(),
                    unmasked ? " (unmasked; audited)" : " (names and phones masked)");
        return 0;
    }
    if (*load_campaigns) {
        auto loaded = engine->campaigns().load_file(campaign_file, "loyalty-admin", check_only);
        if (!loaded) return fail(loaded.error());
        auto joined = [](const std::vector<std::string>& v) {
            std::string out;
            for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
            return out.empty() ? std::string("none") : out;
        };
        std::printf("campaigns %s: %s; unchanged: %s; refused: %zu\n",
                    check_only ? "that would be installed" : "installed",
                    joined(loaded->installed).c_str(), joined(loaded->unchanged).c_str(),
                    loaded->refused.size());
        // A refused campaign keeps its version in force; each reason is one line.
        for (const auto& r : loaded->refused)
            std::fprintf(stderr, "loyalty-admin: refused %s: %s\n", r.campaign.c_str(),
                         r.reason.c_str());
        return loaded->refused.empty() ? 0 : 1;
    }
    if (*campaigns) {
        auto report = engine->campaigns().report(g.program);
        if (!report) return fail(report.error());
        std::printf("%-18s %4s %-22s %7s %7s %8s %7s %6s %6s %12s\n", "campaign", "ver", "trigger",
                    "firings", "members", "points", "coupons", "used", "sales", "sales after");
        for (const auto& r : *report)
            std::printf(
                "%-18s %4d %-22s %7lld %7lld %8lld %7lld %6lld %6lld %12s\n", r.code.c_str(),
                r.version, r.trigger.c_str(), static_cast<long long>(r.firings),
                static_cast<long long>(r.members_reached), static_cast<long long>(r.points_spent),
                static_cast<long long>(r.coupons_issued), static_cast<long long>(r.coupons_used),
                static_cast<long long>(r.sales_after), format_money(r.sales_after_net).c_str());
        if (report->empty()) std::printf("no campaigns in force for %s\n", g.program.c_str());
        return 0;
    }
    if (*report_cmd) {
        auto at = system_clock.now();
        if (!report_date.empty()) {
            auto program = engine->programs().get(g.program);
            if (!program) return fail(program.error());
            at = parse_local_date(report_date.c_str(), (*program)->utc_offset_minutes) +
                 std::chrono::hours{12};
        }
        auto r = day_report(*engine, g.program, at);
        if (!r) return fail(r.error());
        std::printf("%s  %s\n", r->program.c_str(), r->day.c_str());
        std::printf("  sales        %lld, %s (members %lld, %s)\n",
                    static_cast<long long>(r->sales), format_money(r->sales_net).c_str(),
                    static_cast<long long>(r->member_sales),
                    format_money(r->member_sales_net).c_str());
        if (r->voids > 0)
            std::printf("  voids        %lld, %s\n", static_cast<long long>(r->voids),
                        format_money(r->voided_net).c_str());
        std::printf(
            "  points       issued %lld, redeemed %lld, expired %lld; outstanding %lld (worth "
            "%s)\n",
            static_cast<long long>(r->issued), static_cast<long long>(r->redeemed),
            static_cast<long long>(r->expired), static_cast<long long>(r->liability),
            format_money(r->liability_value).c_str());
        const auto& sv = r->stored_value;
        std::string tenders;
        for (const auto& [tender, amount] : sv.top_ups_by_tender)
            tenders += " " + tender + " " + format_money(amount);
        std::printf(
            "  top-ups      %lld,%s; bonus given %s\n", static_cast<long long>(sv.top_up_count),
            tenders.empty() ? " none" : tenders.c_str(), format_money(sv.bonus_given).c_str());
        std::printf(
            "  stored value spent %s (principal %s, bonus %s); refunded to balances %s; "
            "top-ups refunded %s\n",
            format_money(sv.spent_principal + sv.spent_bonus).c_str(),
            format_money(sv.spent_principal).c_str(), format_money(sv.spent_bonus).c_str(),
            format_money(sv.refunded_to_balance).c_str(),
            format_money(sv.top_ups_refunded).c_str());
        std::printf("  stored value outstanding %s (principal %s, bonus %s)\n",
                    format_money(sv.liability_principal + sv.liability_bonus).c_str(),
                    format_money(sv.liability_principal).c_str(),
                    format_money(sv.liability_bonus).c_str());
        std::printf("  enrollments  %lld\n", static_cast<long long>(r->enrollments));
        std::printf("  ratings      %lld, average %.1f\n", static_cast<long long>(r->ratings),
                    r->average_rating);
        for (const auto& t : r->tiers)
            std::printf("  tier %-8s %lld members\n", t.code.c_str(),
                        static_cast<long long>(t.members));
        for (const auto& t : r->top)
            std::printf("  top          %s %s\n", t.masked_name.c_str(),
                        format_money(t.spend).c_str());
        return 0;
    }
    if (*verify) {
        const auto verdict = engine_database(*engine).integrity_check();
        const auto bad = engine->ledger().verify_all();
        for (const auto& b : bad)
            std::printf("member %lld: materialized %lld/%lld, ledger %lld/%lld, lots %lld/%lld\n",
                        static_cast<long long>(b.member),
                        static_cast<long long>(b.materialized.available),
                        static_cast<long long>(b.materialized.pending),
                        static_cast<long long>(b.from_ledger.available),
                        static_cast<long long>(b.from_ledger.pending),
                        static_cast<long long>(b.from_lots.available),
                        static_cast<long long>(b.from_lots.pending));
        auto sv_bad = engine->stored_value().verify_all();
        if (!sv_bad) return fail(sv_bad.error());
        for (const auto& b : *sv_bad)
            std::printf("stored value %s: balance %s/%s, ledger %s/%s (principal/bonus)\n",
                        b.holder.c_str(), format_money(b.materialized.principal).c_str(),
                        format_money(b.materialized.bonus).c_str(),
                        format_money(b.from_ledger.principal).c_str(),
                        format_money(b.from_ledger.bonus).c_str());
        std::printf("integrity %s; %zu balance disagreements; %zu stored-value disagreements\n",
                    verdict.c_str(), bad.size(), sv_bad->size());
        return verdict == "ok" && bad.empty() && sv_bad->empty() ? 0 : 1;
    }
    if (*set_tier) {
        auto member = find_member(*engine, g.program, tier_member);
        if (!member) return fail(member.error());
        auto change = engine->tiers().set_by_manager(
            ManualTier{member->id, tier_code, tier_reason, tier_actor, tier_floor});
        if (!change) return fail(change.error());
        std::printf("member %lld: tier %s%s%s; %s; audited\n", static_cast<long long>(member->id),
                    change->from.c_str(), change->from == change->to ? " kept" : " -> ",
                    change->from == change->to ? "" : change->to.c_str(),
                    tier_floor ? ("floor " + tier_code).c_str() : "no floor");
        return 0;
    }
    if (*daily) {
        auto report = engine->run_daily(engine->clock().now());
        if (!report) return fail(report.error());
        std::printf(
            "released %lld points in %lld lots; expired %lld points in %lld lots; %d tiers "
            "reviewed, "
            "%d entered grace, %d moved down; %lld RFM scores, %lld rule tags, %d birthday gifts, "
            "%lld campaign firings\n",
            static_cast<long long>(report->points.points_released),
            static_cast<long long>(report->points.lots_released),
            static_cast<long long>(report->points.points_expired),
            static_cast<long long>(report->points.lots_expired), report->tiers.reviewed,
            report->tiers.entered_grace, report->tiers.downgraded,
            static_cast<long long>(report->rfm_scored), static_cast<long long>(report->rule_tags),
            report->birthday_gifts, static_cast<long long>(report->campaign_firings));
        return 0;
    }
    if (*walkthrough) {
        auto program = engine->programs().get(g.program);
        if (!program) return fail(program.error());
        const auto* p = *program;
        std::printf("== %s (%s, %s) ==\n", all_names(p->name, p->names).c_str(), p->code.c_str(),
                    p->currency.c_str());
        std::printf(
            "Earning: %lld point per %s %s, rounded %s once per sale; pending %d days; expiry %d "
            "%s\n",
            static_cast<long long>(p->earning.points_per_unit),
            format_money(Money{p->earning.unit_minor}).c_str(), p->currency.c_str(), "down",
            p->earning.return_window_days,
            p->earning.expiry_days > 0 ? p->earning.expiry_days : p->earning.expiry_months,
            p->earning.expiry_days > 0 ? "days" : "months");
        std::printf("\nTiers (qualifying spend over %d days, %d days' grace):\n",
                    p->tiers.window_days, p->tiers.grace_days);
        for (const auto& t : p->tiers.levels) {
            auto st = engine_database(*engine).prepare(
                "SELECT count(*) FROM members WHERE tier_code = ? AND status = 'active'");
            st.bind(1, t.code);
            st.step();
            std::printf("  %-22s from %10s  points x%d%%  %d%% off  parking %d min  members %lld\n",
                        all_names(t.name, t.names).c_str(),
                        format_money(Money{t.threshold}).c_str(), t.multiplier_percent,
                        t.discount_percent, t.parking_minutes, static_cast<long long>(st.int64(0)));
        }
        std::printf("\nRewards:\n");
        for (const auto& r : engine->rewards().catalog(g.program))
            std::printf(
                "  %-10s %-32s %6lld points\n", r.code.c_str(),
                (p->reward(r.code) ? all_names(r.name, p->reward(r.code)->names) : r.name).c_str(),
                static_cast<long long>(r.points_cost));
        std::printf("\nTop members by RFM score:\n");
        auto top = engine_database(*engine).prepare(
            "SELECT id FROM members WHERE status = 'active' ORDER BY rfm_score DESC, "
            "points_available DESC LIMIT 3");
        std::vector<MemberId> ids;
        while (top.step()) ids.push_back(top.int64(0));
        for (const auto id : ids) {
            print_member(*engine, *engine->members().get(id));
            std::printf("\n");
        }
        print_named_demo_members(find_named_demo_members(*engine, g.program));
        std::printf("Try: loyalty-admin --db %s lookup +8613900000042\n", g.db_path.c_str());
        return 0;
    }
    return 0;
}
