// Members and identities: enrollment, identification, cards, linking, merging.
#include <doctest/doctest.h>

#include <algorithm>

#include "loyalty/storage/engine_storage.hpp"
#include "test_support.hpp"

using namespace loyalty;
using namespace loyalty::test;

TEST_CASE("enrolling needs privacy consent and leaves the shopper with a working electronic card") {
    Fixture f;
    EnrollRequest r{"TEST", "",    "138 0013 8000", "李雷",       5, 20,
                    false,  false, std::nullopt,    std::nullopt, ""};
    CHECK(f.engine->members().enroll(r).error().code == Errc::invalid_argument);
    r.consent_privacy = true;
    r.birthday_month.reset();  // a day alone says nothing
    CHECK(f.engine->members().enroll(r).error().code == Errc::invalid_argument);
    r.birthday_month = 5;
    auto e = f.engine->members().enroll(r);
    REQUIRE(e.ok());
    CHECK(e->member.tier_code == "silver");
    CHECK(e->member.consent_privacy);
    CHECK_FALSE(e->member.consent_marketing);
    CHECK(e->card_number.size() == 16);
    auto by_card = f.engine->members().identify("TEST", IdentityKind::card_number, e->card_number);
    REQUIRE(by_card.ok());
    CHECK(by_card->id == e->member.id);
    auto by_phone = f.engine->members().identify("TEST", IdentityKind::phone, "+86 138-0013-8000");
    REQUIRE(by_phone.ok());
    CHECK(by_phone->id == e->member.id);
    CHECK(f.engine->members().enroll(r).error().code == Errc::conflict);  // same phone again
}

TEST_CASE("phone numbers are normalised to E.164 and garbage is refused") {
    CHECK(*normalize_phone("13800138000", "86") == "+8613800138000");
    CHECK(*normalize_phone("+86 138 0013 8000", "86") == "+8613800138000");
    CHECK(*normalize_phone("0086-138-0013-8000", "86") == "+8613800138000");
    CHECK(*normalize_phone("(0)20 7946 0958", "44") == "+442079460958");
    CHECK_FALSE(normalize_phone("12345", "86").ok());
    CHECK_FALSE(normalize_phone("138abc00138000", "86").ok());
    CHECK_FALSE(normalize_phone("+1234567890123456", "86").ok());
}

TEST_CASE("names and phones are masked for screens and receipts") {
    CHECK(mask_name("张三") == "张*");
    CHECK(mask_name("欧阳娜娜") == "欧**娜");
    CHECK(mask_name("王小明") == "王*明");
    CHECK(mask_name("Alice") == "A***e");
    CHECK(mask_phone("+8613800138000") == "+86 138****8000");
}

TEST_CASE("an unknown card is not found; a lost, blocked or replaced card is refused") {
    Fixture f;
    const auto m = f.enroll("13800000020");
    auto& cards = f.engine->cards();
    CHECK(f.engine->members().identify("TEST", IdentityKind::card_number, "0000").error().code ==
          Errc::not_found);
    auto card = cards.issue(m, CardForm::physical, "6200001", std::string("04A1B2C3"), "clerk");
    REQUIRE(card.ok());
    CHECK(card->status == CardStatus::issued);
    CHECK(f.engine->members().identify("TEST", IdentityKind::card_number, "6200001").error().code ==
          Errc::blocked);
    REQUIRE(cards.activate("TEST", "6200001", "clerk").ok());
    CHECK(f.engine->members().identify("TEST", IdentityKind::card_uid, "04A1B2C3")->id == m);
    REQUIRE(cards.report_lost("TEST", "6200001", "clerk").ok());
    auto lost = f.engine->members().identify("TEST", IdentityKind::card_number, "6200001");
    CHECK(lost.error().code == Errc::blocked);
    CHECK(lost.error().message.find("lost") != std::string::npos);
    CHECK(cards.block("TEST", "6200001", "", "mgr").error().code == Errc::invalid_argument);
    REQUIRE(cards.block("TEST", "6200001", "fraud suspected", "mgr").ok());
    CHECK(cards.activate("TEST", "6200001", "clerk").error().code == Errc::conflict);
    const auto audit = f.engine->audit().for_subject("card:6200001");
    CHECK(audit.size() == 4);  // issued, activated, lost, blocked
}

