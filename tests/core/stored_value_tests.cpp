// Stored value (储值): the issue's numbers, each a test. Balances in fen.
#include <doctest/doctest.h>

#include <future>
#include <thread>

#include "loyalty/storage/database.hpp"
#include "loyalty/storage/engine_storage.hpp"
#include "test_support.hpp"

using namespace loyalty;
using namespace loyalty::test;

namespace {

ProgramConfig program_with(DeductionOrder order) {
    auto c = test_program();
    c.stored_value.order = order;
    return c;
}

SaleRequest paying(MemberId member, const std::string& receipt, std::int64_t price,
                   std::int64_t from_balance) {
    SaleRequest s;
    s.program = "TEST";
    s.receipt = receipt;
    s.member = member;
    s.lines = {line("SKU-1", "apparel", 1, price)};
    s.stored_value = {StoredValueTender{std::nullopt, Money{from_balance}}};
    s.member_verified = true;
    return s;
}

SvBalance balance_of(Fixture& f, MemberId m) {
    auto b = f.engine->stored_value().member_balance(m);
    REQUIRE(b.ok());
    return *b;
}

// A valid bearer card number: 15 digits and their Luhn check digit.
std::string card_number(const std::string& first15) {
    for (char check = '0'; check <= '9'; ++check)
        if (gift_card_number_valid(first15 + check)) return first15 + check;
    FAIL("no check digit");
    return {};
}

}  // namespace

TEST_CASE("top up 1,000.00 with 100.00 bonus, spend 300.00: each deduction order") {
    struct Case {
        DeductionOrder order;
        std::int64_t principal_left, bonus_left;
    };
    for (const auto c : {Case{DeductionOrder::bonus_first, 80000, 0},
                         Case{DeductionOrder::principal_first, 70000, 10000},
                         Case{DeductionOrder::proportional, 72727, 7273}}) {
        CAPTURE(static_cast<int>(c.order));
        Fixture f(program_with(c.order));
        const auto m = f.enroll("13800000001");
        auto topped = f.engine->stored_value().top_up(top_up_of(m, 100000, "TU-1"));
        REQUIRE_MESSAGE(topped.ok(), (topped.ok() ? "" : topped.error().message));
        CHECK(topped->bonus == Money{10000});
        CHECK(topped->rule == "充1000送100 Top up 1000 get 100");
        CHECK(topped->balance.principal == Money{100000});

        auto sale = f.engine->sales().commit(paying(m, "R-1", 30000, 30000));
        REQUIRE_MESSAGE(sale.ok(), (sale.ok() ? "" : sale.error().message));
        REQUIRE(sale->sv_payments.size() == 1);
        const auto& pay = sale->sv_payments[0];
        CHECK(pay.principal + pay.bonus == Money{30000});  // exactly the amount paid
        CHECK(sale->to_pay == Money{0});
        const auto after = balance_of(f, m);
        CHECK(after.principal == Money{c.principal_left});
        CHECK(after.bonus == Money{c.bonus_left});

        // The refund gives back exactly what was taken, part by part.
        RefundRequest back;
        back.program = "TEST";
        back.receipt = "R-1";
        back.refund_ref = "RF-1";
        auto refunded = f.engine->sales().refund(back);
        REQUIRE(refunded.ok());
        CHECK(refunded->sv_principal_restored == pay.principal);
        CHECK(refunded->sv_bonus_restored == pay.bonus);
        const auto restored = balance_of(f, m);
        CHECK(restored.principal == Money{100000});
        CHECK(restored.bonus == Money{10000});
        auto again = f.engine->sales().refund(back);  // the same slip again: nothing moves
        REQUIRE(again.ok());
        CHECK(again->replayed);
        CHECK(again->sv_principal_restored == pay.principal);
        CHECK(balance_of(f, m).total() == Money{110000});
        auto bad = f.engine->stored_value().verify_all();
        REQUIRE(bad.ok());
        CHECK(bad->empty());
    }
}

