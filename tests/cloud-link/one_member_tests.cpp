// One member in every store (issue 15): a member who joined and earned at store A
// is found, shown with the program-wide balance and spends at store B's till, the
// till driven through its C ABI, with the real hub, real mosquitto (per-store
// credentials and the example ACL) and each store's own loyalty-link agent.
#include <doctest/doctest.h>
#include <loyalty_pos.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "broker.hpp"
#include "hub_database.hpp"
#include "loyalty/storage/engine_storage.hpp"
#include "loyalty/sync/hub.hpp"
#include "loyalty/sync/store_agent.hpp"
#include "process.hpp"
#include "running.hpp"
#include "terminal.hpp"
#include "test_configs.hpp"
#include "test_support.hpp"

using namespace loyalty;
using namespace loyalty::sync;
using namespace loyalty::sync::test;
using nlohmann::json;

namespace {

// A till session through the C ABI; each call returns its status and result.
class Till {
  public:
    Till(const std::filesystem::path& db, const std::string& store,
         const std::filesystem::path& link_toml) {
        const auto config = json{{"link_config", link_toml.string()}}.dump();
        REQUIRE_MESSAGE(loyalty_pos_open(db.c_str(), "TEST", store.c_str(), "T02", config.c_str(),
                                         &session_) == LOYALTY_POS_OK,
                        loyalty_pos_last_error());
    }
    ~Till() { loyalty_pos_close(session_); }
    Till(const Till&) = delete;
    Till& operator=(const Till&) = delete;

    struct Answer {
        int status = 0;
        json result;
        std::string error;
    };
    Answer identify(const std::string& scanned) {
        return take(loyalty_pos_identify(session_, scanned.c_str(), &out_));
    }
    Answer enroll(const json& request) {
        return take(loyalty_pos_enroll(session_, request.dump().c_str(), &out_));
    }
    Answer commit(const json& basket) {
        return take(loyalty_pos_commit(session_, basket.dump().c_str(), &out_));
    }

  private:
    Answer take(int status) {
        Answer a{status, json(), status == LOYALTY_POS_OK ? "" : loyalty_pos_last_error()};
        if (out_) a.result = json::parse(out_);
        loyalty_pos_free(out_);
        out_ = nullptr;
        return a;
    }
    loyalty_pos_session* session_ = nullptr;
    char* out_ = nullptr;
};

json basket(const std::string& uid, const std::string& receipt, std::int64_t points) {
    return json{
        {"member", uid},
        {"receipt", receipt},
        {"lines",
         json::array({json{
             {"sku", "TS-1"}, {"category", "apparel"}, {"quantity", 1}, {"unit_price", 1000000}}})},
        {"points_to_pay", points}};
}

std::int64_t scalar(HubStore& hub, const std::string& sql) {
    return hub.db().prepare(sql).scalar<std::int64_t>().value_or(-1);
}

}  // namespace

