// Sales at the till: idempotent commit, points payment, refunds that reverse
// earned points proportionally and restore redeemed ones.
#include <doctest/doctest.h>
#include <sodium.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <limits>
#include <nlohmann/json.hpp>

#include "loyalty/checked_math.hpp"
#include "loyalty/storage/engine_storage.hpp"
#include "test_support.hpp"

using namespace loyalty;
using namespace loyalty::test;

namespace {

RefundRequest refund_of(const std::string& receipt, const std::string& ref,
                        std::vector<RefundLine> lines = {}) {
    return RefundRequest{"TEST", "", "", receipt, ref, std::move(lines)};
}

std::int64_t count(Fixture& f, const char* sql) {
    return engine_database(*f.engine).prepare(sql).scalar().value_or(0);
}

}  // namespace

TEST_CASE("committing the same receipt twice changes nothing the second time") {
    Fixture f;
    const auto m = f.enroll("13800000010");
    auto first = f.sell(m, "R100", {line("TS-1", "apparel", 2, 10000)});
    const auto events = f.engine->outbox().backlog();
    auto second = f.sell(m, "R100", {line("TS-1", "apparel", 2, 10000)});
    CHECK_FALSE(first.replayed);
    CHECK(second.replayed);
    CHECK(second.sale_id == first.sale_id);
    CHECK(second.earned == first.earned);
    CHECK(f.balance(m).pending == 200);
    CHECK(f.engine->outbox().backlog() == events);
    CHECK(count(f, "SELECT count(*) FROM sales") == 1);
}

TEST_CASE("the same receipt number with different content is refused") {
    Fixture f;
    const auto m = f.enroll("13800000011");
    f.sell(m, "R101", {line("TS-1", "apparel", 1, 10000)});
    SaleRequest other{"TEST", "", "", "R101", m, {line("TS-1", "apparel", 3, 10000)}, 0, {}};
    auto r = f.engine->sales().commit(other);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Errc::conflict);
    CHECK(f.balance(m).pending == 100);
}

TEST_CASE("receipts are unique per store and terminal, not across them") {
    Fixture f;
    const auto m = f.enroll("13800000012");
    f.sell(m, "0001", {line("TS-1", "apparel", 1, 10000)});
    SaleRequest other_till{"TEST", "S001", "T02", "0001", m, {line("TS-1", "apparel", 1, 10000)},
                           0,      {}};
    auto r = f.engine->sales().commit(other_till);
    REQUIRE(r.ok());
    CHECK_FALSE(r->replayed);
    CHECK(f.balance(m).pending == 200);
}

TEST_CASE("a non-member sale is recorded and earns nothing") {
    Fixture f;
    SaleRequest anonymous{"TEST", "", "", "R102", std::nullopt, {line("TS-1", "apparel", 1, 10000)},
                          0,      {}};
    auto r = f.engine->sales().commit(anonymous);
    REQUIRE(r.ok());
    CHECK(r->earned == 0);
    CHECK(r->to_pay == Money{10000});
    anonymous.points_to_pay = 100;
    anonymous.receipt = "R103";
    CHECK(f.engine->sales().commit(anonymous).error().code == Errc::invalid_argument);
}

TEST_CASE("paying part of a basket with points: steps, limits and earning on the cash part only") {
    Fixture f;
    const auto m = f.enroll("13800000013");
    REQUIRE(f.engine->ledger().adjust(m, 5000, "welcome", "mgr", "k").ok());
    SaleRequest s{"TEST", "", "", "R110", m, {line("TS-1", "apparel", 1, 10000)}, 150, {}};
    CHECK(f.engine->sales().quote(s).error().code ==
          Errc::invalid_argument);  // not a multiple of 100
    s.points_to_pay = 5100;
    CHECK(f.engine->sales().quote(s).error().code == Errc::insufficient_points);
    s.points_to_pay = 5000;  // 50.00 = 50% of the basket: the limit
    auto quote = f.engine->sales().quote(s);
    REQUIRE(quote.ok());
    CHECK(quote->max_points_payable == 5000);
    CHECK(quote->points_value == Money{5000});
    CHECK(quote->to_pay == Money{5000});
    CHECK(quote->earn.points == 50);
    auto sale = f.engine->sales().commit(s);
    REQUIRE(sale.ok());
    CHECK(sale->points_paid == 5000);
    CHECK(sale->available_after == 0);
    CHECK(sale->pending_after == 50);
    f.require_balances_agree();
}

