// The mall's points kiosk: a receipt of any shop, read from its QR (an e-invoice, a shop's own
// format), confirmed by the shopper and claimed once; every refusal says why.
#include <algorithm>
#include <chrono>
#include <cstdio>

#include "kiosk_harness.hpp"
#include "loyalty/demo_data.hpp"
#include "loyalty/engine.hpp"
#include "loyalty/signed_codes.hpp"

using namespace loyalty;
using kiosk_test::Kiosk;

namespace {

// The demo program with two of a mall's shops, saved in the store database before the kiosk opens.
void with_mall_shops(const std::filesystem::path& db) {
    kiosk_test::change_demo_program(db, [](ProgramConfig& config) {
        config.receipt_claims.shops = kiosk_test::two_mall_shops(Money{500000});
    });
}

long long available(const Kiosk& k) {
    return k.state()["member"]["available"].get<long long>();
}

}  // namespace

TEST_CASE("an e-invoice of any shop is confirmed, its shop picked, and claimed once") {
    Kiosk k(1080, 1920, 60, with_mall_shops);
    const auto invoice =
        "01,10,044031900111,12345678,128.50," + kiosk_test::local_today() + ",1234,A1B2,";
    k.scan(devices::ScanKind::qr, invoice);  // nobody signed in: not a claim yet
    CHECK(k.screen() != "claim_confirm");
    k.tap("demo.card.0");
    REQUIRE(k.screen() == "member_home");
    const auto before = available(k);
    k.scan(devices::ScanKind::qr, invoice);
    REQUIRE(k.screen() == "claim_confirm");
    auto s = k.state();
    CHECK(s["claim"]["receipt"] == "044031900111-12345678");
    CHECK(s["claim"]["amount"] == 12850);
    CHECK(s["claim"]["shop"] == "");  // an e-invoice names no shop
    k.tap("claim.submit");
    CHECK(k.state()["notice"]["key"] == "error.claim_pick_shop");
    CHECK(k.screen() == "claim_confirm");
    k.shot("claim-confirm-zh.png");
    CHECK(kiosk_test::overlaps(k.state()).empty());
    k.tap("claim.shop.1023");
    k.tap("claim.submit");
    k.app().settle();
    REQUIRE(k.screen() == "member_home");
    s = k.state();
    REQUIRE(s["notice"]["key"] == "notice.claimed");
    const auto credited = std::stoll(s["notice"]["args"][0].get<std::string>());
    CHECK(credited >= 128);  // ¥128.50 at 1 point per yuan, times the member's tier
    CHECK(available(k) == before + credited);

    // The same invoice again, even under another shop: refused, and said so.
    k.scan(devices::ScanKind::qr, invoice);
    REQUIRE(k.screen() == "claim_confirm");
    k.tap("claim.shop.3001");
    k.tap("claim.submit");
    k.app().settle();
    CHECK(k.screen() == "member_home");
    CHECK(k.state()["notice"]["key"] == "error.receipt_claimed");
    CHECK(available(k) == before + credited);

    // A shop's own receipt QR names its shop: straight to submit.
    k.scan(devices::ScanKind::qr, "UQ|A0017|99.00|" + kiosk_test::local_today());
    REQUIRE(k.screen() == "claim_confirm");
    CHECK(k.state()["claim"]["shop"] == "1023");
    k.tap("claim.submit");
    k.app().settle();
    CHECK(k.state()["notice"]["key"] == "notice.claimed");

    // Below the shop's range, and a garbled e-invoice: refused with the reason.
    k.scan(devices::ScanKind::qr, "UQ|A0018|5.00|" + kiosk_test::local_today());
    k.tap("claim.submit");
    k.app().settle();
    CHECK(k.state()["notice"]["key"] == "error.claim_amount");
    k.scan(devices::ScanKind::qr, "01,10,0440319,12345678,12.3.4,20261301,,");
    CHECK(k.state()["notice"]["key"] == "error.claim_unreadable");
    CHECK(k.screen() == "member_home");
}

TEST_CASE("the receipt confirmation reads in English too, without overlaps, upright and sideways") {
    for (const auto& [w, h] : {std::pair{1080, 1920}, std::pair{1920, 1080}}) {
        Kiosk k(w, h, 60, with_mall_shops);
        k.tap("demo.card.0");
        k.tap("lang");
        k.scan(devices::ScanKind::qr,
               "01,32,,26312000000012345678,99.00," + kiosk_test::local_today() + ",,C3D4");
        REQUIRE(k.screen() == "claim_confirm");
        const auto texts = k.texts();
        CHECK(std::find(texts.begin(), texts.end(), "UNIQLO") != texts.end());
        CHECK(kiosk_test::overlaps(k.state()).empty());
        k.shot("claim-confirm-en-" + std::to_string(w) + ".png");
    }
}

