// Stored value across stores (issue 17 at the hub): a member tops up at one store and
// spends at another with the hub's authorization; the hub holds every balance, two
// tills cannot spend one balance twice, the hub unreachable refuses by default, and
// the clearing says what each store took in against what was spent there. First
// without a broker (the hub store answering requests directly), then with the real
// parts: mosquitto with per-store credentials, the hub worker, each store's agent.
#include <doctest/doctest.h>

#include <fstream>
#include <future>
#include <iterator>
#include <nlohmann/json.hpp>

#include "broker.hpp"
#include "hub_database.hpp"
#include "loyalty/storage/engine_storage.hpp"
#include "loyalty/sync/hub.hpp"
#include "loyalty/sync/requests.hpp"
#include "loyalty/sync/store_agent.hpp"
#include "loyalty/sync/terminal_hub.hpp"
#include "member_mirror.hpp"
#include "process.hpp"
#include "running.hpp"
#include "terminal.hpp"
#include "test_configs.hpp"
#include "test_support.hpp"

using namespace loyalty;
using namespace loyalty::sync;
using namespace loyalty::sync::test;

namespace {

constexpr std::int64_t kTtl = 60000;

SaleRequest paid_from_balance(MemberId member, const std::string& receipt, std::int64_t price,
                              std::int64_t from_balance) {
    SaleRequest s;
    s.program = "TEST";
    s.receipt = receipt;
    s.member = member;
    s.member_verified = true;
    s.lines = {BasketLine{"SKU-1", "apparel", 1, Money{price}, Money{}}};
    s.stored_value = {StoredValueTender{std::nullopt, Money{from_balance}}};
    return s;
}

std::string card_number(const std::string& first15) {
    for (char check = '0'; check <= '9'; ++check)
        if (gift_card_number_valid(first15 + check)) return first15 + check;
    FAIL("no check digit");
    return {};
}

SvBalance balance_at(Terminal& t, const std::string& uid) {
    auto m = t.engine().members().get_by_uid(uid);
    REQUIRE(m.ok());
    auto b = t.engine().stored_value().member_balance(m->id);
    REQUIRE(b.ok());
    return *b;
}

struct Hub {
    explicit Hub(const std::filesystem::path& path) {
        HubStoreOptions options;
        options.hold_ttl_ms = kTtl;
        auto opened = HubStore::open(path, options);
        REQUIRE(opened.ok());
        store = std::move(opened.value());
    }
    // What the terminal wrote since the last take, applied.
    void take(Terminal& t, std::int64_t now_ms = 1000) {
        const TerminalAddress a{"TEST", t.store(), t.terminal()};
        const auto base = store->last_seq(t.store(), t.terminal());
        auto events = t.engine().outbox().pending(t.store(), t.terminal(), base, 100000);
        if (events.empty()) return;
        auto r = store->apply({{events_topic(a), encode_batch(a, base, 0, events), {}}}, now_ms);
        REQUIRE(r.ok());
        REQUIRE_MESSAGE(r->dead_letters == 0,
                        (r->dead_letter_notes.empty() ? "" : r->dead_letter_notes.front()));
        t.engine().outbox().acknowledge_through(t.store(), t.terminal(), t.last_seq());
    }
    std::optional<HubAnswer> ask(const std::string& asking, const HubRequest& request,
                                 std::int64_t now_ms = 2000) {
        const TerminalAddress from{"TEST", asking, "T02"};
        const auto reply = replies_topic(from, "c1");
        auto out = store->answer(
            HubIncoming{requests_topic(from), encode_request(request), {}, reply, "corr"}, now_ms);
        REQUIRE(out.ok());
        if (!*out) return std::nullopt;
        auto a = decode_answer((*out)->payload);
        REQUIRE(a.ok());
        return *a;
    }
    SvBalance balance(const std::string& uid) {
        auto m = store->engine().members().get_by_uid(uid);
        REQUIRE(m.ok());
        auto b = store->engine().stored_value().member_balance(m->id);
        REQUIRE(b.ok());
        return *b;
    }
    std::int64_t count(const std::string& sql) {
        return store->db().prepare(sql).scalar<std::int64_t>().value_or(-1);
    }
    std::unique_ptr<HubStore> store;
};

HubRequest authorize_sv(const std::string& auth, std::int64_t amount, int member = 0) {
    HubRequest r{request_kind::authorize_sv, {}, {}, auth, member_uid(member), 0, amount, {}};
    return r;
}

}  // namespace

