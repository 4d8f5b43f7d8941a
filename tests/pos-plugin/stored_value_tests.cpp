// Stored value through the C ABI: ten tills sending one top-up at once credit it once and
// all answer alike; a large balance payment needs the member's PIN or a fresh QR code.
#include <mutex>
#include <thread>

#include "abi_support.hpp"

using namespace loyalty::pos_test;
using nlohmann::json;

namespace {

Outcome call(loyalty_pos_session* s, int (*fn)(loyalty_pos_session*, const char*, char**),
             const json& request) {
    return take([&](char** out) { return fn(s, request.dump().c_str(), out); });
}

}  // namespace

TEST_CASE("ten copies of one top-up at once credit it once and get ten identical answers") {
    TempStore store;
    const json request{{"member", store.seeded.rich_uid},
                       {"amount", 100000},
                       {"tender", "alipay"},
                       {"request_id", "tu-same"}};
    std::mutex mutex;
    std::vector<json> answers;
    std::vector<std::thread> tills;
    for (int t = 0; t < 10; ++t)
        tills.emplace_back([&, t] {
            loyalty_pos_session* s = nullptr;
            const auto terminal = "T" + std::to_string(10 + t);
            REQUIRE(loyalty_pos_open(store.db().c_str(), "DEMO", "S001", terminal.c_str(),
                                     store.seeded.config_json.c_str(), &s) == LOYALTY_POS_OK);
            char* out = nullptr;
            const int rc = loyalty_pos_top_up(s, request.dump().c_str(), &out);
            std::lock_guard lock(mutex);
            CHECK(rc == LOYALTY_POS_OK);
            if (rc == LOYALTY_POS_OK) {
                auto body = json::parse(out);
                body.erase("replayed");  // the first says false, the others true
                answers.push_back(body);
            }
            loyalty_pos_free(out);
            loyalty_pos_close(s);
        });
    for (auto& t : tills) t.join();
    REQUIRE(answers.size() == 10);
    for (const auto& a : answers) CHECK(a == answers.front());
    CHECK(answers.front()["bonus_given"] == 10000);

    loyalty_pos_session* till = nullptr;
    REQUIRE(loyalty_pos_open(store.db().c_str(), "DEMO", "S001", "T01",
                             store.seeded.config_json.c_str(), &till) == LOYALTY_POS_OK);
    const auto balance = call(till, loyalty_pos_stored_value, {{"member", store.seeded.rich_uid}});
    loyalty_pos_close(till);
    REQUIRE(balance.status == LOYALTY_POS_OK);
    CHECK(balance.body["balance"] == 110000);
    CHECK(balance.body["history"].size() == 1);
}

TEST_CASE("paying more than pin_above from the balance needs the member's PIN") {
    Till till;
    const auto& store = till.store;
    REQUIRE(call(till.session, loyalty_pos_top_up,
                 {{"member", store.seeded.rich_uid},
                  {"amount", 100000},
                  {"tender", "cash"},
                  {"request_id", "tu-1"}})
                .status == LOYALTY_POS_OK);
    json basket{{"member", store.seeded.rich_uid},
                {"receipt", "SV-1"},
                {"stored_value", json::array({{{"amount", 60000}}})},
                {"lines", json::array({line("JK-2040", "apparel", 1, 89900)})}};
    const auto refused = call(till.session, loyalty_pos_commit, basket);
    CHECK(refused.status == LOYALTY_POS_E_UNAUTHORIZED);
    CHECK(refused.message.find("PIN") != std::string::npos);
    basket["member_pin"] = "000000";
    CHECK(call(till.session, loyalty_pos_commit, basket).status == LOYALTY_POS_E_UNAUTHORIZED);
    basket["member_pin"] = kRichMemberPin;
    const auto paid = call(till.session, loyalty_pos_commit, basket);
    REQUIRE_MESSAGE(paid.status == LOYALTY_POS_OK, paid.message);
    CHECK(paid.body["sv_value"] == 60000);
    CHECK(paid.body["to_pay"] == paid.body["net"].get<std::int64_t>() - 60000);
}
