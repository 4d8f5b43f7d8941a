// A mall's receipt claims: codes read (e-invoice, a shop's format), every rule refusing with
// its reason, the review queue, and one claim per receipt.
#include <doctest/doctest.h>

#include <future>

#include "loyalty/receipt_claims.hpp"
#include "loyalty/storage/engine_storage.hpp"
#include "test_support.hpp"

using namespace loyalty;
using namespace loyalty::test;

namespace {

ProgramConfig mall_program() {
    auto c = test_program();
    c.kind = "mall";
    auto& r = c.receipt_claims;
    r.window_days = 7;
    r.daily_claims = 3;
    r.daily_points = 3000;
    r.review_above = Money{200000};  // ¥2,000
    MallShop fashion;
    fashion.code = "1023";
    fashion.name = "优衣库";
    fashion.category = "apparel";
    fashion.min_amount = Money{1000};
    fashion.max_amount = Money{500000};
    fashion.receipt_formats = {"UQ|{receipt}|{amount}|{date}"};
    MallShop shoes;
    shoes.code = "2001";
    shoes.name = "百丽";
    shoes.category = "shoes";  // the test program's shoes earn x1.5
    shoes.receipt_formats = {"BL{date}-{receipt}*{amount_fen}"};
    r.shops = {fashion, shoes};
    return c;
}

ReceiptClaimRequest claim_of(MemberId m, const std::string& shop, const std::string& receipt,
                             std::int64_t fen, const std::string& date, const std::string& id) {
    ReceiptClaimRequest r;
    r.program = "TEST";
    r.member = m;
    r.shop = shop;
    r.receipt = receipt;
    r.amount = Money{fen};
    r.date = date;
    r.request_id = id;
    return r;
}

std::int64_t count_rows(Engine& engine, const std::string& where = "1") {
    return engine_database(engine)
        .prepare("SELECT count(*) FROM receipt_claims WHERE " + where)
        .scalar()
        .value_or(-1);
}

}  // namespace

TEST_CASE("an e-invoice QR is read field by field, and a wrong field says which") {
    auto v =
        read_e_invoice("01,10,044031900111,12345678,128.50,20260308,12345678901234567890,A1B2,");
    REQUIRE(v);
    REQUIRE(v->ok());
    CHECK(v->value().receipt == "044031900111-12345678");
    CHECK(v->value().amount.minor == 12850);
    CHECK(v->value().date == "2026-03-08");
    CHECK(v->value().source == ReceiptSource::e_invoice);
    // A fully digitized invoice (数电票): no code, a 20-digit number.
    auto digital = read_e_invoice("01,32,,26312000000012345678,99.00,20260309,,C3D4");
    REQUIRE(digital);
    REQUIRE(digital->ok());
    CHECK(digital->value().receipt == "26312000000012345678");
    CHECK(digital->value().amount.minor == 9900);

    CHECK_FALSE(read_e_invoice("https://example.com/?a=1,2,3"));  // not shaped like one
    auto bad_date = read_e_invoice("01,10,044031900111,12345678,128.50,20260231,x,");
    REQUIRE(bad_date);
    REQUIRE_FALSE(bad_date->ok());
    CHECK(bad_date->error().message.find("date") != std::string::npos);
    auto bad_amount = read_e_invoice("01,10,044031900111,12345678,12.345,20260308,x,");
    REQUIRE(bad_amount);
    CHECK_FALSE(bad_amount->ok());
    auto short_number = read_e_invoice("01,32,,2631200000,99.00,20260309,,");
    REQUIRE(short_number);
    CHECK_FALSE(short_number->ok());
}