TEST_CASE("too few points is said as the balance and the need, not as the step of 100") {
    Fixture f;
    const auto m = f.enroll("13800000016");
    REQUIRE(f.engine->ledger().adjust(m, 50, "welcome", "mgr", "k").ok());
    SaleRequest s{"TEST", "", "", "R115", m, {line("TS-1", "apparel", 1, 10000)}, 50, {}};
    // The whole balance of 50 is offered: the step is not the cause, the balance is.
    auto all = f.engine->sales().quote(s);
    REQUIRE_FALSE(all.ok());
    CHECK(all.error().code == Errc::insufficient_points);
    CHECK(all.error().message.rfind("the member has 50 points; this needs 100", 0) == 0);
    s.points_to_pay = 100;
    auto more = f.engine->sales().quote(s);
    REQUIRE_FALSE(more.ok());
    CHECK(more.error().code == Errc::insufficient_points);
    CHECK(more.error().message == "the member has 50 points; this needs 100");
    // With enough points an odd amount is the step's fault, and the message says so.
    REQUIRE(f.engine->ledger().adjust(m, 250, "welcome", "mgr", "k2").ok());
    s.points_to_pay = 150;
    auto odd = f.engine->sales().quote(s);
    REQUIRE_FALSE(odd.ok());
    CHECK(odd.error().code == Errc::invalid_argument);
    CHECK(odd.error().message.find("steps of 100") != std::string::npos);
    s.points_to_pay = 350;  // beyond the balance and not a step: the balance comes first
    auto both = f.engine->sales().quote(s);
    REQUIRE_FALSE(both.ok());
    CHECK(both.error().message == "the member has 300 points; this needs 350");
    // A reward beyond the balance names both numbers too.
    auto reward = f.engine->rewards().redeem(m, "CPN-20", "kiosk-short");
    REQUIRE_FALSE(reward.ok());
    CHECK(reward.error().code == Errc::insufficient_points);
    CHECK(reward.error().message == "the member has 300 points; this needs 2000");
}

TEST_CASE("a partial refund reverses earned points in proportion to the eligible amount returned") {
    Fixture f;
    const auto m = f.enroll("13800000014");
    // apparel 100.00 (x100%) + shoes 200.00 (x150%) = 100 + 300 = 400 points
    auto sale =
        f.sell(m, "R120", {line("TS-1", "apparel", 1, 10000), line("SH-1", "shoes", 1, 20000)});
    CHECK(sale.earned == 400);
    auto first = f.engine->sales().refund(refund_of("R120", "RF1", {RefundLine{2, 1}}));
    REQUIRE(first.ok());
    CHECK(first->amount == Money{20000});
    CHECK(first->reversed == 266);  // 400 x 200/300, rounded down
    CHECK(f.balance(m).pending == 134);
    auto rest = f.engine->sales().refund(refund_of("R120", "RF2"));
    REQUIRE(rest.ok());
    CHECK(rest->reversed == 134);  // the whole sale is now reversed, nothing left over
    CHECK(f.balance(m).pending == 0);
    CHECK(f.engine->sales().refund(refund_of("R120", "RF3")).error().code == Errc::exceeds_sale);
    f.require_balances_agree();
}

TEST_CASE("a refund after partial redemption restores the redeemed points") {
    Fixture f;
    const auto m = f.enroll("13800000015");
    REQUIRE(f.engine->ledger().adjust(m, 3000, "welcome", "mgr", "k").ok());
    // 2 x 100.00; 3000 points pay 30.00; 170.00 cash earns 170 points.
    auto sale = f.sell(m, "R130", {line("TS-1", "apparel", 2, 10000)}, 3000);
    CHECK(sale.earned == 170);
    CHECK(f.balance(m).available == 0);
    auto r = f.engine->sales().refund(refund_of("R130", "RF1", {RefundLine{1, 1}}));
    REQUIRE(r.ok());
    CHECK(r->restored == 1500);  // half the goods back: half the points paid come back
    CHECK(r->reversed == 85);
    CHECK(f.balance(m).available == 1500);
    CHECK(f.balance(m).pending == 85);
    f.require_balances_agree();
}