TEST_CASE("partial refunds of a stored-value sale return every fen by the last one") {
    Fixture f(program_with(DeductionOrder::proportional));
    const auto m = f.enroll("13800000002");
    REQUIRE(f.engine->stored_value().top_up(top_up_of(m, 100000, "TU-1")).ok());
    auto s = paying(m, "R-1", 0, 30000);
    s.lines = {line("A", "apparel", 3, 10000)};
    REQUIRE(f.engine->sales().commit(s).ok());
    for (int i = 1; i <= 3; ++i) {
        RefundRequest r;
        r.program = "TEST";
        r.receipt = "R-1";
        r.refund_ref = "RF-" + std::to_string(i);
        r.lines = {RefundLine{1, 1}};
        REQUIRE(f.engine->sales().refund(r).ok());
    }
    const auto b = balance_of(f, m);
    CHECK(b.principal == Money{100000});
    CHECK(b.bonus == Money{10000});
}

TEST_CASE("a top-up refunded as cash: principal out, bonus back; short when the bonus is spent") {
    SUBCASE("bonus untouched: the member receives the whole top-up") {
        Fixture f;
        const auto m = f.enroll("13800000003");
        REQUIRE(f.engine->stored_value().top_up(top_up_of(m, 100000, "TU-1", "cash")).ok());
        auto r = f.engine->stored_value().refund_top_up(
            TopUpRefundRequest{"TEST", "TU-1", "TR-1", false, "manager"});
        REQUIRE(r.ok());
        CHECK(r->cash_out == Money{100000});
        CHECK(r->bonus_taken_back == Money{10000});
        CHECK(r->bonus_short == Money{0});
        CHECK(balance_of(f, m).total() == Money{0});
    }
    SUBCASE("bonus spent: the refund says how short it is and what the member receives") {
        Fixture f;  // bonus first: a 300.00 sale spends the whole 100.00 bonus
        const auto m = f.enroll("13800000004");
        REQUIRE(f.engine->stored_value().top_up(top_up_of(m, 100000, "TU-1", "cash")).ok());
        REQUIRE(f.engine->sales().commit(paying(m, "R-1", 30000, 30000)).ok());
        auto preview = f.engine->stored_value().refund_top_up(
            TopUpRefundRequest{"TEST", "TU-1", "TR-1", true, "manager"});
        REQUIRE(preview.ok());
        CHECK(preview->bonus_short == Money{10000});
        CHECK(preview->principal_debited == Money{80000});
        CHECK(preview->cash_out == Money{70000});
        CHECK(balance_of(f, m).principal == Money{80000});  // a dry run changes nothing
        auto r = f.engine->stored_value().refund_top_up(
            TopUpRefundRequest{"TEST", "TU-1", "TR-1", false, "manager"});
        REQUIRE(r.ok());
        CHECK(r->cash_out == Money{70000});
        CHECK(balance_of(f, m).total() == Money{0});
        auto twice = f.engine->stored_value().refund_top_up(
            TopUpRefundRequest{"TEST", "TU-1", "TR-2", false, "manager"});
        REQUIRE_FALSE(twice.ok());
        CHECK(twice.error().code == Errc::already_used);
    }
}

TEST_CASE("legal limits: a registered balance past 5,000.00 and a bearer card past 1,000.00") {
    Fixture f;
    const auto m = f.enroll("13800000005");
    // 3,000.00 reaches the 2,000 rule: 300.00 bonus, 3,300.00 held.
    REQUIRE(f.engine->stored_value().top_up(top_up_of(m, 300000, "TU-1")).ok());
    REQUIRE(balance_of(f, m).total() == Money{330000});
    // 1,600.00 and the 1,000 rule's 100.00 bonus reach 5,000.00 exactly; a fen more is over.
    auto over = f.engine->stored_value().top_up(top_up_of(m, 160001, "TU-2"));
    REQUIRE_FALSE(over.ok());
    CHECK(over.error().code == Errc::limit_exceeded);
    CHECK(over.error().message.find("5000.01") != std::string::npos);
    auto exact = f.engine->stored_value().top_up(top_up_of(m, 160000, "TU-3"));
    REQUIRE_MESSAGE(exact.ok(), (exact.ok() ? "" : exact.error().message));
    CHECK(exact->balance.total() == Money{500000});
    auto one_fen = f.engine->stored_value().top_up(top_up_of(m, 1, "TU-4"));
    REQUIRE_FALSE(one_fen.ok());
    CHECK(one_fen.error().message.find("5000.01") != std::string::npos);

    const auto card = card_number("600000000000001");
    TopUpRequest sell_card;
    sell_card.program = "TEST";
    sell_card.card = card;
    sell_card.amount = Money{100001};
    sell_card.tender = "cash";
    sell_card.request_id = "GC-1";
    auto too_much = f.engine->stored_value().top_up(sell_card);
    REQUIRE_FALSE(too_much.ok());
    CHECK(too_much.error().code == Errc::limit_exceeded);
    CHECK(too_much.error().message.find("1000.01") != std::string::npos);
    sell_card.amount = Money{100000};
    auto sold = f.engine->stored_value().top_up(sell_card);
    REQUIRE(sold.ok());
    CHECK(sold->bonus == Money{0});  // a bearer card is cash: no rule applies
    REQUIRE(sold->balance.expires_at);
    CHECK(*sold->balance.expires_at - f.clock.now() >= Days{3 * 365});
    auto typo = card;
    typo.back() = typo.back() == '9' ? '0' : static_cast<char>(typo.back() + 1);
    auto mistyped = f.engine->stored_value().card_balance("TEST", typo);
    REQUIRE_FALSE(mistyped.ok());
    CHECK(mistyped.error().message.find("check digit") != std::string::npos);
}

