// Campaign output on the kiosk: messages a campaign left for the member's next
// visit, shown once on the member home; a rating fires rating campaigns.
#include "kiosk_harness.hpp"
#include "loyalty/campaigns.hpp"
#include "loyalty/engine.hpp"
#include "loyalty/storage/engine_storage.hpp"

using namespace kiosk_test;

namespace {

const std::string kSorry =
    "抱歉让您失望了，店长会联系您 / Sorry we let you down: the manager will call you";

// A low rating leaves a message for the next visit; every rating earns 20 points.
const std::string kCampaigns = R"({
  "schema": 1,
  "program": "DEMO",
  "campaigns": [
    {"code": "rating-bonus", "version": 1, "name": "评价有礼 Rating bonus",
     "trigger": {"type": "rating_given"},
     "actions": [{"type": "bonus_points", "points": 20}]},
    {"code": "rating-sorry", "version": 1, "name": "差评回访 Low rating follow-up",
     "trigger": {"type": "rating_given", "max_score": 2},
     "actions": [{"type": "kiosk_message", "text": ")" +
                               kSorry + R"("}]}
  ]
})";

// The campaigns installed and every member consenting to marketing (campaigns
// act only for those), before the kiosk opens the database.
void prepare(const std::filesystem::path& db) {
    loyalty::SystemClock clock;
    auto engine = loyalty::Engine::open(db, clock);
    REQUIRE(engine);
    auto loaded = (*engine)->campaigns().load(kCampaigns, "test");
    REQUIRE_MESSAGE(loaded, (loaded ? "" : loaded.error().message));
    REQUIRE(loaded->refused.empty());
    REQUIRE(loaded->installed.size() == 2);
    engine_database(**engine).exec(
        "UPDATE members SET consent_marketing_at = 1 WHERE consent_marketing_at IS NULL");
}

// What the member said at the till's survey, as another terminal would record it.
loyalty::Points rate_elsewhere(const std::filesystem::path& db, loyalty::MemberId member,
                               int score) {
    loyalty::SystemClock clock;
    auto engine = loyalty::Engine::open(db, clock);
    REQUIRE(engine);
    auto program = (*engine)->members().get(member);
    REQUIRE(program);
    auto outcome = (*engine)->ratings().record(program->program, member, score);
    REQUIRE_MESSAGE(outcome, (outcome ? "" : outcome.error().message));
    return outcome->bonus_points;
}

bool contains(const std::vector<std::string>& texts, const std::string& s) {
    for (const auto& t : texts)
        if (t == s) return true;
    return false;
}

// The message is in the state and drawn: ink inside its rectangle, nothing overlapping.
void check_message_shown(Kiosk& k, const std::string& shot) {
    const auto s = k.state();
    REQUIRE(s["kiosk_messages"].size() == 1);
    CHECK(s["kiosk_messages"][0] == kSorry);
    CHECK(contains(k.texts(), kSorry));
    const auto pixels = k.shot(shot);
    int drawn = 0;
    for (const auto& w : s["widgets"]) {
        if (w["text"] != kSorry) continue;
        ++drawn;
        CHECK(pixels.ink(w["x"], w["y"], w["w"], w["h"]) > 200);
        // Above the actions.
        for (const auto& b : s["widgets"])
            if (b["id"] == "home.rewards") CHECK(w["y"].get<float>() < b["y"].get<float>());
    }
    CHECK(drawn == 1);
    const auto bad = overlaps(s);
    for (const auto& b : bad) CHECK_MESSAGE(false, b);
    if (!bad.empty()) MESSAGE(s["widgets"].dump());
}

}  // namespace

