// Kiosk benchmarks, one figure per line:
//  - scan event -> member home frame presented, p50/p99, with 1,000,000 members
//    (the database is made once in the scratch directory and reused);
//  - one frame's cost on the software renderer, the raw baseline the latency sits on;
//  - idle CPU on the attract screen and resident memory with the CJK font, of a
//    real loyalty-kiosk process left alone;
//  - cold start to the first attract frame, of a real process.
// SDL's offscreen driver and software renderer throughout: the slowest case.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "loyalty/demo_data.hpp"
#include "loyalty/engine.hpp"
#include "loyalty/kiosk/app.hpp"
#include "loyalty/storage/engine_storage.hpp"

using namespace loyalty;
using Steady = std::chrono::steady_clock;

namespace {

double ms_since(Steady::time_point t) {
    return std::chrono::duration<double, std::milli>(Steady::now() - t).count();
}

bool make_million(const std::filesystem::path& db, std::int64_t members) {
    SystemClock clock;
    DatabaseOptions options;
    options.integrity_check_on_open = false;
    auto opened = Engine::open(db, clock, EngineOptions{{}, options});
    if (!opened) {
        std::fprintf(stderr, "kiosk_bench: %s\n", opened.error().message.c_str());
        return false;
    }
    auto& e = **opened;
    const auto existing =
        engine_database(e).prepare("SELECT count(*) FROM members").scalar().value_or(0);
    if (existing == members) return true;
    if (existing != 0) {
        std::fprintf(stderr, "kiosk_bench: %s holds %lld members, expected 0 or %lld; remove it\n",
                     db.c_str(), static_cast<long long>(existing), static_cast<long long>(members));
        return false;
    }
    auto program = load_program_config_file(std::filesystem::path(LOYALTY_SOURCE_DIR) /
                                            "assets/config/demo-program.toml");
    if (!program || !e.programs().save(*program, "bench")) return false;
    const auto start = Steady::now();
    auto made = create_bulk_members(e, program->code, members);
    if (!made) {
        std::fprintf(stderr, "kiosk_bench: %s\n", made.error().message.c_str());
        return false;
    }
    std::printf("kiosk.setup.million_db_seconds %.1f\n", ms_since(start) / 1000);
    return true;
}

pid_t spawn_kiosk(const std::vector<std::string>& args) {
    std::fflush(stdout);  // or the child inherits our unwritten lines and prints them again
    const pid_t pid = fork();
    if (pid == 0) {
        setenv("SDL_VIDEODRIVER", "offscreen", 1);
        std::vector<char*> argv;
        std::string exe = LOYALTY_KIOSK_EXE;
        argv.push_back(exe.data());
        std::vector<std::string> copy = args;
        for (auto& a : copy) argv.push_back(a.data());
        argv.push_back(nullptr);
        // Headless on purpose: the kiosk's "no display" notice is expected here.
        if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr)) _exit(126);
        execv(exe.c_str(), argv.data());
        _exit(127);
    }
    return pid;
}

long cpu_ticks(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto close = all.rfind(')');
    std::istringstream rest(all.substr(close + 2));
    std::string field;
    long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {
        if (i == 14) utime = std::stol(field);
        if (i == 15) stime = std::stol(field);
    }
    return utime + stime;
}

long status_kib(pid_t pid, const std::string& key) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(key + ":", 0) == 0) return std::stol(line.substr(key.size() + 1));
    return -1;
}

