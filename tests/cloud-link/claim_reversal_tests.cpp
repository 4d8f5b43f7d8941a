// Two kiosks of a mall, in two stores, took the same receipt while they could not reach the
// hub. The hub keeps the claim it applied first and reverses the later one; the store that
// took the later one hears of it (`claim_reversed`, PROTOCOL.md "Down messages"), marks its
// claim reversed with the hub's note, and its kiosk tells the member once. The points are
// taken back once, by the member's snapshot. Real mosquitto with the ACL, the real hub worker
// and link agents, real SQLite files.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "broker.hpp"
#include "hub_database.hpp"
#include "loyalty/receipt_claims.hpp"
#include "loyalty/storage/engine_storage.hpp"
#include "loyalty/sync/hub.hpp"
#include "loyalty/sync/store_agent.hpp"
#include "loyalty/sync/topics.hpp"
#include "raw_client.hpp"
#include "running.hpp"
#include "terminal.hpp"
#include "test_configs.hpp"
#include "test_support.hpp"

using namespace loyalty;
using namespace loyalty::sync;
using namespace loyalty::sync::test;

namespace {

// The test program as a mall with one shop whose receipts are typed at the kiosk.
ProgramConfig mall_link_program() {
    auto c = link_program();
    c.kind = "mall";
    auto& r = c.receipt_claims;
    r.window_days = 7;
    r.daily_claims = 5;
    MallShop shop;
    shop.code = "1023";
    shop.name = "优衣库";
    shop.category = "apparel";
    shop.min_amount = Money{1000};
    r.shops = {shop};
    return c;
}

// A mall kiosk: a terminal database of its store with the mall's rules, member 0 enrolled.
struct MallKiosk {
    MallKiosk(const std::filesystem::path& db, const std::string& store,
              const std::string& terminal)
        : t(db, store, terminal, 1) {
        REQUIRE(t.engine().programs().save(mall_link_program(), "test").ok());
    }
    ReceiptClaim claim(const std::string& receipt, const std::string& request_id) {
        ReceiptClaimRequest r;
        r.program = "TEST";
        r.member = t.member_id(0);
        r.shop = "1023";
        r.receipt = receipt;
        r.amount = Money{30000};
        r.date = "2026-03-09";
        r.source = ReceiptSource::keyed;
        r.request_id = request_id;
        auto out = t.engine().receipt_claims().submit(r);
        REQUIRE_MESSAGE(out.ok(), (out.ok() ? "" : out.error().message));
        CHECK(out->claim.status == ClaimStatus::credited);
        return out->claim;
    }
    ClaimStatus status(std::int64_t id) { return t.engine().receipt_claims().get(id)->status; }
    Terminal t;
};

std::int64_t hub_points(const std::filesystem::path& hub_db, const std::string& uid) {
    auto hub = HubStore::open(hub_db, HubStoreOptions{"probe", false, false, {}});
    if (!hub) return -1;
    auto m = (*hub)->member("TEST", uid);
    return m ? m->points : -1;
}

std::string reversal(const std::string& claim, std::int64_t version, const std::string& member,
                     const std::string& note) {
    return nlohmann::json{
        {"v", 1},
        {"kind", "claim_reversed"},
        {"program", "TEST"},
        {"items",
         nlohmann::json::array({nlohmann::json{
             {"key", claim}, {"version", version}, {"member_uid", member}, {"note", note}}})}}
        .dump();
}

}  // namespace

