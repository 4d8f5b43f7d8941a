// Campaign benchmarks, printed one figure per line:
//  - evaluating 200 active purchase campaigns on a purchase event (conditions,
//    filters and limits, no writes), p50/p99;
//  - the sale commit path with those 200 campaigns in force against the same
//    path with none, measured in the same run, interleaved, on the same disk,
//    with synchronous=FULL (the shipped setting) and NORMAL (which shows the CPU
//    cost that FULL's fsync hides).
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>
#include <vector>

#include "loyalty/engine.hpp"
#include "loyalty/storage/engine_storage.hpp"

using namespace loyalty;
using nlohmann::json;
using Stopwatch = std::chrono::steady_clock;

namespace {

const char* const kCategories[] = {"shoes",  "apparel", "bags",    "beauty",  "kids",
                                   "sports", "home",    "food",    "watches", "jewelry",
                                   "toys",   "books",   "outdoor", "digital", "tea",
                                   "wine",   "eyewear", "luggage", "pets",    "garden"};
constexpr int kCategoryCount = 20;
constexpr int kMembers = 1000;
constexpr int kCampaigns = 200;

// 200 purchase campaigns with the variety a busy program has: category and
// spend conditions, tier/tag/RFM/window filters, several action kinds, limits.
// "typical": each names one category and a higher spend, half are once per
// member, so a sale earns an offer now and then; "heavy": two categories and
// low spends, no per-member limit that bites, so nearly every sale fires 3+.
std::string campaigns_document(const std::string& program, bool heavy) {
    json list = json::array();
    for (int i = 0; i < kCampaigns; ++i) {
        json trigger{{"type", "purchase"}};
        if (heavy) {
            trigger["min_spend_minor"] = 10000 * (1 + i % 8);
            trigger["categories"] = {kCategories[i % kCategoryCount],
                                     kCategories[(i * 7 + 3) % kCategoryCount]};
        } else {
            trigger["min_spend_minor"] = 40000 + 10000 * (i % 10);
            trigger["categories"] = {kCategories[i % kCategoryCount]};
        }
        json filter = json::object();
        switch (i % 5) {
            case 0:
                filter["tiers"] = {"gold", "platinum"};
                break;
            case 1:
                filter["tags_any"] = {"tag-" + std::to_string(i % 10)};
                break;
            case 2:
                filter["rfm_min"] = 20 + i % 40;
                break;
            case 3:
                filter["min_visits"] = 1 + i % 3;
                filter["window_days"] = 90;
                break;
            default:
                break;
        }
        json actions = json::array();
        actions.push_back({{"type", "bonus_points"}, {"points", 10 + i}});
        if (i % 3 == 0)
            actions.push_back({{"type", "receipt_line"}, {"text", "Offer " + std::to_string(i)}});
        if (i % 7 == 0)
            actions.push_back({{"type", "add_tag"}, {"tag", "promo-" + std::to_string(i % 4)}});
        if (i % 11 == 0)
            actions.push_back({{"type", "hub_event"}, {"channel", "push"}, {"template", "thanks"}});
        json limits{{"per_member", {{"count", 1000}, {"period_days", 1}}}};
        if (!heavy && i % 2 == 0) limits["once_per_member"] = true;
        if (i % 13 == 0) limits["budget_points"] = 100000000;
        list.push_back({{"code", "c" + std::to_string(i)},
                        {"version", 1},
                        {"priority", i % 10},
                        {"exclusive", i % 50 == 0},
                        {"active_from", "2020-01-01"},
                        {"active_until", "2099-12-31"},
                        {"trigger", trigger},
                        {"filter", filter},
                        {"actions", actions},
                        {"limits", limits}});
    }
    return json{{"schema", 1}, {"program", program}, {"campaigns", list}}.dump();
}

struct Store {
    std::unique_ptr<Engine> engine;
    std::vector<MemberId> members;
};

enum class Set { none, typical, heavy };

Store make_store(const std::filesystem::path& path, const Clock& clock,
                 const ProgramConfig& program, bool full_sync, Set set) {
    std::filesystem::remove(path);
    std::filesystem::remove(path.string() + "-wal");
    std::filesystem::remove(path.string() + "-shm");
    EngineOptions options;
    options.database.full_sync = full_sync;
    auto opened = Engine::open(path, clock, options);
    if (!opened) throw std::runtime_error(opened.error().message);
    Store s{std::move(opened.value()), {}};
    auto& e = *s.engine;
    if (!e.programs().save(program, "bench")) throw std::runtime_error("cannot save program");
    {
        Transaction batch(engine_database(e));
        for (int i = 0; i < kMembers; ++i) {
            EnrollRequest r;
            r.program = program.code;
            r.phone = "139" + std::to_string(10000000 + i);
            r.consent_privacy = true;
            r.consent_marketing = i % 10 != 0;  // one in ten said no to marketing
            r.birthday_month = 1 + i % 12;
            auto enrolled = e.members().enroll(r);
            if (!enrolled) throw std::runtime_error(enrolled.error().message);
            s.members.push_back(enrolled->member.id);
            if (i % 3 == 0)
                (void)e.insight().add_tag(enrolled->member.id, "tag-" + std::to_string(i % 10),
                                          "bench");
        }
        batch.commit();
    }
    if (set != Set::none) {
        auto loaded =
            e.campaigns().load(campaigns_document(program.code, set == Set::heavy), "bench");
        if (!loaded || !loaded->refused.empty())
            throw std::runtime_error(loaded ? loaded->refused[0].reason : loaded.error().message);
    }
    return s;
}

std::vector<BasketLine> basket(std::mt19937_64& rng) {
    std::vector<BasketLine> lines;
    const int n = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < n; ++i) {
        const auto* category = kCategories[rng() % kCategoryCount];
        lines.push_back(
            BasketLine{std::string(category).substr(0, 3) + "-" + std::to_string(rng() % 50),
                       category, 1 + static_cast<std::int64_t>(rng() % 2),
                       Money{static_cast<std::int64_t>(2000 + rng() % 40000)}, Money{}});
    }
    return lines;
}

