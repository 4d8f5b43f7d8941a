#pragma once
// A `coupon_issue` down item (PROTOCOL.md): how the hub writes a coupon for a
// store and how a terminal reads it back, in one place for every sender and
// receiver (the hub's --issue-coupon and identify answers; the agent and the till).
#include <nlohmann/json.hpp>
#include <string>

#include "loyalty/rewards.hpp"
#include "loyalty/sync/messages.hpp"

namespace loyalty::sync {

nlohmann::json coupon_item(const Coupon& coupon, const std::string& member_uid);
// The coupon of an item, as this database's `member` (fields missing read as 0 / "").
Coupon coupon_of_item(const DownItem& item, const std::string& program, MemberId member);

}  // namespace loyalty::sync