TEST_CASE(
    "two kiosks offline claim the same receipt: the later store's claim is reversed there with "
    "the hub's note, told once, and its points taken back once") {
    loyalty::test::TempDir dir;
    Mosquitto broker(dir.path() / "broker", {"hub", "S001", "S002"});
    const auto hub_db = hub_database(dir.path());
    {
        auto hub = HubStore::open(hub_db, HubStoreOptions{"setup", false, false, {}});
        REQUIRE(hub.ok());
        REQUIRE((*hub)->engine().programs().save(mall_link_program(), "ops").ok());
    }
    MallKiosk first(dir.path() / "s001.db", "S001", "K01");
    MallKiosk later(dir.path() / "s002.db", "S002", "K02");
    const auto uid = member_uid(0);
    // Neither kiosk can reach the hub: both credit the receipt; the later store one more.
    const auto a = first.claim("R-777", "a1");
    const auto elsewhere = first.claim("R-900", "a2");  // S001 alone knows of this one
    const auto b = later.claim("R-777", "b1");
    const auto own = later.claim("R-778", "b2");
    REQUIRE(a.points > 0);
    CHECK(later.t.ledger_points(uid) == b.points + own.points);

    Running<HubWorker> hub(hub_config(broker, hub_db, "w1"));
    REQUIRE(eventually([&] { return hub->stats().connected; }));
    {
        // S001's claim reaches the hub first, then S002's.
        Running<StoreAgent> a1(agent_config(broker, dir.path() / "s001.db", "S001", "K01"));
        REQUIRE(eventually([&] { return first.t.backlog() == 0; }));
    }
    Running<StoreAgent> a2(agent_config(broker, dir.path() / "s002.db", "S002", "K02"));
    REQUIRE(eventually([&] { return later.status(b.id) == ClaimStatus::reversed; }));
    // The hub's figure counts S001's claims and S002's other receipt, not the copy.
    const auto right = a.points + elsewhere.points + own.points;
    REQUIRE(eventually([&] {
        return later.t.backlog() == 0 && hub_points(hub_db, uid) == right &&
               later.t.ledger_points(uid) == right;
    }));
    CHECK(a2->stats().claims_reversed == 1);

    auto& claims = later.t.engine().receipt_claims();
    const auto reversed = claims.get(b.id);
    REQUIRE(reversed.ok());
    CHECK(reversed->note.find("S001/K01/a1") != std::string::npos);
    CHECK(reversed->points == 0);
    CHECK(claims.get(own.id)->status == ClaimStatus::credited);
    CHECK(first.status(a.id) == ClaimStatus::credited);  // the first store's claim stands
    // The kiosk tells the member at the next visit, once.
    auto told = claims.unseen_refusals(later.t.member_id(0), true);
    REQUIRE(told.ok());
    REQUIRE(told->size() == 1);
    CHECK(told->front().id == b.id);
    CHECK(told->front().status == ClaimStatus::reversed);
    CHECK(told->front().note == reversed->note);
    CHECK(claims.unseen_refusals(later.t.member_id(0), true)->empty());
    // The same receipt cannot be claimed again at this kiosk: it is claimed, at S001.
    ReceiptClaimRequest again;
    again.program = "TEST";
    again.member = later.t.member_id(0);
    again.shop = "1023";
    again.receipt = "R-777";
    again.amount = Money{30000};
    again.date = "2026-03-09";
    again.request_id = "b3";
    auto refused = claims.submit(again);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().code == Errc::already_used);

    // The hub's message again, ten times (a QoS 1 redelivery): nothing more moves, and the
    // member is not told again.
    auto& store_db = engine_database(later.t.engine());
    const auto kept = store_db
                          .prepare(
                              "SELECT version FROM link_down_items WHERE kind = "
                              "'claim_reversed' AND key = 'S002/K02/b1'")
                          .scalar();
    REQUIRE(kept);
    const auto hub_says = reversal("S002/K02/b1", *kept, uid, reversed->note);
    const auto topic = store_down_topic("TEST", "S002");
    const auto stale = a2->stats().down_stale;
    {
        RawClient from_hub(broker.client("hub", "hub-again"));
        for (int i = 0; i < 10; ++i) REQUIRE(from_hub.publish(topic, hub_says) == 0);
    }
    REQUIRE(eventually([&] { return a2->stats().down_stale >= stale + 10; }));
    CHECK(a2->stats().claims_reversed == 1);
    CHECK(later.t.ledger_points(uid) == right);
    CHECK(claims.unseen_refusals(later.t.member_id(0), false)->empty());

    // The same reversal arriving after the snapshot that took the points back (the claim put
    // as it was before the reversal came): marked now, and no points taken a second time.
    store_db.prepare("UPDATE receipt_claims SET status = 'credited', note = '' WHERE id = ?")
        .bind(1, b.id)
        .run();
    {
        RawClient from_hub(broker.client("hub", "hub-late"));
        REQUIRE(from_hub.publish(topic, hub_says) == 0);
    }
    REQUIRE(eventually([&] { return a2->stats().claims_reversed == 2; }));
    CHECK(later.status(b.id) == ClaimStatus::reversed);
    CHECK(later.t.ledger_points(uid) == right);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    CHECK(later.t.ledger_points(uid) == right);
    CHECK(hub_points(hub_db, uid) == right);
}

