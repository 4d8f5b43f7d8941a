#include "store_seed.hpp"

#include <sqlite3.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <vector>

#include "loyalty/engine.hpp"
#include "loyalty/signed_codes.hpp"

namespace loyalty::pos_test {

namespace {

template <class T>
T must(Result<T> r, const char* what) {
    if (!r) throw std::runtime_error(std::string(what) + ": " + r.error().message);
    return std::move(r.value());
}

void must(Result<void> r, const char* what) {
    if (!r) throw std::runtime_error(std::string(what) + ": " + r.error().message);
}

MemberId enroll(Engine& engine, const std::string& phone, const std::string& name) {
    EnrollRequest r;
    r.program = "DEMO";
    r.phone = phone;
    r.display_name = name;
    r.birthday_month = 7;
    r.consent_privacy = true;
    return must(engine.members().enroll(r), "enroll").member.id;
}

void physical_card(Engine& engine, MemberId member, const std::string& number) {
    must(engine.cards().issue(member, CardForm::physical, number, std::nullopt, "seed"),
         "issue card");
    must(engine.cards().activate("DEMO", number, "seed"), "activate card");
}

}  // namespace

SeededStore seed_store(const std::filesystem::path& db) {
    SeededStore s;
    ManualClock clock{from_unix(kNow)};
    auto engine = must(Engine::open(db, clock, EngineOptions{Origin{"S001", "T00"}, {}}), "open");
    auto config = must(load_program_config_file(std::filesystem::path(LOYALTY_SOURCE_DIR) /
                                                "assets/config/demo-program.toml"),
                       "program");
    must(engine->programs().save(config, "seed"), "save program");

    const auto rich = enroll(*engine, "+86" + s.rich_phone, "王小明");
    physical_card(*engine, rich, s.rich_card);
    must(engine->ledger().adjust(rich, 50000, "opening balance", "seed", "seed-rich"), "adjust");
    must(engine->members().set_pin(rich, kRichMemberPin), "member PIN");
    const auto gold = enroll(*engine, "+8613900000003", "李金");
    physical_card(*engine, gold, s.gold_card);
    SaleRequest big;
    big.program = "DEMO";
    big.receipt = "SEED-1";
    big.member = gold;
    big.lines.push_back(BasketLine{"JK-2040", "apparel", 7, Money{89900}, Money{}});
    must(engine->sales().commit(big), "gold sale");
    const auto blocked = enroll(*engine, "+8613900000002", "张三");
    physical_card(*engine, blocked, s.blocked_card);
    must(engine->cards().block("DEMO", s.blocked_card, "reported stolen", "seed"), "block");
    must(engine->staff().set_pin(kManager, "Li Manager", StaffRole::manager, kManagerPin, "seed"),
         "manager");
    must(engine->staff().set_pin(kCashier, "Wu Cashier", StaffRole::cashier, kCashierPin, "seed"),
         "cashier");

    s.rich_uid = must(engine->members().get(rich), "get").uid;
    s.gold_uid = must(engine->members().get(gold), "get").uid;
    s.blocked_uid = must(engine->members().get(blocked), "get").uid;
    const auto hub = must(signing_key_from_seed_hex(kHubKeyId, kHubSeedHex), "hub key");
    s.hub_public_hex = public_key_hex(hub);
    s.code_fresh =
        mint_member_code(MemberCode{"DEMO", s.rich_uid, from_unix(kNow), "nonce-1"}, hub);
    s.code_fresh2 =
        mint_member_code(MemberCode{"DEMO", s.gold_uid, from_unix(kNow - 5), "nonce-2"}, hub);
    s.code_expired =
        mint_member_code(MemberCode{"DEMO", s.rich_uid, from_unix(kNow - 600), "nonce-3"}, hub);
    const auto rogue =
        must(signing_key_from_seed_hex(kHubKeyId, std::string(64, '7')), "rogue key");
    s.code_forged =
        mint_member_code(MemberCode{"DEMO", s.rich_uid, from_unix(kNow), "nonce-4"}, rogue);
    s.config_json = nlohmann::json{
        {"cashier", kCashier},
        {"categories",
         {"apparel", "shoes", "cosmetics", "food", "tobacco", "gift-card", "bags", "accessories"}},
        {"trusted_keys", {{kHubKeyId, s.hub_public_hex}}},
        {"receipt_key", {{"id", "T01"}, {"seed_hex", std::string(64, '2')}}},
        {"fixed_time",
         kNow}}.dump();
    return s;
}

std::string seeded_store_json(const SeededStore& s) {
    return nlohmann::json{{"rich_uid", s.rich_uid},
                          {"rich_phone", s.rich_phone},
                          {"rich_card", s.rich_card},
                          {"gold_uid", s.gold_uid},
                          {"gold_card", s.gold_card},
                          {"blocked_uid", s.blocked_uid},
                          {"blocked_card", s.blocked_card},
                          {"code_fresh", s.code_fresh},
                          {"code_fresh2", s.code_fresh2},
                          {"code_expired", s.code_expired},
                          {"code_forged", s.code_forged},
                          {"config", s.config_json},
                          {"manager", kManager},
                          {"manager_pin", kManagerPin}}
        .dump(2);
}

std::string dump_database(const std::filesystem::path& db) {
    sqlite3* raw = nullptr;
    if (sqlite3_open_v2(db.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
        sqlite3_close(raw);
        throw std::runtime_error("cannot open " + db.string());
    }
    std::unique_ptr<sqlite3, decltype(&sqlite3_close)> conn(raw, &sqlite3_close);
    sqlite3_busy_timeout(raw, 5000);
    auto rows = [&](const std::string& sql) {
        std::vector<std::vector<std::string>> out;
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(raw, sql.c_str(), -1, &st, nullptr) != SQLITE_OK)
            throw std::runtime_error(sqlite3_errmsg(raw));
        while (sqlite3_step(st) == SQLITE_ROW) {
            std::vector<std::string> row;
            for (int i = 0; i < sqlite3_column_count(st); ++i) {
                const auto* text = sqlite3_column_text(st, i);
                row.emplace_back(text ? reinterpret_cast<const char*>(text) : "NULL");
            }
            out.push_back(std::move(row));
        }
        sqlite3_finalize(st);
        return out;
    };
    std::string dump;
    for (const auto& t :
         rows("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")) {
        dump += "## " + t[0] + "\n";
        for (const auto& row : rows("SELECT * FROM \"" + t[0] + "\"")) {
            for (const auto& v : row) dump += v + "|";
            dump += "\n";
        }
    }
    return dump;
}

}  // namespace loyalty::pos_test
