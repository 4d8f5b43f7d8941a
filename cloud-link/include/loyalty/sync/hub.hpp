#pragma once
// The reference hub. HubStore applies what stores send to the hub's own SQLite
// database with the loyalty engine (Replication), idempotently and in
// per-terminal order; HubWorker is one consumer on
// the shared subscription ($share/hub/...). Several workers (threads or
// processes) may share one database: every batch is applied inside one
// BEGIN IMMEDIATE transaction with the dedupe and the sequence check.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "loyalty/engine.hpp"
#include "loyalty/result.hpp"
#include "loyalty/storage/database.hpp"
#include "loyalty/storage/engine_storage.hpp"
#include "loyalty/sync/link_config.hpp"
#include "loyalty/sync/messages.hpp"

namespace loyalty::sync {

struct HubRequest;
struct HubAnswer;

struct HubIncoming {
    std::string topic;
    std::string payload;
    std::string signature;  // the "sig" user property, if any
    // A request's MQTT 5 response topic and correlation data (empty otherwise).
    std::string response_topic{};
    std::string correlation{};
};

struct HubOutgoing {
    std::string topic;
    std::string payload;
    std::string correlation{};  // an answer's: the request's correlation data
};

struct HubApplyReport {
    std::vector<HubOutgoing> publish;  // acks and snapshots, to send after the commit
    std::int64_t applied = 0;
    std::int64_t duplicates = 0;
    std::int64_t held = 0;  // arrived ahead of a gap, kept until it fills
    std::int64_t dead_letters = 0;
    std::int64_t resequences = 0;  // terminals whose history forked, asked to renumber
    std::int64_t merges = 0;       // members enrolled twice (one phone), merged into the first
    std::vector<std::string> dead_letter_notes;  // "topic: reason: detail", for the log
};

// A coupon used by a second sale after the first had used it.
struct CouponReuse {
    std::string code;
    std::string store;              // where it was used again
    std::string receipt_key;        // the second sale ("program/store/terminal/receipt")
    std::string first_receipt_key;  // the sale that used it first
    std::string member_uid;
    std::int64_t at_ms = 0;  // when the hub saw the second use
};

// Stored value between stores over a period (loyalty-hub --clearing): what members
// topped up at a store against what they spent there from their balances and gift
// cards, principal and bonus apart. A store that took in more principal than was spent
// in it holds money spent elsewhere (it owes the others: net > 0); one where more was
// spent than taken in is owed (net < 0). The same for bonus, the promotion's cost.
// Top-ups refunded as cash are taken off the top-ups; sale refunds put back on a
// balance are taken off the spending. Managers' adjustments are listed apart.
struct ClearingRow {
    std::string program;
    std::string store;
    Money topped_up;    // principal taken in, less top-ups refunded
    Money bonus_given;  // bonus given with them, less bonus taken back
    Money spent_principal;
    Money spent_bonus;
    Money adjusted_principal;
    Money adjusted_bonus;
    Money net_principal() const { return topped_up - spent_principal; }
    Money net_bonus() const { return bonus_given - spent_bonus; }
};

// One-time codes by SMS (hub.toml [sms]): off unless a gateway is configured.
struct SmsOptions {
    bool enabled = false;
    std::int64_t code_ttl_ms = 300'000;
    // {program}: the program's name; {code}; {minutes}: how long the code lives.
    std::string text_template =
        "【{program}】验证码 {code}，{minutes}分钟内有效。Your code is {code}.";
};
// The text of one code's SMS.
std::string sms_text(const std::string& text_template, const std::string& program_name,
                     const std::string& code, std::int64_t ttl_ms);

struct HubStoreOptions {
    std::string worker = "w1";
    bool full_sync = true;
    bool require_signatures = false;
    std::map<std::string, std::string> store_keys;  // store -> 64 hex digits
    std::int64_t hold_ttl_ms = 300000;  // an authorized spend not captured by then lapses
    SmsOptions sms{};
};

struct DeadLetter {
    std::string topic;
    std::string reason;
    std::string detail;
    std::int64_t id = 0;
    std::int64_t received_at_ms = 0;
    // Of one event parked at its turn (empty / 0 for a whole message refused):
    std::string store, terminal, event_id;
    std::int64_t seq = 0;
    std::optional<std::int64_t> replayed_at_ms;  // applied since by --replay
};

// What `loyalty-hub --replay ID` did with one parked event.
struct ReplayOutcome {
    bool applied = false;
    std::string reason;  // why not: the dead-letter reason and detail of this try
};

struct TerminalStatus {
    std::string program, store, terminal;
    std::int64_t last_seq = 0;
    std::optional<std::int64_t> skew_ms;
    std::optional<std::int64_t> last_seen_ms;
    std::string presence;  // "online", "offline/lost", "offline/shutdown" or ""
    // Its history forked: asked to renumber after this sequence, not done yet.
    std::optional<std::int64_t> resequence_through;
};

class HubStore {
  public:
    static Result<std::unique_ptr<HubStore>> open(const std::filesystem::path& path,
                                                  HubStoreOptions options = {});
    ~HubStore();
    HubStore(const HubStore&) = delete;
    HubStore& operator=(const HubStore&) = delete;