TEST_CASE("a receipt without a QR code is typed on the keypad, step by step, then confirmed") {
    Kiosk k(1080, 1920, 60, with_mall_shops);
    k.tap("demo.card.0");
    const auto before = available(k);
    k.tap("home.claim");
    REQUIRE(k.screen() == "claim");
    k.tap("claim.type");
    REQUIRE(k.screen() == "claim_entry");
    k.keys("claim_entry", "9999");  // no such shop
    k.tap("claim_entry.ok");
    CHECK(k.state()["notice"]["key"] == "error.claim_shop_unknown");
    for (int i = 0; i < 4; ++i) k.tap("claim_entry.key.erase");
    k.keys("claim_entry", "3001");
    k.tap("claim_entry.ok");
    k.keys("claim_entry", "880017");
    k.tap("claim_entry.ok");
    k.keys("claim_entry", "4550");  // ¥45.50
    k.shot("claim-entry-amount.png");
    CHECK(kiosk_test::overlaps(k.state()).empty());
    const auto shown = k.texts();
    CHECK(std::find(shown.begin(), shown.end(), "¥45.50") != shown.end());
    k.tap("claim_entry.ok");
    k.keys("claim_entry", "20261301");  // month 13
    k.tap("claim_entry.ok");
    CHECK(k.state()["notice"]["key"] == "error.claim_date");
    for (int i = 0; i < 8; ++i) k.tap("claim_entry.key.erase");
    // Back goes a step back, keeping what the earlier steps took.
    k.tap("claim_entry.back");
    CHECK(k.state()["claim"]["amount"] == 4550);
    k.keys("claim_entry", "4560");
    k.tap("claim_entry.ok");
    k.keys("claim_entry", kiosk_test::local_today());
    k.tap("claim_entry.ok");
    REQUIRE(k.screen() == "claim_confirm");
    auto s = k.state();
    CHECK(s["claim"]["shop"] == "3001");
    CHECK(s["claim"]["receipt"] == "880017");
    CHECK(s["claim"]["amount"] == 4560);
    CHECK(s["claim"]["source"] == "keyed");
    k.tap("claim.submit");
    k.app().settle();
    REQUIRE(k.state()["notice"]["key"] == "notice.claimed");
    CHECK(available(k) > before);
}

namespace {

// The store database of a mall's kiosk that also knows a brand's club (DEMO): the mall program,
// and the DEMO showcase's first member also a mall member with 3,210 points. The second is the
// brand's only, and carries a brand card (uid 04AB0000000002).
struct TwoPrograms {
    std::string both_uid, brand_only_uid;
};

TwoPrograms with_mall_and_brand(const std::filesystem::path& db) {
    SystemClock clock;
    auto engine = Engine::open(db, clock);
    REQUIRE(engine.ok());
    auto mall = load_program_config_file(std::filesystem::path(LOYALTY_SOURCE_DIR) /
                                         "assets/config/demo-mall.toml");
    REQUIRE(mall.ok());
    REQUIRE((*engine)->programs().save(*mall, "test").ok());
    const auto ids = demo_showcase_members(**engine, "DEMO", 2);
    REQUIRE(ids.size() == 2);
    auto& members = (*engine)->members();
    EnrollRequest join;
    join.program = "MALL";
    join.phone = *members.phone_of(ids[0]);
    join.display_name = "商场会员";
    join.consent_privacy = true;
    auto joined = members.enroll(join);
    REQUIRE(joined.ok());
    REQUIRE((*engine)->ledger().adjust(joined->member.id, 3210, "test", "test", "mall-pts").ok());
    REQUIRE(members.set_pin(joined->member.id, "1357").ok());
    REQUIRE(members.link_identity(ids[1], IdentityKind::card_uid, "04AB0000000002", "test").ok());
    return {members.get(ids[0])->uid, members.get(ids[1])->uid};
}

}  // namespace

