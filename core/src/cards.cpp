#include "loyalty/cards.hpp"

#include "engine_context.hpp"
#include "member_rows.hpp"

namespace loyalty {

using nlohmann::json;

const char* to_string(CardStatus status) {
    switch (status) {
        case CardStatus::issued:
            return "issued";
        case CardStatus::active:
            return "active";
        case CardStatus::lost:
            return "lost";
        case CardStatus::blocked:
            return "blocked";
        case CardStatus::replaced:
            return "replaced";
    }
    return "issued";
}

namespace {

CardStatus status_from(const std::string& s) {
    for (auto st : {CardStatus::issued, CardStatus::active, CardStatus::lost, CardStatus::blocked,
                    CardStatus::replaced})
        if (s == to_string(st)) return st;
    return CardStatus::blocked;
}

constexpr const char* kCardColumns =
    "SELECT c.id, p.code, c.card_number, c.card_uid, c.form, c.member_id, c.status, c.issued_at "
    "FROM cards c JOIN programs p ON p.id = c.program_id ";

Card read_card(Statement& st) {
    Card c;
    c.id = st.int64(0);
    c.program = st.text(1);
    c.number = st.text(2);
    c.uid = st.optional_text(3);
    c.form = st.text(4) == "electronic" ? CardForm::electronic : CardForm::physical;
    c.member = st.int64(5);
    c.status = status_from(st.text(6));
    c.issued_at = from_unix(st.int64(7));
    return c;
}

json card_json(const Card& c) {
    return json{{"member", c.member},
                {"card", c.number},
                {"uid", c.uid},
                {"status", to_string(c.status)},
                {"form", c.form == CardForm::electronic ? "electronic" : "physical"}};
}

}  // namespace

Result<Card> Cards::find(const std::string& program, const std::string& number) {
    return guarded([&]() -> Result<Card> {
        auto st =
            ctx_.db->prepare(std::string(kCardColumns) + "WHERE p.code = ? AND c.card_number = ?");
        st.bind_all(program, number);
        if (!st.step()) return make_error(Errc::not_found, "unknown card " + number);
        auto card = read_card(st);
        return card;
    });
}

std::vector<Card> Cards::of_member(MemberId member) {
    std::vector<Card> out;
    auto st = ctx_.db->prepare(std::string(kCardColumns) + "WHERE c.member_id = ? ORDER BY c.id");
    st.bind(1, member);
    while (st.step()) out.push_back(read_card(st));
    return out;
}

Result<Card> Cards::issue(MemberId member_id, CardForm form, const std::string& requested_number,
                          const std::optional<std::string>& uid, const std::string& actor) {
    return guarded([&]() -> Result<Card> {
        auto member = load_member(ctx_, member_id);
        if (!member || member->status != "active")
            return make_error(Errc::not_found, "no active member " + std::to_string(member_id));
        const auto& program = *ctx_.program(member->program);
        auto& db = *ctx_.db;
        Transaction tx(db);
        std::string number = requested_number;
        if (number.empty()) {
            // Electronic card numbers: program-local, 16 digits, random so they cannot be
            // enumerated.
            for (int attempt = 0; attempt < 5 && number.empty(); ++attempt) {
                auto candidate = "9" + random_code(15, "0123456789");
                auto clash =
                    db.prepare("SELECT 1 FROM cards WHERE program_id = ? AND card_number = ?");
                clash.bind_all(program.id, candidate);
                if (!clash.step()) number = candidate;
            }
        }
        auto taken = db.prepare(
            "SELECT 1 FROM identities WHERE program_id = ? AND kind = 'card_number' AND value = ?");
        taken.bind_all(program.id, number);
        if (taken.step())
            return make_error(Errc::conflict, "card " + number + " is already issued");
        if (uid) {
            auto uid_taken = db.prepare(
                "SELECT 1 FROM identities WHERE program_id = ? AND kind = 'card_uid' AND value = "
                "?");
            uid_taken.bind_all(program.id, *uid);
            if (uid_taken.step())
                return make_error(Errc::conflict, "card UID " + *uid + " is already issued");
        }
        // Electronic cards are live at once; a physical card waits for activation at the counter.
        const auto status = form == CardForm::electronic ? CardStatus::active : CardStatus::issued;
        const auto now = to_unix(ctx_.now());
        db.prepare(
              "INSERT INTO cards(program_id, card_number, card_uid, form, member_id, status, "
              "issued_at) "
              "VALUES (?, ?, ?, ?, ?, ?, ?)")
            .bind_all(program.id, number, uid,
                      form == CardForm::electronic ? "electronic" : "physical", member_id,
                      to_string(status), now)
            .run();
        db.prepare(
              "INSERT INTO identities(program_id, kind, value, member_id, linked_at) VALUES (?, "
              "'card_number', ?, ?, ?)")
            .bind_all(program.id, number, member_id, now)
            .run();
        if (uid)
            db.prepare(
                  "INSERT INTO identities(program_id, kind, value, member_id, linked_at) VALUES "
                  "(?, 'card_uid', ?, ?, ?)")
                .bind_all(program.id, *uid, member_id, now)
                .run();
        Card card{db.last_insert_rowid(),
                  member->program,
                  number,
                  uid,
                  form,
                  member_id,
                  status,
                  ctx_.now()};
        ctx_.audit.record(actor, "card.issued", "card:" + number, card_json(card).dump());
        ctx_.emit("card.issued", member->program, card_json(card));
        tx.commit();
        return find(member->program, number);
    });
}

Result<Card> Cards::transition(const std::string& program, const std::string& number, CardStatus to,
                               const std::string& action, const std::string& reason,
                               const std::string& actor) {
    return guarded([&]() -> Result<Card> {
        auto card = find(program, number);
        if (!card) return card;
        const auto from = card->status;
        const bool allowed = (to == CardStatus::active && from == CardStatus::issued) ||
                             (to == CardStatus::lost &&
                              (from == CardStatus::active || from == CardStatus::issued)) ||
                             (to == CardStatus::blocked && from != CardStatus::replaced &&
                              from != CardStatus::blocked) ||
                             (to == CardStatus::replaced && from != CardStatus::replaced);
        if (!allowed)
            return make_error(Errc::conflict,
                              "card " + number + " is " + to_string(from) + "; cannot " + action);
        auto& db = *ctx_.db;
        Transaction tx(db);
        db.prepare("UPDATE cards SET status = ? WHERE id = ?")
            .bind_all(to_string(to), card->id)
            .run();
        card->status = to;
        auto details = card_json(*card);
        details["from"] = to_string(from);
        details["reason"] = reason;
        ctx_.audit.record(actor, "card." + action, "card:" + number, details.dump());
        ctx_.emit("card." + action, program, details);
        tx.commit();
        return card;
    });
}

Result<Card> Cards::activate(const std::string& program, const std::string& number,
                             const std::string& actor) {
    return transition(program, number, CardStatus::active, "activated", "", actor);
}

Result<Card> Cards::report_lost(const std::string& program, const std::string& number,
                                const std::string& actor) {
    return transition(program, number, CardStatus::lost, "lost", "reported lost", actor);
}

Result<Card> Cards::block(const std::string& program, const std::string& number,
                          const std::string& reason, const std::string& actor) {
    if (reason.empty())
        return make_error(Errc::invalid_argument,
                          "blocking a card needs a reason for the audit trail");
    return transition(program, number, CardStatus::blocked, "blocked", reason, actor);
}

Result<Card> Cards::replace(const std::string& program, const std::string& old_number,
                            const std::string& new_number,
                            const std::optional<std::string>& new_uid, const std::string& actor) {
    return guarded([&]() -> Result<Card> {
        auto old_card = find(program, old_number);
        if (!old_card) return old_card;
        auto& db = *ctx_.db;
        Transaction tx(db);
        auto closed = transition(program, old_number, CardStatus::replaced, "replaced",
                                 "replaced by " + new_number, actor);
        if (!closed) return closed;
        auto fresh = issue(old_card->member, CardForm::physical, new_number, new_uid, actor);
        if (!fresh) return fresh;
        // A replacement is handed over at the counter: it is live at once.
        db.prepare("UPDATE cards SET status = 'active' WHERE id = ?").bind(1, fresh->id).run();
        db.prepare("UPDATE cards SET replaced_by = ? WHERE id = ?")
            .bind_all(fresh->id, old_card->id)
            .run();
        tx.commit();
        return find(program, fresh->number);
    });
}

}  // namespace loyalty
