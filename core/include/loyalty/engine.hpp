#pragma once
// The loyalty engine of one terminal (or of the hub): a store database, a clock
// and the services over them. Not thread-safe: one Engine per thread; several
// processes may share one database file (WAL, busy timeout).
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "loyalty/audit.hpp"
#include "loyalty/campaigns.hpp"
#include "loyalty/cards.hpp"
#include "loyalty/clock.hpp"
#include "loyalty/database_options.hpp"
#include "loyalty/insight.hpp"
#include "loyalty/members.hpp"
#include "loyalty/outbox.hpp"
#include "loyalty/points_ledger.hpp"
#include "loyalty/program_config.hpp"
#include "loyalty/ratings.hpp"
#include "loyalty/replication.hpp"
#include "loyalty/rewards.hpp"
#include "loyalty/sales.hpp"
#include "loyalty/staff.hpp"
#include "loyalty/stored_value.hpp"
#include "loyalty/tiers.hpp"

namespace loyalty {

class Database;
// Declared here, defined in their own headers (receipt_claims.hpp, parking.hpp): only what uses
// them includes them.
class ReceiptClaims;
class Parking;

// Who is writing: the store and terminal events are numbered under.
struct Origin {
    std::string store = "S001";
    std::string terminal = "T01";
};

struct EngineOptions {
    Origin origin;
    DatabaseOptions database;
};

class Programs {
  public:
    explicit Programs(EngineContext& ctx) : ctx_(ctx) {}
    // Creates or updates a program (new config version) and its stores.
    Result<void> save(const ProgramConfig& config, const std::string& actor);
    Result<const ProgramConfig*> get(const std::string& code);
    std::vector<std::string> codes();

  private:
    EngineContext& ctx_;
};

class Engine {
  public:
    static Result<std::unique_ptr<Engine>> open(const std::filesystem::path& path,
                                                const Clock& clock, EngineOptions options = {});
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    const Clock& clock() const;
    const Origin& origin() const;

    Programs& programs();
    Members& members();
    Cards& cards();
    PointsLedger& ledger();
    Tiers& tiers();
    Sales& sales();
    Rewards& rewards();
    Insight& insight();
    Outbox& outbox();
    AuditLog& audit();
    Staff& staff();
    UsedCodes& used_codes();
    Campaigns& campaigns();
    Ratings& ratings();
    StoredValue& stored_value();
    Replication& replication();       // the hub: applies other terminals' events
    ReceiptClaims& receipt_claims();  // a mall's receipts of any shop, claimed at the kiosk
    Parking& parking();               // plates, free minutes, hours bought with points

    // The nightly run: releases pending points, expires lots, reviews tiers due
    // now, then per program rescores RFM, refreshes rule tags and grants birthday
    // gifts and runs the scheduled campaigns. Safe to run any number of times.
    struct DailyReport {
        MaintenanceReport points;
        TierReviewReport tiers;
        std::int64_t rfm_scored = 0;
        std::int64_t rule_tags = 0;
        int birthday_gifts = 0;
        std::int64_t campaign_firings = 0;  // birthday and points-expiring campaigns
    };
    Result<DailyReport> run_daily(Timestamp now);

  private:
    friend Database& engine_database(Engine& engine);
    Engine() = default;
    std::unique_ptr<EngineContext> ctx_;
};

}  // namespace loyalty
