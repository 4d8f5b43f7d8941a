#include "loyalty/members.hpp"

#include <algorithm>

#include "engine_context.hpp"
#include "member_rows.hpp"
#include "pin_hash.hpp"
#include "sv_accounts.hpp"

namespace loyalty {

using nlohmann::json;

const char* to_string(IdentityKind kind) {
    switch (kind) {
        case IdentityKind::card_number:
            return "card_number";
        case IdentityKind::card_uid:
            return "card_uid";
        case IdentityKind::barcode:
            return "barcode";
        case IdentityKind::phone:
            return "phone";
        case IdentityKind::app_code:
            return "app_code";
        case IdentityKind::union_id:
            return "union_id";
    }
    return "card_number";
}

std::optional<IdentityKind> identity_kind_from_string(const std::string& s) {
    for (auto k : {IdentityKind::card_number, IdentityKind::card_uid, IdentityKind::barcode,
                   IdentityKind::phone, IdentityKind::app_code, IdentityKind::union_id})
        if (s == to_string(k)) return k;
    return std::nullopt;
}

Result<std::string> normalize_phone(const std::string& raw,
                                    const std::string& default_country_code) {
    std::string digits;
    bool international = false;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        const char c = raw[i];
        if (c == '+' && digits.empty() && !international) {
            international = true;
        } else if (c >= '0' && c <= '9') {
            digits += c;
        } else if (c != ' ' && c != '-' && c != '(' && c != ')' && c != '.') {
            return make_error(Errc::invalid_argument,
                              "phone number has an unexpected character: " + raw);
        }
    }
    if (!international && digits.rfind("00", 0) == 0) {
        international = true;
        digits.erase(0, 2);
    }
    if (!international) {
        if (!digits.empty() && digits[0] == '0') digits.erase(0, 1);  // national trunk prefix
        digits = default_country_code + digits;
    }
    if (digits.size() < 8 || digits.size() > 15)
        return make_error(Errc::invalid_argument,
                          "phone number must have 8 to 15 digits in E.164: " + raw);
    return "+" + digits;
}

std::string mask_name(const std::string& name) {
    // Split into UTF-8 code points so a Chinese name masks per character.
    std::vector<std::string> chars;
    for (std::size_t i = 0; i < name.size();) {
        const auto c = static_cast<unsigned char>(name[i]);
        const std::size_t len = c < 0x80         ? 1
                                : (c >> 5) == 6  ? 2
                                : (c >> 4) == 14 ? 3
                                : (c >> 3) == 30 ? 4
                                                 : 1;
        chars.push_back(name.substr(i, len));
        i += len;
    }
    if (chars.empty()) return "";
    if (chars.size() == 1) return chars[0];
    std::string out = chars.front();
    if (chars.size() == 2) return out + "*";
    out.append(chars.size() - 2, '*');
    return out + chars.back();
}

std::string mask_phone(const std::string& e164) {
    if (e164.size() < 9) return std::string(e164.size(), '*');
    // Keep the last four and, for Chinese mobiles, the operator prefix.
    const std::size_t cc =
        e164.rfind("+86", 0) == 0 ? 3 : (e164.size() > 11 ? e164.size() - 10 : 1);
    const std::string country = e164.substr(0, cc);
    const std::string national = e164.substr(cc);
    const std::size_t keep_head = national.size() >= 11 ? 3 : 2;
    std::string masked = national.substr(0, keep_head) +
                         std::string(national.size() - keep_head - 4, '*') +
                         national.substr(national.size() - 4);
    return country + " " + masked;
}

Result<Member> Members::get(MemberId id) {
    return guarded([&]() -> Result<Member> {
        auto member = load_member(ctx_, id);
        if (!member) return make_error(Errc::not_found, "no member with id " + std::to_string(id));
        return std::move(*member);
    });
}

Result<Member> Members::get_by_uid(const std::string& uid) {
    return guarded([&]() -> Result<Member> {
        const auto id = member_id_by_uid(ctx_, uid);
        if (!id) return make_error(Errc::not_found, "no member " + uid);
        return std::move(*load_member(ctx_, *id));
    });
}

