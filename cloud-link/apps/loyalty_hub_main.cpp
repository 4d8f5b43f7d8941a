// loyalty-hub: one reference hub worker on the shared subscription. Start
// several with the same database and different [hub] worker names to share load.
// With --status it prints what the hub database holds and exits.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <map>
#include <sstream>

#include "loyalty/csv_export.hpp"
#include "loyalty/storage/postgres.hpp"
#include "loyalty/sync/hub.hpp"
#include "signals.hpp"

namespace {

long long ll(std::int64_t v) {
    return static_cast<long long>(v);
}

// Creates or upgrades the hub database's schema (the engine's and the hub's), for an
// operator who migrates before starting the workers of a new version.
int migrate(const loyalty::sync::HubConfig& config) {
    auto opened = loyalty::sync::HubStore::open(config.db);
    if (!opened) {
        std::fprintf(stderr, "loyalty-hub: %s\n", opened.error().message.c_str());
        return 1;
    }
    auto& db = opened.value()->db();
    std::printf("%s schema up to date (engine %d, hub %d)\n",
                db.is_postgres() ? "PostgreSQL" : "SQLite", db.schema_version("core"),
                db.schema_version("hub"));
    return 0;
}

int print_status(const loyalty::sync::HubConfig& config) {
    auto opened = loyalty::sync::HubStore::open(config.db);
    if (!opened) {
        std::fprintf(stderr, "loyalty-hub: %s\n", opened.error().message.c_str());
        return 1;
    }
    auto& hub = *opened.value();
    std::printf("%lld events applied, %lld held back waiting for a gap\n", ll(hub.applied_count()),
                ll(hub.held_count()));
    std::printf("%-10s %-8s %-8s %10s %10s  %s\n", "program", "store", "terminal", "through",
                "skew ms", "presence");
    for (const auto& t : hub.terminals()) {
        // A forked history (a restored store database) waits for its terminal to renumber.
        const auto renumbering =
            t.resequence_through
                ? "  (asked to renumber after " + std::to_string(*t.resequence_through) + ")"
                : "";
        std::printf("%-10s %-8s %-8s %10lld %10s  %s%s\n", t.program.c_str(), t.store.c_str(),
                    t.terminal.c_str(), ll(t.last_seq),
                    t.skew_ms ? std::to_string(*t.skew_ms).c_str() : "-", t.presence.c_str(),
                    renumbering.c_str());
    }
    std::map<std::string, int> reasons;
    for (const auto& d : hub.dead_letters()) ++reasons[d.reason];
    for (const auto& [reason, count] : reasons)
        std::printf("dead letters %s: %d\n", reason.c_str(), count);
    // Points spent at a store that the hub's copy of the member did not have (spent twice while
    // offline).
    for (const auto& program : hub.engine().programs().codes())
        if (const auto points = hub.shortfall_points(program); points > 0)
            std::printf("%s: %lld points spent beyond the hub's balance (table hub_shortfalls)\n",
                        program.c_str(), ll(points));
    for (const auto& program : hub.engine().programs().codes())
        if (const auto fen = hub.shortfall_stored_value(program); fen > 0)
            std::printf(
                "%s: %s of stored value spent beyond the hub's balances (table "
                "hub_sv_shortfalls)\n",
                program.c_str(), loyalty::format_money(loyalty::Money{fen}).c_str());
    // Coupons of the hub's spent in two stores while they could not reach it.
    for (const auto& program : hub.engine().programs().codes())
        for (const auto& c : hub.coupon_reuses(program))
            std::printf(
                "%s: coupon %s used again by %s (first used by %s) (table "
                "hub_coupon_reuses)\n",
                program.c_str(), c.code.c_str(), c.receipt_key.c_str(),
                c.first_receipt_key.c_str());
    return 0;
}

// The events parked on their own (each at its turn in its terminal's sequence),
// oldest first, with what --replay ID needs.
int print_dead_letters(const loyalty::sync::HubConfig& config) {
    auto opened = loyalty::sync::HubStore::open(config.db);
    if (!opened) {
        std::fprintf(stderr, "loyalty-hub: %s\n", opened.error().message.c_str());
        return 1;
    }
    std::printf("%-8s %-8s %-8s %10s %-18s %-24s %s\n", "id", "store", "terminal", "seq", "reason",
                "when (UTC)", "detail");
    for (const auto& d : opened.value()->dead_letters()) {
        char when[32] = "-";
        const std::time_t t = static_cast<std::time_t>(d.received_at_ms / 1000);
        std::tm tm{};
        if (gmtime_r(&t, &tm)) std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
        const auto seq = d.event_id.empty() ? std::string("-") : std::to_string(d.seq);
        std::string detail = d.detail.substr(0, 160);
        if (d.replayed_at_ms) detail = "(replayed) " + detail;
        std::printf("%-8lld %-8s %-8s %10s %-18s %-24s %s\n", ll(d.id),
                    d.store.empty() ? "-" : d.store.c_str(),
                    d.terminal.empty() ? "-" : d.terminal.c_str(), seq.c_str(), d.reason.c_str(),
                    when, detail.c_str());
    }
    return 0;
}

// Retries one parked event after a fix; says why not when it still does not apply.
int replay_dead_letter(const loyalty::sync::HubConfig& config, std::int64_t id) {
    auto opened = loyalty::sync::HubStore::open(config.db);
    if (!opened) {
        std::fprintf(stderr, "loyalty-hub: %s\n", opened.error().message.c_str());
        return 1;
    }
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    auto done = opened.value()->replay(id, now);
    if (!done) {
        std::fprintf(stderr, "loyalty-hub: %s\n", done.error().message.c_str());
        return 2;
    }
    if (!done->applied) {
        std::printf("dead letter %lld not applied: %s\n", ll(id), done->reason.c_str());
        return 3;
    }
    std::printf("dead letter %lld applied\n", ll(id));
    return 0;
}

// Sends a campaign file (JSON) to the stores of a program with the hub's next
// version; the terminals validate and install it, and log what they refused.
int publish_campaigns(const loyalty::sync::HubConfig& config, const std::string& file,
                      const std::string& program, const std::vector<std::string>& stores) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "loyalty-hub: cannot read %s\n", file.c_str());
        return 1;
    }
    std::ostringstream text;
    text << in.rdbuf();
    auto done = loyalty::sync::publish_config(config, {program, "campaigns", text.str(), stores});
    if (!done) {
        std::fprintf(stderr, "loyalty-hub: %s\n", done.error().message.c_str());
        return 1;
    }
    std::string names;
    for (const auto& s : done->stores) names += (names.empty() ? "" : ",") + s;
    std::printf("campaigns version %lld published to %s\n", ll(done->version), names.c_str());
    return 0;
}

