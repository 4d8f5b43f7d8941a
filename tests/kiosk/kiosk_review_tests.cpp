// The manager's receipt-claim review at the kiosk (issue 18): behind the manager PIN, the
// claims waiting for review with why they wait; approval credits the points once, rejection
// keeps its reason and the member reads it at the next visit, once.
#include <stb_image_write.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "kiosk_harness.hpp"
#include "loyalty/demo_data.hpp"
#include "loyalty/engine.hpp"
#include "loyalty/receipt_claims.hpp"
#include "loyalty/storage/engine_storage.hpp"

using namespace loyalty;
using kiosk_test::Kiosk;

namespace {

// The demo program as a mall with two shops, where a claim above ¥500 waits for a manager.
void with_reviewed_mall(const std::filesystem::path& db) {
    kiosk_test::change_demo_program(db, [](ProgramConfig& config) {
        config.receipt_claims.shops = kiosk_test::two_mall_shops(Money{500000});
        config.receipt_claims.review_above = Money{50000};
    });
}

bool shows(const std::vector<std::string>& texts, const std::string& part) {
    return std::any_of(texts.begin(), texts.end(),
                       [&](const std::string& t) { return t.find(part) != std::string::npos; });
}

long long available(const Kiosk& k) {
    return k.state()["member"]["available"].get<long long>();
}

// The signed-in member types a receipt on the keypad and submits it.
void typed_claim(Kiosk& k, const std::string& shop, const std::string& receipt,
                 const std::string& amount_fen) {
    k.tap("home.claim");
    k.tap("claim.type");
    for (const auto& step : {shop, receipt, amount_fen, kiosk_test::local_today(false)}) {
        k.keys("claim_entry", step);
        k.tap("claim_entry.ok");
    }
    REQUIRE(k.screen() == "claim_confirm");
    k.tap("claim.submit");
    k.app().settle();
}

void manager_signs_in(Kiosk& k) {
    k.hold("manager.open");
    k.keys("manager", "246810");
    k.tap("manager.ok");
    REQUIRE(k.screen() == "manager_closing");
}

// Screenshots kept for a person to look at when KIOSK_REVIEW_SHOTS names a folder.
void keep_shot(Kiosk& k, const std::string& name) {
    k.shot(name);
    if (const char* dir = std::getenv("KIOSK_REVIEW_SHOTS")) {
        std::filesystem::create_directories(dir);
        std::filesystem::copy_file(k.dir() / name, std::filesystem::path(dir) / name,
                                   std::filesystem::copy_options::overwrite_existing);
    }
}

}  // namespace