Result<Member> Members::current_by_uid(const std::string& uid) {
    auto m = get_by_uid(uid);
    if (m && m->status == "merged" && m->merged_into) return get(*m->merged_into);
    return m;
}

Result<Member> Members::identify(const std::string& program_code, IdentityKind kind,
                                 const std::string& raw_value) {
    return guarded([&]() -> Result<Member> {
        const auto* program = ctx_.program(program_code);
        if (!program) return make_error(Errc::not_found, "unknown program " + program_code);
        std::string value = raw_value;
        if (kind == IdentityKind::phone) {
            auto phone = normalize_phone(raw_value, program->config.default_country_code);
            if (!phone) return phone.error();
            value = *phone;
        }
        if (kind == IdentityKind::card_number || kind == IdentityKind::card_uid) {
            auto card = ctx_.db->prepare(
                kind == IdentityKind::card_number
                    ? "SELECT status FROM cards WHERE program_id = ? AND card_number = ?"
                    : "SELECT status FROM cards WHERE program_id = ? AND card_uid = ?");
            card.bind_all(program->id, value);
            if (card.step()) {
                const auto status = card.text(0);
                if (status == "lost" || status == "blocked" || status == "replaced")
                    return make_error(Errc::blocked,
                                      "card " + value + " is " + status + "; ask staff for help");
                if (status == "issued")
                    return make_error(Errc::blocked, "card " + value + " is not activated yet");
            }
        }
        auto st = ctx_.db->prepare(
            "SELECT member_id FROM identities WHERE program_id = ? AND kind = ? AND value = ?");
        st.bind_all(program->id, to_string(kind), value);
        if (!st.step())
            return make_error(Errc::not_found,
                              std::string("no member with this ") + to_string(kind));
        MemberId id = st.int64(0);
        // Follow merges to the surviving account.
        for (int hops = 0; hops < 8; ++hops) {
            auto member = load_member(ctx_, id);
            if (!member) return make_error(Errc::not_found, "identity points to a missing member");
            if (member->status == "merged" && member->merged_into) {
                id = *member->merged_into;
                continue;
            }
            if (member->status != "active")
                return make_error(Errc::blocked, "member account is " + member->status);
            return std::move(*member);
        }
        return make_error(Errc::storage, "merge chain too long for member " + std::to_string(id));
    });
}

Result<Member> Members::lookup_any(const std::string& program, const std::string& value) {
    Error last{Errc::not_found, "no member matches " + value};
    for (auto kind : {IdentityKind::card_number, IdentityKind::phone, IdentityKind::card_uid,
                      IdentityKind::barcode, IdentityKind::app_code, IdentityKind::union_id}) {
        auto found = identify(program, kind, value);
        if (found) return found;
        if (found.error().code == Errc::blocked || found.error().code == Errc::storage)
            return found;
    }
    if (!value.empty() && std::all_of(value.begin(), value.end(), ::isdigit)) {
        auto by_id = get(std::stoll(value.substr(0, 18)));
        if (by_id && by_id->program == program) return by_id;
    }
    return last;
}

std::vector<Identity> Members::identities(MemberId id) {
    std::vector<Identity> out;
    auto st = ctx_.db->prepare(
        "SELECT kind, value, linked_at FROM identities WHERE member_id = ? ORDER BY kind, value");
    st.bind(1, id);
    while (st.step())
        out.push_back(
            Identity{*identity_kind_from_string(st.text(0)), st.text(1), from_unix(st.int64(2))});
    return out;
}

std::optional<std::string> Members::phone_of(MemberId id) {
    auto st = ctx_.db->prepare(
        "SELECT value FROM identities WHERE member_id = ? AND kind = 'phone' LIMIT 1");
    st.bind(1, id);
    if (!st.step()) return std::nullopt;
    return st.text(0);
}