TEST_CASE("a top-up retried with its request id is credited once; ten at once, one credit") {
    Fixture f;
    const auto m = f.enroll("13800000006");
    auto first = f.engine->stored_value().top_up(top_up_of(m, 50000, "TU-1"));
    REQUIRE(first.ok());
    auto again = f.engine->stored_value().top_up(top_up_of(m, 50000, "TU-1"));
    REQUIRE(again.ok());
    CHECK(again->replayed);
    CHECK(again->balance.total() == first->balance.total());
    CHECK(balance_of(f, m).total() == Money{53000});
    auto other = f.engine->stored_value().top_up(top_up_of(m, 60000, "TU-1"));
    REQUIRE_FALSE(other.ok());
    CHECK(other.error().code == Errc::conflict);

    // Ten processes' connections to one file, the same request at once.
    const auto path = f.dir.path() / "store.db";
    std::vector<std::future<std::string>> answers;
    for (int i = 0; i < 10; ++i)
        answers.push_back(std::async(std::launch::async, [&, i] {
            ManualClock clock{test_epoch()};
            auto engine =
                Engine::open(path, clock, EngineOptions{{"S001", "T0" + std::to_string(i)}, {}});
            REQUIRE(engine.ok());
            auto r = (*engine)->stored_value().top_up(top_up_of(m, 100000, "TU-10"));
            REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
            return format_money(r->amount) + "/" + format_money(r->bonus) + "/" +
                   format_money(r->balance.principal) + "/" + format_money(r->balance.bonus);
        }));
    std::vector<std::string> seen;
    for (auto& a : answers) seen.push_back(a.get());
    for (const auto& s : seen) CHECK(s == seen.front());
    CHECK(balance_of(f, m).total() == Money{53000 + 110000});
}

TEST_CASE("two tills spending one balance at once never take it below zero") {
    Fixture f;
    const auto m = f.enroll("13800000007");
    REQUIRE(f.engine->stored_value().top_up(top_up_of(m, 50000, "TU-1")).ok());  // 530.00
    const auto path = f.dir.path() / "store.db";
    std::vector<std::future<bool>> tills;
    for (int i = 0; i < 2; ++i)
        tills.push_back(std::async(std::launch::async, [&, i] {
            ManualClock clock{test_epoch()};
            auto engine = Engine::open(path, clock,
                                       EngineOptions{{"S001", "T0" + std::to_string(i + 1)}, {}});
            REQUIRE(engine.ok());
            auto r = (*engine)->sales().commit(paying(m, "R-" + std::to_string(i), 40000, 40000));
            if (!r) CHECK(r.error().code == Errc::insufficient_funds);
            return r.ok();
        }));
    int succeeded = 0;
    for (auto& t : tills) succeeded += t.get() ? 1 : 0;
    CHECK(succeeded == 1);
    CHECK(balance_of(f, m).total() == Money{13000});
}