TEST_CASE("a replacement card inherits the balance and the old card stops working") {
    Fixture f;
    const auto m = f.enroll("13800000021");
    REQUIRE(f.engine->ledger().adjust(m, 700, "welcome", "mgr", "k").ok());
    auto& cards = f.engine->cards();
    REQUIRE(cards.issue(m, CardForm::physical, "6200002", std::nullopt, "clerk").ok());
    REQUIRE(cards.activate("TEST", "6200002", "clerk").ok());
    REQUIRE(cards.report_lost("TEST", "6200002", "clerk").ok());
    auto fresh = cards.replace("TEST", "6200002", "6200003", std::nullopt, "clerk");
    REQUIRE(fresh.ok());
    CHECK(fresh->status == CardStatus::active);
    auto by_new = f.engine->members().identify("TEST", IdentityKind::card_number, "6200003");
    REQUIRE(by_new.ok());
    CHECK(by_new->id == m);
    CHECK(by_new->points_available == 700);
    CHECK(f.engine->members().identify("TEST", IdentityKind::card_number, "6200002").error().code ==
          Errc::blocked);
}

TEST_CASE("an identity belongs to one member; the last identity cannot be unlinked") {
    Fixture f;
    const auto a = f.enroll("13800000022");
    const auto b = f.enroll("13800000023");
    auto& members = f.engine->members();
    REQUIRE(members.link_identity(a, IdentityKind::union_id, "oWX-union-1", "kiosk").ok());
    REQUIRE(members.link_identity(a, IdentityKind::union_id, "oWX-union-1", "kiosk")
                .ok());  // already: fine
    CHECK(members.link_identity(b, IdentityKind::union_id, "oWX-union-1", "kiosk").error().code ==
          Errc::conflict);
    CHECK(members.identify("TEST", IdentityKind::union_id, "oWX-union-1")->id == a);
    REQUIRE(members.unlink_identity(a, IdentityKind::union_id, "oWX-union-1", "kiosk").ok());
    CHECK(members.identify("TEST", IdentityKind::union_id, "oWX-union-1").error().code ==
          Errc::not_found);
    // b has its phone and its electronic card: remove the card identity, then the phone must stay.
    const auto ids = members.identities(b);
    REQUIRE(ids.size() == 2);
    for (const auto& id : ids)
        if (id.kind == IdentityKind::card_number)
            REQUIRE(members.unlink_identity(b, id.kind, id.value, "mgr").ok());
    CHECK(members.unlink_identity(b, IdentityKind::phone, "+8613800000023", "mgr").error().code ==
          Errc::conflict);
}

TEST_CASE(
    "merging two accounts of one person merges balances, history and identities, with an audit "
    "entry") {
    Fixture f;
    const auto keep = f.enroll("13800000024");
    const auto gone = f.enroll("13800000025");
    f.sell(keep, "M1", {line("TS-1", "apparel", 1, 300000)});  // 3000 pending
    f.sell(gone, "M2", {line("TS-1", "apparel", 1, 250000)});  // 2500 pending
    f.advance_days(8);
    REQUIRE(f.engine->ledger().run_due(f.clock.now()).ok());
    f.sell(gone, "M3", {line("TS-1", "apparel", 1, 10000)});  // 100 pending
    REQUIRE(f.engine->insight().add_tag(gone, "vip-event", "mgr").ok());
    auto merged = f.engine->members().merge(keep, gone, "same person, two phones", "mgr-li");
    REQUIRE_MESSAGE(merged.ok(), (merged.ok() ? "" : merged.error().message));
    CHECK(merged->points_available == 5500);
    CHECK(merged->points_pending == 100);
    CHECK(merged->tier_code == "gold");  // 3000 + 2500 + 100 CNY spend now counts together
    CHECK(f.engine->members().identify("TEST", IdentityKind::phone, "13800000025")->id == keep);
    CHECK(f.engine->members().get(gone)->status == "merged");
    CHECK(f.engine->insight().tags(keep).count("vip-event") == 1);
    CHECK(f.engine->insight().facts(keep, f.clock.now(), 365).visits == 3);
    const auto audit = f.engine->audit().for_subject("member:" + std::to_string(keep));
    CHECK(std::any_of(audit.begin(), audit.end(),
                      [](auto& a) { return a.action == "member.merged"; }));
    CHECK(f.engine->members().merge(keep, gone, "again", "mgr").error().code == Errc::conflict);
    // Pending points of the absorbed account still release to the survivor.
    f.advance_days(8);
    REQUIRE(f.engine->ledger().run_due(f.clock.now()).ok());
    CHECK(f.balance(keep).available == 5600);
    f.require_balances_agree();
}