TEST_CASE("a claim waiting for review, approved at the kiosk, credits its points once") {
    Kiosk k(1080, 1920, 600, with_reviewed_mall);
    k.tap("demo.card.0");
    const auto member = k.state()["member"]["id"].get<MemberId>();
    const auto before = available(k);
    typed_claim(k, "1023", "9001", "88800");  // ¥888.00, above ¥500: waits
    CHECK(k.state()["notice"]["key"] == "notice.claim_pending");
    CHECK(available(k) == before);
    k.tap("home.done");
    k.tap("rating.skip");

    manager_signs_in(k);
    CHECK(shows(k.texts(), "待审核小票 (1)"));
    k.tap("closing.claims");
    REQUIRE(k.screen() == "manager_claims");
    auto s = k.state();
    REQUIRE(s["review"]["claims"].size() == 1);
    const auto claim = s["review"]["claims"][0];
    const auto id = claim["id"].get<std::int64_t>();
    CHECK(claim["receipt"] == "9001");
    CHECK(claim["amount"] == 88800);
    CHECK(claim["review_above"] == 50000);                                        // why it waits
    CHECK(claim["member"].get<std::string>().find("****") != std::string::npos);  // masked
    const auto texts = k.texts();
    CHECK(shows(texts, "优衣库"));
    CHECK(shows(texts, "¥888.00"));
    CHECK(shows(texts, "金额超过 ¥500.00"));
    CHECK(shows(texts, "无照片"));
    CHECK(kiosk_test::overlaps(k.state()).empty());
    const auto points = claim["points"].get<long long>();
    CHECK(points >= 888);

    k.tap("review.approve." + std::to_string(id));
    s = k.state();
    CHECK(s["notice"]["key"] == "notice.review_approved");
    CHECK(s["review"]["claims"].empty());
    CHECK(shows(k.texts(), "没有待审核的小票"));
    CHECK_FALSE(k.app().tap("review.approve." + std::to_string(id)));  // gone from the list
    {
        SystemClock clock;
        auto engine = Engine::open(k.db(), clock);
        REQUIRE(engine);
        auto decided = (*engine)->receipt_claims().get(id);
        REQUIRE(decided);
        CHECK(decided->status == ClaimStatus::credited);
        CHECK(decided->decided_by == "M001");  // the kiosk's manager
        CHECK(decided->points == points);
        CHECK((*engine)->members().get(member)->points_available == before + points);
        // A second approval (another kiosk, the command line) is refused: credited once.
        auto again = (*engine)->receipt_claims().approve(id, "M001");
        REQUIRE_FALSE(again);
        CHECK(again.error().code == Errc::conflict);
        CHECK((*engine)->members().get(member)->points_available == before + points);
    }
    k.tap("review.closing");
    CHECK(k.screen() == "manager_closing");
    CHECK(shows(k.texts(), "待审核小票 (0)"));
    k.tap("manager.exit");
    k.tap("demo.card.0");
    CHECK(available(k) == before + points);
}

TEST_CASE("a rejected claim keeps its reason, and the member reads it at the next visit, once") {
    Kiosk k(1080, 1920, 600, with_reviewed_mall);
    k.tap("demo.card.0");
    const auto before = available(k);
    typed_claim(k, "3001", "880077", "66600");
    CHECK(k.state()["notice"]["key"] == "notice.claim_pending");
    k.tap("home.done");
    k.tap("rating.skip");

    manager_signs_in(k);
    k.tap("lang");  // the manager reads English; the member will read their own language
    k.tap("closing.claims");
    const auto id = k.state()["review"]["claims"][0]["id"].get<std::int64_t>();
    k.tap("review.reject." + std::to_string(id));
    CHECK(k.state()["review"]["rejecting"] == id);
    CHECK(shows(k.texts(), "Amount does not match"));
    CHECK(shows(k.texts(), "Not a receipt of this mall"));
    CHECK(kiosk_test::overlaps(k.state()).empty());
    k.tap("review.back");  // changed their mind: nothing decided
    CHECK(k.state()["review"]["rejecting"] == 0);
    CHECK(k.state()["review"]["claims"].size() == 1);
    k.tap("review.reject." + std::to_string(id));
    k.tap("review.reason.amount");
    auto s = k.state();
    CHECK(s["notice"]["key"] == "notice.review_rejected");
    CHECK(s["review"]["claims"].empty());
    {
        SystemClock clock;
        auto engine = Engine::open(k.db(), clock);
        REQUIRE(engine);
        auto decided = (*engine)->receipt_claims().get(id);
        REQUIRE(decided);
        CHECK(decided->status == ClaimStatus::rejected);
        CHECK(decided->decided_by == "M001");
        CHECK(decided->note.find("金额不符") != std::string::npos);
        CHECK(decided->note.find("Amount does not match") != std::string::npos);
        CHECK(decided->points == 0);
    }
    k.tap("review.closing");
    k.tap("manager.exit");

    // The next visit, in the kiosk's language: the rejection and its reason, on the home screen.
    k.tap("demo.card.0");
    REQUIRE(k.screen() == "member_home");
    CHECK(available(k) == before);
    s = k.state();
    REQUIRE(s["claim_refusals"].size() == 1);
    CHECK(s["claim_refusals"][0]["receipt"] == "880077");
    CHECK(shows(k.texts(), "金额不符"));
    CHECK(shows(k.texts(), "星巴克"));
    CHECK_FALSE(shows(k.texts(), "Amount does not match"));
    CHECK(kiosk_test::overlaps(k.state()).empty());
    k.tap("lang");
    CHECK(shows(k.texts(), "Amount does not match"));
    CHECK(shows(k.texts(), "Starbucks"));
    keep_shot(k, "review-refusal-home-en.png");
    k.tap("home.done");
    k.tap("rating.skip");
    // Told once: the visit after says nothing of it.
    k.tap("demo.card.0");
    CHECK(k.state()["claim_refusals"].empty());
    CHECK_FALSE(shows(k.texts(), "金额不符"));
}

