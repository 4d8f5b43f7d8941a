// Members::enroll: a new member of a program, with its phone and the electronic card
// the shopper leaves with, in one transaction.
#include "engine_context.hpp"
#include "loyalty/members.hpp"
#include "member_rows.hpp"

namespace loyalty {

using nlohmann::json;

Result<Enrollment> Members::enroll(const EnrollRequest& request) {
    return guarded([&]() -> Result<Enrollment> {
        const auto* program = ctx_.program(request.program);
        if (!program) return make_error(Errc::not_found, "unknown program " + request.program);
        if (!request.consent_privacy)
            return make_error(Errc::invalid_argument,
                              "enrollment needs the shopper's consent to the privacy terms");
        auto phone = normalize_phone(request.phone, program->config.default_country_code);
        if (!phone) return phone.error();
        if (request.birthday_month && (*request.birthday_month < 1 || *request.birthday_month > 12))
            return make_error(Errc::invalid_argument, "birthday month must be 1..12");
        if (request.birthday_day && (*request.birthday_day < 1 || *request.birthday_day > 31))
            return make_error(Errc::invalid_argument, "birthday day must be 1..31");

        auto& db = *ctx_.db;
        Transaction tx(db);
        auto taken = db.prepare(
            "SELECT member_id FROM identities WHERE program_id = ? AND kind = 'phone' AND value = "
            "?");
        taken.bind_all(program->id, *phone);
        if (taken.step())
            return make_error(Errc::conflict, "phone " + mask_phone(*phone) +
                                                  " is already a member (id " +
                                                  std::to_string(taken.int64(0)) + ")");
        const auto uid = request.uid.empty() ? new_uuid() : request.uid;
        if (member_id_by_uid(ctx_, uid))
            return make_error(Errc::conflict, "member " + uid + " already exists");
        const auto now = ctx_.now();
        const auto& entry = program->config.entry_tier();
        const auto review = now + Days{program->config.tiers.window_days};
        std::optional<std::int64_t> consent_marketing;
        if (request.consent_marketing) consent_marketing = to_unix(now);
        db.prepare(
              "INSERT INTO members(uid, program_id, display_name, birthday_month, birthday_day, "
              "enrolled_at, home_store, "
              "consent_privacy_at, consent_marketing_at, tier_code, tier_since, tier_review_at) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .bind_all(uid, program->id, request.display_name, request.birthday_month,
                      request.birthday_day, to_unix(now), request.home_store, to_unix(now),
                      consent_marketing, entry.code, to_unix(now), to_unix(review))
            .run();
        const MemberId id = db.last_insert_rowid();
        db.prepare(
              "INSERT INTO identities(program_id, kind, value, member_id, linked_at) VALUES (?, "
              "'phone', ?, ?, ?)")
            .bind_all(program->id, *phone, id, to_unix(now))
            .run();
        ctx_.emit("member.enrolled", request.program,
                  json{{"member", id},
                       {"phone", *phone},
                       {"tier", entry.code},
                       {"consent_marketing", request.consent_marketing},
                       {"home_store", request.home_store}});
        auto card = ctx_.cards.issue(id, CardForm::electronic, "", std::nullopt, "enrollment");
        if (!card) return card.error();
        auto member = get(id);
        if (!member) return member.error();
        tx.commit();
        return Enrollment{std::move(member.value()), card->number};
    });
}

}  // namespace loyalty