TEST_CASE("the hub holds stored value for one sale at a time and the sale's event captures it") {
    loyalty::test::TempDir dir;
    Terminal a(dir.path() / "a.db", "S001", "T01", 1);
    Terminal b(dir.path() / "b.db", "S002", "T02", 1);  // knows the member, holds nothing
    REQUIRE(a.engine()
                .stored_value()
                .top_up(loyalty::test::top_up_of(a.member_id(0), 100000, "TU-1"))
                .ok());
    Hub hub(hub_database(dir.path()));
    hub.take(a);
    hub.take(b);
    const auto uid = member_uid(0);
    CHECK(hub.balance(uid).principal == Money{100000});
    CHECK(hub.balance(uid).bonus == Money{10000});  // the 1000-get-100 rule
    // The snapshot carries the balance to every store.
    const auto snap = hub.store->member("TEST", uid);
    REQUIRE(snap);
    CHECK(snap->sv_principal == 100000);
    CHECK(snap->sv_bonus == 10000);

    // Ten copies of one authorization: one hold. More than is left: declined, with why.
    for (int i = 0; i < 10; ++i) {
        auto ok = hub.ask("S002", authorize_sv("sale/T02/R-1", 60000));
        REQUIRE(ok);
        CHECK(ok->status == answer_status::approved);
        CHECK(ok->available == 110000 - 60000);
        REQUIRE(ok->snapshot);
    }
    auto other = hub.ask("S003", authorize_sv("sale/T02/R-7", 50001));
    REQUIRE(other);
    CHECK(other->status == answer_status::declined);
    CHECK(other->available == 50000);
    CHECK(other->detail.find("500.00") != std::string::npos);
    CHECK(hub.count("SELECT count(*) FROM hub_sv_holds") == 1);

    // The till at S002 brings its copy to the hub's figure, sells, and the event captures.
    auto approved = hub.ask("S002", authorize_sv("sale/T02/R-1", 60000));
    REQUIRE(approved);
    const auto m_b = b.member_id(0);
    REQUIRE(b.engine()
                .stored_value()
                .align_member_balance(m_b, SvSplit{Money{100000}, Money{10000}}, "test")
                .ok());
    auto sale = b.engine().sales().commit(paid_from_balance(m_b, "R-1", 80000, 60000));
    REQUIRE_MESSAGE(sale.ok(), (sale.ok() ? "" : sale.error().message));
    hub.take(b, 3000);
    auto hold = hub.store->sv_hold("TEST", "S002", "sale/T02/R-1", "member:" + uid, 3000);
    REQUIRE(hold);
    CHECK(hold->state == "captured");
    CHECK(hub.balance(uid).total() == Money{50000});
    CHECK(hub.balance(uid).principal == balance_at(b, uid).principal);
    CHECK(hub.balance(uid).bonus == balance_at(b, uid).bonus);
    // Asked again after the sale (a retried commit): the same answer, nothing held twice.
    auto again = hub.ask("S002", authorize_sv("sale/T02/R-1", 60000), 4000);
    REQUIRE(again);
    CHECK(again->status == answer_status::approved);
    CHECK(hub.count("SELECT count(*) FROM hub_sv_holds WHERE state = 'held'") == 0);

    // A hold released (the sale failed) or lapsed counts no more.
    auto held = hub.ask("S003", authorize_sv("sale/T02/R-8", 50000), 5000);
    REQUIRE(held);
    CHECK(held->status == answer_status::approved);
    auto blocked = hub.ask("S002", authorize_sv("sale/T02/R-9", 1), 5000);
    CHECK(blocked->status == answer_status::declined);
    REQUIRE(hub.ask("S003", HubRequest{request_kind::release, {}, {}, "sale/T02/R-8", {}, 0, 0, {}},
                    5000));
    auto after_release = hub.ask("S002", authorize_sv("sale/T02/R-9", 50000), 5000);
    CHECK(after_release->status == answer_status::approved);
    auto lapsed = hub.ask("S003", authorize_sv("sale/T02/R-10", 50000), 5000 + kTtl + 1);
    CHECK(lapsed->status == answer_status::approved);
}