TEST_CASE("a shop's receipt format gives its fields, and a malformed format is refused") {
    auto r = match_receipt_format("UQ|{receipt}|{amount}|{date}", "UQ|A0017|1,280.00|2026-03-09");
    REQUIRE(r);
    CHECK(r->receipt == "A0017");
    CHECK(r->amount.minor == 128000);
    CHECK(r->date == "2026-03-09");
    auto fen = match_receipt_format("BL{date}-{receipt}*{amount_fen}", "BL20260309-88*45900");
    REQUIRE(fen);
    CHECK(fen->amount.minor == 45900);
    CHECK_FALSE(match_receipt_format("UQ|{receipt}|{amount}|{date}", "UQ|A0017|12x|20260309"));
    CHECK_FALSE(match_receipt_format("UQ|{receipt}|{amount}|{date}", "XX|A0017|12|20260309"));
    CHECK(check_receipt_format("{receipt}{amount}").has_value());  // fields touching
    CHECK(check_receipt_format("A{nope}").has_value());
    CHECK(check_receipt_format("A{amount}B").has_value());  // no {receipt}
    CHECK_FALSE(check_receipt_format("A{receipt}B{*}C{date}D{amount}").has_value());
    CHECK(check_receipt_format("A{receipt}B{amount}").has_value());  // no {date}: never claimable
    CHECK(parse_yuan("1,280.00")->minor == 128000);
    CHECK_FALSE(parse_yuan("12,34"));
    CHECK_FALSE(parse_yuan("1,2"));
    CHECK_FALSE(parse_yuan("1,2345"));

    const auto rules = mall_program().receipt_claims;
    auto found = read_receipt_code(rules, "BL20260309-88*45900");
    REQUIRE(found.ok());
    CHECK(found->shop == "2001");
    auto unknown = read_receipt_code(rules, "hello");
    REQUIRE_FALSE(unknown.ok());
    CHECK(unknown.error().code == Errc::invalid_argument);
}

TEST_CASE("a claim earns the mall's points by the shop's category, once per receipt") {
    Fixture f(mall_program());
    const auto m = f.enroll("13800001001");
    const auto before = f.balance(m).available;
    // ¥459 at the shoe shop: 1 point per yuan, shoes x1.5.
    auto shoes =
        f.engine->receipt_claims().submit(claim_of(m, "2001", "88", 45900, "2026-03-09", "k1"));
    REQUIRE_MESSAGE(shoes.ok(), (shoes.ok() ? "" : shoes.error().message));
    CHECK(shoes->claim.status == ClaimStatus::credited);
    CHECK(shoes->claim.points == 688);
    CHECK(f.balance(m).available == before + 688);
    CHECK(outbox_count(*f.engine, "receipt.claimed") == 1);

    // The same request again (a double tap): the same answer, nothing booked twice.
    auto again =
        f.engine->receipt_claims().submit(claim_of(m, "2001", "88", 45900, "2026-03-09", "k1"));
    REQUIRE(again.ok());
    CHECK(again->replayed);
    CHECK(f.balance(m).available == before + 688);

    // The same receipt by another request, another member, another kiosk's database row: no.
    const auto other = f.enroll("13800001002");
    auto dup =
        f.engine->receipt_claims().submit(claim_of(other, "2001", "88", 45900, "2026-03-09", "k2"));
    REQUIRE_FALSE(dup.ok());
    CHECK(dup.error().code == Errc::already_used);
    // The same number typed with another date and the same amount: the same receipt.
    auto other_day = f.engine->receipt_claims().submit(
        claim_of(other, "2001", "0088", 45900, "2026-03-08", "k3"));
    REQUIRE_FALSE(other_day.ok());
    CHECK(other_day.error().code == Errc::already_used);
    // A shop whose numbers restart every day: the same number another day, another amount.
    CHECK(f.engine->receipt_claims()
              .submit(claim_of(other, "2001", "88", 12000, "2026-03-08", "k4"))
              .ok());
    // An e-invoice claimed by its QR, then its number typed by hand under some shop: refused.
    auto invoice = claim_of(m, "1023", "044031900111-12345678", 30000, "2026-03-09", "k5");
    invoice.source = ReceiptSource::e_invoice;
    REQUIRE(f.engine->receipt_claims().submit(invoice).ok());
    auto typed = f.engine->receipt_claims().submit(
        claim_of(other, "2001", "12345678", 32000, "2026-03-07", "k6"));
    REQUIRE_FALSE(typed.ok());
    CHECK(typed.error().code == Errc::already_used);
    f.require_balances_agree();
}

