// The hub's answers to a terminal's questions (identify, authorize, release) and
// the capture of a hold by the sale's event, without a broker: real SQLite files,
// real engine events, the real wire encoding of requests and answers.
#include <doctest/doctest.h>

#include <algorithm>

#include "hub_database.hpp"
#include "loyalty/storage/engine_storage.hpp"
#include "loyalty/sync/hub.hpp"
#include "loyalty/sync/requests.hpp"
#include "terminal.hpp"
#include "test_support.hpp"

using namespace loyalty;
using namespace loyalty::sync;
using namespace loyalty::sync::test;
using loyalty::sync::test::member_uid;
using loyalty::sync::test::Terminal;

namespace {

constexpr std::int64_t kTtl = 60000;

struct Hub {
    explicit Hub(const std::filesystem::path& path) {
        HubStoreOptions options;
        options.hold_ttl_ms = kTtl;
        auto opened = HubStore::open(path, options);
        REQUIRE_MESSAGE(opened.ok(), (opened.ok() ? "" : opened.error().message));
        store = std::move(opened.value());
    }
    // Everything the terminal wrote, applied.
    void take(Terminal& t, std::int64_t now_ms = 1000) {
        const TerminalAddress a{"TEST", t.store(), t.terminal()};
        auto events = t.engine().outbox().pending(t.store(), t.terminal(), 0, 100000);
        REQUIRE(!events.empty());
        auto r = store->apply({{events_topic(a), encode_batch(a, 0, 0, events), {}}}, now_ms);
        REQUIRE(r.ok());
        REQUIRE(r->dead_letters == 0);
        t.engine().outbox().acknowledge_through(t.store(), t.terminal(), t.last_seq());
    }
    // One request from `store`'s till T02, answered on a reply topic of that store.
    std::optional<HubAnswer> ask(const std::string& asking, const HubRequest& request,
                                 std::int64_t now_ms = 2000, std::string reply = {}) {
        const TerminalAddress from{"TEST", asking, "T02"};
        if (reply.empty()) reply = replies_topic(from, "c1");
        HubIncoming in{requests_topic(from), encode_request(request), {}, reply, "corr-1"};
        auto out = store_ask(in, now_ms);
        if (!out) return std::nullopt;
        CHECK(out->topic == reply);
        CHECK(out->correlation == "corr-1");
        auto a = decode_answer(out->payload);
        REQUIRE_MESSAGE(a.ok(), (a.ok() ? "" : a.error().message));
        return *a;
    }
    std::optional<HubOutgoing> store_ask(const HubIncoming& in, std::int64_t now_ms) {
        auto out = store->answer(in, now_ms);
        REQUIRE(out.ok());
        return *out;
    }
    std::int64_t count(const std::string& sql) {
        return store->db().prepare(sql).scalar<std::int64_t>().value_or(-1);
    }
    std::unique_ptr<HubStore> store;
};

HubRequest authorize(const std::string& auth, std::int64_t points, int member = 0) {
    return HubRequest{request_kind::authorize, {}, {}, auth, member_uid(member), points};
}

}  // namespace

TEST_CASE("a member of one store is found at the hub by any store, with its balance and cards") {
    loyalty::test::TempDir dir;
    Terminal a(dir.path() / "a.db", "S001", "T01", 1);
    REQUIRE(a.engine().ledger().adjust(a.member_id(0), 10000, "welcome", "mgr", "w").ok());
    Hub hub(hub_database(dir.path()));
    hub.take(a);

    auto found =
        hub.ask("S002", HubRequest{request_kind::identify, "phone", "13910000000", {}, {}, 0});
    REQUIRE(found);
    CHECK(found->status == answer_status::found);
    REQUIRE(found->member);
    CHECK(found->member->uid == member_uid(0));
    CHECK(std::find(found->member->identities.begin(), found->member->identities.end(),
                    std::pair<std::string, std::string>{"phone", "+8613910000000"}) !=
          found->member->identities.end());
    CHECK_FALSE(found->member->cards.empty());  // the electronic card of the enrollment
    REQUIRE(found->snapshot);
    CHECK(found->snapshot->body.find("\"points\":10000") != std::string::npos);
    // S002 hears the member's snapshots from now on.
    CHECK(hub.count("SELECT count(*) FROM hub_member_stores WHERE store = 'S002'") == 1);

    auto by_card = hub.ask(
        "S002",
        HubRequest{request_kind::identify, "any", found->member->cards.front().number, {}, {}, 0});
    REQUIRE(by_card);
    CHECK(by_card->status == answer_status::found);

    auto nobody =
        hub.ask("S002", HubRequest{request_kind::identify, "phone", "13999999999", {}, {}, 0});
    REQUIRE(nobody);
    CHECK(nobody->status == answer_status::not_found);
    CHECK_FALSE(nobody->member);
}

