#pragma once
// Staff credentials (hashed PINs with lockout) and single-use codes. Manager
// functions at the kiosk and the till ask Staff for a manager; member codes
// and receipt claims ask UsedCodes whether they were seen before.
#include <optional>
#include <string>

#include "loyalty/clock.hpp"
#include "loyalty/result.hpp"

namespace loyalty {

struct EngineContext;

enum class StaffRole { cashier, manager };

struct StaffMember {
    std::string staff_id;
    std::string name;
    StaffRole role = StaffRole::cashier;
};

class Staff {
  public:
    static constexpr int kMaxFailures = 5;
    static constexpr int kLockoutMinutes = 15;

    explicit Staff(EngineContext& ctx) : ctx_(ctx) {}
    // Creates or updates a staff member's PIN (6 to 12 digits), audited.
    Result<void> set_pin(const std::string& staff_id, const std::string& name, StaffRole role,
                         const std::string& pin, const std::string& actor);
    // Checks the PIN; after kMaxFailures wrong PINs in a row the account is
    // locked for kLockoutMinutes. Failures are audited.
    Result<StaffMember> authenticate(const std::string& staff_id, const std::string& pin);
    Result<StaffMember> require_manager(const std::string& staff_id, const std::string& pin);
    // Who has this staff id (nullopt: nobody), without checking a PIN.
    std::optional<StaffMember> find(const std::string& staff_id);

  private:
    EngineContext& ctx_;
};

class UsedCodes {
  public:
    explicit UsedCodes(EngineContext& ctx) : ctx_(ctx) {}
    // Records (kind, id) as used; Errc::already_used if it was before.
    Result<void> consume_once(const std::string& kind, const std::string& id);
    bool seen(const std::string& kind, const std::string& id);
    // Forgets member-code nonces older than `before` (they have expired anyway).
    int forget_before(const std::string& kind, Timestamp before);

  private:
    EngineContext& ctx_;
};

}  // namespace loyalty