TEST_CASE(
    "a campaign's kiosk message shows once on the member home; a kiosk rating fires rating "
    "campaigns") {
    Kiosk k(1080, 1920, 60, prepare);
    k.tap("demo.card.0");
    REQUIRE(k.screen() == "member_home");
    const auto member = k.state()["member"]["id"].get<loyalty::MemberId>();
    const auto points_before = k.state()["member"]["available"].get<loyalty::Points>();
    CHECK(k.state()["kiosk_messages"].empty());
    CHECK_FALSE(contains(k.texts(), "给您的消息"));
    k.tap("home.done");
    k.tap("rating.skip");

    // A low rating given elsewhere leaves a message for the next kiosk visit.
    CHECK(rate_elsewhere(k.db(), member, 1) == 20);

    k.tap("demo.card.0");
    REQUIRE(k.screen() == "member_home");
    // Written by another connection: the kiosk reads it fresh.
    CHECK(k.state()["member"]["available"].get<loyalty::Points>() == points_before + 20);
    CHECK(contains(k.texts(), "给您的消息"));
    check_message_shown(k, "message-zh.png");
    k.tap("lang");  // the campaign's text stays; the card's title is translated
    CHECK(contains(k.texts(), "A message for you"));
    check_message_shown(k, "message-en.png");

    // Done, then five stars: the rating campaign pays, and the thank-you screen says so.
    k.tap("home.done");
    REQUIRE(k.screen() == "rating");
    CHECK(k.state()["member"].is_null());  // nothing of the shopper on the rating screen
    k.tap("rating.5");
    REQUIRE(k.screen() == "thanks");
    CHECK(k.state()["rating_points"] == 20);
    CHECK(contains(k.texts(), "Thanks for rating: +20 points"));
    CHECK(overlaps(k.state()).empty());
    k.tap("thanks.ok");

    // Shown once: the next visit does not repeat it; the points of the kiosk rating are there.
    k.tap("demo.card.0");
    REQUIRE(k.screen() == "member_home");
    CHECK(k.state()["kiosk_messages"].empty());
    CHECK_FALSE(contains(k.texts(), kSorry));
    CHECK_FALSE(contains(k.texts(), "A message for you"));
    CHECK(k.state()["member"]["available"].get<loyalty::Points>() == points_before + 40);
}

TEST_CASE("the kiosk message card fits the landscape member home") {
    Kiosk k(1920, 1080, 60, prepare);
    k.tap("demo.card.1");
    REQUIRE(k.screen() == "member_home");
    const auto member = k.state()["member"]["id"].get<loyalty::MemberId>();
    k.tap("home.done");
    k.tap("rating.skip");
    rate_elsewhere(k.db(), member, 2);
    k.tap("demo.card.1");
    REQUIRE(k.screen() == "member_home");
    check_message_shown(k, "message-landscape-zh.png");
    k.tap("lang");
    check_message_shown(k, "message-landscape-en.png");
}

TEST_CASE("a campaign message given per language is shown in the shopper's (issue 19)") {
    const auto prepare_bilingual = [](const std::filesystem::path& db) {
        loyalty::SystemClock clock;
        auto engine = loyalty::Engine::open(db, clock);
        REQUIRE(engine);
        auto loaded = (*engine)->campaigns().load(R"({"schema": 1, "program": "DEMO",
          "campaigns": [{"code": "sorry-2", "version": 1, "name": "回访",
            "trigger": {"type": "rating_given", "max_score": 2},
            "actions": [{"type": "kiosk_message",
                         "text": {"zh-CN": "店长会联系您", "en": "The manager will call you"}}]}]})",
                                                  "test");
        REQUIRE_MESSAGE(loaded, (loaded ? "" : loaded.error().message));
        REQUIRE(loaded->refused.empty());
        engine_database(**engine).exec(
            "UPDATE members SET consent_marketing_at = 1 WHERE consent_marketing_at IS NULL");
    };
    Kiosk k(1080, 1920, 60, prepare_bilingual);
    k.tap("demo.card.0");
    const auto member = k.state()["member"]["id"].get<loyalty::MemberId>();
    k.tap("home.done");
    k.tap("rating.skip");
    rate_elsewhere(k.db(), member, 1);
    k.tap("demo.card.0");
    REQUIRE(k.screen() == "member_home");
    CHECK(contains(k.texts(), "店长会联系您"));
    CHECK_FALSE(contains(k.texts(), "The manager will call you"));
    k.tap("lang");
    CHECK(contains(k.texts(), "The manager will call you"));
    CHECK_FALSE(contains(k.texts(), "店长会联系您"));
}