TEST_CASE(
    "a member who joined and earned at store A is found, shown and spends at store B's till; "
    "offline within the limit; every spend settles once") {
    loyalty::test::TempDir dir;
    Mosquitto broker(dir.path() / "broker", {"hub", "S001", "S002"});
    Terminal a(dir.path() / "a.db", "S001", "T01", 2);
    Terminal b(dir.path() / "b.db", "S002", "T01", 0);  // has never seen the members
    const auto uid = member_uid(0);
    REQUIRE(a.engine().ledger().adjust(a.member_id(0), 10000, "joined", "mgr", "j-1").ok());
    Running<HubWorker> worker(hub_config(broker, hub_database(dir.path())));
    REQUIRE(eventually([&] { return worker->stats().connected; }));
    Running<StoreAgent> link_a(agent_config(broker, dir.path() / "a.db", "S001", "T01"));
    Running<StoreAgent> link_b(agent_config(broker, dir.path() / "b.db", "S002", "T01"));
    REQUIRE(eventually([&] { return a.backlog() == 0; }));
    auto opened = HubStore::open(hub_database(dir.path()));
    REQUIRE(opened.ok());
    auto& hub = **opened;
    const auto joined = hub.member("TEST", uid)->points;
    REQUIRE(joined >= 10000);

    const auto toml = write_link_toml(broker, dir.path(), dir.path() / "b.db", "S002", 2000);
    Till till(dir.path() / "b.db", "S002", toml);

    // Identify at B: not known there, found at the hub, shown with the program-wide balance.
    // The till's hub connection comes up beside the session; on a loaded machine the
    // first scan may come before it (the cashier scans again).
    Till::Answer who;
    REQUIRE(eventually([&] {
        who = till.identify("13910000000");
        return who.status != LOYALTY_POS_E_HUB_UNREACHABLE;
    }));
    REQUIRE_MESSAGE(who.status == LOYALTY_POS_OK, who.error);
    CHECK(who.result["member"] == uid);
    CHECK(who.result["via"] == "hub");
    CHECK(who.result["points_available"] == joined);
    CHECK(who.result["balance_as_of"].is_string());  // heard from the hub just now
    // Kept at B: the next scan is local, and so is offline work.
    CHECK(b.engine().members().get_by_uid(uid).ok());

    // Member 1 of A asks to join at B with the same phone: linked, not a second member.
    auto joined_again = till.enroll(
        json{{"phone", "13910000001"}, {"consent_privacy", true}, {"request_id", "e-1"}});
    REQUIRE_MESSAGE(joined_again.status == LOYALTY_POS_OK, joined_again.error);
    CHECK(joined_again.result["linked"] == true);
    CHECK(joined_again.result["member"] == member_uid(1));
    CHECK(scalar(hub, "SELECT count(*) FROM members") == 2);  // nobody enrolled twice
    CHECK(engine_database(b.engine())
              .prepare("SELECT count(*) FROM members")
              .scalar<std::int64_t>() == 2);

    // Pay 5,000 points at B online: the hub authorizes, the sale's event captures the hold.
    auto paid = till.commit(basket(uid, "R-1", 5000));
    REQUIRE_MESSAGE(paid.status == LOYALTY_POS_OK, paid.error);
    CHECK(paid.result["points_paid"] == 5000);
    const auto earned = paid.result["points_earned"].get<std::int64_t>();
    REQUIRE(eventually([&] {
        return scalar(hub, "SELECT count(*) FROM hub_holds WHERE state = 'captured'") == 1;
    }));
    const auto after_online = joined - 5000 + earned;
    REQUIRE(eventually([&] { return hub.member("TEST", uid)->points == after_online; }));
    // Store A shows the program-wide balance too, not its own ledger.
    CHECK(eventually([&] { return a.ledger_points(uid) == after_online; }));
    // The same sale again (a till retrying): replayed, nothing debited twice.
    auto replay = till.commit(basket(uid, "R-1", 5000));
    REQUIRE(replay.status == LOYALTY_POS_OK);
    CHECK(replay.result["replayed"] == true);

    // The broker goes down: B spends within the offline limit and is refused beyond it.
    broker.stop();
    auto offline = till.commit(basket(uid, "R-2", 1500));
    REQUIRE_MESSAGE(offline.status == LOYALTY_POS_OK, offline.error);
    auto beyond = till.commit(basket(uid, "R-3", 1000));
    CHECK(beyond.status == LOYALTY_POS_E_LIMIT_EXCEEDED);
    CHECK(beyond.error.find("cannot be reached") != std::string::npos);
    auto stranger = till.identify("13999999999");
    CHECK(stranger.status == LOYALTY_POS_E_HUB_UNREACHABLE);
    CHECK(stranger.error.find("enroll") != std::string::npos);

    // The link returns: the offline sale settles once, nothing short, every store agrees.
    broker.start();
    const auto settled = after_online - 1500 + offline.result["points_earned"].get<std::int64_t>();
    REQUIRE(eventually([&] { return b.backlog() == 0; }, 30000));
    CHECK(eventually([&] { return hub.member("TEST", uid)->points == settled; }));
    CHECK(hub.shortfall_points("TEST") == 0);
    CHECK(eventually(
        [&] { return a.ledger_points(uid) == settled && b.ledger_points(uid) == settled; }));
    CHECK(hub.engine().ledger().verify_all().empty());
}