TEST_CASE("a gift card sold at one store is authorized at another with its balance") {
    loyalty::test::TempDir dir;
    Terminal a(dir.path() / "a.db", "S001", "T01", 0);
    Terminal b(dir.path() / "b.db", "S002", "T02", 0);
    const auto card = card_number("600000000000901");
    TopUpRequest sell;
    sell.program = "TEST";
    sell.card = card;
    sell.amount = Money{30000};
    sell.tender = "cash";
    sell.request_id = "GC-1";
    REQUIRE(a.engine().stored_value().top_up(sell).ok());
    Hub hub(hub_database(dir.path()));
    hub.take(a);
    HubRequest r{request_kind::authorize_sv, {}, {}, "sale/T02/R-1", {}, 0, 20000, card};
    auto ok = hub.ask("S002", r);
    REQUIRE(ok);
    CHECK(ok->status == answer_status::approved);
    REQUIRE(ok->card_balance);
    CHECK(ok->card_balance->first == 30000);
    CHECK(ok->card_expires_at > 0);
    r.auth = "sale/T02/R-2";
    auto more = hub.ask("S002", r);
    CHECK(more->status == answer_status::declined);  // 100.00 left beside the first hold
    r.card = card_number("600000000000902");
    auto unknown = hub.ask("S002", r);
    CHECK(unknown->status == answer_status::declined);
    CHECK(unknown->detail.find("not activated") != std::string::npos);
}

