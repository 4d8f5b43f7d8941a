#pragma once
// Test helpers over the C ABI: a seeded store in a temp dir, an open session,
// and calls that return status + parsed JSON.
#include <doctest/doctest.h>

#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "loyalty_pos.h"
#include "store_seed.hpp"

namespace loyalty::pos_test {

struct Outcome {
    int status = -1;
    nlohmann::json body;
    std::string message;
};

// Calls fn(&out) and takes ownership of the returned JSON.
inline Outcome take(const std::function<int(char**)>& fn) {
    char* out = reinterpret_cast<char*>(0x1);  // the library must reset it
    Outcome o;
    o.status = fn(&out);
    o.message = loyalty_pos_last_error();
    CHECK(loyalty_pos_last_error_code() == o.status);
    if (o.status == LOYALTY_POS_OK) {
        REQUIRE(out != nullptr);
        o.body = nlohmann::json::parse(out);
        CHECK(o.message.empty());
    } else {
        CHECK(out == nullptr);
        CHECK_FALSE(o.message.empty());
    }
    loyalty_pos_free(out);
    return o;
}

class TempStore {
  public:
    TempStore() {
        std::random_device rd;
        dir_ = std::filesystem::temp_directory_path() /
               ("loyalty-pos-" + std::to_string(rd()) + std::to_string(rd()));
        std::filesystem::create_directories(dir_);
        seeded = seed_store(db());
    }
    ~TempStore() {
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }
    std::filesystem::path db() const { return dir_ / "store.db"; }
    const std::filesystem::path& dir() const { return dir_; }
    SeededStore seeded;

  private:
    std::filesystem::path dir_;
};

// A till on the seeded store: S001/T01 with the seed's config.
struct Till {
    TempStore store;
    loyalty_pos_session* session = nullptr;

    Till() {
        const int rc = loyalty_pos_open(store.db().c_str(), "DEMO", "S001", "T01",
                                        store.seeded.config_json.c_str(), &session);
        REQUIRE_MESSAGE(rc == LOYALTY_POS_OK, loyalty_pos_last_error());
    }
    ~Till() { loyalty_pos_close(session); }

    std::string dump() const { return dump_database(store.db()); }
    Outcome identify(const std::string& s) {
        return take([&](char** out) { return loyalty_pos_identify(session, s.c_str(), out); });
    }
    Outcome quote(const nlohmann::json& basket) { return quote_text(basket.dump()); }
    Outcome quote_text(const std::string& t) {
        return take([&](char** out) { return loyalty_pos_quote(session, t.c_str(), out); });
    }
    Outcome commit(const nlohmann::json& basket) { return commit_text(basket.dump()); }
    Outcome commit_text(const std::string& t) {
        return take([&](char** out) { return loyalty_pos_commit(session, t.c_str(), out); });
    }
    Outcome refund(const nlohmann::json& r) {
        const auto t = r.dump();
        return take([&](char** out) { return loyalty_pos_refund(session, t.c_str(), out); });
    }
    Outcome void_sale(const std::string& receipt) {
        return take([&](char** out) { return loyalty_pos_void(session, receipt.c_str(), out); });
    }
    Outcome redeem(const nlohmann::json& r) {
        const auto t = r.dump();
        return take([&](char** out) { return loyalty_pos_redeem(session, t.c_str(), out); });
    }
    Outcome adjust(const nlohmann::json& r) {
        const auto t = r.dump();
        return take([&](char** out) { return loyalty_pos_adjust_points(session, t.c_str(), out); });
    }
    Outcome block(const nlohmann::json& r) {
        const auto t = r.dump();
        return take([&](char** out) { return loyalty_pos_block_card(session, t.c_str(), out); });
    }
    Outcome enroll(const nlohmann::json& r) {
        const auto t = r.dump();
        return take([&](char** out) { return loyalty_pos_enroll(session, t.c_str(), out); });
    }
};

inline nlohmann::json line(const std::string& sku, const std::string& category, std::int64_t qty,
                           std::int64_t price) {
    return nlohmann::json{
        {"sku", sku}, {"category", category}, {"quantity", qty}, {"unit_price", price}};
}

// Runs a call that must fail with `status` and checks the database did not change.
#define CHECK_REFUSED_UNCHANGED(till, expr, expected_status)                   \
    do {                                                                       \
        const auto before_ = (till).dump();                                    \
        const auto outcome_ = (expr);                                          \
        CHECK_MESSAGE(outcome_.status == (expected_status), outcome_.message); \
        CHECK((till).dump() == before_);                                       \
    } while (0)

}  // namespace loyalty::pos_test