TEST_CASE(
    "a phone enrolled at store B while B could not reach the hub is merged into the member A "
    "enrolled: points, sale and phone move to one member, and no store keeps a duplicate") {
    loyalty::test::TempDir dir;
    Mosquitto broker(dir.path() / "broker", {"hub", "S001", "S002"});
    Terminal a(dir.path() / "a.db", "S001", "T01", 1);  // member 0, phone 13910000000
    Terminal b(dir.path() / "b.db", "S002", "T01", 0);
    const auto first = member_uid(0);
    REQUIRE(a.engine().ledger().adjust(a.member_id(0), 10000, "joined", "mgr", "j-1").ok());
    Running<HubWorker> worker(hub_config(broker, hub_database(dir.path())));
    REQUIRE(eventually([&] { return worker->stats().connected; }));
    Running<StoreAgent> link_a(agent_config(broker, dir.path() / "a.db", "S001", "T01"));
    REQUIRE(eventually([&] { return a.backlog() == 0; }));
    auto opened = HubStore::open(hub_database(dir.path()));
    REQUIRE(opened.ok());
    auto& hub = **opened;
    const auto joined = hub.member("TEST", first)->points;

    // B's till cannot reach the hub: the shopper is enrolled there as a new member and buys.
    std::string second;
    std::int64_t earned = 0;
    {
        const auto toml = write_link_toml(broker, dir.path(), dir.path() / "b.db", "S002", 0,
                                          "tcp://127.0.0.1:9");
        Till till(dir.path() / "b.db", "S002", toml);
        auto enrolled = till.enroll(
            json{{"phone", "13910000000"}, {"consent_privacy", true}, {"request_id", "e-1"}});
        REQUIRE_MESSAGE(enrolled.status == LOYALTY_POS_OK, enrolled.error);
        second = enrolled.result["member"].get<std::string>();
        REQUIRE(second != first);
        auto sold = till.commit(basket(second, "R-1", 0));
        REQUIRE_MESSAGE(sold.status == LOYALTY_POS_OK, sold.error);
        earned = sold.result["points_earned"].get<std::int64_t>();
        REQUIRE(earned > 0);
    }

    // B's link returns: the hub merges the second member into the first and tells B.
    Running<StoreAgent> link_b(agent_config(broker, dir.path() / "b.db", "S002", "T01"));
    REQUIRE(eventually([&] { return b.backlog() == 0; }, 30000));
    REQUIRE(eventually([&] { return hub.member("TEST", first)->points == joined + earned; }));
    auto absorbed = hub.engine().members().get_by_uid(second);
    REQUIRE(absorbed.ok());
    CHECK(absorbed->status == "merged");
    CHECK(absorbed->merged_into == hub.engine().members().get_by_uid(first)->id);
    CHECK(scalar(hub, "SELECT count(*) FROM members WHERE status = 'active'") == 1);
    // The sale B booked for the second member is the first's at the hub.
    CHECK(
        scalar(hub,
               "SELECT count(*) FROM sales s JOIN members m ON m.id = s.member_id WHERE m.uid = '" +
                   first + "'") == 1);

    // B merged its copy: the phone finds the first member, with the program-wide balance.
    REQUIRE(eventually([&] {
        auto m = b.engine().members().get_by_uid(second);
        return m && m->status == "merged";
    }));
    auto found = b.engine().members().identify("TEST", IdentityKind::phone, "13910000000");
    REQUIRE(found.ok());
    CHECK(found->uid == first);
    CHECK(eventually([&] { return b.ledger_points(first) == joined + earned; }));
    CHECK(engine_database(b.engine())
              .prepare("SELECT count(*) FROM members WHERE status = 'active'")
              .scalar<std::int64_t>() == 1);
    // A hears the first member's new balance; the merge is nobody's dead letter.
    CHECK(eventually([&] { return a.ledger_points(first) == joined + earned; }));
    CHECK(eventually([&] { return b.backlog() == 0; }));
    CHECK(scalar(hub, "SELECT count(*) FROM hub_dead_letters") == 0);
    CHECK(hub.engine().ledger().verify_all().empty());
    CHECK(b.engine().ledger().verify_all().empty());
}