TEST_CASE("a member PIN is stored hashed and checked") {
    Fixture f;
    const auto m = f.enroll("13800000026");
    CHECK(f.engine->members().set_pin(m, "12").error().code == Errc::invalid_argument);
    REQUIRE(f.engine->members().set_pin(m, "2580").ok());
    CHECK(f.engine->members().verify_pin(m, "2580").ok());
    CHECK(f.engine->members().verify_pin(m, "2581").error().code == Errc::unauthorized);
    auto st = engine_database(*f.engine).prepare("SELECT pin_hash FROM members WHERE id = ?");
    st.bind(1, m);
    REQUIRE(st.step());
    CHECK(st.text(0).find("2580") == std::string::npos);
    CHECK(st.text(0).rfind("$argon2id$", 0) == 0);
}

TEST_CASE("five wrong member PINs lock the PIN; a new PIN (after an SMS code) ends the lockout") {
    Fixture f;
    const auto m = f.enroll("13800000028");
    REQUIRE(f.engine->members().set_pin(m, "2580").ok());
    for (int i = 0; i < Staff::kMaxFailures; ++i)
        CHECK_FALSE(f.engine->members().verify_pin(m, "0000").ok());
    auto locked = f.engine->members().verify_pin(m, "2580");
    REQUIRE_FALSE(locked.ok());
    CHECK(locked.error().message.find("locked") != std::string::npos);
    REQUIRE(f.engine->members().set_pin(m, "3691").ok());
    CHECK(f.engine->members().verify_pin(m, "3691").ok());
    CHECK_FALSE(f.engine->members().verify_pin(m, "2580").ok());
}

TEST_CASE("support staff can look a member up by any identity") {
    Fixture f;
    const auto m = f.enroll("13800000027");
    REQUIRE(f.engine->members().link_identity(m, IdentityKind::app_code, "APP-778899", "app").ok());
    CHECK(f.engine->members().lookup_any("TEST", "APP-778899")->id == m);
    CHECK(f.engine->members().lookup_any("TEST", "13800000027")->id == m);
    CHECK(f.engine->members().lookup_any("TEST", "nobody").error().code == Errc::not_found);
}

TEST_CASE("staff PINs lock out after repeated failures and only managers pass manager checks") {
    Fixture f;
    auto& staff = f.engine->staff();
    REQUIRE(staff.set_pin("M01", "Manager Li", StaffRole::manager, "246810", "setup").ok());
    REQUIRE(staff.set_pin("C01", "Cashier Wu", StaffRole::cashier, "135790", "setup").ok());
    CHECK(staff.require_manager("M01", "246810").ok());
    CHECK(staff.require_manager("C01", "135790").error().code == Errc::unauthorized);
    for (int i = 0; i < Staff::kMaxFailures; ++i)
        CHECK_FALSE(staff.authenticate("M01", "000000").ok());
    auto locked = staff.authenticate("M01", "246810");
    REQUIRE_FALSE(locked.ok());
    CHECK(locked.error().message.find("locked") != std::string::npos);
    f.clock.advance(std::chrono::minutes{Staff::kLockoutMinutes + 1});
    CHECK(staff.authenticate("M01", "246810").ok());
}

TEST_CASE("one person can be a member of the mall's program and the brand's at once") {
    Fixture f;  // brand program TEST
    auto mall = test_program();
    mall.code = "MALL";
    mall.kind = "mall";
    mall.earning.points_per_unit = 2;  // the mall gives 2 points per yuan
    REQUIRE(f.engine->programs().save(mall, "setup").ok());
    const auto brand_member = f.enroll("13800000080");
    EnrollRequest r{"MALL", "",   "13800000080", "王小明",     1, 1,
                    true,   true, std::nullopt,  std::nullopt, ""};
    auto mall_member = f.engine->members().enroll(r);
    REQUIRE(mall_member.ok());
    CHECK(mall_member->member.id != brand_member);
    CHECK(f.engine->members().identify("MALL", IdentityKind::phone, "13800000080")->id ==
          mall_member->member.id);
    CHECK(f.engine->members().identify("TEST", IdentityKind::phone, "13800000080")->id ==
          brand_member);
    // The same purchase earns in each program by its own rules, under one receipt per program.
    f.sell(brand_member, "OMO-1", {line("TS-1", "apparel", 1, 10000)});
    SaleRequest in_mall{
        "MALL", "", "", "OMO-1", mall_member->member.id, {line("TS-1", "apparel", 1, 10000)},
        0,      {}};
    auto mall_sale = f.engine->sales().commit(in_mall);
    REQUIRE(mall_sale.ok());
    CHECK_FALSE(mall_sale->replayed);
    CHECK(f.balance(brand_member).pending == 100);
    CHECK(f.balance(mall_member->member.id).pending == 200);
    // A member of one program cannot be charged in another.
    SaleRequest crossed{"MALL", "", "", "OMO-2", brand_member, {line("TS-1", "apparel", 1, 10000)},
                        0,      {}};
    CHECK(f.engine->sales().commit(crossed).error().code == Errc::not_found);
    CHECK(
        f.engine->members().merge(brand_member, mall_member->member.id, "x", "mgr").error().code ==
        Errc::invalid_argument);
}

