// Who the kiosk writes as: its program, store and terminal come from its settings
// (command line or --config file), and everything it books is under them, so the
// store's own link agent ships it. Missing or malformed codes are refused, by name.
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "kiosk_harness.hpp"
#include "loyalty/engine.hpp"
#include "loyalty/storage/engine_storage.hpp"

using namespace kiosk_test;

namespace {

std::int64_t last_outbox_id(const std::filesystem::path& db) {
    loyalty::SystemClock clock;
    auto engine = loyalty::Engine::open(db, clock);
    REQUIRE(engine);
    return engine_database(**engine)
        .prepare("SELECT coalesce(max(id), 0) FROM outbox")
        .scalar()
        .value_or(0);
}

// The kiosk's executable on a copy of the test database; its exit code and what it said.
std::pair<int, std::string> run_kiosk(Kiosk& k, const std::string& args) {
    const auto db = k.dir() / "cli.db";
    std::filesystem::copy_file(k.db(), db, std::filesystem::copy_options::overwrite_existing);
    const auto err = k.dir() / "stderr.txt";
    const std::string cmd = std::string(LOYALTY_KIOSK_EXE) + " --db " + db.string() + " --assets " +
                            LOYALTY_SOURCE_DIR + "/assets --no-devices --first-frame-exit " + args +
                            " > /dev/null 2> " + err.string();
    const int status = std::system(cmd.c_str());
    std::ifstream in(err);
    std::stringstream said;
    said << in.rdbuf();
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, said.str()};
}

std::filesystem::path write_file(const std::filesystem::path& path, const std::string& text) {
    std::ofstream(path) << text;
    return path;
}

}  // namespace

TEST_CASE(
    "a kiosk started for store S002, terminal K07 books its enrollments, redemptions, claims and "
    "ratings there") {
    std::int64_t before = 0;
    Kiosk k(
        1080, 1920, 60, [&](const std::filesystem::path& db) { before = last_outbox_id(db); },
        [](loyalty::kiosk::AppOptions& o) {
            o.store = "S002";
            o.terminal = "K07";
        });
    // A till sells to someone not identified and prints a signed receipt code (the demo's till is
    // this engine).
    k.tap("demo.receipt");
    // A new member joins with an unknown card and rates the visit.
    k.tap("demo.unknown");
    k.tap("unknown.enroll");
    k.keys("enroll", "13712345607");
    k.tap("enroll.privacy");
    k.tap("enroll.submit");
    REQUIRE(k.screen() == "enroll_done");
    k.tap("enroll.continue");
    k.tap("home.done");
    k.tap("rating.5");
    // A member redeems a reward and claims a receipt's points.
    k.tap("demo.card.0");
    REQUIRE(k.screen() == "member_home");
    k.tap("home.rewards");
    k.tap("rewards.CPN-20");
    k.tap("redeem.confirm");
    REQUIRE(k.screen() == "coupon");
    k.app().end_session();
    k.tap("demo.card.1");
    REQUIRE(k.screen() == "member_home");
    k.tap("home.claim");
    k.tap("demo.replay");
    CHECK(k.state()["notice"]["key"] == "notice.claimed");
    k.tap("home.done");
    k.tap("rating.2");

    loyalty::SystemClock clock;
    auto engine = loyalty::Engine::open(k.db(), clock);
    REQUIRE(engine);
    std::set<std::string> types, elsewhere;
    engine_database(**engine)
        .prepare("SELECT type, store, terminal FROM outbox WHERE id > ?")
        .bind(1, before)
        .each([&](const loyalty::Statement& row) {
            types.insert(row.text(0));
            if (row.text(1) != "S002" || row.text(2) != "K07")
                elsewhere.insert(row.text(0) + " under " + row.text(1) + "/" + row.text(2));
        });
    CHECK(elsewhere.empty());
    for (const auto* type :
         {"member.enrolled", "card.issued", "reward.redeemed", "sale.claimed", "rating.given"})
        CHECK_MESSAGE(types.count(type) == 1, type);
    // The link agent of S002/K07 finds them in its own sequence, numbered from 1.
    const auto shipped = (*engine)->outbox().pending("S002", "K07", 0, 1000);
    REQUIRE_FALSE(shipped.empty());
    CHECK(shipped.front().seq == 1);
    // The ratings carry the same store and terminal.
    CHECK(engine_database(**engine)
              .prepare("SELECT count(*) FROM ratings WHERE store = 'S002' AND terminal = 'K07'")
              .scalar() == 2);
}

