// A receipt photographed at the kiosk (issue 18): the camera plays a receipt photo rendered by
// the OCR tests' renderer (skewed, softened, speckled), the kiosk reads it with Tesseract and
// pre-fills the typed claim; the photo is kept with the claim, and what the shopper changed
// from what OCR read makes the claim wait for a manager.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "kiosk_harness.hpp"
#include "loyalty/engine.hpp"
#include "loyalty/receipt_claims.hpp"
#include "receipt_images.hpp"

using namespace loyalty;
using kiosk_test::Kiosk;

namespace {

std::string digits(const std::string& date) {
    std::string out;
    for (char c : date)
        if (c != '-') out += c;
    return out;
}

// The demo program as a mall whose shops have Chinese and English names; nothing waits for review
// by its amount, so a claim that waits does so for what OCR read.
void with_mall(const std::filesystem::path& db) {
    kiosk_test::change_demo_program(db, [](ProgramConfig& config) {
        config.receipt_claims.shops = kiosk_test::two_mall_shops(Money{5000000});
    });
}

// A shop receipt bought today, as the kiosk's camera sees it: one recorded frame, looped.
devices::test::ReceiptSpec receipt_on_camera(const std::filesystem::path& folder) {
    auto spec = devices::test::make_receipt_spec(3);  // 优衣库
    spec.date = kiosk_test::local_today(true);
    spec.printed_date = kiosk_test::local_today(true);
    const auto photo =
        devices::test::photograph(devices::test::render_receipt(spec), {2.5, 1, 0.002, 8, 3});
    std::filesystem::create_directories(folder);
    REQUIRE(devices::test::write_png((folder / "receipt.png").string(), photo));
    return spec;
}

bool shows(const std::vector<std::string>& texts, const std::string& part) {
    return std::any_of(texts.begin(), texts.end(),
                       [&](const std::string& t) { return t.find(part) != std::string::npos; });
}

// The camera opens on its own thread: wait until the claim screen offers the photo.
void wait_for_camera(Kiosk& k) {
    for (int i = 0; i < 200 && shows(k.texts(), "摄像头未连接"); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds{25});
        k.app().settle();
    }
    REQUIRE_FALSE(shows(k.texts(), "摄像头未连接"));
}

void keep_shot(Kiosk& k, const std::string& name) {
    k.shot(name);
    if (const char* dir = std::getenv("KIOSK_REVIEW_SHOTS")) {
        std::filesystem::create_directories(dir);
        std::filesystem::copy_file(k.dir() / name, std::filesystem::path(dir) / name,
                                   std::filesystem::copy_options::overwrite_existing);
    }
}

}  // namespace