TEST_CASE("every claim rule refuses with its reason and books nothing") {
    Fixture f(mall_program());  // the clock: 2026-03-10 local
    const auto m = f.enroll("13800001003");
    auto& claims = f.engine->receipt_claims();
    auto refused = [&](ReceiptClaimRequest r, Errc code, const std::string& says) {
        auto out = claims.submit(r);
        REQUIRE_FALSE(out.ok());
        CHECK(out.error().code == code);
        CHECK_MESSAGE(out.error().message.find(says) != std::string::npos, out.error().message);
    };
    refused(claim_of(m, "1023", "A1", 500, "2026-03-09", "r1"), Errc::invalid_argument, "range");
    refused(claim_of(m, "1023", "A1", 600000, "2026-03-09", "r2"), Errc::invalid_argument, "range");
    refused(claim_of(m, "1023", "A1", 5000, "2026-03-02", "r3"), Errc::expired, "7 days");
    refused(claim_of(m, "1023", "A1", 5000, "2026-03-11", "r4"), Errc::invalid_argument,
            "after today");
    refused(claim_of(m, "9999", "A1", 5000, "2026-03-09", "r5"), Errc::not_found, "no shop");
    refused(claim_of(m, "1023", "A1", 5000, "2026-02-30", "r6"), Errc::invalid_argument,
            "not a date");
    // Seven days back is still inside the window.
    CHECK(claims.submit(claim_of(m, "1023", "A1", 5000, "2026-03-03", "r7")).ok());
    CHECK(claims.submit(claim_of(m, "1023", "A2", 5000, "2026-03-09", "r8")).ok());
    CHECK(claims.submit(claim_of(m, "1023", "A3", 5000, "2026-03-09", "r9")).ok());
    // A fourth claim today: over the daily count.
    refused(claim_of(m, "1023", "A4", 5000, "2026-03-09", "r10"), Errc::limit_exceeded, "limit");
    CHECK(count_rows(*f.engine) == 3);
    // Tomorrow the count starts again.
    f.advance_days(1);
    CHECK(claims.submit(claim_of(m, "1023", "A4", 5000, "2026-03-09", "r11")).ok());
}

TEST_CASE("the daily points cap trims the claim that reaches it and refuses the next") {
    auto config = mall_program();
    config.receipt_claims.daily_claims = 0;
    Fixture f(config);
    const auto m = f.enroll("13800001004");
    auto& claims = f.engine->receipt_claims();
    auto first = claims.submit(claim_of(m, "1023", "B1", 199999, "2026-03-09", "p1"));
    REQUIRE(first.ok());  // ¥1,999.99: under the review amount, 1,999 points
    CHECK(first->claim.points == 1999);
    auto second = claims.submit(claim_of(m, "1023", "B2", 150000, "2026-03-09", "p2"));
    REQUIRE(second.ok());
    CHECK(second->claim.points == 3000 - 1999);  // trimmed to the day's 3,000
    auto third = claims.submit(claim_of(m, "1023", "B3", 5000, "2026-03-09", "p3"));
    REQUIRE_FALSE(third.ok());
    CHECK(third.error().code == Errc::limit_exceeded);
    f.require_balances_agree();
}