Result<void> Members::link_identity(MemberId id, IdentityKind kind, const std::string& raw_value,
                                    const std::string& actor) {
    return guarded([&]() -> Result<void> {
        auto member = load_member(ctx_, id);
        if (!member || member->status != "active")
            return make_error(Errc::not_found, "no active member " + std::to_string(id));
        const auto& program = *ctx_.program(member->program);
        std::string value = raw_value;
        if (kind == IdentityKind::phone) {
            auto phone = normalize_phone(raw_value, program.config.default_country_code);
            if (!phone) return phone.error();
            value = *phone;
        }
        if (value.empty())
            return make_error(Errc::invalid_argument, "identity value must not be empty");
        auto& db = *ctx_.db;
        Transaction tx(db);
        auto owner = db.prepare(
            "SELECT member_id FROM identities WHERE program_id = ? AND kind = ? AND value = ?");
        owner.bind_all(program.id, to_string(kind), value);
        if (owner.step()) {
            const auto other = owner.int64(0);
            if (other == id) return {};  // already linked: nothing to do
            return make_error(Errc::conflict,
                              std::string("this ") + to_string(kind) +
                                  " already belongs to another member; merge the accounts instead");
        }
        db.prepare(
              "INSERT INTO identities(program_id, kind, value, member_id, linked_at) VALUES (?, ?, "
              "?, ?, ?)")
            .bind_all(program.id, to_string(kind), value, id, to_unix(ctx_.now()))
            .run();
        ctx_.audit.record(actor, "identity.linked", "member:" + std::to_string(id),
                          json{{"kind", to_string(kind)}, {"value", value}}.dump());
        ctx_.emit("identity.linked", member->program,
                  json{{"member", id}, {"kind", to_string(kind)}, {"value", value}});
        tx.commit();
        return {};
    });
}

Result<void> Members::unlink_identity(MemberId id, IdentityKind kind, const std::string& value,
                                      const std::string& actor) {
    return guarded([&]() -> Result<void> {
        auto member = load_member(ctx_, id);
        if (!member) return make_error(Errc::not_found, "no member " + std::to_string(id));
        auto& db = *ctx_.db;
        Transaction tx(db);
        auto count = db.prepare("SELECT count(*) FROM identities WHERE member_id = ?");
        count.bind(1, id);
        count.step();
        const auto remaining = count.int64(0);
        if (remaining <= 1)
            return make_error(
                Errc::conflict,
                "cannot unlink the member's last identity: nobody could find the account");
        db.prepare("DELETE FROM identities WHERE member_id = ? AND kind = ? AND value = ?")
            .bind_all(id, to_string(kind), value)
            .run();
        if (db.changes() == 0)
            return make_error(Errc::not_found, "the member has no such identity");
        ctx_.audit.record(actor, "identity.unlinked", "member:" + std::to_string(id),
                          json{{"kind", to_string(kind)}, {"value", value}}.dump());
        ctx_.emit("identity.unlinked", member->program,
                  json{{"member", id}, {"kind", to_string(kind)}, {"value", value}});
        tx.commit();
        return {};
    });
}