double percentile(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
    const std::filesystem::path dir = argc > 1 ? argv[1] : "build/bench-data";
    std::filesystem::create_directories(dir);
    constexpr std::int64_t kMembers = 1'000'000;
    // The same million members core_bench makes (create_bulk_members, the demo program):
    // whichever benchmark runs first makes the file and the other reuses it.
    const auto db = dir / "lookup-1m.db";
    if (!make_million(db, kMembers)) return 1;
    const auto assets = std::filesystem::path(LOYALTY_SOURCE_DIR) / "assets";

    // Cold start of a real process to its first attract frame.
    std::vector<double> starts;
    for (int i = 0; i < 5; ++i) {
        const auto t = Steady::now();
        const pid_t pid =
            spawn_kiosk({"--db", db.string(), "--program", "DEMO", "--store", "S001", "--terminal",
                         "K01", "--assets", assets.string(), "--first-frame-exit"});
        int status = 0;
        waitpid(pid, &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            std::fprintf(stderr, "kiosk_bench: loyalty-kiosk --first-frame-exit failed\n");
            return 1;
        }
        starts.push_back(ms_since(t));
    }
    std::printf(
        "kiosk.cold_start_ms %.0f (median of 5, process start to exit after the first attract "
        "frame; target <= 1000)\n",
        percentile(starts, 0.5));

    // Idle CPU and memory of a real process on the attract screen.
    {
        const pid_t pid = spawn_kiosk({"--db", db.string(), "--program", "DEMO", "--store", "S001",
                                       "--terminal", "K01", "--assets", assets.string()});
        std::this_thread::sleep_for(std::chrono::milliseconds{1500});
        const long before = cpu_ticks(pid);
        const auto t = Steady::now();
        std::this_thread::sleep_for(std::chrono::seconds{6});
        const long after = cpu_ticks(pid);
        const double seconds = ms_since(t) / 1000;
        const double cpu = 100.0 * static_cast<double>(after - before) /
                           static_cast<double>(sysconf(_SC_CLK_TCK)) / seconds;
        std::printf("kiosk.idle_cpu_percent %.1f (attract screen, %.0f s; target <= 2)\n", cpu,
                    seconds);
        std::printf("kiosk.rss_mb %.1f (attract, CJK font loaded; target <= 150)\n",
                    static_cast<double>(status_kib(pid, "VmRSS")) / 1024.0);
        kill(pid, SIGTERM);
        int status = 0;
        waitpid(pid, &status, 0);
    }

    // Scan -> member home frame, in process, through the real loop.
    setenv("SDL_VIDEODRIVER", "offscreen", 1);
    kiosk::AppOptions options;
    options.db = db;
    options.program = "DEMO";
    options.store = "S001";
    options.terminal = "K01";
    options.assets = assets;
    options.animate = false;
    auto app = kiosk::App::create(options);
    if (!app) {
        std::fprintf(stderr, "kiosk_bench: %s\n", app.error().message.c_str());
        return 1;
    }
    auto& a = **app;
    a.settle();
    // The raw baseline: a frame of the attract screen, nothing else.
    {
        const auto t = Steady::now();
        for (int i = 0; i < 30; ++i) {
            a.end_session();
            a.step(std::chrono::milliseconds{0});
        }
        std::printf("kiosk.frame_ms %.1f (attract frame, 1080x1920, software renderer)\n",
                    ms_since(t) / 30);
    }
    bool home = false;
    a.on_present([&](const std::string& screen) { home = home || screen == "member_home"; });
    std::mt19937_64 rng(11);
    std::uniform_int_distribution<std::int64_t> pick(0, kMembers - 1);
    std::vector<double> latencies;
    constexpr int kScans = 300;
    for (int i = 0; i < kScans + 10; ++i) {
        home = false;
        const auto t = Steady::now();
        a.scans().push(devices::ScanEvent{"bench", devices::ScanKind::barcode,
                                          bulk_card_number(pick(rng)),
                                          std::chrono::system_clock::now()});
        while (!home && ms_since(t) < 5000) a.step(std::chrono::milliseconds{100});
        if (!home) {
            std::fprintf(stderr, "kiosk_bench: no member home after a scan (%s)\n",
                         a.screen_name().c_str());
            return 1;
        }
        if (i >= 10) latencies.push_back(ms_since(t));  // the first scans warm the page cache
        a.end_session();
        a.step(std::chrono::milliseconds{0});
    }
    std::printf("kiosk.scan_to_home.members %lld\n", static_cast<long long>(kMembers));
    std::printf("kiosk.scan_to_home_p50_ms %.1f\n", percentile(latencies, 0.5));
    std::printf("kiosk.scan_to_home_p99_ms %.1f (target <= 50)\n", percentile(latencies, 0.99));
    // The glyph atlas after 300 members' names: how big, and what a rebuild costs.
    {
        const auto state = a.state_json();
        auto field = [&](const std::string& key) {
            const auto at = state.find("\"" + key + "\":");
            if (at == std::string::npos) return std::string("?");
            const auto from = state.find_first_not_of(' ', at + key.size() + 3);
            return state.substr(from, state.find_first_of(",\n", from) - from);
        };
        std::printf("kiosk.atlas_glyphs %s (over four sizes; atlas builds %s, last build %s ms)\n",
                    field("glyphs").c_str(), field("atlas_builds").c_str(),
                    field("atlas_last_build_ms").c_str());
    }
    std::printf("kiosk.bench_process_peak_rss_mb %.1f (after %d member screens)\n",
                static_cast<double>(status_kib(getpid(), "VmHWM")) / 1024.0, kScans);
    return 0;
}