TEST_CASE("a claim above the review amount or with OCR disagreeing waits for a manager") {
    Fixture f(mall_program());
    const auto m = f.enroll("13800001005");
    const auto before = f.balance(m).available;
    auto& claims = f.engine->receipt_claims();
    auto big = claims.submit(claim_of(m, "1023", "C1", 300000, "2026-03-09", "q1"));
    REQUIRE(big.ok());
    CHECK(big->claim.status == ClaimStatus::pending);
    CHECK(big->claim.review.find("2000.00") != std::string::npos);
    CHECK(f.balance(m).available == before);  // nothing until a manager says so
    auto photo = claim_of(m, "1023", "C2", 8000, "2026-03-09", "q2");
    photo.photo = "claims/q2.png";
    photo.ocr_note = "amount: photo ¥18.00";
    auto doubted = claims.submit(photo);
    REQUIRE(doubted.ok());
    CHECK(doubted->claim.status == ClaimStatus::pending);
    CHECK(doubted->claim.photo == "claims/q2.png");
    auto queue = claims.list("TEST", ClaimStatus::pending);
    REQUIRE(queue.ok());
    CHECK(queue->size() == 2);
    REQUIRE(claims.pending_of(m).ok());
    CHECK(claims.pending_of(m)->size() == 2);

    auto approved = claims.approve(big->claim.id, "M001");
    REQUIRE(approved.ok());
    CHECK(approved->claim.status == ClaimStatus::credited);
    CHECK(approved->claim.points == 3000);  // ¥3,000 = 3,000 points, the day's cap
    CHECK(approved->claim.decided_by == "M001");
    CHECK(f.balance(m).available == before + 3000);
    auto twice = claims.approve(big->claim.id, "M001");
    REQUIRE_FALSE(twice.ok());
    CHECK(twice.error().code == Errc::conflict);

    REQUIRE_FALSE(claims.reject(doubted->claim.id, "M001", "").ok());  // a reason is needed
    auto rejected = claims.reject(doubted->claim.id, "M001", "小票金额与照片不符");
    REQUIRE(rejected.ok());
    CHECK(rejected->status == ClaimStatus::rejected);
    CHECK(f.balance(m).available == before + 3000);
    // The member hears about it once.
    auto told = claims.unseen_refusals(m, true);
    REQUIRE(told.ok());
    REQUIRE(told->size() == 1);
    CHECK(told->front().note == "小票金额与照片不符");
    CHECK(claims.unseen_refusals(m, true)->empty());
    // Both decisions are in the audit trail and the outbox.
    CHECK(engine_database(*f.engine)
              .prepare("SELECT count(*) FROM audit_log WHERE action LIKE 'receipt_claim.%'")
              .scalar()
              .value_or(0) == 2);
    CHECK(outbox_count(*f.engine, "receipt.claim_decided") == 2);
    f.require_balances_agree();
}

TEST_CASE("receipt photos of decided claims are let go after the kept days; a waiting one stays") {
    Fixture f(mall_program());
    const auto m = f.enroll("13800001009");
    auto& claims = f.engine->receipt_claims();
    auto with_photo = [&](const std::string& receipt, std::int64_t fen, const std::string& id) {
        auto r = claim_of(m, "1023", receipt, fen, "2026-03-09", id);
        r.photo = "claim-photos/" + id + ".png";
        return r;
    };
    auto credited = claims.submit(with_photo("P1", 8000, "p1"));  // credited at once
    REQUIRE(credited.ok());
    REQUIRE(credited->claim.status == ClaimStatus::credited);
    auto doubted = with_photo("P2", 9000, "p2");
    doubted.ocr_note = "amount: photo ¥19.00";
    auto rejected = claims.submit(doubted);
    REQUIRE(rejected.ok());
    auto waiting = claims.submit(with_photo("P3", 300000, "p3"));  // above the review amount
    REQUIRE(waiting.ok());
    REQUIRE(waiting->claim.status == ClaimStatus::pending);
    f.advance_days(5);
    REQUIRE(claims.reject(rejected->claim.id, "M001", "照片金额不符").ok());

    // Nothing is older than the kept days yet.
    auto none = claims.release_photos(f.clock.now() - Days{7});
    REQUIRE(none.ok());
    CHECK(none->empty());
    CHECK(claims.photos_kept()->size() == 3);

    // Ten days after the claims: the one credited then lets its photo go; the one rejected five
    // days ago keeps it (its decision counts, not its submission); the waiting one keeps it.
    f.advance_days(5);
    auto released = claims.release_photos(f.clock.now() - Days{7});
    REQUIRE(released.ok());
    CHECK(*released == std::vector<std::string>{"claim-photos/p1.png"});
    CHECK(claims.get(credited->claim.id)->photo.empty());
    CHECK(claims.get(rejected->claim.id)->photo == "claim-photos/p2.png");
    CHECK(claims.get(waiting->claim.id)->photo == "claim-photos/p3.png");
    CHECK(claims.release_photos(f.clock.now() - Days{7})->empty());  // once

    // Seven days after the rejection its photo goes too; the claim keeps its reason.
    f.advance_days(3);
    released = claims.release_photos(f.clock.now() - Days{7});
    REQUIRE(released.ok());
    CHECK(*released == std::vector<std::string>{"claim-photos/p2.png"});
    CHECK(claims.get(rejected->claim.id)->photo.empty());
    CHECK(claims.get(rejected->claim.id)->note == "照片金额不符");
    CHECK(claims.get(waiting->claim.id)->photo == "claim-photos/p3.png");
    CHECK(*claims.photos_kept() == std::vector<std::string>{"claim-photos/p3.png"});
}