TEST_CASE(
    "a photographed receipt pre-fills the claim; a changed amount waits for review with "
    "what OCR read") {
    devices::test::ReceiptSpec spec;
    Kiosk k(1080, 1920, 600, with_mall, [&](kiosk::AppOptions& o) {
        const auto folder = o.db.parent_path() / "camera";
        spec = receipt_on_camera(folder);
        o.camera = folder.string();
        o.camera_fps = 5;
    });
    REQUIRE(std::getenv("OMP_THREAD_LIMIT") != nullptr);  // Tesseract on one thread
    k.tap("demo.card.0");
    const auto member = k.state()["member"]["id"].get<MemberId>();
    k.tap("home.claim");
    wait_for_camera(k);
    CHECK(kiosk_test::overlaps(k.state()).empty());
    keep_shot(k, "photo-claim-zh-CN-1080x1920.png");
    k.tap("claim.photo");
    REQUIRE(k.screen() == "claim_entry");
    auto s = k.state();
    INFO("notice " << s["notice"]);
    CHECK(s["notice"]["key"] == "notice.photo_read");
    // Every step pre-filled from the photo: the shop matched by its name, the number, the paid
    // total, the date; the shopper checks each.
    CHECK(s["claim"]["shop"] == "1023");
    CHECK(s["claim"]["receipt"] == spec.number);
    CHECK(s["claim"]["amount"] == spec.paid_minor());
    CHECK(s["claim"]["date"] == kiosk_test::local_today(true));
    CHECK(s["keypad"] == "1023");
    CHECK(shows(k.texts(), "1023  优衣库"));
    CHECK(kiosk_test::overlaps(k.state()).empty());
    keep_shot(k, "photo-prefilled-zh-CN-1080x1920.png");
    k.tap("lang");
    CHECK(shows(k.texts(), "1023  UNIQLO"));
    CHECK(kiosk_test::overlaps(k.state()).empty());
    keep_shot(k, "photo-prefilled-en-1080x1920.png");
    k.tap("lang");
    const auto photo = std::filesystem::path(s["claim"]["photo"].get<std::string>());
    CHECK(photo.parent_path() == k.db().parent_path() / "claim-photos");
    CHECK(photo.filename() == s["claim"]["request_id"].get<std::string>() + ".png");
    CHECK(std::filesystem::file_size(photo) > 10000);

    k.tap("claim_entry.ok");
    CHECK(k.state()["keypad"] == spec.number);
    k.tap("claim_entry.ok");
    CHECK(k.state()["keypad"] == std::to_string(spec.paid_minor()));
    // The shopper types another amount.
    for (std::size_t i = 0; i < std::to_string(spec.paid_minor()).size(); ++i)
        k.tap("claim_entry.key.erase");
    const auto typed = spec.paid_minor() + 1000;
    k.keys("claim_entry", std::to_string(typed));
    k.tap("claim_entry.ok");
    CHECK(k.state()["keypad"] == digits(kiosk_test::local_today(true)));
    k.tap("claim_entry.ok");
    REQUIRE(k.screen() == "claim_confirm");
    CHECK(shows(k.texts(), "与照片识别的内容不同"));
    CHECK(kiosk_test::overlaps(k.state()).empty());
    keep_shot(k, "photo-confirm-zh-CN-1080x1920.png");
    k.tap("claim.submit");
    k.app().settle();
    CHECK(k.state()["notice"]["key"] == "notice.claim_pending");

    SystemClock clock;
    auto engine = Engine::open(k.db(), clock);
    REQUIRE(engine);
    auto waiting = (*engine)->receipt_claims().pending_of(member);
    REQUIRE(waiting);
    REQUIRE(waiting->size() == 1);
    const auto& claim = waiting->front();
    CHECK(claim.amount.minor == typed);
    CHECK(claim.receipt == spec.number);
    CHECK(claim.photo == photo.string());
    CHECK(std::filesystem::exists(claim.photo));
    char read[32];
    std::snprintf(read, sizeof read, "amount=%lld.%02lld",
                  static_cast<long long>(spec.paid_minor() / 100),
                  static_cast<long long>(spec.paid_minor() % 100));
    CHECK(claim.ocr_note == read);  // what OCR read, only where the claim differs
    CHECK(claim.review.find("the photo reads otherwise") != std::string::npos);
}