TEST_CASE("a card handed over at enrollment is the new member's at once; a card on file is not") {
    Fixture f;
    auto& members = f.engine->members();
    auto& cards = f.engine->cards();
    EnrollRequest r;
    r.program = "TEST";
    r.phone = "13800000090";
    r.consent_privacy = true;
    r.physical_card = "6300001";
    auto e = members.enroll(r);
    REQUIRE_MESSAGE(e.ok(), (e.ok() ? "" : e.error().message));
    CHECK(e->physical_card == "6300001");
    CHECK(cards.find("TEST", "6300001")->status == CardStatus::active);
    CHECK(members.identify("TEST", IdentityKind::card_number, "6300001")->id == e->member.id);
    CHECK(members.identify("TEST", IdentityKind::card_number, e->card_number)->id == e->member.id);

    // Someone's card (here the first member's electronic one), a blocked card, no number at all:
    // refused, and the enrollment does not happen either.
    const auto backlog = f.engine->outbox().backlog();
    r.phone = "13800000091";
    r.physical_card = e->card_number;
    auto taken = members.enroll(r);
    CHECK(taken.error().code == Errc::conflict);
    CHECK(taken.error().message.find("another member") != std::string::npos);
    const auto other = f.enroll("13800000092");
    REQUIRE(cards.issue(other, CardForm::physical, "6300002", std::nullopt, "clerk").ok());
    REQUIRE(cards.block("TEST", "6300002", "fraud suspected", "mgr").ok());
    const auto after_setup = f.engine->outbox().backlog();
    r.physical_card = "6300002";
    auto blocked = members.enroll(r);
    CHECK(blocked.error().code == Errc::blocked);
    CHECK(blocked.error().message.find("blocked") != std::string::npos);
    r.physical_card = "";
    CHECK(members.enroll(r).error().code == Errc::invalid_argument);
    CHECK(members.identify("TEST", IdentityKind::phone, "13800000091").error().code ==
          Errc::not_found);
    CHECK(f.engine->outbox().backlog() == after_setup);
    CHECK(after_setup > backlog);
}

TEST_CASE("an enrollment repeated under its request id replays it; another phone is a conflict") {
    Fixture f;
    auto& members = f.engine->members();
    EnrollRequest r;
    r.program = "TEST";
    r.phone = "13800000095";
    r.display_name = "韩梅梅";
    r.consent_privacy = true;
    r.physical_card = "6300005";
    r.idempotency_key = "till-7-0001";
    auto first = members.enroll(r);
    REQUIRE_MESSAGE(first.ok(), (first.ok() ? "" : first.error().message));
    CHECK_FALSE(first->replayed);
    const auto backlog = f.engine->outbox().backlog();
    r.phone = "+86 138-0000-0095";  // the same number, written another way
    auto again = members.enroll(r);
    REQUIRE_MESSAGE(again.ok(), (again.ok() ? "" : again.error().message));
    CHECK(again->replayed);
    CHECK(again->member.uid == first->member.uid);
    CHECK(again->card_number == first->card_number);
    CHECK(again->physical_card == "6300005");
    CHECK(f.engine->outbox().backlog() == backlog);

    r.phone = "13800000096";
    auto other = members.enroll(r);
    CHECK(other.error().code == Errc::conflict);
    CHECK(other.error().message.find("till-7-0001") != std::string::npos);
    CHECK(members.identify("TEST", IdentityKind::phone, "13800000096").error().code ==
          Errc::not_found);
    // Without the id, the same phone again is simply taken, and the message masks it.
    r.phone = "13800000095";
    r.idempotency_key.clear();
    r.physical_card.reset();
    auto twice = members.enroll(r);
    CHECK(twice.error().code == Errc::conflict);
    CHECK(twice.error().message.find("+86 138****0095") != std::string::npos);
    CHECK(twice.error().message.find("13800000095") == std::string::npos);
}
