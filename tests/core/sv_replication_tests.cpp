// Stored value at the hub: another database replays a store's top-ups, stored-value
// sales and their refunds, top-up refunds and adjustments, and ends with every
// member's and every gift card's principal and bonus as the store has them.
#include <doctest/doctest.h>

#include "loyalty/storage/engine_storage.hpp"
#include "test_support.hpp"

using namespace loyalty;
using namespace loyalty::test;

namespace {

struct SvHub {
    TempDir dir;
    ManualClock clock{test_epoch()};
    std::unique_ptr<Engine> engine;

    SvHub() {
        auto opened =
            Engine::open(dir.path() / "hub.db", clock, EngineOptions{Origin{"HUB", "H1"}, {}});
        REQUIRE(opened.ok());
        engine = std::move(opened.value());
    }

    Result<ReplicationOutcome> apply(const std::string& id, const std::string& type,
                                     const nlohmann::json& payload,
                                     const std::string& store = "S001") {
        return engine->replication().apply(
            ReplicatedEvent{id, type, "TEST", store, "T01", clock.now(), payload});
    }

    std::int64_t taken = 0;  // the terminal's last sequence applied

    // Applies the terminal's events not applied yet; returns the outcomes.
    std::vector<ReplicationOutcome> take_from(Engine& terminal) {
        std::vector<ReplicationOutcome> outcomes;
        const auto& o = terminal.origin();
        for (const auto& e : terminal.outbox().pending(o.store, o.terminal, taken, 100000)) {
            taken = e.seq;
            const auto payload = nlohmann::json::parse(e.payload);
            auto done = engine->replication().apply(ReplicatedEvent{
                e.event_id, e.type, e.program, e.store, e.terminal, e.occurred_at, payload});
            REQUIRE_MESSAGE(done.ok(), e.type << ": " << (done.ok() ? "" : done.error().message));
            outcomes.push_back(*done);
        }
        return outcomes;
    }

    SvBalance member_balance(const std::string& uid) {
        auto m = engine->members().get_by_uid(uid);
        REQUIRE(m.ok());
        auto b = engine->stored_value().member_balance(m->id);
        REQUIRE(b.ok());
        return *b;
    }
};

TopUpRequest card_top_up(const std::string& card, std::int64_t amount,
                         const std::string& request_id) {
    TopUpRequest r;
    r.program = "TEST";
    r.card = card;
    r.amount = Money{amount};
    r.tender = "cash";
    r.request_id = request_id;
    return r;
}

std::string card_number(const std::string& first15) {
    for (char check = '0'; check <= '9'; ++check)
        if (gift_card_number_valid(first15 + check)) return first15 + check;
    FAIL("no check digit");
    return {};
}

SvBalance balance_at(Engine& engine, MemberId m) {
    auto b = engine.stored_value().member_balance(m);
    REQUIRE(b.ok());
    return *b;
}

void same(const SvBalance& a, const SvBalance& b) {
    CHECK(a.principal == b.principal);
    CHECK(a.bonus == b.bonus);
}

}  // namespace

