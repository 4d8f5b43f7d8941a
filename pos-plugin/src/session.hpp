#pragma once
// One till's session: an engine on the store database, the terminal's settings. Every operation
// returns a Reply; the C entry points only translate pointers and strings.
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "loyalty/engine.hpp"
#include "loyalty/signed_codes.hpp"
#include "loyalty/sync/terminal_hub.hpp"
#include "requests.hpp"

namespace loyalty::pos {

class Session {
  public:
    static Reply open(const std::string& db_path, const std::string& program,
                      const std::string& store, const std::string& terminal,
                      const SessionConfig& config, std::unique_ptr<Session>& out);

    Reply identify(const std::string& scanned);
    Reply quote(const BasketRequest& basket);
    Reply commit(const BasketRequest& basket);
    Reply refund(const RefundCall& call);
    Reply void_sale(const std::string& receipt);
    Reply redeem(const RedeemCall& call);
    Reply adjust_points(const AdjustCall& call);
    Reply block_card(const BlockCall& call);
    Reply enroll(const EnrollCall& call);
    Reply sync_status();
    // Stored value (stored_value_calls.cpp).
    Reply top_up(const TopUpCall& call);
    Reply stored_value_balance(const BalanceCall& call);
    Reply refund_top_up(const TopUpRefundCall& call);
    Reply adjust_stored_value(const SvAdjustCall& call);

    // Calls on one session are serialised: the engine is one SQLite connection.
    [[nodiscard]] std::unique_lock<std::mutex> begin_call() { return std::unique_lock(mutex_); }
    Engine& engine() { return *engine_; }

  private:
    Session() = default;
    Result<Member> member_by_uid(const std::string& uid);
    // Resolves the basket's member and checks its categories; builds the core request.
    Reply prepare(const BasketRequest& basket, SaleRequest& request, std::optional<Member>& member);
    Reply refund_of(const std::string& receipt, const std::string& refund_ref,
                    std::vector<RefundLine> lines, bool void_sale = false);
    Reply check_manager(const ManagerCredential& credential);
    // A member this store does not know, asked at the member hub (when the session
    // has a link configuration); `by` as TerminalHub::find takes it.
    Reply identify_at_hub(const std::string& by, const std::string& value, const char* via);
    Reply shown(const Member& member, const ProgramConfig& program, const std::string& via);
    // Points about to leave a member's balance: cleared with the hub (or within the
    // offline limit) when the session has a link configuration.
    Result<std::optional<sync::SpendClearance>> clear_spend(const Member& member, Points points,
                                                            const std::string& auth);
    // The spend failed: its hold goes back (not when the id is another sale's).
    void release_spend(const std::optional<sync::SpendClearance>& clearance, const Error& why);
    // Whether the basket's member proved it is them: the PIN given with the basket, or a
    // member QR code verified here within the last few minutes.
    Result<bool> member_verified(const Member& member, const BasketRequest& basket);

    std::mutex mutex_;
    std::unique_ptr<Clock> clock_;  // outlives engine_ (declared first)
    std::unique_ptr<Engine> engine_;
    std::unique_ptr<sync::TerminalHub> hub_;  // after engine_: it uses the engine
    std::string program_, store_, terminal_;
    SessionConfig config_;
    TrustedKeys trusted_;
    std::optional<SigningKey> receipt_key_;
    std::map<std::string, Timestamp> code_shown_at_;  // member uid -> last verified member QR
};

}  // namespace loyalty::pos