TEST_CASE("a mall's shops and claim rules round-trip through the program's JSON and are checked") {
    const auto config = mall_program();
    auto back = parse_program_config_json(program_config_to_json(config));
    REQUIRE(back.ok());
    REQUIRE(back->receipt_claims.shops.size() == 2);
    CHECK(back->receipt_claims.shops[1].receipt_formats ==
          config.receipt_claims.shops[1].receipt_formats);
    CHECK(back->receipt_claims.review_above.minor == 200000);
    CHECK(back->receipt_claims.daily_points == 3000);

    auto json_of = [&](const std::string& shops) {
        return R"({"code":"M","name":"M","tiers":{"levels":[{"code":"std","name":"S","threshold":0}]},)"
               R"("receipt_claims":{"shops":[)" +
               shops + "]}}";
    };
    auto bad_format = parse_program_config_json(
        json_of(R"({"code":"1","name":"A","category":"x","receipt_formats":["{receipt}{date}"]})"));
    REQUIRE_FALSE(bad_format.ok());
    CHECK(bad_format.error().message.find("touch") != std::string::npos);
    auto letters = parse_program_config_json(json_of(R"({"code":"A1","name":"A","category":"x"})"));
    REQUIRE_FALSE(letters.ok());
    CHECK(letters.error().message.find("digits") != std::string::npos);
    auto twice = parse_program_config_json(json_of(
        R"({"code":"1","name":"A","category":"x"},{"code":"1","name":"B","category":"y"})"));
    REQUIRE_FALSE(twice.ok());
}