TEST_CASE("the hub replays a store's stored value and ends with every balance the store has") {
    Fixture store;  // S001/T01, bonus first
    SvHub hub;
    const auto m = store.enroll("13800000801");
    const auto uid = store.engine->members().get(m)->uid;
    const auto other = store.enroll("13800000802");
    const auto other_uid = store.engine->members().get(other)->uid;
    const auto card = card_number("600000000000801");
    auto& sv = store.engine->stored_value();
    REQUIRE(sv.top_up(top_up_of(m, 100000, "TU-1")).ok());  // + 100.00 bonus by the rule
    REQUIRE(sv.top_up(top_up_of(other, 50000, "TU-2")).ok());
    REQUIRE(sv.top_up(card_top_up(card, 20000, "GC-1")).ok());

    // A sale paid from the member's balance and the gift card, then half refunded.
    SaleRequest s;
    s.program = "TEST";
    s.receipt = "R-1";
    s.member = m;
    s.member_verified = true;
    s.lines = {line("A", "apparel", 2, 15000)};
    s.stored_value = {StoredValueTender{std::nullopt, Money{20000}},
                      StoredValueTender{card, Money{5000}}};
    auto sale = store.engine->sales().commit(s);
    REQUIRE_MESSAGE(sale.ok(), (sale.ok() ? "" : sale.error().message));
    RefundRequest refund;
    refund.program = "TEST";
    refund.receipt = "R-1";
    refund.refund_ref = "RF-1";
    refund.lines = {RefundLine{1, 1}};
    auto refunded = store.engine->sales().refund(refund);
    REQUIRE(refunded.ok());
    CHECK(refunded->sv_principal_restored + refunded->sv_bonus_restored == Money{12500});
    // The other member's top-up refunded as cash; a manager's correction of the first.
    REQUIRE(sv.refund_top_up(TopUpRefundRequest{"TEST", "TU-2", "TR-1", false, "manager"}).ok());
    REQUIRE(
        sv.adjust(SvAdjustment{m, Money{-1000}, Money{0}, "till miscount", "mgr-1", "ADJ-1"}).ok());

    const auto outcomes = hub.take_from(*store.engine);
    for (const auto& o : outcomes) CHECK(o.sv_shortfall == Money{0});
    same(hub.member_balance(uid), balance_at(*store.engine, m));
    same(hub.member_balance(other_uid), balance_at(*store.engine, other));
    CHECK(hub.member_balance(other_uid).total() == Money{0});
    auto card_at_hub = hub.engine->stored_value().card_balance("TEST", card);
    REQUIRE(card_at_hub.ok());
    same(*card_at_hub, *sv.card_balance("TEST", card));
    CHECK(card_at_hub->total() == Money{17500});
    // The hub's ledger agrees with its balances, and the points the rule gave arrived too.
    auto mismatches = hub.engine->stored_value().verify_all();
    REQUIRE(mismatches.ok());
    CHECK(mismatches->empty());
    const auto hub_member = *hub.engine->members().get_by_uid(uid);
    const auto store_member = *store.engine->members().get(m);
    CHECK(hub_member.points_available + hub_member.points_pending ==
          store_member.points_available + store_member.points_pending);
    // Booked under the store that took the money, for clearing between stores.
    auto stores = engine_database(*hub.engine)
                      .prepare("SELECT count(*) FROM sv_entries WHERE store <> 'S001'")
                      .scalar<std::int64_t>();
    CHECK(stores.value_or(-1) == 0);
    CHECK(hub.engine->outbox().backlog() == 0);
}