TEST_CASE("points are earned on real tender and principal: 100 WeChat + 30 principal + 20 bonus") {
    auto c = test_program();
    c.stored_value.order = DeductionOrder::principal_first;
    Fixture f(c);
    const auto m = f.enroll("13800000008");
    // 30.00 principal and 20.00 bonus on the balance, set by a manager's adjustment.
    REQUIRE(f.engine->stored_value()
                .adjust(SvAdjustment{m, Money{3000}, Money{2000}, "opening balance", "manager",
                                     "ADJ-1"})
                .ok());
    auto s = paying(m, "R-1", 15000, 5000);
    auto sale = f.engine->sales().commit(s);
    REQUIRE_MESSAGE(sale.ok(), (sale.ok() ? "" : sale.error().message));
    CHECK(sale->sv_payments.at(0).principal == Money{3000});
    CHECK(sale->sv_payments.at(0).bonus == Money{2000});
    CHECK(sale->to_pay == Money{10000});
    CHECK(sale->earned == 130);
    CHECK(f.engine->audit().for_subject("member:" + f.engine->members().get(m)->uid).size() >= 1);
}

TEST_CASE("bonus money only pays for eligible categories and up to the per-bill cap") {
    auto c = test_program();
    c.stored_value.bonus_categories = {"apparel"};
    c.stored_value.max_bonus_per_bill = Money{5000};
    Fixture f(c);
    const auto m = f.enroll("13800000009");
    REQUIRE(f.engine->stored_value().top_up(top_up_of(m, 100000, "TU-1")).ok());
    auto s = paying(m, "R-1", 0, 20000);
    s.lines = {line("A", "apparel", 1, 8000), line("B", "beauty", 1, 12000)};
    auto q = f.engine->sales().quote(s);
    REQUIRE(q.ok());
    CHECK(q->sv_bonus == Money{5000});  // 80.00 apparel, capped at 50.00
    CHECK(q->sv_payments.at(0).principal == Money{15000});
}

TEST_CASE("a registered balance above pin_above needs the member's PIN or a fresh QR") {
    Fixture f;  // the demo program asks above 500.00
    const auto m = f.enroll("13800000010");
    REQUIRE(f.engine->stored_value().top_up(top_up_of(m, 100000, "TU-1")).ok());
    auto s = paying(m, "R-1", 60000, 60000);
    s.member_verified = false;
    auto refused = f.engine->sales().commit(s);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().code == Errc::unauthorized);
    s.member_verified = true;
    CHECK(f.engine->sales().commit(s).ok());
}

TEST_CASE("several gift cards pay one bill; a card never activated is not found") {
    Fixture f;
    std::vector<std::string> cards;
    for (int i = 0; i < 2; ++i) {
        cards.push_back(card_number("60000000000001" + std::to_string(i)));
        TopUpRequest sell;
        sell.program = "TEST";
        sell.card = cards.back();
        sell.amount = Money{5000};
        sell.tender = "cash";
        sell.request_id = "GC-" + std::to_string(i);
        REQUIRE(f.engine->stored_value().top_up(sell).ok());
    }
    SaleRequest s;
    s.program = "TEST";
    s.receipt = "R-1";
    s.lines = {line("A", "apparel", 1, 12000)};
    s.stored_value = {StoredValueTender{cards[0], Money{5000}},
                      StoredValueTender{cards[1], Money{4000}}};
    auto sale = f.engine->sales().commit(s);
    REQUIRE_MESSAGE(sale.ok(), (sale.ok() ? "" : sale.error().message));
    CHECK(sale->to_pay == Money{3000});
    CHECK(f.engine->stored_value().card_balance("TEST", cards[0])->total() == Money{0});
    CHECK(f.engine->stored_value().card_balance("TEST", cards[1])->total() == Money{1000});
    s.receipt = "R-2";
    s.stored_value = {StoredValueTender{card_number("600000000000999"), Money{100}}};
    auto unknown = f.engine->sales().commit(s);
    REQUIRE_FALSE(unknown.ok());
    CHECK(unknown.error().code == Errc::not_found);
}

TEST_CASE("verify finds a balance that disagrees with its ledger") {
    Fixture f;
    const auto m = f.enroll("13800000011");
    REQUIRE(f.engine->stored_value().top_up(top_up_of(m, 50000, "TU-1")).ok());
    engine_database(*f.engine).exec("UPDATE sv_accounts SET principal_minor = principal_minor + 1");
    auto bad = f.engine->stored_value().verify_all();
    REQUIRE(bad.ok());
    REQUIRE(bad->size() == 1);
    CHECK(bad->front().materialized.principal == Money{50001});
    CHECK(bad->front().from_ledger.principal == Money{50000});
}

