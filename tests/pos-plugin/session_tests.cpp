// Opening sessions, versions, error reporting and identifying members.
#include <cstring>

#include "abi_support.hpp"

using namespace loyalty::pos_test;

TEST_CASE("the library reports its version, ABI and status names") {
    CHECK(std::strcmp(loyalty_pos_version(), "1.0.0") == 0);
    CHECK(loyalty_pos_abi_version() == LOYALTY_POS_ABI_VERSION);
    CHECK(std::strcmp(loyalty_pos_status_name(LOYALTY_POS_E_BLOCKED), "LOYALTY_POS_E_BLOCKED") ==
          0);
    CHECK(std::strcmp(loyalty_pos_status_name(LOYALTY_POS_OK), "LOYALTY_POS_OK") == 0);
    CHECK(std::strcmp(loyalty_pos_status_name(999), "LOYALTY_POS_E_UNKNOWN") == 0);
    loyalty_pos_free(nullptr);
    loyalty_pos_close(nullptr);
}

TEST_CASE("opening a session refuses null pointers, bad config and unknown programs or stores") {
    TempStore store;
    const auto db = store.db().string();
    loyalty_pos_session* s = reinterpret_cast<loyalty_pos_session*>(0x1);
    CHECK(loyalty_pos_open(nullptr, "DEMO", "S001", "T01", nullptr, &s) ==
          LOYALTY_POS_E_NULL_ARGUMENT);
    CHECK(s == nullptr);
    CHECK(std::string(loyalty_pos_last_error()).find("db_path") != std::string::npos);
    CHECK(loyalty_pos_open(db.c_str(), nullptr, "S001", "T01", nullptr, &s) ==
          LOYALTY_POS_E_NULL_ARGUMENT);
    CHECK(loyalty_pos_open(db.c_str(), "DEMO", nullptr, "T01", nullptr, &s) ==
          LOYALTY_POS_E_NULL_ARGUMENT);
    CHECK(loyalty_pos_open(db.c_str(), "DEMO", "S001", nullptr, nullptr, &s) ==
          LOYALTY_POS_E_NULL_ARGUMENT);
    CHECK(loyalty_pos_open(db.c_str(), "DEMO", "S001", "T01", nullptr, nullptr) ==
          LOYALTY_POS_E_NULL_ARGUMENT);
    CHECK(loyalty_pos_open(db.c_str(), "DEMO", "S001", "T01", "{nope", &s) ==
          LOYALTY_POS_E_INVALID_JSON);
    CHECK(loyalty_pos_open(db.c_str(), "DEMO", "S001", "T01", "[]", &s) ==
          LOYALTY_POS_E_INVALID_JSON);
    CHECK(loyalty_pos_open(db.c_str(), "DEMO", "S001", "T01", R"({"casheir":"x"})", &s) ==
          LOYALTY_POS_E_INVALID_JSON);
    CHECK(std::string(loyalty_pos_last_error()).find("casheir") != std::string::npos);
    CHECK(loyalty_pos_open(db.c_str(), "DEMO", "S001", "T01", R"({"fixed_time": -5})", &s) ==
          LOYALTY_POS_E_INVALID_JSON);
    CHECK(loyalty_pos_open(db.c_str(), "DEMO", "S001", "T01",
                           R"({"member_code_validity_seconds": 1})",
                           &s) == LOYALTY_POS_E_INVALID_JSON);
    CHECK(loyalty_pos_open(db.c_str(), "DEMO", "S001", "T01", R"({"trusted_keys":{"k":"zz"}})",
                           &s) == LOYALTY_POS_E_INVALID_ARGUMENT);
    CHECK(loyalty_pos_open(db.c_str(), "DEMO", "", "T01", nullptr, &s) ==
          LOYALTY_POS_E_INVALID_ARGUMENT);
    CHECK(loyalty_pos_open(db.c_str(), "NOPE", "S001", "T01", nullptr, &s) ==
          LOYALTY_POS_E_NOT_FOUND);
    CHECK(loyalty_pos_open(db.c_str(), "DEMO", "S999", "T01", nullptr, &s) ==
          LOYALTY_POS_E_NOT_FOUND);
    CHECK(s == nullptr);
    const auto missing = store.dir() / "typo.db";
    CHECK(loyalty_pos_open(missing.c_str(), "DEMO", "S001", "T01", nullptr, &s) ==
          LOYALTY_POS_E_NOT_FOUND);
    CHECK_FALSE(std::filesystem::exists(missing));
    REQUIRE(loyalty_pos_open(db.c_str(), "DEMO", "S001", "T01", "{}", &s) == LOYALTY_POS_OK);
    CHECK(s != nullptr);
    CHECK(loyalty_pos_last_error_code() == LOYALTY_POS_OK);
    CHECK(std::string(loyalty_pos_last_error()).empty());
    loyalty_pos_close(s);
}