TEST_CASE("a stored-value event applied twice books once, and a mistyped one writes nothing") {
    Fixture store;
    SvHub hub;
    const auto m = store.enroll("13800000803");
    const auto uid = store.engine->members().get(m)->uid;
    hub.take_from(*store.engine);  // the program and the member
    const nlohmann::json top_up{{"request", "TU-9"}, {"amount", 30000},  {"bonus", 0},
                                {"points", 0},       {"tender", "cash"}, {"store", "S001"},
                                {"terminal", "T01"}, {"member_uid", uid}};
    auto first = hub.apply("e-1", "stored_value.topped_up", top_up);
    REQUIRE_MESSAGE(first.ok(), (first.ok() ? "" : first.error().message));
    // The same top-up under another event id (a restored terminal): refused, not counted twice.
    auto again = hub.apply("e-2", "stored_value.topped_up", top_up);
    REQUIRE_FALSE(again.ok());
    CHECK(again.error().code == Errc::conflict);
    CHECK(hub.member_balance(uid).principal == Money{30000});

    const auto refused = [&](const std::string& type, nlohmann::json payload,
                             const std::string& field) {
        CAPTURE(payload.dump());
        auto r = hub.apply("bad-" + field, type, payload);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == Errc::invalid_argument);
        CHECK(r.error().message.find(field) != std::string::npos);
    };
    auto bad = top_up;
    bad["request"] = "TU-10";
    bad["amount"] = "30000";
    refused("stored_value.topped_up", bad, "amount");
    bad["amount"] = -5;
    refused("stored_value.topped_up", bad, "amount");
    bad["amount"] = 100;
    bad["card"] = card_number("600000000000803");
    refused("stored_value.topped_up", bad, "exactly one");
    bad.erase("member_uid");
    auto mistyped = card_number("600000000000803");
    mistyped.back() = mistyped.back() == '9' ? '0' : static_cast<char>(mistyped.back() + 1);
    bad["card"] = mistyped;
    refused("stored_value.topped_up", bad, "check digit");
    refused("stored_value.adjusted",
            nlohmann::json{{"member_uid", uid}, {"principal", 1.5}, {"bonus", 0}, {"request", "A"}},
            "principal");
    refused("stored_value.adjusted",
            nlohmann::json{{"member_uid", uid}, {"principal", 100}, {"bonus", 0}}, "request");
    const nlohmann::json sale{{"receipt", "R-7"},
                              {"net", 1000},
                              {"gross", 1000},
                              {"points_paid", 0},
                              {"points_earned", 0},
                              {"member_uid", uid},
                              {"stored_value", {{{"principal", "1000"}, {"bonus", 0}}}}};
    refused("sale.committed", sale, "stored_value");
    auto no_member = sale;
    no_member.erase("member_uid");
    no_member["stored_value"] = {{{"principal", 1000}, {"bonus", 0}}};
    refused("sale.committed", no_member, "without a member");
    CHECK(hub.member_balance(uid).principal == Money{30000});
    auto sales =
        engine_database(*hub.engine).prepare("SELECT count(*) FROM sales").scalar<std::int64_t>();
    CHECK(sales.value_or(-1) == 0);
}

TEST_CASE("a store refunds only its own top-ups and names only itself") {
    Fixture store;
    SvHub hub;
    const auto m = store.enroll("13800000804");
    const auto uid = store.engine->members().get(m)->uid;
    REQUIRE(store.engine->stored_value().top_up(top_up_of(m, 50000, "TU-1")).ok());
    hub.take_from(*store.engine);
    // S002 refunding S001's top-up: S002 has no top-up TU-1 at the hub.
    auto foreign = hub.apply("e-x", "stored_value.top_up_refunded",
                             nlohmann::json{{"request", "TU-1"},
                                            {"refund_request", "TR-1"},
                                            {"principal", 50000},
                                            {"bonus", 0},
                                            {"points", 0},
                                            {"member_uid", uid}},
                             "S002");
    REQUIRE_FALSE(foreign.ok());
    CHECK(foreign.error().code == Errc::exceeds_sale);
    // A top-up claiming to be another store's.
    auto named = hub.apply(
        "e-y", "stored_value.topped_up",
        nlohmann::json{
            {"request", "TU-2"}, {"amount", 100}, {"store", "S002"}, {"member_uid", uid}});
    REQUIRE_FALSE(named.ok());
    CHECK(named.error().code == Errc::unauthorized);
    // Refunding S001's own top-up for another member than its own.
    const auto other = store.enroll("13800000805");
    hub.take_from(*store.engine);  // the new member reaches the hub
    auto wrong = hub.apply("e-z", "stored_value.top_up_refunded",
                           nlohmann::json{{"request", "TU-1"},
                                          {"refund_request", "TR-1"},
                                          {"principal", 50000},
                                          {"bonus", 0},
                                          {"points", 0},
                                          {"member_uid", store.engine->members().get(other)->uid}});
    REQUIRE_FALSE(wrong.ok());
    CHECK(wrong.error().code == Errc::unauthorized);
    CHECK(hub.member_balance(uid).principal == Money{50000});
}