TEST_CASE(
    "a headquarters coupon used at two stores while both were offline is booked once and its "
    "second use listed at the hub") {
    loyalty::test::TempDir dir;
    Mosquitto broker(dir.path() / "broker", {"hub", "S001", "S002"});
    Terminal a(dir.path() / "a.db", "S001", "T01", 1);
    Terminal b(dir.path() / "b.db", "S002", "T01", 1);  // the same member shops at both
    const auto uid = member_uid(0);
    const auto hub_toml = hub_config(broker, hub_database(dir.path()));
    Running<HubWorker> worker(hub_toml);
    REQUIRE(eventually([&] { return worker->stats().connected; }));
    Running<StoreAgent> link_a(agent_config(broker, dir.path() / "a.db", "S001", "T01"));
    Running<StoreAgent> link_b(agent_config(broker, dir.path() / "b.db", "S002", "T01"));
    REQUIRE(eventually([&] { return a.backlog() == 0 && b.backlog() == 0; }));

    CouponIssue coupon;
    coupon.program = "TEST";
    coupon.member_uid = uid;
    coupon.title = "50 off";
    coupon.value = Money{5000};
    coupon.idempotency_key = "hq-50-off";  // issued once however often it is sent
    // Head office sends again when its publish connection times out (a loaded machine).
    Result<CouponIssueReport> issued = make_error(Errc::unreachable, "not sent");
    REQUIRE(eventually([&] { return (issued = issue_coupon(hub_toml, coupon)).ok(); }, 30000));
    const auto code = issued->code;
    auto has_coupon = [&](Terminal& t) {
        return engine_database(t.engine())
                   .prepare("SELECT count(*) FROM coupons WHERE code = ? AND status = 'issued'")
                   .bind(1, code)
                   .scalar<std::int64_t>() == 1;
    };
    REQUIRE(eventually([&] { return has_coupon(a) && has_coupon(b); }));

    // Both stores lose the hub, and the shopper spends the one coupon at each.
    broker.stop();
    for (auto* t : {&a, &b}) {
        const auto store = t->store();
        const auto toml = write_link_toml(broker, dir.path(), dir.path() / (store + ".db"), store,
                                          0, "tcp://127.0.0.1:9");
        Till till(t == &a ? dir.path() / "a.db" : dir.path() / "b.db", store, toml);
        auto with_coupon = basket(uid, "C-" + store, 0);
        with_coupon["coupons"] = json::array({code});
        auto sold = till.commit(with_coupon);
        REQUIRE_MESSAGE(sold.status == LOYALTY_POS_OK, sold.error);
    }

    broker.start();
    REQUIRE(eventually([&] { return a.backlog() == 0 && b.backlog() == 0; }, 30000));
    auto opened = HubStore::open(hub_database(dir.path()));
    REQUIRE(opened.ok());
    auto& hub = **opened;
    const auto reuses = hub.coupon_reuses("TEST");
    REQUIRE(reuses.size() == 1);
    CHECK(reuses[0].code == code);
    CHECK(reuses[0].member_uid == uid);
    CHECK(reuses[0].receipt_key != reuses[0].first_receipt_key);
    CHECK(reuses[0].receipt_key.ends_with("/C-" + reuses[0].store));
    CHECK(scalar(hub, "SELECT count(*) FROM coupons WHERE status = 'used' AND code = '" + code +
                          "'") == 1);
    // Both sales are booked (the coupon was honoured at both tills); nothing was dead-lettered.
    CHECK(scalar(hub, "SELECT count(*) FROM sales") == 2);
    CHECK(scalar(hub, "SELECT count(*) FROM hub_dead_letters") == 0);
}

TEST_CASE(
    "two stores paying with one balance at the same moment, online: the hub lets one through, "
    "the other is declined, and the member is never overdrawn") {
    loyalty::test::TempDir dir;
    Mosquitto broker(dir.path() / "broker", {"hub", "S001", "S002"});
    Terminal a(dir.path() / "a.db", "S001", "T01", 1);
    Terminal b(dir.path() / "b.db", "S002", "T01", 1);  // the same member shops at both
    const auto uid = member_uid(0);
    REQUIRE(a.engine().ledger().adjust(a.member_id(0), 10000, "joined", "mgr", "j-1").ok());
    Running<HubWorker> worker(hub_config(broker, hub_database(dir.path())));
    REQUIRE(eventually([&] { return worker->stats().connected; }));
    Running<StoreAgent> link_a(agent_config(broker, dir.path() / "a.db", "S001", "T01"));
    Running<StoreAgent> link_b(agent_config(broker, dir.path() / "b.db", "S002", "T01"));
    REQUIRE(eventually([&] { return a.backlog() == 0 && b.backlog() == 0; }));
    auto opened = HubStore::open(hub_database(dir.path()));
    REQUIRE(opened.ok());
    auto& hub = **opened;
    const auto balance = hub.member("TEST", uid)->points;
    REQUIRE(eventually([&] { return b.ledger_points(uid) == balance; }));  // B shows it too

    // Each till may spend 8,000 of the member's (at least) 10,000: not both.
    // A generous answer time: on a loaded machine (the sanitizer build) a slow answer
    // must not turn into an offline refusal.
    Till till_a(dir.path() / "a.db", "S001",
                write_link_toml(broker, dir.path(), dir.path() / "a.db", "S001", 0, "", 5000));
    Till till_b(dir.path() / "b.db", "S002",
                write_link_toml(broker, dir.path(), dir.path() / "b.db", "S002", 0, "", 5000));
    auto ready = [](Till& t) {  // each till's hub connection is up: a stranger is not found
        return eventually(
            [&] { return t.identify("13999999999").status == LOYALTY_POS_E_NOT_FOUND; });
    };
    REQUIRE(ready(till_a));
    REQUIRE(ready(till_b));
    Till::Answer at_a, at_b;
    {
        std::jthread ta([&] { at_a = till_a.commit(basket(uid, "R-A", balance - 2000)); });
        std::jthread tb([&] { at_b = till_b.commit(basket(uid, "R-B", balance - 2000)); });
    }
    const int paid = (at_a.status == LOYALTY_POS_OK) + (at_b.status == LOYALTY_POS_OK);
    CHECK_MESSAGE(paid == 1, "A: " << at_a.status << " " << at_a.error << "; B: " << at_b.status
                                   << " " << at_b.error);
    const auto& refused = at_a.status == LOYALTY_POS_OK ? at_b : at_a;
    CHECK(refused.status == LOYALTY_POS_E_INSUFFICIENT_POINTS);
    const auto& won = at_a.status == LOYALTY_POS_OK ? at_a : at_b;
    REQUIRE(won.status == LOYALTY_POS_OK);
    const auto settled =
        balance - (balance - 2000) + won.result["points_earned"].get<std::int64_t>();
    REQUIRE(eventually([&] { return a.backlog() == 0 && b.backlog() == 0; }, 30000));
    CHECK(eventually([&] { return hub.member("TEST", uid)->points == settled; }));
    CHECK(hub.shortfall_points("TEST") == 0);
    CHECK(scalar(hub, "SELECT count(*) FROM hub_holds WHERE state = 'captured'") == 1);
    CHECK(scalar(hub, "SELECT count(*) FROM hub_holds WHERE state = 'held'") == 0);
}