TEST_CASE(
    "a photographed receipt submitted as read is credited, its photo kept; English and "
    "landscape read well") {
    devices::test::ReceiptSpec spec;
    Kiosk k(1920, 1080, 600, with_mall, [&](kiosk::AppOptions& o) {
        const auto folder = o.db.parent_path() / "camera";
        spec = receipt_on_camera(folder);
        o.camera = folder.string();
        o.camera_fps = 5;
    });
    k.tap("demo.card.0");
    k.tap("lang");
    const auto before = k.state()["member"]["available"].get<long long>();
    k.tap("home.claim");
    for (int i = 0; i < 200 && shows(k.texts(), "camera is not connected"); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds{25});
        k.app().settle();
    }
    CHECK(kiosk_test::overlaps(k.state()).empty());
    keep_shot(k, "photo-claim-en-1920x1080.png");
    k.tap("claim.photo");
    REQUIRE(k.screen() == "claim_entry");
    CHECK(shows(k.texts(), "1023  UNIQLO"));
    CHECK(kiosk_test::overlaps(k.state()).empty());
    keep_shot(k, "photo-prefilled-en-1920x1080.png");
    k.tap("lang");
    CHECK(shows(k.texts(), "1023  优衣库"));
    CHECK(kiosk_test::overlaps(k.state()).empty());
    keep_shot(k, "photo-prefilled-zh-CN-1920x1080.png");
    k.tap("lang");
    for (int step = 0; step < 4; ++step) k.tap("claim_entry.ok");
    REQUIRE(k.screen() == "claim_confirm");
    CHECK_FALSE(shows(k.texts(), "differs from what the photo reads"));
    CHECK(kiosk_test::overlaps(k.state()).empty());
    keep_shot(k, "photo-confirm-en-1920x1080.png");
    const auto photo = k.state()["claim"]["photo"].get<std::string>();
    k.tap("claim.submit");
    k.app().settle();
    REQUIRE(k.state()["notice"]["key"] == "notice.claimed");
    CHECK(k.state()["member"]["available"].get<long long>() > before);
    SystemClock clock;
    auto engine = Engine::open(k.db(), clock);
    REQUIRE(engine);
    auto all = (*engine)->receipt_claims().list("DEMO", std::nullopt);
    REQUIRE(all);
    REQUIRE(all->size() == 1);
    CHECK(all->front().status == ClaimStatus::credited);
    CHECK(all->front().photo == photo);
    CHECK(all->front().ocr_note.empty());
}

TEST_CASE("without a camera there is no photo button; a cancelled photo claim leaves no file") {
    {
        Kiosk k(1080, 1920, 600, with_mall);
        k.tap("demo.card.0");
        k.tap("home.claim");
        CHECK_FALSE(k.app().tap("claim.photo"));
        CHECK(k.app().tap("claim.type"));
    }
    Kiosk k(1080, 1920, 600, with_mall, [&](kiosk::AppOptions& o) {
        const auto folder = o.db.parent_path() / "camera";
        (void)receipt_on_camera(folder);
        o.camera = folder.string();
        o.camera_fps = 5;
    });
    k.tap("demo.card.0");
    k.tap("home.claim");
    wait_for_camera(k);
    k.tap("claim.photo");
    REQUIRE(k.screen() == "claim_entry");
    const auto photo = k.state()["claim"]["photo"].get<std::string>();
    CHECK(std::filesystem::exists(photo));
    k.tap("claim_entry.back");  // the first step's Back gives the claim up
    CHECK(k.screen() == "claim");
    CHECK_FALSE(std::filesystem::exists(photo));
}

TEST_CASE("a kiosk whose OCR cannot open says so on the photo button, and the typed claim stays") {
    Kiosk k(1080, 1920, 600, with_mall, [&](kiosk::AppOptions& o) {
        const auto folder = o.db.parent_path() / "camera";
        (void)receipt_on_camera(folder);
        o.camera = folder.string();
        o.camera_fps = 5;
    });
    // No language data where Tesseract looks: as on a kiosk without tesseract-ocr-chi-sim.
    const auto empty = k.dir() / "no-tessdata";
    std::filesystem::create_directories(empty);
    ::setenv("TESSDATA_PREFIX", empty.c_str(), 1);
    k.tap("demo.card.0");
    k.tap("home.claim");
    wait_for_camera(k);
    k.tap("claim.photo");
    ::unsetenv("TESSDATA_PREFIX");
    CHECK(k.screen() == "claim");
    CHECK(k.state()["notice"]["key"] == "error.photo_no_ocr");
    CHECK(shows(k.texts(), "本机无法识别小票照片"));
    CHECK_FALSE(std::filesystem::exists(k.db().parent_path() / "claim-photos"));
    k.tap("claim.photo");  // disabled now: nothing happens
    CHECK(k.screen() == "claim");
    CHECK(kiosk_test::overlaps(k.state()).empty());
    k.tap("claim.type");
    CHECK(k.screen() == "claim_entry");
}