TEST_CASE("a lost card replaced: the new card finds the member and the whole balance") {
    Fixture f;
    const auto m = f.enroll("13800000012");
    REQUIRE(
        f.engine->cards().issue(m, CardForm::physical, "8800000000000100", std::nullopt, "t").ok());
    REQUIRE(f.engine->cards().activate("TEST", "8800000000000100", "t").ok());
    REQUIRE(f.engine->stored_value().top_up(top_up_of(m, 100000, "TU-1")).ok());
    REQUIRE(f.engine->cards().report_lost("TEST", "8800000000000100", "t").ok());
    REQUIRE(f.engine->cards()
                .replace("TEST", "8800000000000100", "8800000000000101", std::nullopt, "t")
                .ok());
    auto found =
        f.engine->members().identify("TEST", IdentityKind::card_number, "8800000000000101");
    REQUIRE(found.ok());
    CHECK(found->id == m);
    CHECK(balance_of(f, found->id).total() == Money{110000});
}

TEST_CASE("a sale paid from the balance, committed again, answers the first figures") {
    Fixture f;
    const auto m = f.enroll("13800000013");
    REQUIRE(f.engine->stored_value().top_up(top_up_of(m, 100000, "TU-1")).ok());
    const auto first = f.engine->sales().commit(paying(m, "R-1", 30000, 30000));
    REQUIRE(first.ok());
    REQUIRE(f.engine->sales().commit(paying(m, "R-2", 10000, 10000)).ok());  // moves the balance
    const auto again = f.engine->sales().commit(paying(m, "R-1", 30000, 30000));
    REQUIRE(again.ok());
    CHECK(again->replayed);
    REQUIRE(again->sv_payments.size() == 1);
    CHECK(again->sv_payments[0].balance_after == first->sv_payments[0].balance_after);
    CHECK(again->sv_value == Money{30000});
    CHECK(balance_of(f, m).total() == Money{70000});
}

TEST_CASE("a top-up rule's points, coupon and tier; its refund takes them back") {
    auto c = test_program();
    c.stored_value.top_ups.back().coupon = c.rewards.front().code;  // the 2,000 rule: + a coupon
    Fixture f(c);
    const auto m = f.enroll("13800000014");
    auto topped = f.engine->stored_value().top_up(top_up_of(m, 200000, "TU-1"));
    REQUIRE_MESSAGE(topped.ok(), (topped.ok() ? "" : topped.error().message));
    CHECK(topped->bonus == Money{30000});
    CHECK(topped->points == 500);
    CHECK(topped->tier == std::optional<std::string>("gold"));
    REQUIRE(topped->coupons.size() == 1);
    CHECK(f.engine->members().get(m)->tier_code == "gold");
    CHECK(f.balance(m).available == 500);
    auto refunded = f.engine->stored_value().refund_top_up(
        TopUpRefundRequest{"TEST", "TU-1", "TR-1", false, "manager"});
    REQUIRE(refunded.ok());
    CHECK(refunded->cash_out == Money{200000});
    CHECK(refunded->points_taken_back == 500);
    CHECK(refunded->coupons_cancelled == 1);
    CHECK(refunded->tier_reverted);
    CHECK(f.engine->members().get(m)->tier_code != "gold");
    CHECK(f.balance(m).available == 0);
    CHECK(f.engine->rewards().coupons_of(m, true).empty());
    const auto uid = f.engine->members().get(m)->uid;
    bool audited = false;
    for (const auto& a : f.engine->audit().for_subject("member:" + uid))
        audited = audited || a.action == "stored_value.top_up_refunded";
    CHECK(audited);
    auto unmanaged = f.engine->stored_value().refund_top_up(
        TopUpRefundRequest{"TEST", "TU-1", "TR-9", false, ""});
    REQUIRE_FALSE(unmanaged.ok());
    CHECK(unmanaged.error().code == Errc::unauthorized);
}