TEST_CASE("the review list is reachable only after the manager PIN") {
    Kiosk k(1080, 1920, 600, with_reviewed_mall);
    k.tap("demo.card.0");
    typed_claim(k, "1023", "9002", "70000");
    REQUIRE(k.state()["notice"]["key"] == "notice.claim_pending");
    // No way to it from a shopper's screens.
    CHECK_FALSE(k.app().tap("closing.claims"));
    k.tap("home.done");
    k.tap("rating.skip");
    CHECK_FALSE(k.app().tap("closing.claims"));
    // A wrong PIN gives neither the report nor the queue.
    k.hold("manager.open");
    k.keys("manager", "111111");
    k.tap("manager.ok");
    CHECK(k.screen() == "manager_pin");
    CHECK_FALSE(k.app().tap("closing.claims"));
    CHECK(k.state()["review"].is_null());
    k.keys("manager", "246810");
    k.tap("manager.ok");
    REQUIRE(k.screen() == "manager_closing");
    k.tap("closing.claims");
    REQUIRE(k.screen() == "manager_claims");
    CHECK(k.state()["review"]["claims"].size() == 1);
    // A shopper's card tapped meanwhile does not open a session over the manager's queue.
    k.tap("demo.card.1");
    CHECK(k.screen() == "manager_claims");
    // The manager leaves: the queue goes with the session, and the way to it.
    k.tap("review.closing");
    k.tap("manager.exit");
    CHECK(k.screen() == "attract");
    CHECK(k.state()["review"].is_null());
    CHECK_FALSE(k.app().tap("closing.claims"));
}

