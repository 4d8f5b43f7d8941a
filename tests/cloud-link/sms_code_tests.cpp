// One-time codes by SMS (PROTOCOL.md, "SMS codes"): the hub makes a code, keeps its hash,
// and its gateway adapter posts the text to the provider (a local stand-in speaking the
// documented HTTP interface); a terminal checks the code the shopper typed. Real SQLite
// files, real HTTP through libcurl, and once through real mosquitto with the example ACL.
#include <doctest/doctest.h>

#include <fstream>

#include "broker.hpp"
#include "hub_database.hpp"
#include "loyalty/sync/hub.hpp"
#include "loyalty/sync/requests.hpp"
#include "loyalty/sync/terminal_hub.hpp"
#include "running.hpp"
#include "sms_gateway.hpp"
#include "sms_stand_in.hpp"
#include "terminal.hpp"
#include "test_configs.hpp"
#include "test_support.hpp"

using namespace loyalty;
using namespace loyalty::sync;
using namespace loyalty::sync::test;

namespace {

constexpr const char* kPhone = "+8613912345678";

struct SmsHub {
    explicit SmsHub(const std::filesystem::path& path, bool gateway = true) {
        HubStoreOptions options;
        options.sms.enabled = gateway;
        auto opened = HubStore::open(path, options);
        REQUIRE(opened.ok());
        store = std::move(opened.value());
        auto program = link_program();
        program.name = "测试会员";
        REQUIRE(store->engine().programs().save(program, "test").ok());
    }
    HubAnswer ask(const std::string& kind, const std::string& code, std::int64_t now_ms,
                  const std::string& purpose = sms_purpose::pin_reset,
                  const std::string& terminal = "K01") {
        const TerminalAddress from{"TEST", "S001", terminal};
        HubRequest r{kind, {}, kPhone, {}, {}, 0};
        r.purpose = purpose;
        r.code = code;
        HubIncoming in{requests_topic(from), encode_request(r), {}, replies_topic(from, "c"), "x"};
        auto out = store->answer(in, now_ms);
        REQUIRE(out.ok());
        REQUIRE(out->has_value());
        auto a = decode_answer((*out)->payload);
        REQUIRE(a.ok());
        return *a;
    }
    std::int64_t count(const std::string& sql) {
        return store->db().prepare(sql).scalar<std::int64_t>().value_or(-1);
    }
    std::unique_ptr<HubStore> store;
};

SmsGatewayConfig gateway_of(const SmsStandIn& provider) {
    SmsGatewayConfig g;
    g.url = provider.url();
    g.token = provider.token();
    g.timeout_ms = 2000;
    return g;
}

}  // namespace