TEST_CASE(
    "two kiosks that took the same receipt offline: the hub credits the first, reverses the "
    "later") {
    Fixture a(mall_program(), Origin{"MALL", "K1"});
    Fixture b(mall_program(), Origin{"MALL", "K2"});
    TempDir hub_dir;
    ManualClock hub_clock{test_epoch()};
    auto hub = std::move(
        Engine::open(hub_dir.path() / "hub.db", hub_clock, EngineOptions{Origin{"HUB", "H1"}, {}})
            .value());
    std::vector<ReplicationOutcome::ReversedClaim> reversals;  // what the hub tells the stores
    auto take = [&](Engine& from, bool program_too) {
        const auto& o = from.origin();
        for (const auto& e : from.outbox().pending(o.store, o.terminal, 0, 100000)) {
            if (e.type == "program.updated" && !program_too) continue;
            auto done = hub->replication().apply(ReplicatedEvent{e.event_id, e.type, e.program,
                                                                 e.store, e.terminal, e.occurred_at,
                                                                 nlohmann::json::parse(e.payload)});
            REQUIRE_MESSAGE(done.ok(), e.type << ": " << (done.ok() ? "" : done.error().message));
            if (done->reversed_claim) reversals.push_back(*done->reversed_claim);
        }
    };
    const auto m = a.enroll("13800001010");
    const auto uid = a.engine->members().get(m)->uid;
    // Kiosk B knows the member as the hub would tell it: A's enrollment replayed.
    for (const auto& e : a.engine->outbox().pending("MALL", "K1", 0, 1000))
        if (e.type == "member.enrolled")
            REQUIRE(b.engine->replication()
                        .apply(ReplicatedEvent{e.event_id, e.type, e.program, e.store, e.terminal,
                                               e.occurred_at, nlohmann::json::parse(e.payload)})
                        .ok());
    const auto m_at_b = b.engine->members().get_by_uid(uid)->id;
    auto invoice = read_e_invoice("01,10,044031900111,12345678,300.00,20260309,1,A,");
    REQUIRE(invoice);
    auto at_a = claim_of(m, "1023", invoice->value().receipt, 30000, "2026-03-09", "a1");
    at_a.source = ReceiptSource::e_invoice;
    auto at_b = at_a;
    at_b.member = m_at_b;
    at_b.shop = "2001";  // the shopper picked another shop: still the same invoice
    at_b.request_id = "b1";
    REQUIRE(a.engine->receipt_claims().submit(at_a).ok());
    REQUIRE(b.engine->receipt_claims().submit(at_b).ok());  // offline: B cannot know
    // A pending claim at B, approved later: its decision follows it to the hub.
    auto big = claim_of(m_at_b, "1023", "BIG1", 300000, "2026-03-09", "b2");
    auto queued = b.engine->receipt_claims().submit(big);
    REQUIRE(queued.ok());
    REQUIRE(b.engine->receipt_claims().approve(queued->claim.id, "M001").ok());

    take(*a.engine, true);
    take(*b.engine, false);
    take(*b.engine, false);  // every event again: nothing changes twice
    auto& db = engine_database(*hub);
    auto status_count = [&](const std::string& status) {
        return db.prepare("SELECT count(*) FROM receipt_claims WHERE status = ?")
            .bind(1, status)
            .scalar()
            .value_or(-1);
    };
    CHECK(status_count("credited") == 2);  // A's invoice, B's approved big one
    CHECK(status_count("reversed") == 1);  // B's copy of the invoice
    // B is told of its copy: once as applied, once more when B sent it again.
    REQUIRE(reversals.size() == 2);
    CHECK(reversals[0].claim == "MALL/K2/b1");
    CHECK(reversals[0].member_uid == uid);
    CHECK(reversals[0].note == "claimed before at another kiosk (MALL/K1/a1)");
    CHECK(reversals[1].claim == reversals[0].claim);
    CHECK(db.prepare("SELECT note FROM receipt_claims WHERE status = 'reversed'")
              .scalar<std::string>()
              .value_or("")
              .find("MALL/K1/a1") != std::string::npos);
    const auto at_hub = hub->members().get_by_uid(uid);
    REQUIRE(at_hub.ok());
    // A's 300 for the invoice (an e-invoice earns the plain rate, whichever shop was picked); B's
    // big claim was trimmed at B to the day's cap less the 300 B credited for its copy.
    CHECK(at_hub->points_available + at_hub->points_pending == 300 + 2700);
    CHECK(hub->ledger().verify_all().empty());

    // Hostile copies: a decision naming another store's claim, and a claim under another
    // terminal's id, are refused and change nothing.
    const auto a_claim = db.prepare(
                               "SELECT uid FROM receipt_claims WHERE store = 'MALL' AND "
                               "terminal = 'K1'")
                             .scalar<std::string>()
                             .value_or("");
    REQUIRE_FALSE(a_claim.empty());
    auto forged = hub->replication().apply(ReplicatedEvent{
        "ev-forged-1", "receipt.claim_decided", "TEST", "OTHER", "K9", a.clock.now(),
        nlohmann::json{{"member_uid", uid},
                       {"claim", a_claim},
                       {"status", "credited"},
                       {"points_earned", 99999}}});
    REQUIRE_FALSE(forged.ok());
    auto stolen_id = hub->replication().apply(
        ReplicatedEvent{"ev-forged-2", "receipt.claimed", "TEST", "MALL", "K2", a.clock.now(),
                        nlohmann::json{{"member_uid", uid},
                                       {"claim", a_claim},
                                       {"shop", "1023"},
                                       {"receipt", "X1"},
                                       {"amount", 1000},
                                       {"date", "2026-03-09"},
                                       {"source", "keyed"},
                                       {"status", "credited"},
                                       {"points_earned", 10}}});
    REQUIRE_FALSE(stolen_id.ok());
    const auto after = hub->members().get_by_uid(uid);
    CHECK(after->points_available + after->points_pending == 300 + 2700);
    CHECK(hub->ledger().verify_all().empty());
}