TEST_CASE(
    "the review list reads in both languages, upright and sideways, with photos and "
    "the OCR's disagreement") {
    for (const auto& [w, h] : {std::pair{1080, 1920}, std::pair{1920, 1080}}) {
        Kiosk k(w, h, 600, [](const std::filesystem::path& db) {
            with_reviewed_mall(db);
            // A receipt photo as a kiosk keeps it (a grey test card, 1280x720).
            const auto photo = db.parent_path() / "claim-photos" / "c-review-1.png";
            std::filesystem::create_directories(photo.parent_path());
            std::vector<unsigned char> grey(1280 * 720);
            for (int y = 0; y < 720; ++y)
                for (int x = 0; x < 1280; ++x)
                    grey[static_cast<std::size_t>(y * 1280 + x)] =
                        static_cast<unsigned char>(x > 400 && x < 880 ? 235 : 60 + (y % 40));
            REQUIRE(stbi_write_png(photo.c_str(), 1280, 720, 1, grey.data(), 1280) != 0);
            SystemClock clock;
            auto engine = Engine::open(db, clock);
            REQUIRE(engine);
            const auto member = demo_showcase_members(**engine, "DEMO", 1).at(0);
            const auto submit = [&](const std::string& shop, const std::string& receipt,
                                    std::int64_t fen, const std::string& photo_path,
                                    const std::string& ocr_note) {
                ReceiptClaimRequest r;
                r.program = "DEMO";
                r.member = member;
                r.shop = shop;
                r.receipt = receipt;
                r.amount = Money{fen};
                r.date = kiosk_test::local_today(true);
                r.request_id = "review-" + receipt;
                r.photo = photo_path;
                r.ocr_note = ocr_note;
                auto done = (*engine)->receipt_claims().submit(r);
                REQUIRE(done);
                REQUIRE(done->claim.status == ClaimStatus::pending);
            };
            submit("1023", "A7001", 12850, photo.string(), "amount=28.50; receipt=A7001");
            submit("1023", "A7002", 99900, "", "");
            submit("3001", "880100", 4550, photo.string(), "date=2026-11-30");
            submit("1023", "A7003", 65000, "", "");
        });
        manager_signs_in(k);
        const auto tag = std::to_string(w) + "x" + std::to_string(h);
        for (const auto* lang : {"zh-CN", "en"}) {
            if (k.state()["lang"] != lang) k.tap("lang");
            INFO(lang << " at " << tag);
            CHECK(kiosk_test::overlaps(k.state()).empty());
            keep_shot(k, std::string("review-closing-") + lang + "-" + tag + ".png");
            k.tap("closing.claims");
            REQUIRE(k.screen() == "manager_claims");
            auto s = k.state();
            REQUIRE(s["review"]["claims"].size() == 4);
            CHECK(s["review"]["claims"][0]["receipt"] == "A7001");  // oldest first
            CHECK(s["review"]["claims"][0]["photo_shown"] == true);
            CHECK(kiosk_test::overlaps(s).empty());
            const auto texts = k.texts();
            CHECK(shows(texts, std::string(lang) == "en" ? "The photo reads otherwise"
                                                         : "照片识别与提交不符"));
            CHECK(shows(texts, "¥28.50"));
            keep_shot(k, std::string("review-list-") + lang + "-" + tag + ".png");
            // The photo large, a tap away.
            k.tap("review.photo." + std::to_string(s["review"]["claims"][0]["id"].get<long>()));
            CHECK(k.state()["review"]["enlarged"] != 0);
            CHECK(kiosk_test::overlaps(k.state()).empty());
            keep_shot(k, std::string("review-photo-") + lang + "-" + tag + ".png");
            k.tap("review.back");
            // Every claim is reachable, a page at a time.
            if (k.app().tap("review.next")) {
                CHECK(k.state()["review"]["page"] == 1);
                CHECK(kiosk_test::overlaps(k.state()).empty());
                k.tap("review.prev");
            }
            k.tap("review.reject." +
                  std::to_string(k.state()["review"]["claims"][1]["id"].get<long>()));
            CHECK(kiosk_test::overlaps(k.state()).empty());
            keep_shot(k, std::string("review-reject-") + lang + "-" + tag + ".png");
            k.tap("review.back");
            k.tap("review.closing");
        }
    }
}

TEST_CASE("a claim headquarters reversed is told to the member at the next visit, in their words") {
    Kiosk k(1080, 1920, 600, with_reviewed_mall);
    k.tap("demo.card.0");
    const auto uid = k.state()["member"]["uid"].get<std::string>();
    typed_claim(k, "1023", "550012", "12800");
    REQUIRE(k.state()["notice"]["key"] == "notice.claimed");
    k.tap("home.done");
    k.tap("rating.skip");
    {
        // The hub's word (another kiosk took the receipt first), as the store's link applies it.
        SystemClock clock;
        auto engine = Engine::open(k.db(), clock);
        REQUIRE(engine);
        auto claims = (*engine)->receipt_claims().list("DEMO", ClaimStatus::credited);
        REQUIRE(claims);
        REQUIRE(claims->size() == 1);
        CHECK_FALSE(
            (*engine)->receipt_claims().reverse_from_hub("S001/K01/none", "S001", uid, "x"));
        auto events = engine_database(**engine).prepare(
            "SELECT json_extract(payload, '$.claim') FROM outbox WHERE type = 'receipt.claimed'");
        const auto real_uid = events.scalar<std::string>();
        REQUIRE(real_uid);
        REQUIRE((*engine)->receipt_claims().reverse_from_hub(
            *real_uid, "S001", uid, "receipt claimed first at S002/K01 (claim S002/K01/a1)"));
    }
    k.tap("demo.card.0");
    REQUIRE(k.screen() == "member_home");
    auto s = k.state();
    REQUIRE(s["claim_refusals"].size() == 1);
    CHECK(s["claim_refusals"][0]["reversed"] == true);
    CHECK(shows(k.texts(), "已在其他自助机积分"));
    CHECK_FALSE(shows(k.texts(), "claimed first at"));  // the hub's note is for staff
    k.tap("lang");
    CHECK(shows(k.texts(), "already been claimed at another kiosk"));
    CHECK(kiosk_test::overlaps(k.state()).empty());
}

