// Enrolling a shopper at the till: consent, the phone, a physical card handed over, replays.
#include <mutex>
#include <set>
#include <thread>

#include "abi_support.hpp"
#include "loyalty/engine.hpp"

using namespace loyalty::pos_test;
using nlohmann::json;

namespace {

json shopper(const std::string& phone) {
    return json{{"phone", phone}, {"name", "韩梅梅"}, {"consent_privacy", true}};
}

// The engine on the till's database, as the kiosk or loyalty-admin would open it.
std::unique_ptr<loyalty::Engine> open_engine(const TempStore& store, loyalty::Clock& clock) {
    auto engine = loyalty::Engine::open(store.db(), clock,
                                        loyalty::EngineOptions{loyalty::Origin{"S001", "X"}, {}});
    REQUIRE(engine.ok());
    return std::move(engine.value());
}

}  // namespace

TEST_CASE("a cashier enrolls a shopper, who is then identified by phone and electronic card") {
    Till till;
    auto request = shopper("138 0013 8000");
    request["consent_marketing"] = true;
    request["birthday_month"] = 5;
    request["birthday_day"] = 20;
    auto e = till.enroll(request);
    REQUIRE_MESSAGE(e.status == LOYALTY_POS_OK, e.message);
    const auto uid = e.body["member"].get<std::string>();
    CHECK(e.body["name"] == "韩*梅");
    CHECK(e.body["phone"] == "+86 138****8000");
    CHECK(e.body["card_number"].get<std::string>().size() == 16);
    CHECK(e.body["card"].is_null());
    CHECK(e.body["tier"] == "silver");
    CHECK(e.body["points_available"] == 0);
    CHECK(e.body["replayed"] == false);
    CHECK(e.body["linked"] == false);

    auto by_phone = till.identify("13800138000");
    REQUIRE_MESSAGE(by_phone.status == LOYALTY_POS_OK, by_phone.message);
    CHECK(by_phone.body["member"] == uid);
    CHECK(by_phone.body["via"] == "phone");
    auto by_card = till.identify(e.body["card_number"].get<std::string>());
    REQUIRE(by_card.status == LOYALTY_POS_OK);
    CHECK(by_card.body["member"] == uid);

    loyalty::SystemClock clock;
    auto engine = open_engine(till.store, clock);
    const auto member = engine->members().get_by_uid(uid);
    REQUIRE(member.ok());
    CHECK(member->home_store == "S001");  // the session's store
    CHECK(member->display_name == "韩梅梅");
    CHECK(member->consent_privacy);
    CHECK(member->consent_marketing);
    CHECK(member->birthday_month == 5);
    CHECK(member->birthday_day == 20);
}

TEST_CASE("enrollment without the privacy consent is refused with the reason and writes nothing") {
    Till till;
    auto request = shopper("13800138001");
    request.erase("consent_privacy");
    const auto before = till.dump();
    auto absent = till.enroll(request);
    CHECK(absent.status == LOYALTY_POS_E_INVALID_ARGUMENT);
    CHECK(absent.message.find("consent") != std::string::npos);
    request["consent_privacy"] = false;
    auto refused = till.enroll(request);
    CHECK(refused.status == LOYALTY_POS_E_INVALID_ARGUMENT);
    CHECK(refused.message.find("consent") != std::string::npos);
    CHECK(till.dump() == before);
    CHECK(till.identify("13800138001").status == LOYALTY_POS_E_NOT_FOUND);
}

