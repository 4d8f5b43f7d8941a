// The offline redemption bound, on a real terminal database.
#include <doctest/doctest.h>

#include "loyalty/storage/engine_storage.hpp"
#include "loyalty/sync/offline_limit.hpp"
#include "terminal.hpp"
#include "test_support.hpp"

using namespace loyalty;
using namespace loyalty::sync;
using namespace loyalty::sync::test;

namespace {
std::int64_t redeemed_in_ledger(Terminal& t, const std::string& uid) {
    auto st = engine_database(t.engine())
                  .prepare(
                      "SELECT coalesce(-sum(l.available_delta), 0) FROM ledger_entries l JOIN "
                      "members m ON m.id = l.member_id "
                      "WHERE m.uid = ? AND l.kind = 'redeem'");
    st.bind(1, uid);
    st.step();
    const auto v = st.int64(0);
    return v;
}
}  // namespace

TEST_CASE(
    "while the hub has not confirmed them, points redeemed at this terminal count against a "
    "per-member limit") {
    loyalty::test::TempDir dir;
    Terminal t(dir.path() / "t1.db", "S001", "T01", 2);
    for (int i = 0; i < 12; ++i) t.sell(0);  // every third sale pays with points
    const auto uid = member_uid(0);
    const auto spent = redeemed_in_ledger(t, uid);
    REQUIRE(spent > 0);

    OfflineRedemptionLimit limit(engine_database(t.engine()), spent + 100, "S001", "T01");
    CHECK(limit.unconfirmed(uid) == spent);
    CHECK(limit.unconfirmed(member_uid(1)) == 0);
    CHECK(limit.check(uid, 100).ok());
    auto refused = limit.check(uid, 200);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().code == Errc::limit_exceeded);
    CHECK(limit.check(member_uid(1), spent + 100).ok());  // another member has the whole allowance

    // The hub acknowledges: those redemptions are its to know, the allowance is back.
    t.engine().outbox().acknowledge_through("S001", "T01", t.last_seq());
    CHECK(limit.unconfirmed(uid) == 0);
    CHECK(limit.check(uid, spent + 100).ok());

    OfflineRedemptionLimit unlimited(engine_database(t.engine()), 0, "S001", "T01");
    CHECK(unlimited.check(uid, 1000000).ok());
}