TEST_CASE(
    "a forged claim_reversed item changes no claim: an unknown one, another store's, another "
    "member's") {
    loyalty::test::TempDir dir;
    Mosquitto broker(dir.path() / "broker", {"hub", "S001", "S002"});
    const auto hub_db = hub_database(dir.path());
    {
        auto hub = HubStore::open(hub_db, HubStoreOptions{"setup", false, false, {}});
        REQUIRE(hub.ok());
        REQUIRE((*hub)->engine().programs().save(mall_link_program(), "ops").ok());
    }
    MallKiosk one(dir.path() / "s001.db", "S001", "K01");
    MallKiosk two(dir.path() / "s002.db", "S002", "K02");
    const auto uid = member_uid(0);
    const auto mine = two.claim("R-1", "b1");    // S002/K02/b1, a claim the hub keeps
    const auto theirs = one.claim("R-2", "a1");  // S001/K01/a1
    Running<HubWorker> hub(hub_config(broker, hub_db, "w1"));
    REQUIRE(eventually([&] { return hub->stats().connected; }));
    Running<StoreAgent> a1(agent_config(broker, dir.path() / "s001.db", "S001", "K01"));
    Running<StoreAgent> a2(agent_config(broker, dir.path() / "s002.db", "S002", "K02"));
    const auto right = mine.points + theirs.points;
    REQUIRE(eventually([&] {
        return one.t.backlog() == 0 && two.t.backlog() == 0 && hub_points(hub_db, uid) == right &&
               two.t.ledger_points(uid) == right && one.t.ledger_points(uid) == right;
    }));
    const auto topic = store_down_topic("TEST", "S002");
    const auto before = a2->stats().down_stale;
    {
        // S002's own credentials may write to its down topic (the ACL's store subtree).
        RawClient forger(broker.client("S002", "forger"));
        // A claim that is nowhere; S001's claim sent to S002; S002's claim for another member;
        // and each with a version far above anything the hub will send.
        REQUIRE(forger.publish(topic, reversal("S002/K02/nope", 1000000, uid, "x")) == 0);
        REQUIRE(forger.publish(topic, reversal("S001/K01/a1", 1000000, uid, "x")) == 0);
        REQUIRE(forger.publish(topic, reversal("S002/K02/b1", 1000000, member_uid(9), "x")) == 0);
        // S002 cannot write to S001's down topic at all.
        CHECK(forger.publish(store_down_topic("TEST", "S001"),
                             reversal("S001/K01/a1", 1000000, uid, "x")) == 135);
    }
    REQUIRE(eventually([&] { return a2->stats().down_stale >= before + 3; }));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    CHECK(a1->stats().claims_reversed == 0);
    CHECK(a2->stats().claims_reversed == 0);
    CHECK(two.status(mine.id) == ClaimStatus::credited);
    CHECK(one.status(theirs.id) == ClaimStatus::credited);
    CHECK(two.t.engine().receipt_claims().unseen_refusals(two.t.member_id(0), false)->empty());
    CHECK(two.t.ledger_points(uid) == right);
    CHECK(one.t.ledger_points(uid) == right);
    // Nothing of the forgeries was kept: a later real item for these keys is not stale.
    CHECK(engine_database(two.t.engine())
              .prepare("SELECT count(*) FROM link_down_items WHERE kind = 'claim_reversed'")
              .scalar() == 0);
}