TEST_CASE(
    "top up at S001, spend at S002 through the hub, refused offline by default; two tills at "
    "once never take a balance below zero; the clearing says who owes whom") {
    loyalty::test::TempDir dir;
    Mosquitto broker(dir.path() / "broker", {"hub", "S001", "S002", "S003"});
    Terminal a(dir.path() / "a.db", "S001", "T01", 1);
    Terminal b(dir.path() / "b.db", "S002", "T02", 0);  // has never seen the member
    Terminal c(dir.path() / "c.db", "S003", "T02", 0);
    const auto uid = member_uid(0);
    REQUIRE(a.engine()
                .stored_value()
                .top_up(loyalty::test::top_up_of(a.member_id(0), 100000, "TU-1"))
                .ok());
    Running<HubWorker> worker(hub_config(broker, hub_database(dir.path())));
    REQUIRE(eventually([&] { return worker->stats().connected; }));
    Running<StoreAgent> link_a(agent_config(broker, dir.path() / "a.db", "S001", "T01"));
    Running<StoreAgent> link_b(agent_config(broker, dir.path() / "b.db", "S002", "T01"));
    Running<StoreAgent> link_c(agent_config(broker, dir.path() / "c.db", "S003", "T01"));
    REQUIRE(eventually([&] { return a.backlog() == 0; }));
    auto opened = HubStore::open(hub_database(dir.path()));
    REQUIRE(opened.ok());
    auto& hub = **opened;
    REQUIRE(eventually([&] {
        const auto s = hub.member("TEST", uid);
        return s && s->sv_principal == 100000 && s->sv_bonus == 10000;
    }));

    TerminalHub till_b(agent_config(broker, dir.path() / "b.db", "S002", "T02"),
                       TerminalAddress{"TEST", "S002", "T02"}, b.engine());
    TerminalHub till_c(agent_config(broker, dir.path() / "c.db", "S003", "T02"),
                       TerminalAddress{"TEST", "S003", "T02"}, c.engine());
    // S002 finds the member at the hub with its balance, and keeps both.
    Result<Member> found = make_error(Errc::unreachable, "not asked yet");
    REQUIRE(eventually([&] {
        found = till_b.find("uid", uid);
        return found.ok() || found.error().code != Errc::unreachable;
    }));
    REQUIRE_MESSAGE(found.ok(), (found.ok() ? "" : found.error().message));
    CHECK(balance_at(b, uid).principal == Money{100000});
    CHECK(balance_at(b, uid).bonus == Money{10000});

    // Spend 300.00 at S002 online: cleared at the hub, the sale's event captures the hold.
    auto sale = paid_from_balance(found->id, "R-1", 40000, 30000);
    auto cleared = till_b.clear_sale_stored_value(sale, *found, "sale/T02/R-1");
    REQUIRE_MESSAGE(cleared.ok(), (cleared.ok() ? "" : cleared.error().message));
    REQUIRE(cleared->size() == 1);
    CHECK(cleared->front().online);
    auto sold = b.engine().sales().commit(sale);
    REQUIRE_MESSAGE(sold.ok(), (sold.ok() ? "" : sold.error().message));
    // bonus first: 100.00 bonus, then 200.00 principal
    REQUIRE(eventually([&] {
        return hub.db()
                   .prepare("SELECT count(*) FROM hub_sv_holds WHERE state = 'captured'")
                   .scalar<std::int64_t>() == 1;
    }));
    REQUIRE(eventually([&] {
        const auto s = hub.member("TEST", uid);
        return s && s->sv_principal == 80000 && s->sv_bonus == 0;
    }));
    // Every store agrees: S001 (where the money came in) hears it from the snapshot.
    CHECK(eventually([&] {
        const auto at_a = balance_at(a, uid);
        const auto at_b = balance_at(b, uid);
        return at_a.principal == Money{80000} && at_a.bonus == Money{0} &&
               at_b.principal == Money{80000} && at_b.bonus == Money{0};
    }));
    for (auto* t : {&a, &b}) {
        auto clean = t->engine().stored_value().verify_all();
        REQUIRE(clean.ok());
        CHECK(clean->empty());
    }
    auto hub_clean = hub.engine().stored_value().verify_all();
    REQUIRE(hub_clean.ok());
    CHECK(hub_clean->empty());

    // Two tills at two stores spend one balance at once: one wins, never below zero.
    auto at_c = till_c.find("uid", uid);
    REQUIRE_MESSAGE(at_c.ok(), (at_c.ok() ? "" : at_c.error().message));
    auto sale_b = paid_from_balance(found->id, "R-2", 70000, 60000);
    auto sale_c = paid_from_balance(at_c->id, "R-2", 70000, 60000);
    auto race_b = std::async(std::launch::async, [&] {
        return till_b.clear_sale_stored_value(sale_b, *found, "sale/T02/R-2");
    });
    auto race_c = std::async(std::launch::async, [&] {
        return till_c.clear_sale_stored_value(sale_c, *at_c, "sale/T02/R-2");
    });
    auto won_b = race_b.get();
    auto won_c = race_c.get();
    REQUIRE((won_b.ok() != won_c.ok()));
    const auto& loser = won_b.ok() ? won_c : won_b;
    CHECK(loser.error().code == Errc::insufficient_funds);
    CHECK(loser.error().message.find("declined") != std::string::npos);
    auto& winner = won_b.ok() ? b : c;
    auto second = winner.engine().sales().commit(won_b.ok() ? sale_b : sale_c);
    REQUIRE_MESSAGE(second.ok(), (second.ok() ? "" : second.error().message));
    REQUIRE(eventually([&] {
        const auto s = hub.member("TEST", uid);
        return s && s->sv_principal == 20000;
    }));
    CHECK(hub.engine().stored_value().verify_all()->empty());

    // The hub unreachable: stored value is not spent (the program's offline limit is 0).
    broker.stop();
    auto offline = till_b.clear_sale_stored_value(paid_from_balance(found->id, "R-3", 5000, 5000),
                                                  *found, "sale/T02/R-3");
    REQUIRE_FALSE(offline.ok());
    CHECK(offline.error().code == Errc::unreachable);
    CHECK(offline.error().message.find("stored value is not spent") != std::string::npos);
    broker.start();

    // Clearing: S001 took in 1,000.00 (+100.00 bonus); 800.00 principal and 100.00 bonus
    // were spent at S002 and S003.
    const auto rows = hub.clearing("TEST", from_unix(0), from_unix(4102444800));
    std::map<std::string, ClearingRow> by_store;
    for (const auto& r : rows) by_store[r.store] = r;
    REQUIRE(by_store.count("S001"));
    CHECK(by_store["S001"].topped_up == Money{100000});
    CHECK(by_store["S001"].bonus_given == Money{10000});
    CHECK(by_store["S001"].net_principal() == Money{100000});
    CHECK(by_store["S001"].net_bonus() == Money{10000});
    Money spent_elsewhere, bonus_elsewhere;
    for (const auto& store : {"S002", "S003"})
        if (by_store.count(store)) {
            spent_elsewhere += by_store[store].spent_principal;
            bonus_elsewhere += by_store[store].spent_bonus;
            CHECK(by_store[store].net_principal() == Money{} - by_store[store].spent_principal);
        }
    CHECK(spent_elsewhere == Money{80000});
    CHECK(bonus_elsewhere == Money{10000});
    CHECK(by_store["S002"].spent_principal >= Money{20000});  // R-1 at least
}