TEST_CASE("a bad phone number, birthday or request shape is refused and writes nothing") {
    Till till;
    for (const auto* phone : {"12345", "138abc00138000", "+1234567890123456", ""})
        CHECK_REFUSED_UNCHANGED(till, till.enroll(shopper(phone)), LOYALTY_POS_E_INVALID_ARGUMENT);
    auto birthday = shopper("13800138002");
    birthday["birthday_month"] = 13;
    CHECK_REFUSED_UNCHANGED(till, till.enroll(birthday), LOYALTY_POS_E_INVALID_ARGUMENT);
    birthday["birthday_month"] = 4294967301LL;  // would wrap to 5 as a 32-bit int
    CHECK_REFUSED_UNCHANGED(till, till.enroll(birthday), LOYALTY_POS_E_INVALID_ARGUMENT);
    birthday.erase("birthday_month");
    birthday["birthday_day"] = 20;  // a day without its month
    CHECK_REFUSED_UNCHANGED(till, till.enroll(birthday), LOYALTY_POS_E_INVALID_ARGUMENT);
    auto empty_id = shopper("13800138002");
    empty_id["request_id"] = "";
    CHECK_REFUSED_UNCHANGED(till, till.enroll(empty_id), LOYALTY_POS_E_INVALID_ARGUMENT);

    CHECK_REFUSED_UNCHANGED(till, till.enroll(json{{"consent_privacy", true}}),
                            LOYALTY_POS_E_INVALID_JSON);
    auto typo = shopper("13800138002");
    typo["consent_privacy"] = "yes";
    CHECK_REFUSED_UNCHANGED(till, till.enroll(typo), LOYALTY_POS_E_INVALID_JSON);
    auto unknown = shopper("13800138002");
    unknown["consent_privcy"] = true;
    CHECK_REFUSED_UNCHANGED(till, till.enroll(unknown), LOYALTY_POS_E_INVALID_JSON);
    auto nulls = shopper("13800138002");
    nulls["birthday_month"] = nullptr;  // null is "not given", like an absent field
    nulls["card"] = nullptr;
    CHECK(till.enroll(nulls).status == LOYALTY_POS_OK);

    CHECK(take([&](char** out) { return loyalty_pos_enroll(nullptr, "{}", out); }).status ==
          LOYALTY_POS_E_NULL_ARGUMENT);
    CHECK(take([&](char** out) { return loyalty_pos_enroll(till.session, nullptr, out); }).status ==
          LOYALTY_POS_E_NULL_ARGUMENT);
}

TEST_CASE("a phone that is already a member's is a conflict, masked, and makes no second member") {
    Till till;
    const auto& seed = till.store.seeded;
    const auto before = till.dump();
    auto taken = till.enroll(shopper(seed.rich_phone));
    CHECK(taken.status == LOYALTY_POS_E_CONFLICT);
    CHECK(taken.message.find("already belongs to a member") != std::string::npos);
    CHECK(taken.message.find("+86 139****0001") != std::string::npos);
    CHECK(taken.message.find(seed.rich_phone) == std::string::npos);
    CHECK(taken.message.find("王") == std::string::npos);  // no name, masked or not
    CHECK(till.dump() == before);
    CHECK(till.identify(seed.rich_phone).body["member"] == seed.rich_uid);

    // A new shopper enrolled twice without a request id: the second finds the phone taken.
    REQUIRE(till.enroll(shopper("13800138003")).status == LOYALTY_POS_OK);
    CHECK_REFUSED_UNCHANGED(till, till.enroll(shopper("+8613800138003")), LOYALTY_POS_E_CONFLICT);
}

TEST_CASE("the same enrollment again under its request id is replayed and changes nothing") {
    Till till;
    auto request = shopper("13800138004");
    request["request_id"] = "T01-enr-1";
    auto first = till.enroll(request);
    REQUIRE_MESSAGE(first.status == LOYALTY_POS_OK, first.message);
    CHECK(first.body["replayed"] == false);
    const auto before = till.dump();
    auto again = till.enroll(request);
    REQUIRE_MESSAGE(again.status == LOYALTY_POS_OK, again.message);
    CHECK(again.body["replayed"] == true);
    for (const auto* field : {"member", "name", "phone", "card_number", "card", "tier"})
        CHECK(again.body[field] == first.body[field]);
    CHECK(till.dump() == before);
}

TEST_CASE("a request id reused for another phone is a conflict and enrolls nobody") {
    Till till;
    auto request = shopper("13800138005");
    request["request_id"] = "T01-enr-2";
    REQUIRE(till.enroll(request).status == LOYALTY_POS_OK);
    request["phone"] = "13800138006";
    const auto before = till.dump();
    auto reused = till.enroll(request);
    CHECK(reused.status == LOYALTY_POS_E_CONFLICT);
    CHECK(reused.message.find("T01-enr-2") != std::string::npos);
    CHECK(till.dump() == before);
    CHECK(till.identify("13800138006").status == LOYALTY_POS_E_NOT_FOUND);
}