TEST_CASE(
    "a kiosk without its program, store or terminal code, or with a malformed one, says which and "
    "does not start") {
    struct Case {
        std::string program, store, terminal, says;
    };
    for (const auto& c :
         {Case{"", "S001", "K01", "no program code"}, Case{"DEMO", "", "K01", "no store code"},
          Case{"DEMO", "S001", "", "no terminal code"},
          Case{"DEMO", "S 001", "K01", "store code 'S 001' is not valid"},
          Case{"DEMO", "S001", std::string(33, 'K'),
               "terminal code '" + std::string(33, 'K') + "' is not valid"},
          Case{"DEMO", "S001", "K/01", "terminal code 'K/01' is not valid"}}) {
        loyalty::kiosk::AppOptions options;
        options.db = "/nonexistent/never-opened.db";
        options.program = c.program;
        options.store = c.store;
        options.terminal = c.terminal;
        auto app = loyalty::kiosk::App::create(options);
        REQUIRE_FALSE(app);
        CHECK(app.error().code == loyalty::Errc::invalid_argument);
        CHECK_MESSAGE(app.error().message.find(c.says) != std::string::npos, app.error().message);
    }
}

TEST_CASE(
    "the executable takes its codes from the command line or a --config file, the command line "
    "first") {
    Kiosk k;
    const auto config = write_file(k.dir() / "kiosk.toml",
                                   "program = \"DEMO\"\nstore = \"S003\"\nterminal = \"K02\"\n");
    auto [ok, said] = run_kiosk(k, "--config " + config.string());
    CHECK_MESSAGE(ok == 0, said);
    auto [flags, said_flags] = run_kiosk(k, "--program DEMO --store S002 --terminal K07");
    CHECK_MESSAGE(flags == 0, said_flags);
    auto [both, said_both] = run_kiosk(k, "--config " + config.string() + " --terminal K09");
    CHECK_MESSAGE(both == 0, said_both);

    auto [missing, said_missing] = run_kiosk(k, "--program DEMO --store S002");
    CHECK(missing != 0);
    CHECK_MESSAGE(said_missing.find("no terminal code: give --terminal CODE, or terminal = "
                                    "\"CODE\" in the --config file") != std::string::npos,
                  said_missing);
    auto [bad, said_bad] = run_kiosk(k, "--config " + config.string() + " --store 'S0 2'");
    CHECK(bad != 0);
    CHECK_MESSAGE(said_bad.find("store code 'S0 2' is not valid") != std::string::npos, said_bad);
    // A misspelt setting in the file is an error, not silently ignored.
    const auto typo = write_file(k.dir() / "typo.toml",
                                 "program = \"DEMO\"\nstore = \"S003\"\nterminl = \"K02\"\n");
    auto [misspelt, said_misspelt] = run_kiosk(k, "--config " + typo.string() + " --terminal K02");
    CHECK(misspelt != 0);
    CHECK_MESSAGE(said_misspelt.find("terminl") != std::string::npos, said_misspelt);
    auto [no_file, said_no_file] = run_kiosk(k, "--config " + (k.dir() / "absent.toml").string());
    CHECK(no_file != 0);
    CHECK_MESSAGE(said_no_file.find("absent.toml") != std::string::npos, said_no_file);
}