double percentile(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v[static_cast<std::size_t>(static_cast<double>(v.size() - 1) * p)];
}

// Commits `n` sales on each store, alternating in blocks so both see the same disk.
// CPU time of this thread: the engine's own work, without the disk's and the
// other processes' weather that wall time on a shared machine carries.
double cpu_us() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

double none_cpu = 0, with_cpu = 0;

void commit_pair(Store& none, Store& with, const std::string& program, int n,
                 std::vector<double>& none_us, std::vector<double>& with_us, Points& bonus) {
    std::mt19937_64 rng(3);
    static int receipt = 0;
    for (int i = 0; i < n; ++i) {
        SaleRequest s;
        s.program = program;
        s.receipt = "R" + std::to_string(++receipt);
        const auto k = rng() % kMembers;
        s.lines = basket(rng);
        for (int which = 0; which < 2; ++which) {
            auto& store = (i + which) % 2 == 0 ? none : with;
            s.member = store.members[k];
            const auto start = Stopwatch::now();
            const auto cpu_start = cpu_us();
            auto r = store.engine->sales().commit(s);
            (&store == &none ? none_cpu : with_cpu) += cpu_us() - cpu_start;
            const auto us =
                std::chrono::duration<double, std::micro>(Stopwatch::now() - start).count();
            if (!r) throw std::runtime_error(r.error().message);
            (&store == &none ? none_us : with_us).push_back(us);
            if (&store == &with) bonus += r->campaign_points;
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    const std::filesystem::path dir = argc > 1 ? argv[1] : "build/bench-data";
    std::filesystem::create_directories(dir);
    auto program = load_program_config_file(std::filesystem::path(LOYALTY_SOURCE_DIR) /
                                            "assets/config/demo-program.toml");
    if (!program) {
        std::fprintf(stderr, "campaign_bench: %s\n", program.error().message.c_str());
        return 1;
    }
    program->earning.daily_cap = 0;
    SystemClock clock;
    try {
        for (const auto set : {Set::typical, Set::heavy}) {
            const char* name = set == Set::typical ? "typical" : "heavy";
            std::vector<double> none_us, with_us;
            Points bonus = 0;
            {
                // Evaluation alone (conditions, filters, limits; no writes) after some history.
                auto none =
                    make_store(dir / "campaigns-none.db", clock, *program, false, Set::none);
                auto with = make_store(dir / "campaigns-200.db", clock, *program, false, set);
                commit_pair(none, with, program->code, 300, none_us, with_us, bonus);
                std::vector<double> eval_us;
                std::mt19937_64 rng(5);
                std::size_t matched = 0;
                for (int i = 0; i < 20000; ++i) {
                    CampaignEvent e;
                    e.trigger = CampaignTrigger::purchase;
                    e.member = with.members[rng() % kMembers];
                    e.reference = "preview:" + std::to_string(i);
                    for (const auto& l : basket(rng)) {
                        const Money net{l.unit_price.minor * l.quantity};
                        e.lines.push_back(CampaignLine{l.sku, l.category, net});
                        e.net += net;
                    }
                    e.earned = e.net.minor / 100;
                    const auto start = Stopwatch::now();
                    const auto fired = with.engine->campaigns().matching(program->code, e);
                    eval_us.push_back(
                        std::chrono::duration<double, std::micro>(Stopwatch::now() - start)
                            .count());
                    matched += fired.size();
                }
                std::printf("campaigns.%s.active %d\n", name, kCampaigns);
                std::printf("campaigns.%s.eval_fires_per_event %.2f\n", name,
                            static_cast<double>(matched) / static_cast<double>(eval_us.size()));
                std::printf("campaigns.%s.eval_p50_us %.1f\n", name, percentile(eval_us, 0.50));
                std::printf("campaigns.%s.eval_p99_us %.1f (target <= 1000)\n", name,
                            percentile(eval_us, 0.99));
            }
            for (const bool full : {true, false}) {
                auto n = make_store(dir / "campaigns-none.db", clock, *program, full, Set::none);
                auto w = make_store(dir / "campaigns-200.db", clock, *program, full, set);
                commit_pair(n, w, program->code, 100, none_us, with_us, bonus);  // warm-up
                none_us.clear();
                with_us.clear();
                bonus = 0;
                none_cpu = with_cpu = 0;
                const int commits = full ? 1000 : 2500;
                commit_pair(n, w, program->code, commits, none_us, with_us, bonus);
                double none_total = 0, with_total = 0;
                for (const auto v : none_us) none_total += v;
                for (const auto v : with_us) with_total += v;
                const char* mode = full ? "full" : "normal";
                std::printf("campaigns.%s.commit_%s.none_per_s %.0f (p99 %.0f us)\n", name, mode,
                            1e6 * commits / none_total, percentile(none_us, 0.99));
                std::printf(
                    "campaigns.%s.commit_%s.with_200_per_s %.0f (p99 %.0f us, %.1f bonus points "
                    "per sale)\n",
                    name, mode, 1e6 * commits / with_total, percentile(with_us, 0.99),
                    static_cast<double>(bonus) / commits);
                std::printf("campaigns.%s.commit_%s.ratio_with_to_none %.2f (target <= 1.30)\n",
                            name, mode, with_total / none_total);
                std::printf(
                    "campaigns.%s.commit_%s.cpu_us_per_sale none %.0f, with_200 %.0f, ratio %.2f\n",
                    name, mode, none_cpu / commits, with_cpu / commits, with_cpu / none_cpu);
            }
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "campaign_bench: %s\n", e.what());
        return 1;
    }
    return 0;
}