Result<Member> Members::merge(MemberId survivor_id, MemberId absorbed_id, const std::string& reason,
                              const std::string& actor) {
    return guarded([&]() -> Result<Member> {
        if (survivor_id == absorbed_id)
            return make_error(Errc::invalid_argument, "cannot merge a member into itself");
        auto survivor = load_member(ctx_, survivor_id);
        auto absorbed = load_member(ctx_, absorbed_id);
        if (!survivor || !absorbed) return make_error(Errc::not_found, "both members must exist");
        if (survivor->status != "active" || absorbed->status != "active")
            return make_error(Errc::conflict, "both members must be active to merge");
        if (survivor->program != absorbed->program)
            return make_error(Errc::invalid_argument,
                              "members of different programs cannot be merged");
        if (reason.empty())
            return make_error(Errc::invalid_argument, "a merge needs a reason for the audit trail");

        auto& db = *ctx_.db;
        Transaction tx(db);
        const auto key = "merge:" + std::to_string(absorbed_id) + ">" + std::to_string(survivor_id);
        const auto moved = ctx_.ledger.materialized(absorbed_id);  // every lot travels
        // Points travel as a transfer pair; the lots keep their own expiry dates.
        if (moved.available != 0 || moved.pending != 0) {
            auto out = db.prepare(
                "INSERT INTO ledger_entries(member_id, kind, available_delta, pending_delta, "
                "occurred_at, reason, "
                "reference, idempotency_key, actor) VALUES (?, 'transfer', ?, ?, ?, ?, ?, ?, ?)");
            out.bind_all(absorbed_id, -moved.available, -moved.pending, to_unix(ctx_.now()),
                         "merged into member " + std::to_string(survivor_id),
                         "member:" + std::to_string(survivor_id), key + ":out", actor)
                .run();
            out.bind_all(survivor_id, moved.available, moved.pending, to_unix(ctx_.now()),
                         "merged from member " + std::to_string(absorbed_id),
                         "member:" + std::to_string(absorbed_id), key + ":in", actor)
                .run();
            db.prepare("UPDATE point_lots SET member_id = ? WHERE member_id = ? AND remaining > 0")
                .bind_all(survivor_id, absorbed_id)
                .run();
            db.prepare(
                  "UPDATE members SET points_available = points_available + ?, points_pending = "
                  "points_pending + ? "
                  "WHERE id = ?")
                .bind_all(moved.available, moved.pending, survivor_id)
                .run();
        }
        // Stored value is the shopper's money: it travels too.
        const auto sv_moved = move_member_sv(ctx_, ctx_.program(survivor->program)->id, survivor_id,
                                             absorbed_id, key, actor);
        for (const char* sql :
             {"UPDATE identities SET member_id = ?1 WHERE member_id = ?2",
              "UPDATE cards SET member_id = ?1 WHERE member_id = ?2",
              "UPDATE sales SET member_id = ?1 WHERE member_id = ?2",
              "UPDATE coupons SET member_id = ?1 WHERE member_id = ?2 AND status = 'issued'",
              "INSERT OR IGNORE INTO member_tags(member_id, tag, source, added_at, added_by) "
              "SELECT ?1, tag, source, added_at, added_by FROM member_tags WHERE member_id = ?2"}) {
            db.prepare(sql).bind_all(survivor_id, absorbed_id).run();
        }
        db.prepare("DELETE FROM member_tags WHERE member_id = ?").bind(1, absorbed_id).run();
        db.prepare(
              "UPDATE members SET "
              "birthday_month = coalesce(birthday_month, (SELECT birthday_month FROM members WHERE "
              "id = ?2)), "
              "birthday_day = coalesce(birthday_day, (SELECT birthday_day FROM members WHERE id = "
              "?2)), "
              "last_visit_at = max(coalesce(last_visit_at, 0), coalesce((SELECT last_visit_at FROM "
              "members WHERE id = ?2), 0)), "
              "version = version + 1 WHERE id = ?1")
            .bind_all(survivor_id, absorbed_id)
            .run();
        db.prepare(
              "UPDATE members SET status = 'merged', merged_into = ?, points_available = 0, "
              "points_pending = 0, "
              "version = version + 1 WHERE id = ?")
            .bind_all(survivor_id, absorbed_id)
            .run();
        ctx_.tiers.upgrade_if_qualified(survivor_id, ctx_.now());
        ctx_.audit.record(actor, "member.merged", "member:" + std::to_string(survivor_id),
                          json{{"absorbed", absorbed_id},
                               {"reason", reason},
                               {"points_available", moved.available},
                               {"points_pending", moved.pending}}
                              .dump());
        json event{{"survivor", survivor_id},
                   {"absorbed", absorbed_id},
                   {"points_available", moved.available},
                   {"points_pending", moved.pending}};
        if (sv_moved.principal.minor != 0 ||
            sv_moved.bonus.minor != 0)  // absent before stored value
            event["stored_value"] = {{"principal", sv_moved.principal.minor},
                                     {"bonus", sv_moved.bonus.minor}};
        ctx_.emit("member.merged", survivor->program, event);
        auto merged = load_member(ctx_, survivor_id);
        tx.commit();
        return std::move(*merged);
    });
}

