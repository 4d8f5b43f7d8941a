#include "loyalty/tiers.hpp"

#include "engine_context.hpp"
#include "member_rows.hpp"
#include "tier_upgrade.hpp"

namespace loyalty {

using nlohmann::json;

namespace {

std::size_t level_index(const ProgramConfig& config, const std::string& code) {
    for (std::size_t i = 0; i < config.tiers.levels.size(); ++i)
        if (config.tiers.levels[i].code == code) return i;
    return 0;  // a tier removed from the config counts as the entry tier
}

std::size_t qualified_index(const ProgramConfig& config, std::int64_t qualifying) {
    std::size_t best = 0;
    for (std::size_t i = 0; i < config.tiers.levels.size(); ++i)
        if (qualifying >= config.tiers.levels[i].threshold) best = i;
    return best;
}

// The lowest tier the member may be moved to: the manager's floor, or the entry tier.
std::size_t floor_index(const ProgramConfig& config, const Member& member) {
    return member.tier_floor && config.tier(*member.tier_floor)
               ? level_index(config, *member.tier_floor)
               : 0;
}

// Moves a member to another tier, starting a new review period. `extra` adds fields
// to the tier.changed event (a manager's move says who and why).
TierChange move_to_tier(EngineContext& ctx, const Member& member, const std::string& to,
                        bool upgrade, Timestamp now, const json& extra = json::object()) {
    const auto review = to_unix(now + Days{ctx.program(member.program)->config.tiers.window_days});
    ctx.db
        ->prepare(
            "UPDATE members SET tier_code = ?, tier_since = ?, tier_review_at = ?, "
            "tier_grace_until = NULL, "
            "version = version + 1 WHERE id = ?")
        .bind_all(to, to_unix(now), review, member.id)
        .run();
    TierChange change{member.id, member.tier_code, to, upgrade, now};
    json payload{{"member", member.id},
                 {"from", change.from},
                 {"to", change.to},
                 {"upgrade", upgrade},
                 {"review_at", review}};
    payload.update(extra);
    ctx.emit("tier.changed", member.program, std::move(payload));
    return change;
}

// Spend: what the member paid for goods kept (net of member benefits and returns).
// Points: points earned from sales net of reversals, plus bonuses.
std::int64_t qualifying_in(EngineContext& ctx, MemberId member, const ProgramConfig& config,
                           Timestamp now) {
    const auto since = to_unix(now - Days{config.tiers.window_days});
    return ctx.db
        ->prepare(config.tiers.basis == TierBasis::spend
                      ? "SELECT coalesce(sum(net_minor - refunded_minor), 0) FROM sales "
                        "WHERE member_id = ?1 AND occurred_at > ?2 AND status != 'voided'"
                      : "SELECT coalesce((SELECT sum(points_earned - points_reversed) FROM sales "
                        "  WHERE member_id = ?1 AND occurred_at > ?2), 0) + coalesce((SELECT "
                        "sum(available_delta + "
                        "pending_delta) "
                        "  FROM ledger_entries WHERE member_id = ?1 AND kind = 'bonus' AND "
                        "occurred_at > ?2), 0)")
        .bind_all(member, since)
        .scalar()
        .value_or(0);
}

}  // namespace

std::int64_t Tiers::qualifying(MemberId member, Timestamp now) {
    return qualifying_in(ctx_, member, ctx_.program_of(member).config, now);
}

std::optional<TierChange> Tiers::upgrade_if_qualified(MemberId member_id, Timestamp now) {
    auto member = load_member(ctx_, member_id);
    if (!member) return std::nullopt;
    return loyalty::upgrade_if_qualified(ctx_, *member, now);
}

std::optional<TierChange> upgrade_if_qualified(EngineContext& ctx, const Member& member,
                                               Timestamp now) {
    if (member.status != "active") return std::nullopt;
    const auto& config = ctx.program(member.program)->config;
    const auto current = level_index(config, member.tier_code);
    const bool immediate = config.tiers.downgrade == TierDowngrade::immediate;
    // The top tier outside grace has nowhere to go up: skip the window's spend sum, which
    // grows with the history of exactly the members who buy most often.
    if (!immediate && current + 1 == config.tiers.levels.size() && !member.tier_grace_until)
        return std::nullopt;
    const auto reached =
        std::max(qualified_index(config, qualifying_in(ctx, member.id, config, now)),
                 floor_index(config, member));
    if (reached < current) {
        // downgrade = "immediate": the tier follows the qualifying value down as well.
        if (!immediate) return std::nullopt;
        return move_to_tier(ctx, member, config.tiers.levels[reached].code, false, now);
    }
    const auto review = to_unix(now + Days{config.tiers.window_days});
    if (reached == current) {
        if (member.tier_grace_until) {  // qualifies again during grace: keeps the tier
            ctx.db
                ->prepare(
                    "UPDATE members SET tier_grace_until = NULL, tier_review_at = ? WHERE id = ?")
                .bind_all(review, member.id)
                .run();
        }
        return std::nullopt;
    }
    return move_to_tier(ctx, member, config.tiers.levels[reached].code, true, now);
}

std::optional<TierChange> follow_qualifying_down(EngineContext& ctx, MemberId member_id,
                                                 Timestamp now) {
    if (ctx.program_of(member_id).config.tiers.downgrade != TierDowngrade::immediate)
        return std::nullopt;
    auto member = load_member(ctx, member_id);
    if (!member) return std::nullopt;
    return upgrade_if_qualified(ctx, *member, now);
}

Result<TierReviewReport> Tiers::review_due(Timestamp now) {
    return guarded([&]() -> Result<TierReviewReport> {
        TierReviewReport report;
        auto& db = *ctx_.db;
        // downgrade = "immediate": every member above the entry tier follows the
        // qualifying value, which falls as the window moves on without new sales.
        for (const auto& code : ctx_.programs.codes()) {
            const auto* program = ctx_.program(code);
            if (!program || program->config.tiers.downgrade != TierDowngrade::immediate) continue;
            std::int64_t after_id = 0;
            for (;;) {
                auto st = db.prepare(
                    "SELECT id FROM members WHERE program_id = ? AND status = 'active' AND "
                    "tier_code != ? AND id > ? ORDER BY id LIMIT 500");
                st.bind_all(program->id, program->config.entry_tier().code, after_id);
                std::vector<MemberId> members;
                while (st.step()) members.push_back(st.int64(0));
                if (members.empty()) break;
                after_id = members.back();
                Transaction tx(db);
                for (const auto id : members)
                    if (auto change = follow_qualifying_down(ctx_, id, now)) {
                        if (!change->upgrade) ++report.downgraded;
                        report.changes.push_back(*change);
                    }
                tx.commit();
            }
        }
        std::int64_t after_id = 0;
        for (;;) {
            auto st = db.prepare(
                "SELECT id FROM members WHERE status = 'active' AND tier_review_at <= ? AND id > ? "
                "AND (tier_grace_until IS NULL OR tier_grace_until <= ?) ORDER BY id LIMIT 500");
            st.bind_all(to_unix(now), after_id, to_unix(now));
            std::vector<MemberId> due;
            while (st.step()) due.push_back(st.int64(0));
            if (due.empty()) break;
            after_id = due.back();
            Transaction tx(db);
            for (const auto id : due) {
                auto member = load_member(ctx_, id);
                const auto& config = ctx_.program(member->program)->config;
                const auto current = level_index(config, member->tier_code);
                const auto reached = std::max(qualified_index(config, qualifying(id, now)),
                                              floor_index(config, *member));
                const auto next_review = to_unix(now + Days{config.tiers.window_days});
                ++report.reviewed;
                // downgrade = "never": a review only ever keeps or raises the tier.
                if (reached >= current || config.tiers.downgrade == TierDowngrade::never) {
                    if (auto change = upgrade_if_qualified(id, now))
                        report.changes.push_back(*change);
                    db.prepare(
                          "UPDATE members SET tier_review_at = ?, tier_grace_until = NULL WHERE id "
                          "= ?")
                        .bind_all(next_review, id)
                        .run();
                    ++report.kept;
                    continue;
                }
                if (!member->tier_grace_until && config.tiers.grace_days > 0 &&
                    config.tiers.downgrade == TierDowngrade::review) {
                    const auto grace_until = member->tier_review_at + Days{config.tiers.grace_days};
                    db.prepare("UPDATE members SET tier_grace_until = ? WHERE id = ?")
                        .bind_all(to_unix(grace_until), id)
                        .run();
                    ctx_.emit("tier.downgrade_warning", member->program,
                              json{{"member", id},
                                   {"tier", member->tier_code},
                                   {"to", config.tiers.levels[reached].code},
                                   {"grace_until", to_unix(grace_until)}});
                    ++report.entered_grace;
                    continue;
                }
                report.changes.push_back(
                    move_to_tier(ctx_, *member, config.tiers.levels[reached].code, false, now));
                ++report.downgraded;
            }
            tx.commit();
        }
        return report;
    });
}

Result<std::optional<TierChange>> Tiers::adopt(MemberId member_id, const std::string& tier,
                                               Timestamp review_at) {
    return guarded([&]() -> Result<std::optional<TierChange>> {
        auto member = load_member(ctx_, member_id);
        if (!member || member->status != "active")
            return make_error(Errc::not_found, "no active member " + std::to_string(member_id));
        const auto& config = ctx_.program(member->program)->config;
        if (!config.tier(tier))
            return make_error(Errc::invalid_argument,
                              "program " + member->program + " has no tier " + tier);
        if (member->tier_code == tier && member->tier_review_at == review_at &&
            !member->tier_grace_until)
            return std::optional<TierChange>{};
        const auto now = ctx_.now();
        const bool moved = member->tier_code != tier;
        ctx_.db
            ->prepare(
                "UPDATE members SET tier_code = ?, tier_since = ?, tier_review_at = ?, "
                "tier_grace_until = NULL, "
                "version = version + 1 WHERE id = ?")
            .bind_all(tier, to_unix(moved ? now : member->tier_since), to_unix(review_at),
                      member_id)
            .run();
        if (!moved) return std::optional<TierChange>{};
        return std::optional<TierChange>{
            TierChange{member_id, member->tier_code, tier,
                       level_index(config, tier) > level_index(config, member->tier_code), now}};
    });
}

std::optional<std::string> Tiers::downgrade_at(MemberId member_id, Timestamp at) {
    auto member = load_member(ctx_, member_id);
    if (!member) return std::nullopt;
    const auto& config = ctx_.program(member->program)->config;
    const auto reached =
        std::max(qualified_index(config, qualifying(member_id, at)), floor_index(config, *member));
    if (reached >= level_index(config, member->tier_code)) return std::nullopt;
    return config.tiers.levels[reached].code;
}

Result<TierChange> Tiers::set_by_manager(const ManualTier& r) {
    return guarded([&]() -> Result<TierChange> {
        if (r.reason.empty())
            return make_error(Errc::invalid_argument,
                              "setting a tier by hand needs a reason for the audit trail");
        if (r.actor.empty())
            return make_error(Errc::unauthorized, "setting a tier needs the manager who made it");
        auto& db = *ctx_.db;
        Transaction tx(db);
        auto member = load_member(ctx_, r.member);
        if (!member || member->status != "active")
            return make_error(Errc::not_found, "no active member " + std::to_string(r.member));
        const auto& config = ctx_.program(member->program)->config;
        if (!config.tier(r.tier))
            return make_error(Errc::invalid_argument,
                              "program " + member->program + " has no tier " + r.tier);
        const auto now = ctx_.now();
        TierChange change{member->id, member->tier_code, r.tier, false, now};
        if (member->tier_code != r.tier)
            change =
                move_to_tier(ctx_, *member, r.tier,
                             level_index(config, r.tier) > level_index(config, member->tier_code),
                             now, json{{"manual", true}, {"reason", r.reason}, {"actor", r.actor}});
        const std::optional<std::string> floor =
            r.floor ? std::optional<std::string>(r.tier) : std::nullopt;
        db.prepare("UPDATE members SET tier_floor = ?, version = version + 1 WHERE id = ?")
            .bind_all(floor, member->id)
            .run();
        ctx_.audit.record(
            r.actor, "tier.set", "member:" + std::to_string(member->id),
            json{{"reason", r.reason},
                 {"before", {{"tier", member->tier_code}, {"floor", member->tier_floor}}},
                 {"after", {{"tier", r.tier}, {"floor", floor}}}}
                .dump());
        tx.commit();
        return change;
    });
}

Result<TierProgress> Tiers::progress(MemberId member_id, Timestamp now) {
    return guarded([&]() -> Result<TierProgress> {
        auto member = load_member(ctx_, member_id);
        if (!member) return make_error(Errc::not_found, "no member " + std::to_string(member_id));
        const auto& config = ctx_.program(member->program)->config;
        TierProgress p;
        p.tier = member->tier_code;
        p.qualifying = qualifying(member_id, now);
        p.review_at = member->tier_review_at;
        p.grace_until = member->tier_grace_until;
        const auto current = level_index(config, member->tier_code);
        if (current + 1 < config.tiers.levels.size()) {
            const auto& next = config.tiers.levels[current + 1];
            p.next_tier = next.code;
            p.needed_for_next = std::max<std::int64_t>(0, next.threshold - p.qualifying);
        }
        return p;
    });
}

}  // namespace loyalty