    // Applies the messages in one transaction. Bad messages become dead letters
    // and do not stop the good ones; only a storage failure is an error (then
    // nothing is applied or acknowledged and the stores resend).
    Result<HubApplyReport> apply(const std::vector<HubIncoming>& messages, std::int64_t now_ms);

    // Answers a terminal's request (identify, authorize, release) in a short
    // transaction of its own. No answer (nullopt) when the request names no reply
    // topic or one outside the asking store's tree: it is dead-lettered then.
    Result<std::optional<HubOutgoing>> answer(const HubIncoming& request, std::int64_t now_ms);

    // A points hold and its state now (held | captured | released | lapsed).
    struct Hold {
        std::string member_uid;
        std::int64_t points = 0;
        std::string state;
        std::int64_t expires_at_ms = 0;
    };
    std::optional<Hold> hold(const std::string& program, const std::string& store,
                             const std::string& auth, std::int64_t now_ms);
    // A stored-value hold (fen) of one holder ("member:<uid>", "card:<number>"); its
    // amount is in `points`.
    std::optional<Hold> sv_hold(const std::string& program, const std::string& store,
                                const std::string& auth, const std::string& holder,
                                std::int64_t now_ms);

    // What the hub knows, for tests, the CLI and operators.
    std::optional<MemberSnapshot> member(const std::string& program, const std::string& uid);
    std::map<std::string, std::int64_t> balances(const std::string& program);  // uid -> points
    std::int64_t last_seq(const std::string& store, const std::string& terminal);
    std::vector<std::int64_t> applied_order(const std::string& store, const std::string& terminal);
    std::int64_t applied_count();
    std::int64_t held_count();
    std::vector<DeadLetter> dead_letters();
    // Retries one parked event (a dead letter of one event) after a fix: applied
    // now if it applies, otherwise why not; nothing changes then. A dead letter
    // of a whole message, or one applied already, is an invalid_argument error.
    Result<ReplayOutcome> replay(std::int64_t dead_letter_id, std::int64_t now_ms);
    std::optional<Presence> presence(const std::string& store, const std::string& terminal);
    std::optional<std::int64_t> skew_ms(const std::string& store, const std::string& terminal);
    std::vector<TerminalStatus> terminals();
    // The hub's own tier reviews (members whose review date has come, judged on
    // every store's sales), with the snapshots of the members that moved.
    Result<HubApplyReport> review_tiers(std::int64_t now_ms);
    // Where a member shops: stores whose terminals sent events about them, and their home store.
    std::vector<std::string> member_stores(const std::string& uid);
    std::int64_t shortfall_points(const std::string& program);
    // Stored value (fen) spent beyond the hub's balances (table hub_sv_shortfalls).
    std::int64_t shortfall_stored_value(const std::string& program);
    // The hub's coupons a second sale used (spent twice while stores were offline).
    std::vector<CouponReuse> coupon_reuses(const std::string& program);
    // Stored value per store booked from `from` to `to` (unix seconds, to excluded);
    // program empty: every program. hub_clearing.cpp.
    std::vector<ClearingRow> clearing(const std::string& program, Timestamp from, Timestamp to);
    Database& db() { return engine_database(*engine_); }
    // The loyalty engine on the hub's database: the authoritative members.
    Engine& engine() { return *engine_; }