TEST_CASE("a request whose reply topic is in another store's tree is not answered") {
    loyalty::test::TempDir dir;
    Terminal a(dir.path() / "a.db", "S001", "T01", 1);
    Hub hub(hub_database(dir.path()));
    hub.take(a);
    const auto request = HubRequest{request_kind::identify, "uid", member_uid(0), {}, {}, 0};
    for (const std::string& reply :
         {std::string("loyalty/v1/TEST/stores/S001/terminals/T01/replies/x"),
          std::string("loyalty/v1/TEST/stores/S002/terminals/+/replies/x"),
          std::string("elsewhere/S002"), std::string()}) {
        const TerminalAddress from{"TEST", "S002", "T02"};
        HubIncoming in{requests_topic(from), encode_request(request), {}, reply, "c"};
        CHECK_FALSE(hub.store_ask(in, 2000).has_value());
    }
    CHECK(hub.count("SELECT count(*) FROM hub_dead_letters WHERE reason = 'topic_mismatch'") == 4);
    // A garbled request is answered "refused" (and dead-lettered): the till stops waiting.
    const TerminalAddress from{"TEST", "S002", "T02"};
    auto out = hub.store_ask(HubIncoming{requests_topic(from),
                                         "{\"v\":1,\"kind\":\"authorize\",\"points\":\"5\"}",
                                         {},
                                         replies_topic(from, "c"),
                                         "c"},
                             2000);
    REQUIRE(out);
    auto refused = decode_answer(out->payload);
    REQUIRE(refused.ok());
    CHECK(refused->status == answer_status::refused);
}

TEST_CASE("ten copies of one authorization hold the points once; more than is left is declined") {
    loyalty::test::TempDir dir;
    Terminal a(dir.path() / "a.db", "S001", "T01", 1);
    REQUIRE(a.engine().ledger().adjust(a.member_id(0), 10000, "welcome", "mgr", "w").ok());
    Hub hub(hub_database(dir.path()));
    hub.take(a);
    const auto total = hub.store->member("TEST", member_uid(0))->available;
    for (int i = 0; i < 10; ++i) {
        auto ok = hub.ask("S002", authorize("sale/T02/R-1", 6000));
        REQUIRE(ok);
        CHECK(ok->status == answer_status::approved);
        CHECK(ok->available == total - 6000);
        CHECK(ok->expires_at_ms == 2000 + kTtl);
    }
    CHECK(hub.count("SELECT count(*) FROM hub_holds") == 1);
    // Another store (or another sale) wants more than is left now: declined, with what is left.
    auto other = hub.ask("S003", authorize("sale/T02/R-1", total - 6000 + 1));
    REQUIRE(other);
    CHECK(other->status == answer_status::declined);
    CHECK(other->available == total - 6000);
    // The same id at another store is another hold: a store names only its own holds.
    CHECK(hub.count("SELECT count(*) FROM hub_holds WHERE store = 'S003'") == 0);

    // Released, the points are spendable again; a second release changes nothing.
    auto released =
        hub.ask("S002", HubRequest{request_kind::release, {}, {}, "sale/T02/R-1", {}, 0});
    REQUIRE(released);
    CHECK(released->status == answer_status::released);
    CHECK(hub.store->hold("TEST", "S002", "sale/T02/R-1", 3000)->state == "released");
    auto all = hub.ask("S003", authorize("sale/T02/R-9", total));
    REQUIRE(all);
    CHECK(all->status == answer_status::approved);
    // S003's hold lapses unused: after its time the points are back.
    auto late = hub.ask("S002", authorize("sale/T02/R-2", total), 2000 + kTtl + 1);
    REQUIRE(late);
    CHECK(late->status == answer_status::approved);
    CHECK(hub.store->hold("TEST", "S003", "sale/T02/R-9", 2000 + kTtl + 1)->state == "lapsed");
}

TEST_CASE("the sale's event captures its hold: the points are debited once, never held again") {
    loyalty::test::TempDir dir;
    Terminal a(dir.path() / "a.db", "S001", "T01", 1);
    REQUIRE(a.engine().ledger().adjust(a.member_id(0), 10000, "welcome", "mgr", "w").ok());
    Terminal b(dir.path() / "b.db", "S002", "T02", 1);  // knows the member, 0 points of its own
    Hub hub(hub_database(dir.path()));
    hub.take(a);
    hub.take(b);
    const auto before = hub.store->member("TEST", member_uid(0))->available;
    auto ok = hub.ask("S002", authorize("sale/T02/R-1", 300));
    REQUIRE(ok);
    REQUIRE(ok->status == answer_status::approved);
    // The till brings its copy of the member to the hub's balance, then sells.
    REQUIRE(b.engine().ledger().align_total(b.member_id(0), before, "test") == before);
    SaleRequest s;
    s.program = "TEST";
    s.receipt = "R-1";
    s.member = b.member_id(0);
    s.lines = {BasketLine{"SKU-1", "apparel", 1, Money{20000}, Money{}}};
    s.points_to_pay = 300;
    REQUIRE(b.engine().sales().commit(s).ok());
    hub.take(b, 3000);
    auto hold = hub.store->hold("TEST", "S002", "sale/T02/R-1", 3000);
    REQUIRE(hold);
    CHECK(hold->state == "captured");
    const auto after = hub.store->member("TEST", member_uid(0))->available;
    CHECK(after < before);  // the points paid are gone (and the sale earned some back)
    // Asked again (a retried commit), the captured spend is the same answer, and
    // nothing is held twice.
    auto again = hub.ask("S002", authorize("sale/T02/R-1", 300), 4000);
    REQUIRE(again);
    CHECK(again->status == answer_status::approved);
    CHECK(again->available == after);
    CHECK(hub.count("SELECT count(*) FROM hub_holds WHERE state = 'held'") == 0);
}