TEST_CASE(
    "the hub and the store's link SIGKILLed between an authorization and its capture: the hold "
    "survives, the sale captures it once, nothing is debited twice") {
    loyalty::test::TempDir dir;
    Mosquitto broker(dir.path() / "broker", {"hub", "S001"});
    Terminal a(dir.path() / "S001.db", "S001", "T01", 1);
    const auto uid = member_uid(0);
    REQUIRE(a.engine().ledger().adjust(a.member_id(0), 10000, "joined", "mgr", "j-1").ok());
    const auto hub_conf = hub_toml(dir.path(), broker).string();
    const auto link_conf = agent_toml(dir.path(), broker, "S001").string();
    auto hub_process = [&] {
        return ChildProcess({LOYALTY_HUB_EXE, "-c", hub_conf}, dir.path() / "hub.log");
    };
    auto link_process = [&] {
        return ChildProcess({LOYALTY_LINK_EXE, "-c", link_conf}, dir.path() / "link.log");
    };
    auto hub = hub_process();
    auto link = link_process();
    REQUIRE(eventually([&] { return a.backlog() == 0; }, 30000));
    auto opened = HubStore::open(hub_database(dir.path()));
    REQUIRE(opened.ok());
    auto& hub_db = **opened;
    const auto balance = hub_db.member("TEST", uid)->points;

    Till till(dir.path() / "S001.db", "S001",
              write_link_toml(broker, dir.path(), dir.path() / "S001.db", "S001", 0));
    REQUIRE(
        eventually([&] { return till.identify("13999999999").status == LOYALTY_POS_E_NOT_FOUND; }));
    // The link dies first, so the sale stays in the outbox; the hub holds the points for it.
    link.kill_now();
    auto paid = till.commit(basket(uid, "R-1", 6000));
    REQUIRE_MESSAGE(paid.status == LOYALTY_POS_OK, paid.error);
    CHECK(scalar(hub_db, "SELECT count(*) FROM hub_holds WHERE state = 'held'") == 1);
    // The hub dies with the hold open, and comes back: the hold is a row, still held.
    hub.kill_now();
    hub = hub_process();
    CHECK(scalar(hub_db, "SELECT count(*) FROM hub_holds WHERE state = 'held'") == 1);
    // Spending the held points again in the meantime is declined by the restarted hub.
    REQUIRE(
        eventually([&] { return till.identify("13999999999").status == LOYALTY_POS_E_NOT_FOUND; }));
    auto again = till.commit(basket(uid, "R-2", balance - 5000));
    CHECK(again.status == LOYALTY_POS_E_INSUFFICIENT_POINTS);
    CHECK(again.error.find("headquarters") != std::string::npos);

    link = link_process();
    REQUIRE(eventually([&] { return a.backlog() == 0; }, 30000));
    const auto settled = balance - 6000 + paid.result["points_earned"].get<std::int64_t>();
    CHECK(eventually([&] { return hub_db.member("TEST", uid)->points == settled; }));
    CHECK(scalar(hub_db, "SELECT count(*) FROM hub_holds WHERE state = 'captured'") == 1);
    CHECK(scalar(hub_db, "SELECT count(*) FROM hub_holds WHERE state = 'held'") == 0);
    CHECK(hub_db.shortfall_points("TEST") == 0);
    CHECK(eventually([&] { return a.ledger_points(uid) == settled; }));
}
