#pragma once
// Rewards bought with points become coupons: single-use codes with an expiry,
// validated and consumed at the till.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "loyalty/clock.hpp"
#include "loyalty/coupon_benefits.hpp"
#include "loyalty/members.hpp"
#include "loyalty/money.hpp"
#include "loyalty/result.hpp"

namespace loyalty {

struct Reward {
    std::string code;
    std::string name;
    Points points_cost = 0;
    Money value;
    int valid_days = 30;
    std::optional<std::int64_t> stock;  // none: unlimited
};

struct Coupon {
    std::string code;
    std::string program;
    MemberId member = 0;
    std::string source;  // reward:<code> | birthday | campaign:<id> | manual
    std::string title;
    Money value;
    Money min_spend;
    Timestamp issued_at;
    Timestamp expires_at;
    std::string status;  // issued | used | cancelled
    std::optional<std::string> used_receipt;
    CouponBenefit benefit{};  // what it takes off; an amount coupon's value is `value`
};

struct CouponGrant {
    MemberId member = 0;
    std::string source;
    std::string title;
    Money value;
    Money min_spend;
    int valid_days = 30;
    std::string idempotency_key;
};

struct CouponCancellation {
    std::string code;
    std::string reason;  // kept in the audit trail
    std::string actor;   // the manager
};

struct CancelledCoupon {
    Coupon coupon;
    Points points_returned = 0;  // the reward's points, back on the member's balance
};

class Rewards {
  public:
    explicit Rewards(EngineContext& ctx) : ctx_(ctx) {}

    std::vector<Reward> catalog(const std::string& program);
    // Debits the points (oldest lots first) and issues the coupon, atomically.
    Result<Coupon> redeem(MemberId member, const std::string& reward_code,
                          const std::string& idempotency_key);
    // Whether a redemption was made under this idempotency key already.
    Result<bool> redeemed(const std::string& idempotency_key);
    Result<Coupon> grant(const CouponGrant& grant);
    // A coupon issued elsewhere (the hub's), recorded under its own code so it
    // can be used here. A code already known changes nothing; the member must
    // be an active member of the coupon's program.
    Result<Coupon> accept_issued(const Coupon& issued);
    // Cancels an issued, unused coupon; a reward's coupon gives its points back.
    // Audited; cancelling again answers the first result.
    Result<CancelledCoupon> cancel(const CouponCancellation& request);
    // Checks a coupon can be used now by this member on a basket of `net`.
    Result<Coupon> validate(const std::string& code, MemberId member, Money net);
    std::vector<Coupon> coupons_of(MemberId member, bool usable_only);
    Result<Coupon> find(const std::string& code);
    // Birthday gifts of each tier, once per member per year, in the birthday month.
    Result<int> grant_birthday_gifts(const std::string& program, Timestamp now);

  private:
    EngineContext& ctx_;
};

}  // namespace loyalty