TEST_CASE("a refund of points already spent takes what it can and reports the shortfall") {
    Fixture f;
    const auto m = f.enroll("13800000016");
    f.sell(m, "R140", {line("TS-1", "apparel", 1, 100000)});  // 1000 points
    f.advance_days(8);
    REQUIRE(f.engine->ledger().run_due(f.clock.now()).ok());
    REQUIRE(f.engine->ledger().adjust(m, -900, "spent", "mgr", "k").ok());
    auto r = f.engine->sales().refund(refund_of("R140", "RF1"));
    REQUIRE(r.ok());
    CHECK(r->reversed == 100);
    CHECK(r->shortfall == 900);
    CHECK(f.balance(m).available == 0);  // never negative
    f.require_balances_agree();
}

TEST_CASE("refunds are idempotent by refund slip and never exceed the sale") {
    Fixture f;
    const auto m = f.enroll("13800000017");
    f.sell(m, "R150", {line("TS-1", "apparel", 2, 10000)});
    auto r1 = f.engine->sales().refund(refund_of("R150", "RF1", {RefundLine{1, 1}}));
    auto r1_again = f.engine->sales().refund(refund_of("R150", "RF1", {RefundLine{1, 1}}));
    REQUIRE(r1.ok());
    REQUIRE(r1_again.ok());
    CHECK(r1_again->replayed);
    CHECK(f.balance(m).pending == 100);
    auto too_much = f.engine->sales().refund(refund_of("R150", "RF2", {RefundLine{1, 2}}));
    REQUIRE_FALSE(too_much.ok());
    CHECK(too_much.error().code == Errc::exceeds_sale);
    CHECK(f.engine->sales().refund(refund_of("R150", "RF2", {RefundLine{9, 1}})).error().code ==
          Errc::invalid_argument);
    CHECK(f.engine->sales().refund(refund_of("NOPE", "RF2")).error().code == Errc::not_found);
    CHECK(count(f, "SELECT count(*) FROM refunds") == 1);
}

TEST_CASE("every committed sale writes its event in the same transaction, numbered per terminal") {
    Fixture f;
    const auto m = f.enroll("13800000018");
    f.sell(m, "R160", {line("TS-1", "apparel", 1, 10000)});
    f.sell(m, "R161", {line("TS-1", "apparel", 1, 10000)});
    const auto events = f.engine->outbox().pending("S001", "T01", 0, 100);
    REQUIRE(events.size() >= 3);
    for (std::size_t i = 0; i < events.size(); ++i)
        CHECK(events[i].seq == static_cast<std::int64_t>(i) + 1);
    CHECK(events.back().type == "sale.committed");
    CHECK(events.back().payload.find("\"member_uid\"") != std::string::npos);
    // A refused sale leaves no event behind.
    SaleRequest bad{"TEST", "", "", "R162", m, {line("TS-1", "apparel", 1, 10000)}, 100000, {}};
    CHECK_FALSE(f.engine->sales().commit(bad).ok());
    CHECK(f.engine->outbox().pending("S001", "T01", 0, 100).size() == events.size());
    CHECK(f.engine->outbox().acknowledge_through("S001", "T01", events[1].seq) == 2);
    CHECK(f.engine->outbox().pending("S001", "T01", 0, 100).front().seq == 3);
}