  private:
    struct Pass;
    HubStore(std::unique_ptr<Engine> engine, HubStoreOptions options);
    // The three requests: hub_requests.cpp
    void identify(const HubRequest& r, const TerminalAddress& from, HubAnswer& a);
    void authorize(const HubRequest& r, const TerminalAddress& from, std::int64_t now_ms,
                   HubAnswer& a);
    void release(const HubRequest& r, const TerminalAddress& from, std::int64_t now_ms,
                 HubAnswer& a);
    void authorize_sv(const HubRequest& r, const TerminalAddress& from, std::int64_t now_ms,
                      HubAnswer& a);  // stored value, in fen
    // One-time codes by SMS: hub_sms.cpp
    void sms_code(const HubRequest& r, const TerminalAddress& from, std::int64_t now_ms,
                  HubAnswer& a);
    void sms_check(const HubRequest& r, const TerminalAddress& from, std::int64_t now_ms,
                   HubAnswer& a);
    std::unique_ptr<Engine> engine_;
    HubStoreOptions options_;
};

struct HubStats {
    std::int64_t messages = 0;
    std::int64_t applied = 0;
    std::int64_t duplicates = 0;
    std::int64_t dead_letters = 0;
    std::int64_t transactions = 0;
    std::int64_t apply_ms = 0;  // wall time spent applying (parse + SQLite + commit)
    std::int64_t connects = 0;
    bool connected = false;
};

class HubWorker {
  public:
    explicit HubWorker(HubConfig config);
    ~HubWorker();
    HubWorker(const HubWorker&) = delete;
    HubWorker& operator=(const HubWorker&) = delete;

    // Runs until `stop`; reconnects with backoff while the broker is away.
    Result<void> run(const std::atomic<bool>& stop);
    HubStats stats() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Versioned configuration for the stores of a program (campaign files): sent as
// one `config` down item on each store's down topic.
struct ConfigPublish {
    std::string program;
    std::string key = "campaigns";
    std::string body_json;            // a JSON object, installed as is by the terminals
    std::vector<std::string> stores;  // empty: every store the hub has heard from in the program
};
struct ConfigPublishReport {
    std::int64_t version = 0;  // the hub's counter for (program, key), one higher each publish
    std::vector<std::string> stores;
};
// Takes the next version from the hub database and publishes (QoS 1) with its
// own client ("<client_id>-publish"), so it runs beside a running worker.
Result<ConfigPublishReport> publish_config(const HubConfig& config, const ConfigPublish& what);

// Head office's program (earning rules, tiers, rewards): saved as the hub's
// own, then published like a campaign file under the key "program"; each
// terminal installs it through its engine.
Result<ConfigPublishReport> publish_program(const HubConfig& config, const ProgramConfig& program,
                                            const std::vector<std::string>& stores);

// A coupon head office gives a member: granted by the hub's engine, then sent
// as a `coupon_issue` item to the stores where the member shops.
struct CouponIssue {
    std::string program;
    std::string member_uid;
    std::string title;
    Money value;
    Money min_spend;
    int valid_days = 30;
    std::string source = "hub";
    std::string idempotency_key;  // empty: a new coupon every call
};
struct CouponIssueReport {
    std::string code;
    std::vector<std::string> stores;
};
Result<CouponIssueReport> issue_coupon(const HubConfig& config, const CouponIssue& what);

}  // namespace loyalty::sync