TEST_CASE(
    "a claim the hub reversed is marked at its kiosk once, only for its store and member, told "
    "once, and moves no points") {
    Fixture f(mall_program(), Origin{"MALL", "K2"});
    const auto m = f.enroll("13800001020");
    const auto uid = f.engine->members().get(m)->uid;
    auto& claims = f.engine->receipt_claims();
    auto later = claims.submit(claim_of(m, "1023", "R-9", 30000, "2026-03-09", "b1"));
    REQUIRE(later.ok());
    auto big = claims.submit(claim_of(m, "1023", "BIG9", 300000, "2026-03-09", "b2"));
    REQUIRE(big.ok());
    REQUIRE(big->claim.status == ClaimStatus::pending);
    const auto before = f.balance(m);
    const auto events = outbox_count(*f.engine, "receipt.claimed");
    const std::string note = "claimed before at another kiosk (S001/K01/a1)";

    // Not this store's claim, not this member's, or no such claim: nothing changes.
    for (const auto& [claim, store, member] :
         {std::tuple{std::string("MALL/K2/nope"), std::string("MALL"), uid},
          std::tuple{std::string("MALL/K2/b1"), std::string("OTHER"), uid},
          std::tuple{std::string("MALL/K2/b1"), std::string("MALL"), std::string("someone")}}) {
        auto refused = claims.reverse_from_hub(claim, store, member, note);
        REQUIRE_FALSE(refused.ok());
        CHECK(refused.error().code == Errc::not_found);
    }
    CHECK(claims.get(later->claim.id)->status == ClaimStatus::credited);
    CHECK(claims.unseen_refusals(m, false)->empty());

    auto reversed = claims.reverse_from_hub("MALL/K2/b1", "MALL", uid, note);
    REQUIRE(reversed.ok());
    CHECK(*reversed);
    CHECK(*claims.reverse_from_hub("MALL/K2/b1", "MALL", uid, note) == false);  // again
    // A claim waiting for review is reversed too: no manager can credit it afterwards.
    REQUIRE(*claims.reverse_from_hub("MALL/K2/b2", "MALL", uid, note));
    CHECK_FALSE(claims.approve(big->claim.id, "M001").ok());
    const auto after = claims.get(later->claim.id);
    CHECK(after->status == ClaimStatus::reversed);
    CHECK(after->note == note);
    CHECK(after->points == 0);
    CHECK(after->decided_by == "hub");
    // No points move and no event goes up: the hub's snapshot aligns the balance.
    CHECK(f.balance(m).available == before.available);
    CHECK(f.balance(m).pending == before.pending);
    CHECK(outbox_count(*f.engine, "receipt.claimed") == events);
    CHECK(outbox_count(*f.engine, "receipt.claim_decided") == 0);
    auto told = claims.unseen_refusals(m, true);
    REQUIRE(told.ok());
    REQUIRE(told->size() == 2);
    CHECK(told->front().note == note);
    CHECK(claims.unseen_refusals(m, true)->empty());
    CHECK(*claims.reverse_from_hub("MALL/K2/b1", "MALL", uid, note) == false);
    CHECK(claims.unseen_refusals(m, true)->empty());  // told once
    // The receipt stays claimed here: it was claimed at another kiosk.
    auto again = claims.submit(claim_of(m, "1023", "R-9", 30000, "2026-03-09", "b3"));
    REQUIRE_FALSE(again.ok());
    CHECK(again.error().code == Errc::already_used);
    f.require_balances_agree();
}

TEST_CASE("one claim reversal from the hub sent ten at once marks the claim once") {
    Fixture f(mall_program(), Origin{"MALL", "K2"});
    const auto m = f.enroll("13800001021");
    const auto uid = f.engine->members().get(m)->uid;
    REQUIRE(f.engine->receipt_claims()
                .submit(claim_of(m, "1023", "R-10", 30000, "2026-03-09", "b1"))
                .ok());
    const auto path = f.dir.path() / "store.db";
    std::vector<std::future<bool>> answers;
    for (int i = 0; i < 10; ++i)
        answers.push_back(std::async(std::launch::async, [&] {
            ManualClock clock{test_epoch()};
            auto engine = Engine::open(path, clock, EngineOptions{{"MALL", "K2"}, {}});
            REQUIRE(engine.ok());
            auto r = (*engine)->receipt_claims().reverse_from_hub("MALL/K2/b1", "MALL", uid,
                                                                  "claimed before elsewhere");
            REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
            return *r;
        }));
    int changed = 0;
    for (auto& a : answers) changed += a.get() ? 1 : 0;
    CHECK(changed == 1);
    CHECK(engine_database(*f.engine)
              .prepare("SELECT count(*) FROM audit_log WHERE action = 'receipt_claim.reversed'")
              .scalar()
              .value_or(0) == 1);
    CHECK(f.engine->receipt_claims().unseen_refusals(m, true)->size() == 1);
}