// Saves head office's program file (TOML or JSON) as the hub's and sends it to the stores.
int run_publish_program(const loyalty::sync::HubConfig& config, const std::string& file,
                        const std::string& program, const std::vector<std::string>& stores) {
    auto parsed = loyalty::load_program_config_file(file);
    if (!parsed) {
        std::fprintf(stderr, "loyalty-hub: %s: %s\n", file.c_str(), parsed.error().message.c_str());
        return 1;
    }
    if (!program.empty() && parsed->code != program) {
        std::fprintf(stderr, "loyalty-hub: %s is program %s, not %s\n", file.c_str(),
                     parsed->code.c_str(), program.c_str());
        return 2;
    }
    auto done = loyalty::sync::publish_program(config, *parsed, stores);
    if (!done) {
        std::fprintf(stderr, "loyalty-hub: %s\n", done.error().message.c_str());
        return 1;
    }
    std::string names;
    for (const auto& s : done->stores) names += (names.empty() ? "" : ",") + s;
    std::printf("program %s version %lld published to %s\n", parsed->code.c_str(),
                ll(done->version), names.c_str());
    return 0;
}

int run_issue_coupon(const loyalty::sync::HubConfig& config,
                     const loyalty::sync::CouponIssue& what) {
    auto done = loyalty::sync::issue_coupon(config, what);
    if (!done) {
        std::fprintf(stderr, "loyalty-hub: %s\n", done.error().message.c_str());
        return 1;
    }
    std::string names;
    for (const auto& s : done->stores) names += (names.empty() ? "" : ",") + s;
    std::printf("coupon %s issued to member %s, sent to %s\n", done->code.c_str(),
                what.member_uid.c_str(), names.c_str());
    return 0;
}

// A day as YYYY-MM-DD: checked whole, so a typo is refused rather than read as another day.
bool valid_day(const std::string& text) {
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
    for (std::size_t i = 0; i < text.size(); ++i)
        if (i != 4 && i != 7 && (text[i] < '0' || text[i] > '9')) return false;
    // A real day too: 2026-02-30 and 2026-13-01 are typos, not some other day.
    const std::chrono::year_month_day day{
        std::chrono::year{std::stoi(text.substr(0, 4))},
        std::chrono::month{static_cast<unsigned>(std::stoi(text.substr(5, 2)))},
        std::chrono::day{static_cast<unsigned>(std::stoi(text.substr(8, 2)))}};
    return day.ok();
}

std::string yuan(loyalty::Money m) {
    return loyalty::format_money(m);
}

