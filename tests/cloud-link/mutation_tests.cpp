// Every parser fed mutated real payloads (flipped bytes, cuts, splices): no
// crash, no exception, every message applied or dead-lettered, and the good
// batch after them still applied. A deterministic stand-in for a fuzzer run.
#include <doctest/doctest.h>

#include <random>

#include "hub_database.hpp"
#include "loyalty/storage/engine_storage.hpp"
#include "loyalty/sync/down_state.hpp"
#include "loyalty/sync/hub.hpp"
#include "loyalty/sync/signing.hpp"
#include "terminal.hpp"
#include "test_support.hpp"

using namespace loyalty;
using namespace loyalty::sync;
using namespace loyalty::sync::test;

namespace {
std::string mutate(std::string s, std::mt19937& rng) {
    std::uniform_int_distribution<int> kind(0, 4);
    auto at = [&] {
        return std::uniform_int_distribution<std::size_t>(0, s.empty() ? 0 : s.size() - 1)(rng);
    };
    const int rounds = std::uniform_int_distribution<int>(1, 4)(rng);
    for (int r = 0; r < rounds && !s.empty(); ++r) {
        switch (kind(rng)) {
            case 0:
                s[at()] = static_cast<char>(rng());
                break;  // flip a byte
            case 1:
                s.resize(at());
                break;  // cut
            case 2:
                s.insert(at(), s.substr(at(), 40));
                break;  // splice
            case 3:
                s.erase(at(), 8);
                break;  // drop
            default:
                s.insert(at(), std::string(1, "{}[]\\\":,0-e"[rng() % 12]));
                break;
        }
    }
    return s;
}
}  // namespace

TEST_CASE(
    "mutated batches, acks, presence and down messages are applied or dead-lettered, never a "
    "crash") {
    loyalty::test::TempDir dir;
    Terminal t(dir.path() / "t1.db", "S001", "T01", 3);
    for (int i = 0; i < 6; ++i) t.sell(i % 3);
    const TerminalAddress a{"TEST", "S001", "T01"};
    auto events = t.engine().outbox().pending("S001", "T01", 0, 100);
    const auto batch = encode_batch(a, 0, 1000, events);
    const auto presence = encode_presence(Presence{"S001", "T01", "online", "", 1, 2});
    const auto ack = encode_ack(Ack{"S001", "T01", 5, 1, 2, 0});
    const auto snapshots = encode_snapshots(
        "TEST", {MemberSnapshot{member_uid(0), 3, 100, "silver", "active"}}, {{"T01", 2}});

    auto opened = HubStore::open(hub_database(dir.path()));
    REQUIRE(opened.ok());
    auto& hub = *opened.value();
    DownState down(engine_database(t.engine()));
    std::mt19937 rng(12345);
    std::vector<HubIncoming> junk;
    for (int i = 0; i < 1500; ++i) {
        const bool events_topic_pick = i % 2 == 0;
        junk.push_back({events_topic_pick ? events_topic(a) : presence_topic(a),
                        mutate(events_topic_pick ? batch : presence, rng),
                        {}});
        // The terminal's decoders: must return a value or an error, nothing else.
        auto m1 = mutate(ack, rng);
        auto m2 = mutate(snapshots, rng);
        CHECK_NOTHROW((void)decode_ack(m1));
        CHECK_NOTHROW((void)decode_down(m2));
        if (auto d = decode_down(m2); d.ok())
            for (const auto& item : d->items) CHECK_NOTHROW((void)down.apply(item, 0, 1));
    }
    auto r = hub.apply(junk, 1000);
    REQUIRE(r.ok());
    // Without a signature a mutation that still parses is a well-formed batch
    // (with altered numbers, as a buggy store could send): applied. The rest is
    // parked, each counted once.
    CHECK(r->dead_letters > 1000);
    CHECK(hub.dead_letters().size() == static_cast<std::size_t>(r->dead_letters));

    // With the store's key, no altered batch gets in, and the real one after
    // them is applied in full.
    const std::string key(64, 'c');
    HubStoreOptions options;
    options.store_keys["S001"] = key;
    auto signed_hub = HubStore::open(hub_database(dir.path(), "signed-hub.db"), options);
    REQUIRE(signed_hub.ok());
    const auto sig = *sign_payload(key, batch);
    for (auto& j : junk) j.signature = sig;
    auto refused = (*signed_hub)->apply(junk, 1000);
    REQUIRE(refused.ok());
    auto good = (*signed_hub)->apply({{events_topic(a), batch, sig}}, 2000);
    REQUIRE(good.ok());
    CHECK((*signed_hub)->last_seq("S001", "T01") == t.last_seq());
    for (int i = 0; i < 3; ++i)
        CHECK((*signed_hub)->member("TEST", member_uid(i))->points ==
              t.ledger_points(member_uid(i)));
}
