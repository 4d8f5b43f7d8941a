#include "loyalty/staff.hpp"

#include "engine_context.hpp"
#include "pin_hash.hpp"

namespace loyalty {

using nlohmann::json;

Result<void> Staff::set_pin(const std::string& staff_id, const std::string& name, StaffRole role,
                            const std::string& pin, const std::string& actor) {
    return guarded([&]() -> Result<void> {
        if (staff_id.empty()) return make_error(Errc::invalid_argument, "a staff id is required");
        auto hash = hash_pin(pin, 6, 12);
        if (!hash) return hash.error();
        Transaction tx(*ctx_.db);
        ctx_.db
            ->prepare(
                "INSERT INTO staff(staff_id, name, role, pin_hash) VALUES (?, ?, ?, ?) ON "
                "CONFLICT(staff_id) DO UPDATE "
                "SET name = excluded.name, role = excluded.role, pin_hash = excluded.pin_hash, "
                "failed_attempts = 0, "
                "locked_until = NULL")
            .bind_all(staff_id, name, role == StaffRole::manager ? "manager" : "cashier", *hash)
            .run();
        ctx_.audit.record(
            actor, "staff.pin_set", "staff:" + staff_id,
            json{{"role", role == StaffRole::manager ? "manager" : "cashier"}}.dump());
        tx.commit();
        return {};
    });
}

Result<StaffMember> Staff::authenticate(const std::string& staff_id, const std::string& pin) {
    return guarded([&]() -> Result<StaffMember> {
        auto st = ctx_.db->prepare(
            "SELECT name, role, pin_hash, failed_attempts, locked_until FROM staff WHERE staff_id "
            "= ?");
        st.bind(1, staff_id);
        // The same answer for an unknown id and a wrong PIN: no probing for valid ids.
        if (!st.step()) return make_error(Errc::unauthorized, "wrong staff id or PIN");
        StaffMember who{staff_id, st.text(0),
                        st.text(1) == "manager" ? StaffRole::manager : StaffRole::cashier};
        const auto hash = st.text(2);
        const auto failures = st.int64(3);
        const auto locked_until = st.optional_int64(4);
        const auto now = ctx_.now();
        if (locked_until && *locked_until > to_unix(now))
            return make_error(Errc::unauthorized,
                              "too many wrong PINs; locked for " +
                                  std::to_string((*locked_until - to_unix(now) + 59) / 60) +
                                  " min");
        Transaction tx(*ctx_.db);
        if (!pin_matches(hash, pin)) {
            const bool lock = failures + 1 >= kMaxFailures;
            std::optional<std::int64_t> until;
            if (lock) until = to_unix(now + std::chrono::minutes{kLockoutMinutes});
            ctx_.db
                ->prepare(
                    "UPDATE staff SET failed_attempts = ?, locked_until = ? WHERE staff_id = ?")
                .bind_all(lock ? 0 : failures + 1, until, staff_id)
                .run();
            ctx_.audit.record(staff_id, lock ? "staff.locked_out" : "staff.pin_failed",
                              "staff:" + staff_id, json{{"failures", failures + 1}}.dump());
            tx.commit();
            return make_error(Errc::unauthorized, lock
                                                      ? "too many wrong PINs; locked for " +
                                                            std::to_string(kLockoutMinutes) + " min"
                                                      : "wrong staff id or PIN");
        }
        ctx_.db
            ->prepare(
                "UPDATE staff SET failed_attempts = 0, locked_until = NULL WHERE staff_id = ?")
            .bind(1, staff_id)
            .run();
        tx.commit();
        return who;
    });
}

Result<StaffMember> Staff::require_manager(const std::string& staff_id, const std::string& pin) {
    auto who = authenticate(staff_id, pin);
    if (who && who->role != StaffRole::manager)
        return make_error(Errc::unauthorized,
                          "this needs a manager; " + staff_id + " is a cashier");
    return who;
}

std::optional<StaffMember> Staff::find(const std::string& staff_id) {
    return ctx_.db->prepare("SELECT name, role FROM staff WHERE staff_id = ?")
        .bind(1, staff_id)
        .one([&](const Statement& row) {
            return StaffMember{staff_id, row.text(0),
                               row.text(1) == "manager" ? StaffRole::manager : StaffRole::cashier};
        });
}

Result<void> UsedCodes::consume_once(const std::string& kind, const std::string& id) {
    return guarded([&]() -> Result<void> {
        ctx_.db
            ->prepare(
                "INSERT OR IGNORE INTO used_codes(kind, code_id, used_at, terminal) VALUES (?, ?, "
                "?, ?)")
            .bind_all(kind, id, to_unix(ctx_.now()), ctx_.origin.terminal)
            .run();
        if (ctx_.db->changes() == 0)
            return make_error(Errc::already_used, "this code was already used");
        return {};
    });
}

bool UsedCodes::seen(const std::string& kind, const std::string& id) {
    auto st = ctx_.db->prepare("SELECT 1 FROM used_codes WHERE kind = ? AND code_id = ?");
    st.bind_all(kind, id);
    const bool found = st.step();
    return found;
}

int UsedCodes::forget_before(const std::string& kind, Timestamp before) {
    ctx_.db->prepare("DELETE FROM used_codes WHERE kind = ? AND used_at < ?")
        .bind_all(kind, to_unix(before))
        .run();
    return ctx_.db->changes();
}

}  // namespace loyalty