TEST_CASE(
    "waiting events renumbered after the hub's sequence keep their order and ids; the next one "
    "follows") {
    Fixture f;
    const auto m = f.enroll("13800000019");
    for (int i = 0; i < 4; ++i)
        f.sell(m, "RN" + std::to_string(i), {line("TS-1", "apparel", 1, 10000)});
    auto& outbox = f.engine->outbox();
    REQUIRE(outbox.acknowledge_through("S001", "T01", 2) == 2);
    const auto waiting = outbox.pending("S001", "T01", 0, 100);
    REQUIRE(waiting.size() >= 4);
    // The hub applied other events through 40 (a restored database's sequences).
    CHECK(outbox.renumber_after("S001", "T01", 40) == static_cast<int>(waiting.size()));
    const auto moved = outbox.pending("S001", "T01", 0, 100);
    REQUIRE(moved.size() == waiting.size());
    for (std::size_t i = 0; i < moved.size(); ++i) {
        CHECK(moved[i].seq == 41 + static_cast<std::int64_t>(i));
        CHECK(moved[i].event_id == waiting[i].event_id);
    }
    f.sell(m, "RN-next", {line("TS-1", "apparel", 1, 10000)});
    CHECK(outbox.pending("S001", "T01", 0, 100).back().seq > moved.back().seq);
    // A second copy of the hub's message: they follow 40 already, nothing moves.
    CHECK(outbox.renumber_after("S001", "T01", 40) == 0);
    CHECK(outbox.pending("S001", "T01", 0, 100).front().seq == 41);
    // Nothing waiting: the counter still moves past the hub's, so no number is reused.
    outbox.acknowledge_through("S001", "T01", 1000);
    CHECK(outbox.renumber_after("S001", "T01", 500) == 0);
    f.sell(m, "RN-after", {line("TS-1", "apparel", 1, 10000)});
    CHECK(outbox.pending("S001", "T01", 0, 100).front().seq == 501);
}

TEST_CASE(
    "a sale's event and fingerprint are the text nlohmann writes, awkward characters included") {
    // The commit path writes both texts directly for speed: they must stay what an
    // nlohmann::json document of the same fields dumps (stored fingerprints keep
    // matching replays, and the hub reads the same payloads as before).
    Fixture f;
    const auto m = f.enroll("13800000019");
    SaleRequest r{
        "TEST",     "", "",
        "R\"1\\63", m,  {line("TS-1", "apparel", 2, 10000), line("鞋-\t1", "shoes\x01", 1, 5000)},
        0,          {}, "店员 \"A\""};
    const auto sold = f.engine->sales().commit(r);
    REQUIRE(sold.ok());
    // Non-member sales carry fewer fields.
    SaleRequest anonymous{"TEST", "",           "",
                          "R164", std::nullopt, {line("TS-1", "apparel", 1, 100)},
                          0,      {},           std::nullopt};
    REQUIRE(f.engine->sales().commit(anonymous).ok());
    int sales = 0;
    for (const auto& e : f.engine->outbox().pending("S001", "T01", 0, 100)) {
        if (e.type != "sale.committed") continue;
        ++sales;
        const auto doc = nlohmann::json::parse(e.payload);
        CHECK(doc.dump() == e.payload);
        CHECK(doc.contains("member") == (doc.at("receipt") != "R164"));
        CHECK(doc.at("lines").size() == (doc.at("receipt") == "R164" ? 1U : 2U));
    }
    CHECK(sales == 2);
    // The fingerprint: BLAKE2b-128 of
    // {"c":coupons,"l":[[sku,category,qty,price,discount]...],"m":member,"p":points}.
    nlohmann::json lines = nlohmann::json::array();
    for (const auto& l : r.lines)
        lines.push_back({l.sku, l.category, l.quantity, l.unit_price.minor, l.discount.minor});
    const auto text = nlohmann::json{{"m", m}, {"l", lines}, {"p", 0}, {"c", r.coupons}}.dump();
    unsigned char digest[16];
    crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(text.data()),
                       text.size(), nullptr, 0);
    char hex[33];
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    const auto stored = engine_database(*f.engine)
                            .prepare("SELECT fingerprint FROM sales WHERE receipt = ?")
                            .bind_all(r.receipt)
                            .scalar<std::string>();
    CHECK(stored == std::string(hex));
}