TEST_CASE("an SMS code reaches the phone once a minute and proves it only with the right digits") {
    loyalty::test::TempDir dir;
    SmsHub hub(hub_database(dir.path()));
    SmsStandIn provider(dir.path() / "sms", "tok-1");
    SmsGateway gateway(gateway_of(provider));

    auto sent = hub.ask(request_kind::sms_code, "", 1'000'000);
    CHECK(sent.status == answer_status::sent);
    CHECK(sent.expires_at_ms == 1'000'000 + 300'000);
    CHECK(drain_sms_outbox(*hub.store, gateway, 1'000'000) == 1);
    const auto posted = provider.posted();
    REQUIRE(posted.size() == 1);
    CHECK(posted[0].to == kPhone);
    CHECK(posted[0].auth == "Bearer tok-1");
    CHECK(posted[0].text.find("【测试会员】") != std::string::npos);
    const auto code = provider.last_code(kPhone);
    REQUIRE(code);
    // Only a hash is kept, and the text leaves the outbox once sent: the digits are nowhere in
    // the hub's tables.
    CHECK(hub.count("SELECT count(*) FROM hub_sms_codes WHERE code_hash LIKE '%" + *code + "%'") ==
          0);
    CHECK(hub.count("SELECT count(*) FROM hub_sms_outbox WHERE text LIKE '%" + *code + "%'") == 0);
    // Drained already: nothing goes twice.
    CHECK(drain_sms_outbox(*hub.store, gateway, 1'001'000) == 0);

    SUBCASE("asked again within the minute: no second text, and how long to wait") {
        auto again = hub.ask(request_kind::sms_code, "", 1'030'000);
        CHECK(again.status == answer_status::declined);
        CHECK(again.reason == sms_reason::too_soon);
        CHECK(again.retry_after_ms == 30'000);
        CHECK(hub.count("SELECT count(*) FROM hub_sms_outbox") == 1);
    }
    SUBCASE("the right code is verified, and again when the answer was lost") {
        auto wrong =
            hub.ask(request_kind::sms_check, *code == "000000" ? "111111" : "000000", 1'010'000);
        CHECK(wrong.reason == sms_reason::wrong_code);
        CHECK(hub.ask(request_kind::sms_check, *code, 1'020'000).status == answer_status::verified);
        CHECK(hub.ask(request_kind::sms_check, *code, 1'021'000).status == answer_status::verified);
        // A code proves the phone to the kiosk that asked for it only.
        CHECK(hub.ask(request_kind::sms_check, *code, 1'021'500, sms_purpose::pin_reset, "K02")
                  .reason == sms_reason::expired);
        // A code is for one purpose: the same digits do not enroll.
        CHECK(hub.ask(request_kind::sms_check, *code, 1'022'000, sms_purpose::enroll).reason ==
              sms_reason::expired);
    }
    SUBCASE("five wrong tries kill the code, the right one after them too") {
        const std::string wrong = *code == "123456" ? "654321" : "123456";
        for (int i = 0; i < 4; ++i)
            CHECK(hub.ask(request_kind::sms_check, wrong, 1'010'000 + i).reason ==
                  sms_reason::wrong_code);
        CHECK(hub.ask(request_kind::sms_check, wrong, 1'010'010).reason == sms_reason::expired);
        CHECK(hub.ask(request_kind::sms_check, *code, 1'010'020).reason == sms_reason::expired);
    }
    SUBCASE("a code too old is expired") {
        CHECK(hub.ask(request_kind::sms_check, *code, 1'300'000).reason == sms_reason::expired);
    }
    SUBCASE("five texts an hour to one phone, then none") {
        for (int i = 1; i < 5; ++i)
            CHECK(hub.ask(request_kind::sms_code, "", 1'000'000 + i * 61'000).status ==
                  answer_status::sent);
        auto sixth = hub.ask(request_kind::sms_code, "", 1'000'000 + 5 * 61'000);
        CHECK(sixth.reason == sms_reason::too_many);
        CHECK(hub.ask(request_kind::sms_code, "", 1'000'000 + 3'700'000).status ==
              answer_status::sent);
    }
}

TEST_CASE(
    "a provider having a bad minute gets the text again under the same id until it takes it") {
    loyalty::test::TempDir dir;
    SmsHub hub(hub_database(dir.path()));
    SmsStandIn provider(dir.path() / "sms", "tok-2", 2);
    SmsGateway gateway(gateway_of(provider));
    REQUIRE(hub.ask(request_kind::sms_code, "", 5'000'000, sms_purpose::enroll).status ==
            answer_status::sent);
    CHECK(drain_sms_outbox(*hub.store, gateway, 5'000'000) == 0);  // 503
    CHECK(drain_sms_outbox(*hub.store, gateway, 5'000'500) == 0);  // not due yet: backoff 1 s
    CHECK(drain_sms_outbox(*hub.store, gateway, 5'001'000) == 0);  // 503 again
    CHECK(drain_sms_outbox(*hub.store, gateway, 5'003'000) == 1);  // taken
    const auto posted = provider.posted();
    REQUIRE(posted.size() == 3);
    CHECK(posted[0].id == posted[2].id);
    CHECK(posted[2].status == 200);
    CHECK(hub.count("SELECT count(*) FROM hub_sms_outbox WHERE state = 'sent'") == 1);

    SUBCASE("a provider that refuses for good (a wrong token) is not asked again") {
        SmsStandIn strict(dir.path() / "strict", "right-token");
        auto g = gateway_of(strict);
        g.token = "wrong-token";
        SmsGateway refused(g);
        REQUIRE(hub.ask(request_kind::sms_code, "", 5'100'000).status == answer_status::sent);
        CHECK(drain_sms_outbox(*hub.store, refused, 5'100'000) == 0);
        CHECK(drain_sms_outbox(*hub.store, refused, 5'200'000) == 0);
        CHECK(strict.posted().size() == 1);
        CHECK(hub.count("SELECT count(*) FROM hub_sms_outbox WHERE state = 'failed' AND "
                        "last_error LIKE '%401%'") == 1);
    }
}

TEST_CASE("a hub without an SMS gateway says so, and a malformed phone is refused") {
    loyalty::test::TempDir dir;
    SmsHub hub(hub_database(dir.path()), false);
    auto a = hub.ask(request_kind::sms_code, "", 1000);
    CHECK(a.status == answer_status::declined);
    CHECK(a.reason == sms_reason::no_gateway);
    CHECK_FALSE(
        decode_request(R"({"v":1,"kind":"sms_code","phone":"13912345678","purpose":"enroll"})"));
    CHECK_FALSE(
        decode_request(R"({"v":1,"kind":"sms_code","phone":"+8613912345678","purpose":"x"})"));
    CHECK_FALSE(decode_request(
        R"({"v":1,"kind":"sms_check","phone":"+8613912345678","purpose":"enroll"})"));
}

TEST_CASE("a till asks the hub for a code over the broker, the phone gets it, the till checks it") {
    loyalty::test::TempDir dir;
    Mosquitto broker(dir.path() / "broker", {"hub", "S001"});
    Terminal till(dir.path() / "a.db", "S001", "T01", 0);
    SmsStandIn provider(dir.path() / "sms", "tok-3");
    auto config = hub_config(broker, hub_database(dir.path()));
    config.sms = gateway_of(provider);
    Running<HubWorker> worker(config);
    REQUIRE(eventually([&] { return worker->stats().connected; }));
    auto link = agent_config(broker, dir.path() / "a.db", "S001", "T01");
    link.hub_timeout_ms = 3000;
    TerminalHub hub(link, TerminalAddress{"TEST", "S001", "T01"}, till.engine());

    auto sent = hub.send_sms_code(kPhone, sms_purpose::enroll);
    REQUIRE(sent.ok());
    CHECK(*sent == SmsOutcome::sent);
    REQUIRE(eventually([&] { return provider.last_code(kPhone).has_value(); }));
    CHECK(*hub.send_sms_code(kPhone, sms_purpose::enroll) == SmsOutcome::too_soon);
    CHECK(*hub.check_sms_code(kPhone, sms_purpose::enroll, "99999x") == SmsOutcome::wrong_code);
    CHECK(*hub.check_sms_code(kPhone, sms_purpose::enroll, *provider.last_code(kPhone)) ==
          SmsOutcome::verified);
}

TEST_CASE("hub.toml [sms]: the gateway's url, token and code lifetime, checked") {
    loyalty::test::TempDir dir;
    auto write = [&](const std::string& sms) {
        const auto file = dir.path() / "hub.toml";
        std::ofstream(file) << "[hub]\ndb = \"hub.db\"\n[broker]\nuri = \"tcp://127.0.0.1:1\"\n"
                            << sms;
        return load_hub_config(file);
    };
    auto none = write("");
    REQUIRE(none.ok());
    CHECK_FALSE(none->sms);
    auto good =
        write("[sms]\nurl = \"https://sms.example.com/send\"\ntoken = \"t\"\ncode_ttl_s = 600\n");
    REQUIRE(good.ok());
    REQUIRE(good->sms);
    CHECK(good->sms->code_ttl_ms == 600'000);
    CHECK(good->sms->token == "t");
    CHECK_FALSE(write("[sms]\nurl = \"ftp://x\"\n").ok());
    CHECK_FALSE(write("[sms]\nurl = \"http://x\"\ncode_ttl_s = 5\n").ok());
    CHECK_FALSE(write("[sms]\nurl = \"http://x\"\ntext = \"no code here\"\n").ok());
}