TEST_CASE("loyalty-hub --clearing prints each store's net and writes a CSV with a BOM") {
    loyalty::test::TempDir dir;
    Terminal a(dir.path() / "a.db", "S001", "T01", 1);
    Terminal b(dir.path() / "b.db", "S002", "T02", 1);
    REQUIRE(a.engine()
                .stored_value()
                .top_up(loyalty::test::top_up_of(a.member_id(0), 50000, "TU-1"))
                .ok());
    {
        Hub hub(hub_database(dir.path()));
        hub.take(a);
        hub.take(b);
        REQUIRE(b.engine()
                    .stored_value()
                    .align_member_balance(b.member_id(0), SvSplit{Money{50000}, Money{3000}}, "t")
                    .ok());
        REQUIRE(
            b.engine().sales().commit(paid_from_balance(b.member_id(0), "R-1", 20000, 13000)).ok());
        hub.take(b);
    }
    const auto config = dir.path() / "hub.toml";
    std::ofstream(config) << "[hub]\ndatabase = \"" << hub_database(dir.path()).string()
                          << "\"\n[broker]\nuri = \"tcp://127.0.0.1:1\"\n";
    const auto log = dir.path() / "clearing.log";
    const auto csv = dir.path() / "clearing.csv";
    const auto day = [](Timestamp t) {
        const auto d = local_date(t, 480);
        char text[16];
        std::snprintf(text, sizeof text, "%04d-%02d-%02d", d.year, static_cast<int>(d.month),
                      static_cast<int>(d.day));
        return std::string(text);
    };
    const auto today = day(loyalty::test::test_epoch());
    REQUIRE(run_command({LOYALTY_HUB_EXE, "-c", config.string(), "--clearing", "--from", today,
                         "--to", today, "--csv", csv.string()},
                        log) == 0);
    std::ifstream in(csv, std::ios::binary);
    const std::string text(std::istreambuf_iterator<char>(in), {});
    REQUIRE(text.size() > 3);
    CHECK(text.substr(0, 3) == "\xEF\xBB\xBF");
    // S001 took 500.00 (+30.00 bonus); 100.00 principal and 30.00 bonus were spent at S002.
    CHECK(text.find("TEST,S001," + today + "," + today + ",50000,3000,0,0,50000,3000,0,0") !=
          std::string::npos);
    CHECK(text.find("TEST,S002," + today + "," + today + ",0,0,10000,3000,-10000,-3000,0,0") !=
          std::string::npos);
    CHECK(run_command({LOYALTY_HUB_EXE, "-c", config.string(), "--clearing", "--from", "2026-13",
                       "--to", today},
                      log) == 2);
}

