#pragma once
// The JSON requests of loyalty_pos.h, read into plain structs. Parsing checks
// the shape only (types, required and unknown fields): values are judged by
// the session and the engine, so the same rule is never written twice.
#include <optional>
#include <string>
#include <vector>

#include "loyalty/sales.hpp"
#include "reply.hpp"

namespace loyalty::pos {

struct SessionConfig {
    std::string cashier;
    std::optional<std::vector<std::string>> categories;
    std::vector<std::pair<std::string, std::string>> trusted_keys;  // id, public key hex
    int member_code_validity_seconds = 60;
    std::optional<std::pair<std::string, std::string>> receipt_key;  // id, seed hex
    int busy_timeout_ms = 5000;
    std::optional<std::int64_t> fixed_time;
    // The store's link.toml: members of other stores are looked up at the member
    // hub, and points are spent with its authorization (or within the offline limit).
    std::string link_config;
};

struct BasketRequest {
    std::optional<std::string> member;  // uid
    std::string receipt;
    std::vector<BasketLine> lines;
    Points points_to_pay = 0;
    std::vector<std::string> coupons;
    std::vector<std::string> promo_codes{};
    std::vector<StoredValueTender> stored_value{};  // member balance / gift cards
    std::optional<std::string> member_pin{};        // for a large balance payment
};

struct RefundCall {
    std::string receipt;
    std::string refund_ref;
    std::vector<RefundLine> lines;
};

struct RedeemCall {
    std::string member, reward, request_id;
};

struct ManagerCredential {
    std::string manager, pin;
};

struct AdjustCall {
    ManagerCredential credential;
    std::string member, reason, request_id;
    Points points = 0;
};

struct BlockCall {
    ManagerCredential credential;
    std::string card, reason;
};

// A shopper enrolled at the till. Consent is read as given (absent: false) and judged by the
// engine, so a till that leaves it out hears why, not that a field is missing.
struct EnrollCall {
    std::string phone, name;
    bool consent_privacy = false;
    bool consent_marketing = false;
    std::optional<std::int64_t> birthday_month, birthday_day;
    std::optional<std::string> card;        // a physical card handed over
    std::optional<std::string> request_id;  // idempotency
};

// Stored value (stored_value.hpp): a top-up taken at the till, a balance enquiry, a
// top-up refunded as cash, a manager's correction.
struct TopUpCall {
    std::optional<std::string> member, card;
    Money amount;
    std::string tender, request_id;
};

struct BalanceCall {
    std::optional<std::string> member, card;
};

struct TopUpRefundCall {
    ManagerCredential credential;  // required unless dry_run
    std::string request_id, refund_request_id;
    bool dry_run = false;
};

struct SvAdjustCall {
    ManagerCredential credential;
    std::string member, reason, request_id;
    Money principal, bonus;
};

// Each returns a failure Reply (LOYALTY_POS_E_INVALID_JSON) or nullopt on success.
std::optional<Reply> parse_config(const char* text, SessionConfig& out);
std::optional<Reply> parse_basket(const char* text, BasketRequest& out);
std::optional<Reply> parse_refund(const char* text, RefundCall& out);
std::optional<Reply> parse_redeem(const char* text, RedeemCall& out);
std::optional<Reply> parse_adjust(const char* text, AdjustCall& out);
std::optional<Reply> parse_block(const char* text, BlockCall& out);
std::optional<Reply> parse_enroll(const char* text, EnrollCall& out);
std::optional<Reply> parse_top_up(const char* text, TopUpCall& out);
std::optional<Reply> parse_balance(const char* text, BalanceCall& out);
std::optional<Reply> parse_top_up_refund(const char* text, TopUpRefundCall& out);
std::optional<Reply> parse_sv_adjust(const char* text, SvAdjustCall& out);

}  // namespace loyalty::pos
