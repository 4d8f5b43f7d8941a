#pragma once
// Private to core: what every service shares. Services reach each other
// through here, so one operation can span ledger, tiers and outbox inside one
// transaction.
#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "loyalty/engine.hpp"
#include "loyalty/parking.hpp"
#include "loyalty/receipt_claims.hpp"
#include "loyalty/storage/database.hpp"

// Optional fields serialise as JSON null.
template <typename T>
struct nlohmann::adl_serializer<std::optional<T>> {
    static void to_json(json& j, const std::optional<T>& value) {
        if (value)
            j = *value;
        else
            j = nullptr;
    }
};

namespace loyalty {

struct CachedProgram {
    std::int64_t id = 0;
    ProgramConfig config;
};

struct EngineContext {
    std::unique_ptr<Database> db;
    const Clock* clock = nullptr;
    Origin origin;
    // Set while another terminal's event is applied here (Replication): the
    // change is that terminal's, already in its outbox, so nothing is emitted.
    bool replaying = false;
    std::map<std::string, CachedProgram, std::less<>> programs_by_code;
    std::map<std::int64_t, std::string> program_code_by_id;
    // Programs another process saved (loyalty-link installing head office's
    // rules beside the kiosk) are re-read: see forget_programs_saved_elsewhere.
    std::chrono::steady_clock::time_point programs_checked_until{};
    std::int64_t programs_data_version = -1;
    std::string programs_stamp;
    std::vector<decltype(programs_by_code)::node_type> retired_programs;

    Programs programs{*this};
    Members members{*this};
    Cards cards{*this};
    PointsLedger ledger{*this};
    Tiers tiers{*this};
    Sales sales{*this};
    Rewards rewards{*this};
    Insight insight{*this};
    Outbox outbox{*this};
    AuditLog audit{*this};
    Staff staff{*this};
    UsedCodes used_codes{*this};
    Campaigns campaigns{*this};
    Ratings ratings{*this};
    ReceiptClaims receipt_claims{*this};
    Parking parking{*this};
    StoredValue stored_value{*this};
    Replication replication{*this};

    Timestamp now() const { return clock->now(); }
    // Loads (and caches) a program; nullptr when unknown.
    const CachedProgram* program(const std::string& code);
    void forget_programs_saved_elsewhere();
    const CachedProgram* program_by_id(std::int64_t id);
    // The program a member belongs to; members always have one.
    const CachedProgram& program_of(MemberId member);
    // Appends a domain event. Events name members by uid too, since row ids
    // mean nothing outside this database.
    void emit(const std::string& type, const std::string& program, nlohmann::json payload);
    // The same for an event whose text is written directly (json_text.hpp), with its
    // members' uids already in it. Only for types that trigger no campaign: the
    // campaigns never see it.
    void emit_text(const std::string& type, const std::string& program,
                   const std::string& payload_json);
    std::string member_uid(MemberId id);
};

// A random identifier: 32 hex chars in UUID v4 layout.
std::string new_uuid();
// A random code from an unambiguous alphabet (no 0/O, 1/I), for coupons and cards.
std::string random_code(int length, const char* alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789");
std::string hex_digest(const std::string& data);  // BLAKE2b-128 of data, hex

}  // namespace loyalty