TEST_CASE("a store's own stored-value events the hub lacks count once in the mirrored balance") {
    loyalty::test::TempDir dir;
    Terminal a(dir.path() / "a.db", "S001", "T01", 1);
    const auto uid = member_uid(0);
    const auto m = a.member_id(0);
    const auto card = card_number("600000000000951");
    auto& sv = a.engine().stored_value();
    REQUIRE(sv.top_up(loyalty::test::top_up_of(m, 100000, "TU-1")).ok());
    TopUpRequest sell;
    sell.program = "TEST";
    sell.card = card;
    sell.amount = Money{20000};
    sell.tender = "cash";
    sell.request_id = "GC-1";
    REQUIRE(sv.top_up(sell).ok());
    // A sale paid from the member's balance and the card, refunded in part, then a
    // manager's correction: every kind of event the mirror reads.
    auto sale = paid_from_balance(m, "R-1", 60000, 30000);
    sale.lines = {BasketLine{"SKU-1", "apparel", 2, Money{30000}, Money{}}};
    sale.stored_value.push_back(StoredValueTender{card, Money{10000}});
    REQUIRE(a.engine().sales().commit(sale).ok());
    RefundRequest refund;
    refund.program = "TEST";
    refund.receipt = "R-1";
    refund.refund_ref = "RF-1";
    refund.lines = {RefundLine{1, 1}};
    REQUIRE(a.engine().sales().refund(refund).ok());
    REQUIRE(sv.adjust(SvAdjustment{m, Money{-500}, Money{0}, "miscount", "mgr", "ADJ-1"}).ok());
    const auto here = balance_at(a, uid);
    const auto card_here = *sv.card_balance("TEST", card);
    auto& db = engine_database(a.engine());

    // The hub has nothing yet: the figure is everything this store did.
    auto none = program_wide_stored_value(db, "S001", SvHolder{uid, {}}, SvFigure{}, {});
    CHECK(none.principal == here.principal.minor);
    CHECK(none.bonus == here.bonus.minor);
    auto card_none = program_wide_stored_value(db, "S001", SvHolder{{}, card}, SvFigure{}, {});
    CHECK(card_none.principal == card_here.principal.minor);
    CHECK(card_none.bonus == card_here.bonus.minor);

    // The hub has applied the member's top-up only (its events through that one's
    // sequence): its figure then, plus the rest, each once.
    std::int64_t topped_seq = 0;
    for (const auto& e : a.engine().outbox().pending("S001", "T01", 0, 1000))
        if (e.type == "stored_value.topped_up" && e.payload.find(uid) != std::string::npos)
            topped_seq = e.seq;
    REQUIRE(topped_seq > 0);
    auto part = program_wide_stored_value(db, "S001", SvHolder{uid, {}}, SvFigure{100000, 10000},
                                          {{"T01", topped_seq}});
    CHECK(part.principal == here.principal.minor);
    CHECK(part.bonus == here.bonus.minor);
    // Applied all of it, the rows still waiting for their ack: the hub's figure alone.
    const auto last = a.last_seq();
    auto whole = program_wide_stored_value(db, "S001", SvHolder{uid, {}},
                                           SvFigure{here.principal.minor, here.bonus.minor},
                                           {{"T01", last}});
    CHECK(whole.principal == here.principal.minor);
    CHECK(whole.bonus == here.bonus.minor);

    Hub hub(hub_database(dir.path()));
    hub.take(a);  // acknowledged: the outbox rows go
    const auto at_hub = hub.balance(uid);
    CHECK(at_hub.principal == here.principal);
    CHECK(at_hub.bonus == here.bonus);
    const std::map<std::string, std::int64_t> through{{"T01", last}};
    auto all =
        program_wide_stored_value(db, "S001", SvHolder{uid, {}},
                                  SvFigure{at_hub.principal.minor, at_hub.bonus.minor}, through);
    CHECK(all.principal == here.principal.minor);
    CHECK(all.bonus == here.bonus.minor);
    auto card_at_hub = hub.store->engine().stored_value().card_balance("TEST", card);
    REQUIRE(card_at_hub.ok());
    CHECK(card_at_hub->principal == card_here.principal);

    // A copy that drifted is brought back by the snapshot, with no event.
    REQUIRE(sv.align_member_balance(m, SvSplit{Money{1}, Money{1}}, "drift").ok());
    const auto backlog = a.backlog();
    CHECK(align_member_stored_value(
        a.engine(), "S001", uid,
        nlohmann::json{{"stored_value",
                        {{"principal", at_hub.principal.minor}, {"bonus", at_hub.bonus.minor}}}},
        through));
    CHECK(balance_at(a, uid).principal == here.principal);
    CHECK(balance_at(a, uid).bonus == here.bonus);
    CHECK(a.backlog() == backlog);
    auto clean = sv.verify_all();
    REQUIRE(clean.ok());
    CHECK(clean->empty());
}

TEST_CASE("without the hub stored value is spent only within the program's offline limit") {
    loyalty::test::TempDir dir;
    Terminal t(dir.path() / "t.db", "S002", "T02", 1);
    auto program = link_program();
    program.stored_value.offline_limit = Money{20000};  // 200.00 per holder and day
    REQUIRE(t.engine().programs().save(program, "test").ok());
    const auto uid = member_uid(0);
    auto member = t.engine().members().get_by_uid(uid);
    REQUIRE(member.ok());
    AgentConfig link;
    link.db = dir.path() / "t.db";
    link.address = {"TEST", "S002", "T02"};
    link.broker.uri = "tcp://127.0.0.1:1";  // nobody listens: the hub cannot be reached
    link.broker.connect_timeout_ms = 200;
    link.hub_timeout_ms = 200;
    TerminalHub hub(link, TerminalAddress{"TEST", "S002", "T02"}, t.engine());
    auto first = hub.clear_stored_value(&*member, "", 15000, "sale/T02/R-1");
    REQUIRE_MESSAGE(first.ok(), (first.ok() ? "" : first.error().message));
    CHECK_FALSE(first->online);
    CHECK(first->offline_left == 5000);
    // The same sale again counts once; another beyond the day's limit is refused.
    auto again = hub.clear_stored_value(&*member, "", 15000, "sale/T02/R-1");
    REQUIRE(again.ok());
    auto beyond = hub.clear_stored_value(&*member, "", 6000, "sale/T02/R-2");
    REQUIRE_FALSE(beyond.ok());
    CHECK(beyond.error().code == Errc::limit_exceeded);
    CHECK(beyond.error().message.find("200.00") != std::string::npos);
    // The first sale failed: its clearance no longer counts.
    hub.release(*first);
    auto after = hub.clear_stored_value(&*member, "", 20000, "sale/T02/R-3");
    CHECK(after.ok());
    // A gift card has a limit of its own.
    auto card =
        hub.clear_stored_value(nullptr, card_number("600000000000971"), 20000, "sale/T02/R-4");
    CHECK(card.ok());
}