// Per store: stored value taken in against stored value spent there, and the net, from
// the first day to the last (both included, in each program's local time).
int print_clearing(const loyalty::sync::HubConfig& config, const std::string& program,
                   const std::string& from, const std::string& to, const std::string& csv) {
    if (!valid_day(from) || !valid_day(to)) {
        std::fprintf(stderr, "loyalty-hub: --clearing needs --from and --to as YYYY-MM-DD\n");
        return 2;
    }
    auto opened = loyalty::sync::HubStore::open(config.db);
    if (!opened) {
        std::fprintf(stderr, "loyalty-hub: %s\n", opened.error().message.c_str());
        return 1;
    }
    auto& hub = *opened.value();
    std::vector<loyalty::sync::ClearingRow> rows;
    auto programs =
        program.empty() ? hub.engine().programs().codes() : std::vector<std::string>{program};
    for (const auto& code : programs) {
        auto found = hub.engine().programs().get(code);
        if (!found) {
            std::fprintf(stderr, "loyalty-hub: %s\n", found.error().message.c_str());
            return 2;
        }
        const int offset = (*found)->utc_offset_minutes;
        const auto first = loyalty::parse_local_date(from.c_str(), offset);
        const auto last = loyalty::parse_local_date(to.c_str(), offset) + loyalty::Days{1};
        if (last <= first) {
            std::fprintf(stderr, "loyalty-hub: --to is before --from\n");
            return 2;
        }
        for (auto& r : hub.clearing(code, first, last)) rows.push_back(std::move(r));
    }
    std::printf(
        "stored value from %s to %s (yuan; net > 0: the store holds money spent in other "
        "stores and owes it; net < 0: it is owed)\n",
        from.c_str(), to.c_str());
    std::printf("%-8s %-8s %12s %12s %12s %12s %12s %12s %12s %12s\n", "program", "store",
                "topped_up", "bonus_given", "spent", "spent_bonus", "net", "net_bonus", "adjusted",
                "adj_bonus");
    for (const auto& r : rows)
        std::printf("%-8s %-8s %12s %12s %12s %12s %12s %12s %12s %12s\n", r.program.c_str(),
                    r.store.c_str(), yuan(r.topped_up).c_str(), yuan(r.bonus_given).c_str(),
                    yuan(r.spent_principal).c_str(), yuan(r.spent_bonus).c_str(),
                    yuan(r.net_principal()).c_str(), yuan(r.net_bonus()).c_str(),
                    yuan(r.adjusted_principal).c_str(), yuan(r.adjusted_bonus).c_str());
    if (csv.empty()) return 0;
    std::ofstream out(csv, std::ios::binary | std::ios::trunc);
    // A UTF-8 byte order mark: spreadsheet programs in China open the file as UTF-8 then.
    out << "\xEF\xBB\xBF"
        << "program,store,from,to,topped_up_minor,bonus_given_minor,spent_principal_minor,"
           "spent_bonus_minor,net_principal_minor,net_bonus_minor,adjusted_principal_minor,"
           "adjusted_bonus_minor\r\n";
    for (const auto& r : rows)
        out << loyalty::csv_field(r.program) << ',' << loyalty::csv_field(r.store) << ',' << from
            << ',' << to << ',' << r.topped_up.minor << ',' << r.bonus_given.minor << ','
            << r.spent_principal.minor << ',' << r.spent_bonus.minor << ','
            << r.net_principal().minor << ',' << r.net_bonus().minor << ','
            << r.adjusted_principal.minor << ',' << r.adjusted_bonus.minor << "\r\n";
    out.close();
    if (!out) {
        std::fprintf(stderr, "loyalty-hub: cannot write %s\n", csv.c_str());
        return 1;
    }
    std::printf("%zu rows written to %s\n", rows.size(), csv.c_str());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"loyalty-hub: the reference member hub (one worker)"};
    std::string config_path;
    std::string worker;
    bool status = false;
    app.add_option("-c,--config", config_path, "the hub config (TOML)")->required();
    app.add_option("-w,--worker", worker, "worker name (overrides [hub] worker)");
    app.add_flag("--status", status,
                 "print per-terminal progress, presence and dead letters, and exit");
    bool migrate_only = false;
    app.add_flag("--migrate", migrate_only,
                 "create or upgrade the hub database's tables (SQLite or PostgreSQL), and exit");
    bool list_dead_letters = false;
    std::int64_t replay_id = 0;
    app.add_flag(
        "--dead-letters", list_dead_letters,
        "list the dead letters (id, store, terminal, seq, reason, when, detail), and exit");
    app.add_option("--replay", replay_id,
                   "retry the parked event of this dead letter id after a fix, and exit");
    std::string campaigns_file, program;
    std::vector<std::string> stores;
    auto* campaigns_option =
        app.add_option("--publish-campaigns", campaigns_file,
                       "send this campaign file (JSON) to the program's stores, and exit");
    std::string program_file;
    auto* program_option =
        app.add_option("--publish-program", program_file,
                       "save this program file (TOML or JSON: rules, tiers, rewards) as the hub's "
                       "and send it to the program's stores, and exit");
    loyalty::sync::CouponIssue coupon;
    std::int64_t coupon_value = 0, coupon_min_spend = 0;
    auto* issue = app.add_option(
        "--issue-coupon", coupon.title,
        "grant a coupon with this title to --member and send it to their stores, and exit");
    app.add_option("--member", coupon.member_uid, "the member's uid")->needs(issue);
    app.add_option("--value", coupon_value, "the coupon's value in minor units (fen)")
        ->needs(issue);
    app.add_option("--min-spend", coupon_min_spend, "minimum basket in minor units")->needs(issue);
    app.add_option("--valid-days", coupon.valid_days, "days the coupon stays usable (default 30)")
        ->needs(issue);
    app.add_option("--program", program,
                   "the program (of the campaigns, the program file or the coupon)");
    app.add_option("--stores", stores,
                   "store codes (default: every store the hub has seen in the program)")
        ->delimiter(',');
    bool clearing = false;
    std::string clearing_from, clearing_to, clearing_csv;
    auto* clearing_flag = app.add_flag(
        "--clearing", clearing,
        "print stored value per store (top-ups against spending, and the net), and exit");
    app.add_option("--from", clearing_from, "the first day of the clearing (YYYY-MM-DD)")
        ->needs(clearing_flag);
    app.add_option("--to", clearing_to, "the last day of the clearing (YYYY-MM-DD, included)")
        ->needs(clearing_flag);
    app.add_option("--csv", clearing_csv, "also write the clearing to this CSV file (UTF-8)")
        ->needs(clearing_flag);
    // One action a run: a worker, --status, or one of the operator's commands.
    campaigns_option->excludes(program_option)->excludes(issue);
    program_option->excludes(issue);
    CLI11_PARSE(app, argc, argv);
    loyalty::enable_postgres();  // [hub] database may be a postgresql:// URI

    auto config = loyalty::sync::load_hub_config(config_path);
    if (!config) {
        std::fprintf(stderr, "loyalty-hub: %s\n", config.error().message.c_str());
        return 2;
    }
    if (migrate_only) return migrate(*config);
    if (status) {
        try {
            return print_status(*config);
        } catch (const loyalty::StorageError& e) {
            std::fprintf(stderr, "loyalty-hub: %s\n", e.what());
            return 1;
        }
    }
    try {
        if (list_dead_letters) return print_dead_letters(*config);
        if (replay_id > 0) return replay_dead_letter(*config, replay_id);
        if (clearing)
            return print_clearing(*config, program, clearing_from, clearing_to, clearing_csv);
    } catch (const loyalty::StorageError& e) {
        std::fprintf(stderr, "loyalty-hub: %s\n", e.what());
        return 1;
    }
    if (!campaigns_file.empty()) {
        if (program.empty()) {
            std::fprintf(stderr, "loyalty-hub: --publish-campaigns needs --program\n");
            return 2;
        }
        return publish_campaigns(*config, campaigns_file, program, stores);
    }
    if (!program_file.empty()) return run_publish_program(*config, program_file, program, stores);
    if (!coupon.title.empty()) {
        if (program.empty() || coupon.member_uid.empty() || coupon_value <= 0) {
            std::fprintf(
                stderr,
                "loyalty-hub: --issue-coupon needs --program, --member and a positive --value\n");
            return 2;
        }
        coupon.program = program;
        coupon.value = loyalty::Money{coupon_value};
        coupon.min_spend = loyalty::Money{coupon_min_spend};
        return run_issue_coupon(*config, coupon);
    }
    if (!worker.empty()) {
        config->worker = worker;
        config->broker.client_id = "hub-" + worker;
    }
    loyalty::sync::app::install_stop_signals();
    loyalty::sync::HubWorker hub(std::move(config.value()));
    auto ran = hub.run(loyalty::sync::app::stop_requested());
    const auto s = hub.stats();
    std::fprintf(
        stderr,
        "loyalty-hub: %lld messages, %lld events applied, %lld duplicates, %lld dead letters\n",
        ll(s.messages), ll(s.applied), ll(s.duplicates), ll(s.dead_letters));
    if (!ran) {
        std::fprintf(stderr, "loyalty-hub: %s\n", ran.error().message.c_str());
        return 1;
    }
    return 0;
}