TEST_CASE("a power cut mid-sale loses no committed sale and leaves no half-written one") {
    TempDir dir;
    const auto path = dir.path() / "store.db";
    {
        ManualClock clock(test_epoch());
        auto engine = Engine::open(path, clock);
        REQUIRE(engine.ok());
        REQUIRE((*engine)->programs().save(test_program(), "test").ok());
    }
    for (int round = 0; round < 4; ++round) {
        // The till says when its first sale is in, so the cut falls among commits even
        // on a machine slow enough (sanitizers, a loaded CI) to take long to open.
        int first_sale[2];
        REQUIRE(pipe(first_sale) == 0);
        const pid_t child = fork();
        REQUIRE(child >= 0);
        if (child == 0) {
            close(first_sale[0]);
            // The till: commits sales as fast as it can until the power goes.
            ManualClock clock(test_epoch());
            auto engine = Engine::open(
                path, clock, EngineOptions{Origin{"S001", "T" + std::to_string(round)}, {}});
            if (!engine) _exit(3);
            EnrollRequest e{"TEST",       "",    "1390000000" + std::to_string(round),
                            "",           1,     1,
                            true,         false, std::nullopt,
                            std::nullopt, ""};
            auto member = (*engine)->members().enroll(e);
            if (!member) _exit(4);
            for (int i = 0;; ++i) {
                SaleRequest s{"TEST",
                              "",
                              "",
                              "K" + std::to_string(i),
                              member->member.id,
                              {line("TS-1", "apparel", 1, 1000 + i)},
                              0,
                              {}};
                if (!(*engine)->sales().commit(s)) _exit(5);
                if (i == 0 && write(first_sale[1], "1", 1) != 1) _exit(6);
            }
        }
        close(first_sale[1]);
        char ready = 0;
        REQUIRE(read(first_sale[0], &ready, 1) == 1);  // 0: the till died before its first sale
        close(first_sale[0]);
        usleep(static_cast<useconds_t>(20000 + round * 37000));
        kill(child, SIGKILL);
        int status = 0;
        waitpid(child, &status, 0);
        REQUIRE(WIFSIGNALED(status));
    }
    ManualClock clock(test_epoch());
    auto engine = Engine::open(path, clock);
    REQUIRE_MESSAGE(engine.ok(), (engine.ok() ? "" : engine.error().message));
    auto& db = engine_database(**engine);
    CHECK(db.integrity_check() == "ok");
    CHECK((*engine)->ledger().verify_all().empty());
    // Every sale has its earn entry and its event, and vice versa.
    auto st = db.prepare(
        "SELECT (SELECT count(*) FROM sales), (SELECT count(*) FROM ledger_entries WHERE kind = "
        "'earn'), "
        "(SELECT count(*) FROM outbox WHERE type = 'sale.committed')");
    REQUIRE(st.step());
    MESSAGE("sales committed before the power cuts: ", st.int64(0));
    CHECK(st.int64(0) > 0);
    CHECK(st.int64(0) == st.int64(1));
    CHECK(st.int64(0) == st.int64(2));
}

TEST_CASE("a shopper claims a non-member sale's points once, within the claim window") {
    Fixture f;
    const auto m = f.enroll("13800000019");
    SaleRequest anonymous{"TEST",
                          "",
                          "",
                          "R170",
                          std::nullopt,
                          {line("SH-1", "shoes", 1, 20000), line("TB-1", "tobacco", 1, 5000)},
                          0,
                          {}};
    REQUIRE(f.engine->sales().commit(anonymous).ok());
    f.advance_days(2);
    const ClaimRequest claim{"TEST", "", "", "R170", m};
    auto claimed = f.engine->sales().claim(claim);
    REQUIRE_MESSAGE(claimed.ok(), (claimed.ok() ? "" : claimed.error().message));
    CHECK(claimed->earned == 300);  // shoes x150%; tobacco earns nothing
    CHECK(f.balance(m).pending == 300);
    CHECK(f.engine->sales().claim(claim).error().code == Errc::already_used);
    // The claimed sale refunds like any member sale.
    auto refund =
        f.engine->sales().refund(RefundRequest{"TEST", "", "", "R170", "RF1", {RefundLine{1, 1}}});
    REQUIRE(refund.ok());
    CHECK(refund->reversed == 300);
    // Five days later the return window of the sale (7 days from the sale) has passed.
    f.advance_days(5);
    SaleRequest late{"TEST", "", "", "R171", std::nullopt, {line("TS-1", "apparel", 1, 10000)},
                     0,      {}};
    REQUIRE(f.engine->sales().commit(late).ok());
    f.advance_days(31);
    CHECK(f.engine->sales().claim(ClaimRequest{"TEST", "", "", "R171", m}).error().code ==
          Errc::expired);
    CHECK(f.engine->sales().claim(ClaimRequest{"TEST", "", "", "NOPE", m}).error().code ==
          Errc::not_found);
    f.require_balances_agree();
}