TEST_CASE("a VIP card handed over at enrollment identifies the new member at once") {
    Till till;
    const auto& seed = till.store.seeded;
    auto request = shopper("13800138007");
    request["card"] = "8800000000000777";
    auto e = till.enroll(request);
    REQUIRE_MESSAGE(e.status == LOYALTY_POS_OK, e.message);
    CHECK(e.body["card"] == "8800000000000777");
    auto by_card = till.identify("8800000000000777");
    REQUIRE_MESSAGE(by_card.status == LOYALTY_POS_OK, by_card.message);
    CHECK(by_card.body["member"] == e.body["member"]);
    CHECK(by_card.body["via"] == "card_number");

    // Another member's card, a blocked card, an empty number: refused, and nobody is enrolled.
    request["phone"] = "13800138008";
    request["card"] = seed.rich_card;
    auto others = till.enroll(request);
    CHECK(others.status == LOYALTY_POS_E_CONFLICT);
    CHECK(others.message.find("another member") != std::string::npos);
    request["card"] = seed.blocked_card;
    CHECK_REFUSED_UNCHANGED(till, till.enroll(request), LOYALTY_POS_E_BLOCKED);
    request["card"] = "";
    CHECK_REFUSED_UNCHANGED(till, till.enroll(request), LOYALTY_POS_E_INVALID_ARGUMENT);
    CHECK(till.identify("13800138008").status == LOYALTY_POS_E_NOT_FOUND);
    CHECK(till.identify(seed.rich_card).body["member"] == seed.rich_uid);
}

TEST_CASE("an enrollment that fails after the member was written leaves nothing behind") {
    Till till;
    const auto& seed = till.store.seeded;
    {
        // A card number already linked to a member as a bare identity (no card row): the
        // enrollment gets as far as issuing it, after the member, phone and electronic card.
        loyalty::SystemClock clock;
        auto engine = open_engine(till.store, clock);
        const auto rich = engine->members().get_by_uid(seed.rich_uid);
        REQUIRE(rich.ok());
        REQUIRE(engine->members()
                    .link_identity(rich->id, loyalty::IdentityKind::card_number, "8800000000000888",
                                   "support")
                    .ok());
    }
    auto request = shopper("13800138009");
    request["card"] = "8800000000000888";
    request["request_id"] = "T01-enr-3";
    const auto before = till.dump();
    auto failed = till.enroll(request);
    CHECK(failed.status == LOYALTY_POS_E_CONFLICT);
    CHECK(failed.message.find("already issued") != std::string::npos);  // refused by the issue
    CHECK(till.dump() == before);
    CHECK(till.identify("13800138009").status == LOYALTY_POS_E_NOT_FOUND);
    // Nothing was recorded under the request id either: the corrected request goes through.
    request.erase("card");
    auto retried = till.enroll(request);
    REQUIRE_MESSAGE(retried.status == LOYALTY_POS_OK, retried.message);
    CHECK(retried.body["replayed"] == false);
}

TEST_CASE("ten copies of one enrollment at once make one member, and every till gets it") {
    TempStore store;
    std::mutex mutex;
    std::vector<std::string> members;
    int replayed = 0, failed = 0;
    std::vector<std::thread> threads;
    const auto request = [] {
        auto r = shopper("13800138010");
        r["request_id"] = "same-enrollment";
        return r.dump();
    }();
    for (int t = 0; t < 10; ++t)
        threads.emplace_back([&, t] {
            loyalty_pos_session* s = nullptr;
            const auto terminal = "T" + std::to_string(20 + t);
            char* out = nullptr;
            int rc = loyalty_pos_open(store.db().c_str(), "DEMO", "S001", terminal.c_str(),
                                      store.seeded.config_json.c_str(), &s);
            if (rc == LOYALTY_POS_OK) rc = loyalty_pos_enroll(s, request.c_str(), &out);
            std::lock_guard lock(mutex);
            if (rc != LOYALTY_POS_OK) {
                std::fprintf(stderr, "enroll: %s: %s\n", loyalty_pos_status_name(rc),
                             loyalty_pos_last_error());
                ++failed;
            } else {
                const auto body = json::parse(out);
                members.push_back(body["member"].get<std::string>());
                if (body["replayed"] == true) ++replayed;
            }
            loyalty_pos_free(out);
            loyalty_pos_close(s);
        });
    for (auto& th : threads) th.join();
    CHECK(failed == 0);  // no CONFLICT, no STORAGE: the others replay the first
    CHECK(members.size() == 10);
    CHECK(std::set<std::string>(members.begin(), members.end()).size() == 1);
    CHECK(replayed == 9);
}