TEST_CASE("a top-up refund whose spent bonus passes the principal left says what is owed") {
    auto c = test_program();
    c.stored_value.top_ups = {TopUpRule{"half back", Money{10000}, Money{5000}}};
    Fixture f(c);
    const auto m = f.enroll("13800000015");
    REQUIRE(f.engine->stored_value().top_up(top_up_of(m, 10000, "TU-1")).ok());  // 100 + 50
    REQUIRE(f.engine->sales().commit(paying(m, "R-1", 12000, 12000)).ok());      // 50 bonus + 70
    auto r = f.engine->stored_value().refund_top_up(
        TopUpRefundRequest{"TEST", "TU-1", "TR-1", false, "manager"});
    REQUIRE(r.ok());
    CHECK(r->principal_debited == Money{3000});
    CHECK(r->bonus_short == Money{5000});
    CHECK(r->cash_out == Money{0});
    CHECK(r->bonus_uncovered == Money{2000});
    CHECK(balance_of(f, m).total() == Money{0});
}

TEST_CASE("amounts near the limits of 64 bits are refused, never wrapped") {
    Fixture f;
    const auto m = f.enroll("13800000016");
    REQUIRE(f.engine->stored_value().top_up(top_up_of(m, 1, "TU-1")).ok());
    auto huge = f.engine->stored_value().top_up(
        top_up_of(m, std::numeric_limits<std::int64_t>::max(), "TU-2"));
    REQUIRE_FALSE(huge.ok());
    CHECK(huge.error().code == Errc::limit_exceeded);
    auto adjust = f.engine->stored_value().adjust(SvAdjustment{
        m, Money{std::numeric_limits<std::int64_t>::max()}, Money{1}, "x", "manager", "ADJ-1"});
    REQUIRE_FALSE(adjust.ok());
    CHECK(balance_of(f, m).total() == Money{1});
    CHECK(split_payment(DeductionOrder::proportional, SvBalance{}, Money{0}, Money{0})->principal ==
          Money{0});
}

TEST_CASE("an adjustment's request id answers its first result, and refuses another") {
    Fixture f;
    const auto m = f.enroll("13800000017");
    auto first = f.engine->stored_value().adjust(
        SvAdjustment{m, Money{1000}, Money{0}, "goodwill", "manager", "ADJ-1"});
    REQUIRE(first.ok());
    auto again = f.engine->stored_value().adjust(
        SvAdjustment{m, Money{1000}, Money{0}, "goodwill", "manager", "ADJ-1"});
    REQUIRE(again.ok());
    CHECK(again->principal == Money{1000});
    auto other = f.engine->stored_value().adjust(
        SvAdjustment{m, Money{5000}, Money{0}, "goodwill", "manager", "ADJ-1"});
    REQUIRE_FALSE(other.ok());
    CHECK(other.error().code == Errc::conflict);
    CHECK(balance_of(f, m).total() == Money{1000});
}

TEST_CASE("proportional ties round half up, and a bonus cap moves the rest onto principal") {
    // 1.00 from 1.00 + 1.00: the principal part is exactly 0.50.
    auto tie = split_payment(DeductionOrder::proportional, SvBalance{Money{100}, Money{100}},
                             Money{1000}, Money{1});
    REQUIRE(tie.ok());
    CHECK(tie->principal == Money{1});  // 0.5 fen rounds up
    CHECK(tie->bonus == Money{0});
    auto capped = split_payment(DeductionOrder::proportional,
                                SvBalance{Money{100000}, Money{100000}}, Money{1000}, Money{10000});
    REQUIRE(capped.ok());
    CHECK(capped->bonus == Money{1000});
    CHECK(capped->principal == Money{9000});
}

TEST_CASE(
    "a merge moves the balance, and a later refund of the absorbed member's sale follows it") {
    Fixture f;
    const auto a = f.enroll("13800000018");
    const auto b = f.enroll("13800000019");
    REQUIRE(f.engine->stored_value().top_up(top_up_of(a, 50000, "TU-A")).ok());  // 530.00
    REQUIRE(f.engine->sales().commit(paying(a, "R-A", 10000, 10000)).ok());
    REQUIRE(f.engine->members().merge(b, a, "same person", "manager").ok());
    CHECK(balance_of(f, b).total() == Money{43000});
    RefundRequest back;
    back.program = "TEST";
    back.receipt = "R-A";
    back.refund_ref = "RF-A";
    REQUIRE(f.engine->sales().refund(back).ok());
    CHECK(balance_of(f, b).total() == Money{53000});
    auto bad = f.engine->stored_value().verify_all();
    REQUIRE(bad.ok());
    CHECK(bad->empty());
}