TEST_CASE("a spend the hub's copy cannot cover is booked as far as it goes, the rest reported") {
    Fixture store;
    SvHub hub;
    const auto m = store.enroll("13800000806");
    const auto uid = store.engine->members().get(m)->uid;
    hub.take_from(*store.engine);
    // The hub never heard of a top-up (another store's, still on its way): the sale's
    // event names 300.00 spent from the member's balance.
    auto done = hub.apply("e-s", "sale.committed",
                          nlohmann::json{{"receipt", "R-1"},
                                         {"net", 30000},
                                         {"points_paid", 0},
                                         {"points_earned", 0},
                                         {"member_uid", uid},
                                         {"stored_value", {{{"principal", 30000}, {"bonus", 0}}}}});
    REQUIRE_MESSAGE(done.ok(), (done.ok() ? "" : done.error().message));
    CHECK(done->sv_shortfall == Money{30000});
    CHECK(hub.member_balance(uid).total() == Money{0});
    auto mismatches = hub.engine->stored_value().verify_all();
    REQUIRE(mismatches.ok());
    CHECK(mismatches->empty());
}

TEST_CASE(
    "a merge moves the absorbed member's stored value to the survivor, at the store and the hub") {
    Fixture store;
    SvHub hub;
    const auto survivor = store.enroll("13800000807");
    const auto absorbed = store.enroll("13800000808");
    auto& sv = store.engine->stored_value();
    REQUIRE(sv.top_up(top_up_of(absorbed, 50000, "TU-A")).ok());  // + 30.00 bonus
    REQUIRE(sv.top_up(top_up_of(survivor, 10000, "TU-S")).ok());
    auto merged = store.engine->members().merge(survivor, absorbed, "one shopper", "mgr-1");
    REQUIRE_MESSAGE(merged.ok(), (merged.ok() ? "" : merged.error().message));
    const auto after = balance_at(*store.engine, survivor);
    CHECK(after.principal == Money{60000});
    CHECK(after.bonus == Money{3000});
    CHECK(balance_at(*store.engine, absorbed).total() == Money{0});
    auto clean = sv.verify_all();
    REQUIRE(clean.ok());
    CHECK(clean->empty());
    // The merge event says what moved; the hub, replaying the merge, moves the same.
    hub.take_from(*store.engine);
    same(hub.member_balance(store.engine->members().get(survivor)->uid), after);
    auto at_hub = hub.engine->stored_value().verify_all();
    REQUIRE(at_hub.ok());
    CHECK(at_hub->empty());
}

TEST_CASE(
    "a top-up refunded after the hub merged its member takes the money from the survivor's "
    "balance (review of issue 17)") {
    Fixture store;
    SvHub hub;
    const auto kept = store.enroll("13800000817");
    const auto dropped = store.enroll("13800000818");
    auto& sv = store.engine->stored_value();
    REQUIRE(sv.top_up(top_up_of(dropped, 50000, "TU-D")).ok());  // + 30.00 bonus
    hub.take_from(*store.engine);
    const auto kept_uid = store.engine->members().get(kept)->uid;
    const auto dropped_uid = store.engine->members().get(dropped)->uid;
    // Headquarters merges the two; the store has not heard of it when it refunds the top-up.
    REQUIRE(hub.engine->replication()
                .apply(ReplicatedEvent{
                    "merge-1", "member.merged", "TEST", "HUB", "H1", store.clock.now(),
                    nlohmann::json{{"survivor_uid", kept_uid}, {"absorbed_uid", dropped_uid}}})
                .ok());
    CHECK(hub.member_balance(kept_uid).total() == Money{53000});
    REQUIRE(sv.refund_top_up(TopUpRefundRequest{"TEST", "TU-D", "TR-D", false, "manager"}).ok());
    const auto outcomes = hub.take_from(*store.engine);
    for (const auto& o : outcomes) {
        CHECK_MESSAGE(o.note.empty(), o.note);
        CHECK(o.sv_shortfall == Money{});
    }
    // Principal and bonus both left the survivor's balance: nothing stays spendable.
    CHECK(hub.member_balance(kept_uid).total() == Money{0});
    auto at_hub = hub.engine->stored_value().verify_all();
    REQUIRE(at_hub.ok());
    CHECK(at_hub->empty());
}