TEST_CASE(
    "a kiosk deletes receipt photos past their kept days when it starts; a waiting claim's photo "
    "and a photo being taken now stay") {
    std::filesystem::path photos;
    std::int64_t credited_id = 0;
    std::int64_t waiting_id = 0;
    Kiosk k(1080, 1920, 60, [&](const std::filesystem::path& db) {
        with_reviewed_mall(db);
        photos = db.parent_path() / "claim-photos";
        std::filesystem::create_directories(photos);
        for (const auto* name : {"decided.png", "waiting.png", "left-behind.png", "taking.png"})
            std::ofstream(photos / name) << "png";
        // A photo no claim refers to: three days old (its kiosk stopped mid-claim), and one
        // written a moment ago (the claim a shopper is making). The claims' own are as old
        // as the claims.
        const auto now = std::filesystem::file_time_type::clock::now();
        std::filesystem::last_write_time(photos / "left-behind.png", now - std::chrono::hours{72});
        for (const auto* name : {"decided.png", "waiting.png"})
            std::filesystem::last_write_time(photos / name, now - std::chrono::hours{24 * 100});
        // Both claims made 100 days ago: one credited at once, one still waiting for review.
        ManualClock clock{SystemClock{}.now() - Days{100}};
        auto engine = Engine::open(db, clock);
        REQUIRE(engine);
        const auto member = demo_showcase_members(**engine, "DEMO", 1).at(0);
        const auto submit = [&](const std::string& receipt, std::int64_t fen,
                                const std::filesystem::path& photo) {
            ReceiptClaimRequest r;
            r.program = "DEMO";
            r.member = member;
            r.shop = "1023";
            r.receipt = receipt;
            r.amount = Money{fen};
            r.date = claim_day_of(clock.now() - Days{1}, 480);
            r.request_id = "keep-" + receipt;
            r.photo = photo.string();
            auto done = (*engine)->receipt_claims().submit(r);
            REQUIRE_MESSAGE(done, (done ? "" : done.error().message));
            return done->claim;
        };
        const auto credited = submit("K1", 12850, photos / "decided.png");
        REQUIRE(credited.status == ClaimStatus::credited);
        credited_id = credited.id;
        // Above ¥500, so reviewed; its photo recorded as a kiosk started with another spelling
        // of the database's path would record it.
        const auto waiting =
            submit("K2", 99900, db.parent_path() / "." / "claim-photos" / "waiting.png");
        REQUIRE(waiting.status == ClaimStatus::pending);
        waiting_id = waiting.id;
    });
    k.app().settle();
    CHECK_FALSE(std::filesystem::exists(photos / "decided.png"));
    CHECK_FALSE(std::filesystem::exists(photos / "left-behind.png"));
    CHECK(std::filesystem::exists(photos / "waiting.png"));
    CHECK(std::filesystem::exists(photos / "taking.png"));
    SystemClock clock;
    auto engine = Engine::open(k.db(), clock);
    REQUIRE(engine);
    CHECK((*engine)->receipt_claims().get(credited_id)->photo.empty());
    CHECK((*engine)->receipt_claims().get(credited_id)->status == ClaimStatus::credited);
    CHECK((*engine)->receipt_claims().get(waiting_id)->photo.ends_with("waiting.png"));
}