Result<void> Members::set_consent(MemberId id, bool privacy, bool marketing,
                                  const std::string& actor) {
    return guarded([&]() -> Result<void> {
        auto member = load_member(ctx_, id);
        if (!member) return make_error(Errc::not_found, "no member " + std::to_string(id));
        if (!privacy)
            return make_error(Errc::invalid_argument,
                              "withdrawing privacy consent closes the account; ask staff");
        auto& db = *ctx_.db;
        Transaction tx(db);
        db.prepare(
              "UPDATE members SET consent_marketing_at = CASE WHEN ?2 THEN "
              "coalesce(consent_marketing_at, ?3) END, "
              "version = version + 1 WHERE id = ?1")
            .bind_all(id, marketing ? 1 : 0, to_unix(ctx_.now()))
            .run();
        ctx_.audit.record(actor, "member.consent", "member:" + std::to_string(id),
                          json{{"marketing", marketing}}.dump());
        ctx_.emit("member.consent_changed", member->program,
                  json{{"member", id}, {"marketing", marketing}});
        tx.commit();
        return {};
    });
}

Result<void> Members::set_pin(MemberId id, const std::string& pin) {
    return guarded([&]() -> Result<void> {
        auto hash = hash_pin(pin, 4, 8);
        if (!hash) return hash.error();
        ctx_.db
            ->prepare(
                "UPDATE members SET pin_hash = ?, pin_failures = 0, pin_locked_until = NULL, "
                "version = version + 1 WHERE id = ? AND status = 'active'")
            .bind_all(*hash, id)
            .run();
        if (ctx_.db->changes() == 0)
            return make_error(Errc::not_found, "no active member " + std::to_string(id));
        return {};
    });
}

// Five wrong PINs in a row lock the member's PIN for 15 minutes, as for staff: a PIN
// lets money leave a balance, and four or six digits are quickly guessed otherwise.
Result<void> Members::verify_pin(MemberId id, const std::string& pin) {
    constexpr int kMaxFailures = Staff::kMaxFailures;
    constexpr int kLockoutMinutes = Staff::kLockoutMinutes;
    return guarded([&]() -> Result<void> {
        auto st = ctx_.db->prepare(
            "SELECT pin_hash, pin_failures, pin_locked_until FROM members WHERE id = ?");
        st.bind(1, id);
        if (!st.step() || st.is_null(0))
            return make_error(Errc::unauthorized, "the member has no PIN set");
        const auto hash = st.text(0);
        const auto failures = st.int64(1);
        const auto locked_until = st.optional_int64(2);
        const auto now = to_unix(ctx_.now());
        if (locked_until && *locked_until > now)
            return make_error(Errc::unauthorized,
                              "too many wrong PINs; locked for " +
                                  std::to_string((*locked_until - now + 59) / 60) + " min");
        Transaction tx(*ctx_.db);
        const bool right = pin_matches(hash, pin);
        const bool lock = !right && failures + 1 >= kMaxFailures;
        std::optional<std::int64_t> until;
        if (lock) until = now + kLockoutMinutes * 60;
        ctx_.db->prepare("UPDATE members SET pin_failures = ?, pin_locked_until = ? WHERE id = ?")
            .bind_all(right || lock ? 0 : failures + 1, until, id)
            .run();
        if (lock)
            ctx_.audit.record("member", "member.pin_locked", "member:" + ctx_.member_uid(id),
                              "{\"failures\":" + std::to_string(failures + 1) + "}");
        tx.commit();
        if (lock)
            return make_error(Errc::unauthorized, "too many wrong PINs; locked for " +
                                                      std::to_string(kLockoutMinutes) + " min");
        if (!right) return make_error(Errc::unauthorized, "wrong PIN");
        return {};
    });
}

}  // namespace loyalty