TEST_CASE("a member of the mall and of a brand sees both cards' balances on the member home") {
    TwoPrograms who;
    Kiosk k(
        1080, 1920, 60, [&](const auto& db) { who = with_mall_and_brand(db); },
        [](kiosk::AppOptions& o) { o.also_programs = {"MALL"}; });
    k.tap("demo.card.0");  // the brand's (DEMO's) first showcase member, a mall member too
    REQUIRE(k.screen() == "member_home");
    auto s = k.state();
    REQUIRE(s["member"]["other_cards"].size() == 1);
    CHECK(s["member"]["other_cards"][0]["program"] == "MALL");
    CHECK(s["member"]["other_cards"][0]["available"] == 3210);
    const auto shown = k.texts();
    CHECK(std::find(shown.begin(), shown.end(), "悦城购物中心 · 普卡：3,210 积分") != shown.end());
    CHECK(std::find(shown.begin(), shown.end(), "悦享会 可用积分") != shown.end());
    CHECK(kiosk_test::overlaps(k.state()).empty());
    k.shot("two-cards-zh.png");
    k.tap("home.done");
    // The brand's second member has no mall card: one balance, labelled as before.
    k.tap("demo.card.1");
    REQUIRE(k.screen() == "member_home");
    CHECK(k.state()["member"]["other_cards"].is_null());
    const auto alone = k.texts();
    CHECK(std::find(alone.begin(), alone.end(), "可用积分") != alone.end());
}

TEST_CASE(
    "at the mall's kiosk a brand's card or code signs in the same shopper's mall membership") {
    auto key = signing_key_from_seed_hex("app-1", std::string(64, '6'));
    REQUIRE(key.ok());
    TwoPrograms who;
    Kiosk k(
        1920, 1080, 60, [&](const auto& db) { who = with_mall_and_brand(db); },
        [&](kiosk::AppOptions& o) {
            o.program = "MALL";
            o.also_programs = {"DEMO"};
            o.trusted_keys = {"app-1:" + public_key_hex(*key)};
        });
    const auto code = [&](const std::string& uid, const std::string& nonce) {
        return mint_member_code(MemberCode{"DEMO", uid, SystemClock().now(), nonce}, *key);
    };
    // The brand app's code of a shopper in both: the phone they share finds the mall member,
    // whose PIN signs them in (a phone alone is no proof); the brand card is shown beside.
    k.scan(devices::ScanKind::qr, code(who.both_uid, "n1"));
    REQUIRE(k.screen() == "pin_entry");
    CHECK(k.state()["notice"]["key"] == "notice.pin_for_program");
    CHECK(k.state()["member"].is_null());
    k.keys("pin", "0000");
    k.tap("pin.ok");
    CHECK(k.screen() != "member_home");
    k.scan(devices::ScanKind::card_uid,
           "04AB0000000002");  // the other one's brand card: asked to join
    CHECK(k.state()["notice"]["key"] == "error.join_this_program");
    k.scan(devices::ScanKind::qr, code(who.both_uid, "n4"));
    REQUIRE(k.screen() == "pin_entry");
    k.keys("pin", "1357");
    k.tap("pin.ok");
    REQUIRE(k.screen() == "member_home");
    auto s = k.state();
    CHECK(s["member"]["available"] == 3210);
    REQUIRE(s["member"]["other_cards"].size() == 1);
    CHECK(s["member"]["other_cards"][0]["program"] == "DEMO");
    CHECK(s["member"]["other_cards"][0]["available"].get<long long>() > 0);
    CHECK(kiosk_test::overlaps(k.state()).empty());
    k.shot("two-cards-landscape.png");
    // The same code again is refused as any replayed code.
    k.tap("home.done");
    k.scan(devices::ScanKind::qr, code(who.both_uid, "n1"));
    CHECK(k.state()["notice"]["key"] == "error.code_replayed");
    // The brand's member without a mall card, by code or by the brand's card: asked to join.
    k.scan(devices::ScanKind::qr, code(who.brand_only_uid, "n2"));
    CHECK(k.screen() != "member_home");
    CHECK(k.state()["notice"]["key"] == "error.join_this_program");
    k.scan(devices::ScanKind::card_uid, "04AB0000000002");
    CHECK(k.state()["notice"]["key"] == "error.join_this_program");
    CHECK(k.state()["pending_card"].is_null());
    // A code of a program the kiosk does not know stays unreadable.
    k.scan(devices::ScanKind::qr,
           mint_member_code(MemberCode{"OTHER", who.both_uid, SystemClock().now(), "n3"}, *key));
    CHECK(k.state()["notice"]["key"] == "error.code_invalid");
}
