// Hostile input at the boundary: thousands of mangled requests must each get a
// documented status (never INTERNAL, never a crash) and write nothing.
#include <random>

#include "abi_support.hpp"

using namespace loyalty::pos_test;
using nlohmann::json;

namespace {

// Byte-level damage: flips, deletions, duplications and truncation.
std::string mangle_bytes(std::string s, std::mt19937& rng) {
    std::uniform_int_distribution<int> op(0, 3);
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !s.empty(); ++e) {
        const auto at = rng() % s.size();
        switch (op(rng)) {
            case 0:
                s[at] = static_cast<char>(rng() % 256);
                break;
            case 1:
                s.erase(at, 1 + rng() % 3);
                break;
            case 2:
                s.insert(at, s.substr(at, 1 + rng() % 8));
                break;
            case 3:
                s.resize(at);
                break;
        }
    }
    return s;
}

// Structure-level damage: a field replaced by a value of another type or range.
json mangle_fields(json basket, std::mt19937& rng) {
    const json odd[] = {nullptr,
                        -1,
                        0,
                        1.5,
                        "x",
                        json::array(),
                        json::object(),
                        true,
                        9223372036854775807LL,
                        -9223372036854775807LL,
                        "",
                        std::string(300, 'z')};
    auto pick = [&] { return odd[rng() % std::size(odd)]; };
    auto& lines = basket["lines"];
    switch (rng() % 5) {
        case 0:
            lines[rng() % lines.size()]["quantity"] = pick();
            break;
        case 1:
            lines[rng() % lines.size()]["unit_price"] = pick();
            break;
        case 2:
            lines[rng() % lines.size()]["category"] = pick();
            break;
        case 3:
            basket["points_to_pay"] = pick();
            break;
        case 4:
            basket["member"] = pick();
            break;
    }
    return basket;
}

bool documented(int status) {
    return status >= LOYALTY_POS_OK && status < LOYALTY_POS_E_INTERNAL;
}

}  // namespace

TEST_CASE("mangled baskets get a documented status and change nothing") {
    Till till;
    const json good{{"member", till.store.seeded.rich_uid},
                    {"receipt", "F-1"},
                    {"coupons", json::array()},
                    {"points_to_pay", 100},
                    {"lines", json::array({line("CS-5001", "cosmetics", 1, 32000),
                                           line("FD-7001", "food", 3, 3500)})}};
    std::mt19937 rng(20261130);
    const auto before = till.dump();
    int undocumented = 0, accepted = 0;
    for (int i = 0; i < 1500; ++i) {
        const auto text = i % 2 ? mangle_bytes(good.dump(), rng) : mangle_fields(good, rng).dump();
        const int status = loyalty_pos_quote(till.session, text.c_str(), nullptr);
        if (!documented(status)) {
            ++undocumented;
            MESSAGE(text, " -> ", loyalty_pos_status_name(status), ": ", loyalty_pos_last_error());
        }
        if (status == LOYALTY_POS_OK) ++accepted;
        const int id = loyalty_pos_identify(till.session, text.c_str(), nullptr);
        if (!documented(id)) ++undocumented;
    }
    CHECK(undocumented == 0);
    CHECK(accepted > 0);  // some mutations stay valid: the loop did reach the engine
    CHECK(till.dump() == before);
}

TEST_CASE(
    "mangled refunds, redemptions and manager calls are refused with documented codes and write "
    "nothing") {
    Till till;
    const auto& seed = till.store.seeded;
    REQUIRE(till.commit(json{{"member", seed.rich_uid},
                             {"receipt", "F-2"},
                             {"lines", json::array({line("CS-5001", "cosmetics", 2, 32000)})}})
                .status == LOYALTY_POS_OK);
    const json requests[] = {
        json{{"receipt", "F-2"},
             {"refund_ref", "X"},
             {"lines", {{{"line_no", 1}, {"quantity", 3}}}}},
        json{{"member", seed.rich_uid}, {"reward", "CPN-100"}, {"request_id", "q"}},
        json{{"manager", kManager}, {"pin", "999999"}, {"card", seed.rich_card}, {"reason", "r"}},
    };
    std::mt19937 rng(7);
    const auto before = till.dump();
    int undocumented = 0;
    for (int i = 0; i < 600; ++i) {
        const auto text = mangle_bytes(requests[i % 3].dump(), rng);
        int status = LOYALTY_POS_E_INTERNAL;
        if (i % 3 == 0) status = loyalty_pos_refund(till.session, text.c_str(), nullptr);
        if (i % 3 == 1) status = loyalty_pos_redeem(till.session, text.c_str(), nullptr);
        if (i % 3 == 2) status = loyalty_pos_block_card(till.session, text.c_str(), nullptr);
        if (!documented(status)) ++undocumented;
        // A mangled request may still be a valid one; those are not what this test is about.
        if (status == LOYALTY_POS_OK) MESSAGE("accepted: ", text);
    }
    CHECK(undocumented == 0);
    // Wrong manager PINs are audited by design; everything else must be as before.
    const auto strip_staff = [](std::string dump) {
        for (const char* table : {"## audit_log\n", "## staff\n"}) {
            const auto from = dump.find(table);
            if (from == std::string::npos) continue;
            const auto to = dump.find("\n## ", from + 3);
            dump.erase(from, to == std::string::npos ? std::string::npos : to + 1 - from);
        }
        return dump;
    };
    CHECK(strip_staff(till.dump()) == strip_staff(before));
}

TEST_CASE("a request over 1 MiB is INVALID_JSON with the reason, and one just under is read") {
    Till till;
    const auto before = till.dump();
    // Valid JSON either way: the size alone decides. The padding is an unknown field, which
    // the reader refuses only once it has parsed the request.
    const auto request = [](std::size_t bytes) {
        const std::string head = R"({"receipt":"BIG-1","pad":")";
        const std::string tail = R"("})";
        return head + std::string(bytes - head.size() - tail.size(), 'x') + tail;
    };
    const auto over = request((std::size_t{1} << 20) + 1);
    CHECK(loyalty_pos_quote(till.session, over.c_str(), nullptr) == LOYALTY_POS_E_INVALID_JSON);
    CHECK(std::string(loyalty_pos_last_error()).find("1048576 bytes is refused") !=
          std::string::npos);
    const auto under = request(std::size_t{1} << 20);
    CHECK(loyalty_pos_quote(till.session, under.c_str(), nullptr) == LOYALTY_POS_E_INVALID_JSON);
    CHECK(std::string(loyalty_pos_last_error()).find("bytes is refused") == std::string::npos);
    CHECK(till.dump() == before);
}

TEST_CASE("a request nested 100,000 deep is INVALID_JSON with the reason, not a crash") {
    Till till;
    const auto before = till.dump();
    const std::string deep =
        R"({"receipt":"D-1","lines":)" + std::string(100000, '[') + std::string(100000, ']') + "}";
    CHECK(loyalty_pos_quote(till.session, deep.c_str(), nullptr) == LOYALTY_POS_E_INVALID_JSON);
    CHECK(std::string(loyalty_pos_last_error()).find("deeper than") != std::string::npos);
    CHECK(loyalty_pos_commit(till.session, deep.c_str(), nullptr) == LOYALTY_POS_E_INVALID_JSON);
    CHECK(till.dump() == before);
}
