#include "loyalty/ratings.hpp"

#include "engine_context.hpp"
#include "member_rows.hpp"

namespace loyalty {

using nlohmann::json;

Result<CampaignOutcome> Ratings::record(const std::string& program, std::optional<MemberId> member,
                                        int score) {
    return guarded([&]() -> Result<CampaignOutcome> {
        if (score < 1 || score > 5) return make_error(Errc::invalid_argument, "a rating is 1 to 5");
        if (!ctx_.program(program))
            return make_error(Errc::not_found, "unknown program " + program);
        if (member) {
            auto m = load_member(ctx_, *member);
            if (!m || m->status != "active")
                return make_error(Errc::not_found, "no active member " + std::to_string(*member));
            if (m->program != program)
                return make_error(Errc::invalid_argument, "member " + std::to_string(*member) +
                                                              " is not a member of " + program);
        }
        const auto& store = ctx_.origin.store;
        Transaction tx(*ctx_.db);
        ctx_.db
            ->prepare(
                "INSERT INTO ratings(program, member_id, score, store, terminal, given_at) VALUES "
                "(?, ?, ?, ?, ?, ?)")
            .bind_all(program, member, score, store, ctx_.origin.terminal, to_unix(ctx_.now()))
            .run();
        CampaignOutcome outcome;
        if (member) {
            const auto rating_id = ctx_.db->last_insert_rowid();
            ctx_.emit("rating.given", program,
                      json{{"member", *member}, {"score", score}, {"store", store}});
            CampaignEvent e;
            e.trigger = CampaignTrigger::rating_given;
            e.member = *member;
            e.reference = "rating:" + std::to_string(rating_id);
            e.store = store;
            e.rating = score;
            outcome = ctx_.campaigns.on_event(program, e);
        }
        tx.commit();
        return outcome;
    });
}

}  // namespace loyalty