TEST_CASE("a corrupt database is refused at open") {
    TempStore store;
    const auto bad = store.dir() / "corrupt.db";
    {
        std::FILE* f = std::fopen(bad.c_str(), "wb");
        REQUIRE(f);
        std::string junk = "SQLite format 3";
        junk.push_back('\0');
        junk += std::string(4096, 'x');
        std::fwrite(junk.data(), 1, junk.size(), f);
        std::fclose(f);
    }
    loyalty_pos_session* s = nullptr;
    const int rc = loyalty_pos_open(bad.c_str(), "DEMO", "S001", "T01", nullptr, &s);
    CHECK((rc == LOYALTY_POS_E_CORRUPT_DATABASE || rc == LOYALTY_POS_E_STORAGE));
    CHECK(s == nullptr);
}

TEST_CASE("identify finds members by phone and card, and refuses null, unknown and blocked") {
    Till till;
    const auto& seed = till.store.seeded;
    auto by_phone = till.identify(seed.rich_phone);
    REQUIRE(by_phone.status == LOYALTY_POS_OK);
    CHECK(by_phone.body["member"] == seed.rich_uid);
    CHECK(by_phone.body["via"] == "phone");
    CHECK(by_phone.body["points_available"] == 50000);
    CHECK(by_phone.body["name"] == "王*明");
    auto by_card = till.identify(seed.gold_card);
    REQUIRE(by_card.status == LOYALTY_POS_OK);
    CHECK(by_card.body["member"] == seed.gold_uid);
    CHECK(by_card.body["tier"] == "gold");
    CHECK(by_card.body["via"] == "card_number");

    CHECK(take([&](char** out) { return loyalty_pos_identify(nullptr, "x", out); }).status ==
          LOYALTY_POS_E_NULL_ARGUMENT);
    CHECK(take([&](char** out) {
              return loyalty_pos_identify(till.session, nullptr, out);
          }).status == LOYALTY_POS_E_NULL_ARGUMENT);
    CHECK(till.identify("").status == LOYALTY_POS_E_INVALID_ARGUMENT);
    CHECK(till.identify("8899999999999999").status == LOYALTY_POS_E_NOT_FOUND);
    CHECK_REFUSED_UNCHANGED(till, till.identify(seed.blocked_card), LOYALTY_POS_E_BLOCKED);
    // out_json may be NULL when the caller only wants the status.
    CHECK(loyalty_pos_identify(till.session, seed.rich_card.c_str(), nullptr) == LOYALTY_POS_OK);
}

TEST_CASE(
    "a member code is accepted once; expired, replayed and forged codes are refused and write "
    "nothing") {
    Till till;
    const auto& seed = till.store.seeded;
    CHECK_REFUSED_UNCHANGED(till, till.identify(seed.code_expired), LOYALTY_POS_E_EXPIRED);
    CHECK_REFUSED_UNCHANGED(till, till.identify(seed.code_forged), LOYALTY_POS_E_INVALID_ARGUMENT);
    const auto before = till.dump();
    auto first = till.identify(seed.code_fresh);
    REQUIRE_MESSAGE(first.status == LOYALTY_POS_OK, first.message);
    CHECK(first.body["member"] == seed.rich_uid);
    CHECK(first.body["via"] == "member_code");
    CHECK(till.dump() != before);  // the code is recorded as used
    CHECK_REFUSED_UNCHANGED(till, till.identify(seed.code_fresh), LOYALTY_POS_E_ALREADY_USED);

    // A second till (another session on the same store) refuses the replay too.
    loyalty_pos_session* other = nullptr;
    REQUIRE(loyalty_pos_open(till.store.db().c_str(), "DEMO", "S001", "T02",
                             seed.config_json.c_str(), &other) == LOYALTY_POS_OK);
    CHECK(loyalty_pos_identify(other, seed.code_fresh.c_str(), nullptr) ==
          LOYALTY_POS_E_ALREADY_USED);
    CHECK(loyalty_pos_identify(other, seed.code_fresh2.c_str(), nullptr) == LOYALTY_POS_OK);
    loyalty_pos_close(other);
}

TEST_CASE(
    "a member code is refused when the terminal trusts no key, and a receipt code is not a "
    "member") {
    TempStore store;
    loyalty_pos_session* s = nullptr;
    REQUIRE(loyalty_pos_open(store.db().c_str(), "DEMO", "S001", "T01",
                             R"({"fixed_time": 1773115200})", &s) == LOYALTY_POS_OK);
    CHECK(loyalty_pos_identify(s, store.seeded.code_fresh.c_str(), nullptr) ==
          LOYALTY_POS_E_INVALID_ARGUMENT);
    CHECK(loyalty_pos_identify(s, "LR1.k.abc.def", nullptr) == LOYALTY_POS_E_INVALID_ARGUMENT);
    CHECK(std::string(loyalty_pos_last_error()).find("receipt") != std::string::npos);
    loyalty_pos_close(s);
}
