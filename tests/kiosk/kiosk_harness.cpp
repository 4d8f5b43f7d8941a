#include "kiosk_harness.hpp"

#include <stb_image.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "loyalty/demo_data.hpp"
#include "loyalty/engine.hpp"
#include "loyalty/storage/engine_storage.hpp"

namespace kiosk_test {

using namespace loyalty;

namespace {

// One demo database per run, copied for each test: histories take a moment to make.
const std::filesystem::path& template_db() {
    static std::filesystem::path path = [] {
        auto dir =
            std::filesystem::temp_directory_path() / ("kiosk-tests-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir);
        auto db = dir / "template.db";
        auto config = load_program_config_file(std::filesystem::path(LOYALTY_SOURCE_DIR) /
                                               "assets/config/demo-program.toml");
        REQUIRE(config);
        const auto end = SystemClock().now();
        ManualClock clock(end);
        {
            auto engine = Engine::open(db, clock);
            REQUIRE(engine);
            REQUIRE((*engine)->programs().save(*config, "test"));
            DemoOptions options;
            options.members = 24;
            REQUIRE(create_demo_data(**engine, clock, end, config->code, options));
            // The richest member (the demo reader's first) can afford every reward.
            auto top = engine_database(**engine).prepare(
                "SELECT id FROM members ORDER BY points_available DESC, id LIMIT 1");
            REQUIRE(top.step());
            const auto id = top.int64(0);
            REQUIRE((*engine)->ledger().adjust(id, 20000, "test top-up", "test", "test-topup"));
        }
        // One demo run on the template gives the demo members their cards and PINs and the
        // manager a PIN (Argon2id: slow on purpose), so each test's copy starts ready.
        setenv("SDL_VIDEODRIVER", "offscreen", 1);
        kiosk::AppOptions options;
        options.db = db;
        options.program = "DEMO";
        options.store = "S001";
        options.terminal = "K01";
        options.demo = true;
        options.assets = std::filesystem::path(LOYALTY_SOURCE_DIR) / "assets";
        options.animate = false;
        auto app = kiosk::App::create(options);
        REQUIRE(app);
        (*app)->settle();
        return db;
    }();
    return path;
}

}  // namespace

int Pixels::ink(float x, float y, float rw, float rh) const {
    int n = 0;
    for (int j = static_cast<int>(y); j < static_cast<int>(y + rh) && j < h; ++j)
        for (int i = static_cast<int>(x); i < static_cast<int>(x + rw) && i < w; ++i) {
            const auto* p = &rgba[(static_cast<std::size_t>(j) * static_cast<std::size_t>(w) +
                                   static_cast<std::size_t>(i)) *
                                  4];
            if (std::abs(p[0] - 24) + std::abs(p[1] - 32) + std::abs(p[2] - 48) > 120) ++n;
        }
    return n;
}

Kiosk::Kiosk(int width, int height, int idle_seconds,
             const std::function<void(const std::filesystem::path&)>& before_start,
             const std::function<void(kiosk::AppOptions&)>& configure) {
    static int serial = 0;
    dir_ = template_db().parent_path() / ("k" + std::to_string(++serial));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    db_ = dir_ / "store.db";
    std::filesystem::copy_file(template_db(), db_);
    if (before_start) before_start(db_);
    setenv("SDL_VIDEODRIVER", "offscreen", 1);
    kiosk::AppOptions options;
    options.db = db_;
    options.program = "DEMO";
    options.store = "S001";
    options.terminal = "K01";
    options.demo = true;
    options.width = width;
    options.height = height;
    options.assets = std::filesystem::path(LOYALTY_SOURCE_DIR) / "assets";
    options.idle_seconds = idle_seconds;
    options.animate = false;
    // No USB stick unless a test plugs one in: the machine's own mounts stay out of the tests.
    options.mounts_table = dir_ / "no-mounts";
    if (configure) configure(options);
    options_ = options;
    auto app = kiosk::App::create(options);
    REQUIRE_MESSAGE(app, (app ? "" : app.error().message));
    app_ = std::move(app.value());
    app_->settle();
}

void Kiosk::restart() {
    app_.reset();
    auto app = kiosk::App::create(options_);
    REQUIRE_MESSAGE(app, (app ? "" : app.error().message));
    app_ = std::move(app.value());
    app_->settle();
}

Kiosk::~Kiosk() {
    app_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
}

void Kiosk::tap(const std::string& id) {
    INFO("screen " << screen() << ", tapping " << id);
    REQUIRE(app_->tap(id));
}

void Kiosk::hold(const std::string& id, std::chrono::seconds held) {
    INFO("screen " << screen() << ", holding " << id);
    REQUIRE(app_->hold(id, held));
}

void Kiosk::keys(const std::string& keypad, const std::string& digits) {
    for (char d : digits) tap(keypad + ".key." + std::string(1, d));
}

void Kiosk::scan(devices::ScanKind kind, const std::string& payload) {
    app_->scans().push(devices::ScanEvent{"test", kind, payload, std::chrono::system_clock::now()});
    app_->settle();
}

Pixels Kiosk::shot(const std::string& name) {
    const auto path = dir_ / name;
    REQUIRE(app_->screenshot(path));
    Pixels p;
    int channels = 0;
    unsigned char* data = stbi_load(path.c_str(), &p.w, &p.h, &channels, 4);
    REQUIRE(data != nullptr);
    p.rgba.assign(data, data + static_cast<std::size_t>(p.w) * static_cast<std::size_t>(p.h) * 4);
    stbi_image_free(data);
    return p;
}

std::vector<std::string> Kiosk::texts() const {
    std::vector<std::string> out;
    const auto s = state();  // named: a temporary's member would die before the loop
    for (const auto& w : s["widgets"]) out.push_back(w["text"].get<std::string>());
    return out;
}

bool has_cjk(const std::string& s) {
    for (std::size_t i = 0; i + 2 < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0xE4 && c <= 0xE9) return true;  // U+4000..U+9FFF lead bytes
    }
    return false;
}

std::vector<std::string> overlaps(const nlohmann::json& state) {
    std::vector<std::string> out;
    const auto& ws = state["widgets"];
    const float width = state["width"].get<float>(), height = state["height"].get<float>();
    for (std::size_t i = 0; i < ws.size(); ++i) {
        const auto& a = ws[i];
        const float ax = a["x"], ay = a["y"], aw = a["w"], ah = a["h"];
        if (aw <= 0 || ah <= 0) continue;
        if (ax < -0.5f || ay < -0.5f || ax + aw > width + 0.5f || ay + ah > height + 0.5f)
            out.push_back(a["id"].get<std::string>() + " '" + a["text"].get<std::string>() +
                          "' off screen");
        for (std::size_t j = i + 1; j < ws.size(); ++j) {
            const auto& b = ws[j];
            const float bx = b["x"], by = b["y"], bw = b["w"], bh = b["h"];
            if (bw <= 0 || bh <= 0) continue;
            const float ox = std::min(ax + aw, bx + bw) - std::max(ax, bx);
            const float oy = std::min(ay + ah, by + bh) - std::max(ay, by);
            if (ox > 1 && oy > 1)
                out.push_back(a["id"].get<std::string>() + " '" + a["text"].get<std::string>() +
                              "' / " + b["id"].get<std::string>() + " '" +
                              b["text"].get<std::string>() + "'");
        }
    }
    return out;
}

std::string local_today(bool dashes) {
    const auto local = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now() +
                                                             std::chrono::hours{8});
    const std::chrono::year_month_day d{local};
    char text[16];
    std::snprintf(text, sizeof text, dashes ? "%04d-%02u-%02u" : "%04d%02u%02u",
                  static_cast<int>(d.year()), static_cast<unsigned>(d.month()),
                  static_cast<unsigned>(d.day()));
    return text;
}

std::vector<MallShop> two_mall_shops(Money uniqlo_max) {
    MallShop uniqlo;
    uniqlo.code = "1023";
    uniqlo.name = "优衣库";
    uniqlo.names = {{"zh-CN", "优衣库"}, {"en", "UNIQLO"}};
    uniqlo.category = "apparel";
    uniqlo.min_amount = Money{1000};
    uniqlo.max_amount = uniqlo_max;
    uniqlo.receipt_formats = {"UQ|{receipt}|{amount}|{date}"};
    MallShop cafe;
    cafe.code = "3001";
    cafe.name = "星巴克";
    cafe.names = {{"zh-CN", "星巴克"}, {"en", "Starbucks"}};
    cafe.category = "dining";
    return {uniqlo, cafe};
}

void change_demo_program(const std::filesystem::path& db,
                         const std::function<void(ProgramConfig&)>& change) {
    SystemClock clock;
    auto engine = Engine::open(db, clock);
    REQUIRE(engine.ok());
    auto program = (*engine)->programs().get("DEMO");
    REQUIRE(program.ok());
    auto config = **program;
    change(config);
    REQUIRE((*engine)->programs().save(config, "test").ok());
}

}  // namespace kiosk_test