TEST_CASE(
    "a void takes back a whole, untouched sale and marks it voided; lines or a refunded sale are "
    "refused") {
    Fixture f;
    const auto m = f.enroll("13800000910");
    f.sell(m, "V1", {line("TS-1", "apparel", 2, 10000)});
    RefundRequest with_lines{f.program, "", "", "V1", "void", {RefundLine{1, 1}}, true};
    CHECK(f.engine->sales().refund(with_lines).error().code == Errc::invalid_argument);
    RefundRequest partial{f.program, "", "", "V1", "RF-1", {RefundLine{1, 1}}};
    REQUIRE(f.engine->sales().refund(partial).ok());
    RefundRequest too_late{f.program, "", "", "V1", "void", {}, true};
    CHECK(f.engine->sales().refund(too_late).error().code == Errc::exceeds_sale);

    f.sell(m, "V2", {line("TS-1", "apparel", 1, 10000)});
    RefundRequest void_v2{f.program, "", "", "V2", "void", {}, true};
    auto voided = f.engine->sales().refund(void_v2);
    REQUIRE(voided.ok());
    CHECK(voided->amount == Money{10000});
    CHECK(count(f, "SELECT count(*) FROM sales WHERE receipt = 'V2' AND status = 'voided'") == 1);
    f.require_balances_agree();
}

TEST_CASE(
    "a refund quantity near INT64_MAX, or one line named twice, is refused and changes nothing") {
    Fixture f;
    const auto m = f.enroll("13800000091");
    f.sell(m, "R900", {line("TS-1", "apparel", 2, 19900)});
    REQUIRE(f.engine->sales().refund(refund_of("R900", "RF1", {RefundLine{1, 1}})).ok());
    const auto before = f.balance(m);
    constexpr auto huge = std::numeric_limits<std::int64_t>::max();
    auto overflow = f.engine->sales().refund(refund_of("R900", "RF2", {RefundLine{1, huge}}));
    REQUIRE_FALSE(overflow.ok());
    CHECK(overflow.error().code == Errc::exceeds_sale);
    auto twice =
        f.engine->sales().refund(refund_of("R900", "RF3", {RefundLine{1, 1}, RefundLine{1, huge}}));
    REQUIRE_FALSE(twice.ok());
    CHECK(twice.error().code == Errc::exceeds_sale);
    auto doubled =
        f.engine->sales().refund(refund_of("R900", "RF4", {RefundLine{1, 1}, RefundLine{1, 1}}));
    REQUIRE_FALSE(doubled.ok());
    CHECK(doubled.error().code == Errc::exceeds_sale);
    CHECK(f.balance(m).available == before.available);
    CHECK(f.balance(m).pending == before.pending);
    CHECK(count(f, "SELECT refunded_minor FROM sales WHERE receipt = 'R900'") == 19900);
    // What is left can still be refunded, exactly once.
    auto rest = f.engine->sales().refund(refund_of("R900", "RF5"));
    REQUIRE(rest.ok());
    CHECK(count(f, "SELECT refunded_minor FROM sales WHERE receipt = 'R900'") == 39800);
    CHECK(f.engine->sales().refund(refund_of("R900", "RF6")).error().code == Errc::exceeds_sale);
}

TEST_CASE("a basket of more lines than any till rings up is refused before its sums") {
    Fixture f;
    const auto m = f.enroll("13800000092");
    std::vector<BasketLine> lines(kMaxBasketLines + 1,
                                  line("TS-1", "apparel", 100000, 100'000'000'00));
    SaleRequest request;
    request.program = f.program;
    request.receipt = "R901";
    request.member = m;
    request.lines = lines;
    auto quoted = f.engine->sales().quote(request);
    REQUIRE_FALSE(quoted.ok());
    CHECK(quoted.error().code == Errc::invalid_argument);
    lines.resize(kMaxBasketLines);
    request.lines = lines;
    auto largest = f.engine->sales().quote(request);
    REQUIRE_MESSAGE(largest.ok(), largest.error().message);
    CHECK(largest->basket.gross.minor ==
          static_cast<std::int64_t>(kMaxBasketLines) * 100000 * 100'000'000'00);
}
