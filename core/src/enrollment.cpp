// Members::enroll: a new member of a program, with its phone, the electronic card the shopper
// leaves with and, when one is handed over, a physical card, in one transaction; idempotent by
// the caller's key.
#include "engine_context.hpp"
#include "loyalty/cards.hpp"
#include "loyalty/members.hpp"
#include "member_rows.hpp"
#include "operations.hpp"

namespace loyalty {

using nlohmann::json;

namespace {

// Who a request is: the same key with another phone, name, consent or card is a conflict.
std::string request_hash(const EnrollRequest& r, const std::string& phone) {
    return hex_digest(
        json::array({r.program, r.uid, phone, r.display_name, r.birthday_month, r.birthday_day,
                     r.consent_privacy, r.consent_marketing, r.home_store, r.physical_card})
            .dump());
}

// A card handed over at the counter must be new to the program: a printed number already on
// file is someone's card (the schema has no unassigned stock), or a closed one.
Result<void> check_handed_card(EngineContext& ctx, const std::string& program,
                               const std::string& number) {
    if (number.empty()) return make_error(Errc::invalid_argument, "the card number is empty");
    auto card = ctx.cards.find(program, number);
    if (!card) {
        if (card.error().code == Errc::not_found) return {};
        return card.error();
    }
    if (card->status == CardStatus::lost || card->status == CardStatus::blocked ||
        card->status == CardStatus::replaced)
        return make_error(Errc::blocked, "card " + number + " is " + to_string(card->status) +
                                             " and cannot be given to a new member");
    return make_error(Errc::conflict, "card " + number + " already belongs to another member");
}

// A physical card is live at once: the shopper takes it from the cashier's hand.
Result<void> issue_handed_card(EngineContext& ctx, const std::string& program, MemberId member,
                               const std::string& number) {
    auto card = ctx.cards.issue(member, CardForm::physical, number, std::nullopt, "enrollment");
    if (!card) return card.error();
    if (auto active = ctx.cards.activate(program, number, "enrollment"); !active)
        return active.error();
    return {};
}

}  // namespace

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
        if (request.birthday_day && !request.birthday_month)
            return make_error(Errc::invalid_argument, "a birthday day needs its month");

        auto& db = *ctx_.db;
        Transaction tx(db);
        // The key is looked up under the write lock: of several copies arriving at once, one
        // enrolls and the others find its result.
        const auto key = "enroll:" + request.idempotency_key;
        const auto hash = request_hash(request, *phone);
        if (!request.idempotency_key.empty()) {
            bool conflict = false;
            if (auto done = recorded_result(ctx_, key, hash, conflict)) {
                if (conflict)
                    return make_error(Errc::conflict, "request id " + request.idempotency_key +
                                                          " was used for another enrollment");
                const auto first = json::parse(*done);
                auto member = get_by_uid(first.at("member").get<std::string>());
                if (!member) return member.error();
                std::optional<std::string> physical;
                if (const auto& p = first.at("physical_card"); !p.is_null())
                    physical = p.get<std::string>();
                return Enrollment{std::move(member.value()),
                                  first.at("card_number").get<std::string>(), physical, true};
            }
        }
        auto taken = db.prepare(
            "SELECT 1 FROM identities WHERE program_id = ? AND kind = 'phone' AND value = ?");
        taken.bind_all(program->id, *phone);
        if (taken.step())
            return make_error(Errc::conflict, "phone " + mask_phone(*phone) +
                                                  " already belongs to a member of " +
                                                  request.program);
        if (request.physical_card)
            if (auto ok = check_handed_card(ctx_, request.program, *request.physical_card); !ok)
                return ok.error();
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
        if (request.physical_card)
            if (auto issued = issue_handed_card(ctx_, request.program, id, *request.physical_card);
                !issued)
                return issued.error();
        if (!request.idempotency_key.empty())
            record_result(ctx_, key, "enroll", hash,
                          json{{"member", uid},
                               {"card_number", card->number},
                               {"physical_card", request.physical_card}}
                              .dump());
        auto member = get(id);
        if (!member) return member.error();
        tx.commit();
        return Enrollment{std::move(member.value()), card->number, request.physical_card, false};
    });
}

}  // namespace loyalty