TEST_CASE("stored value spent beyond the hub's balance is booked and listed, never refused") {
    loyalty::test::TempDir dir;
    Terminal b(dir.path() / "b.db", "S002", "T02", 1);
    Hub hub(hub_database(dir.path()));
    hub.take(b);
    // Spent offline at S002 against a balance the hub never had.
    REQUIRE(b.engine()
                .stored_value()
                .align_member_balance(b.member_id(0), SvSplit{Money{30000}, Money{0}}, "test")
                .ok());
    REQUIRE(b.engine().sales().commit(paid_from_balance(b.member_id(0), "R-1", 40000, 30000)).ok());
    hub.take(b);
    CHECK(hub.store->shortfall_stored_value("TEST") == 30000);
    CHECK(hub.balance(member_uid(0)).total() == Money{0});
    CHECK(hub.count("SELECT count(*) FROM sales WHERE receipt = 'R-1'") == 1);
}

TEST_CASE("a member merged here brings its stored value to the survivor's figure once") {
    loyalty::test::TempDir dir;
    Terminal t(dir.path() / "t.db", "S001", "T01", 2);
    const auto survivor = member_uid(0);
    const auto absorbed = member_uid(1);
    auto& sv = t.engine().stored_value();
    REQUIRE(sv.top_up(loyalty::test::top_up_of(t.member_id(0), 10000, "TU-S")).ok());
    const auto before_top_up = t.last_seq();
    REQUIRE(
        sv.top_up(loyalty::test::top_up_of(t.member_id(1), 50000, "TU-A")).ok());  // + 30.00 bonus
    auto& db = engine_database(t.engine());
    const auto figure = [&](SvFigure hub, std::int64_t through) {
        return program_wide_stored_value(db, "S001", SvHolder{survivor, {}}, hub,
                                         {{"T01", through}});
    };

    SUBCASE("merged by the hub (no event here): the absorbed member's own events count") {
        const nlohmann::json merge{{"survivor_uid", survivor}, {"absorbed_uid", absorbed}};
        REQUIRE(t.engine()
                    .replication()
                    .apply(ReplicatedEvent{"m-1", "member.merged", "TEST", "S001", "HUB",
                                           t.engine().clock().now(), merge})
                    .ok());
        const auto here = balance_at(t, survivor);
        CHECK(here.principal == Money{60000});
        // The hub merged before it had the absorbed member's top-up.
        const auto f = figure(SvFigure{10000, 0}, before_top_up);
        CHECK(f.principal == 60000);
        CHECK(f.bonus == 3000);
    }
    SUBCASE("merged here by a manager: the merge event carries the balance, counted once") {
        REQUIRE(
            t.engine().members().merge(t.member_id(0), t.member_id(1), "one shopper", "mgr").ok());
        const auto here = balance_at(t, survivor);
        CHECK(here.principal == Money{60000});
        for (const auto& [hub, through] : std::vector<std::pair<SvFigure, std::int64_t>>{
                 {SvFigure{0, 0}, 0},
                 {SvFigure{10000, 0}, before_top_up},
                 {SvFigure{10000, 0}, before_top_up + 1},
                 {SvFigure{60000, 3000}, t.last_seq()}}) {
            CAPTURE(through);
            const auto f = figure(hub, through);
            CHECK(f.principal == here.principal.minor);
            CHECK(f.bonus == here.bonus.minor);
        }
    }
}
