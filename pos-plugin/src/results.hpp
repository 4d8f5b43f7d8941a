#pragma once
// The JSON results of loyalty_pos.h, built from the engine's values. Names
// here are the ABI: fields are only ever added.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "loyalty/engine.hpp"

namespace loyalty::pos {

nlohmann::json coupon_json(const Coupon& coupon);
nlohmann::json member_json(const Member& member, const ProgramConfig& program,
                           const std::string& via, const std::vector<Coupon>& usable);
// `applied` are the coupon codes the basket uses; each usable coupon says
// whether it could apply to this basket and why. Written straight to text:
// quote and commit are the till's hot path.
std::string quote_text(const Quote& quote, const std::optional<Member>& member,
                       const std::vector<Coupon>& usable, const std::vector<std::string>& applied,
                       const ProgramConfig& program, const std::optional<SvBalance>& sv_balance);
std::string sale_text(const std::string& receipt, const SaleResult& sale,
                      const std::vector<std::string>& receipt_lines, const std::string& cashier,
                      const std::optional<std::string>& receipt_qr);
// A new member as the till may show it: name and phone masked. `linked`: found in another
// store through the member hub rather than enrolled here.
nlohmann::json enrollment_json(const Enrollment& enrollment, const ProgramConfig& program,
                               const std::optional<std::string>& phone, bool linked);
nlohmann::json refund_json(const std::string& receipt, const std::string& refund_ref,
                           const RefundResult& refund);

// Print-ready lines for the member part of a receipt (bilingual, masked name).
std::vector<std::string> receipt_lines(const SaleResult& sale, const std::optional<Member>& member,
                                       const ProgramConfig& program,
                                       const std::optional<TierProgress>& progress,
                                       bool has_claim_code);

}  // namespace loyalty::pos
