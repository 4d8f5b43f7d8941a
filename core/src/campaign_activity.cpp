// Where campaign events come from (sales, domain events, the daily run; ratings
// through Ratings::record) and what campaigns leave behind (kiosk messages, the
// closing report).
#include <set>

#include "campaign_cache.hpp"
#include "campaign_hooks.hpp"
#include "engine_context.hpp"

namespace loyalty {

using nlohmann::json;

CampaignOutcome campaigns_on_purchase(EngineContext& ctx, const std::string& program,
                                      MemberId member, const std::string& reference,
                                      const std::string& store, const PricedBasket& basket,
                                      Points earned, std::optional<Timestamp> previous_visit) {
    CampaignEvent e;
    e.trigger = CampaignTrigger::purchase;
    e.member = member;
    e.reference = "sale:" + reference;
    e.store = store;
    e.net = basket.net;
    e.earned = earned;
    e.previous_visit = previous_visit;
    e.lines.reserve(basket.lines.size());
    for (const auto& l : basket.lines)
        e.lines.push_back(CampaignLine{l.line.sku, l.line.category, l.net});
    auto outcome = ctx.campaigns.on_event(program, e);
    // Lines left by campaigns fired away from the till print on this receipt.
    auto st = ctx.db->prepare(
        "SELECT id, text FROM campaign_messages WHERE member_id = ? AND channel = 'receipt' AND "
        "shown_at IS NULL "
        "ORDER BY id");
    st.bind(1, member);
    std::vector<std::int64_t> printed;
    while (st.step()) {
        printed.push_back(st.int64(0));
        outcome.receipt_lines.push_back(st.text(1));
    }
    for (const auto id : printed)
        ctx.db->prepare("UPDATE campaign_messages SET shown_at = ? WHERE id = ?")
            .bind_all(to_unix(ctx.now()), id)
            .run();
    return outcome;
}

Points campaigns_on_refund(EngineContext& ctx, MemberId member, const std::string& sale_reference,
                           Money refunded_after, Money net, const std::string& refund_key) {
    if (net.minor <= 0) return 0;
    struct Fired {
        std::int64_t id;
        std::string code;
        Points points, reversed;
        std::optional<std::int64_t> entry;
    };
    std::vector<Fired> fired;
    auto st = ctx.db->prepare(
        "SELECT id, campaign_code, points, points_reversed, bonus_entry_id FROM campaign_firings "
        "WHERE member_id = ? AND event_ref = ? AND points > 0");
    st.bind_all(member, "sale:" + sale_reference);
    while (st.step())
        fired.push_back(
            Fired{st.int64(0), st.text(1), st.int64(2), st.int64(3), st.optional_int64(4)});
    Points taken = 0;
    for (const auto& f : fired) {
        const Points target = mul_div(f.points, std::min(refunded_after, net).minor, net.minor);
        if (target <= f.reversed) continue;
        const auto shortfall = ctx.ledger.reverse_earn(
            member, f.entry.value_or(0), target - f.reversed, "refund: campaign " + f.code,
            "campaign:" + f.code, "campaign-reverse:" + std::to_string(f.id) + ":" + refund_key);
        taken += target - f.reversed - shortfall;
        ctx.db->prepare("UPDATE campaign_firings SET points_reversed = ? WHERE id = ?")
            .bind_all(target, f.id)
            .run();
    }
    return taken;
}

void campaigns_on_domain_event(EngineContext& ctx, const std::string& type,
                               const std::string& program, const json& payload) {
    if (type == "member.merged") {
        // The survivor inherits the absorbed account's firings, so a once-per-member
        // offer is not given twice to one person; where both had fired, one record stays.
        const auto survivor = payload.value("survivor", MemberId{0});
        const auto absorbed = payload.value("absorbed", MemberId{0});
        ctx.db->prepare("UPDATE OR IGNORE campaign_firings SET member_id = ?1 WHERE member_id = ?2")
            .bind_all(survivor, absorbed)
            .run();
        ctx.db
            ->prepare(
                "UPDATE campaign_messages SET member_id = ?1 WHERE member_id = ?2 AND shown_at IS "
                "NULL")
            .bind_all(survivor, absorbed)
            .run();
        return;
    }
    CampaignEvent e;
    const auto member = payload.find("member");
    if (member == payload.end() || !member->is_number_integer()) return;
    e.member = member->get<MemberId>();
    if (type == "member.enrolled") {
        e.trigger = CampaignTrigger::enrollment;
        e.reference = "enrolled";
    } else if (type == "tier.changed" && payload.value("upgrade", false)) {
        e.trigger = CampaignTrigger::tier_upgraded;
        e.tier_to = payload.value("to", "");
        e.reference = "tier:" + e.tier_to + ":" + std::to_string(to_unix(ctx.now()));
    } else if (type == "tier.downgrade_warning") {
        e.trigger = CampaignTrigger::tier_downgrade_warning;
        e.tier_to = payload.value("to", "");
        e.reference =
            "tier-warning:" + std::to_string(payload.value("grace_until", std::int64_t{0}));
    } else if ((type == "card.issued" && payload.value("form", "") == "physical") ||
               (type == "identity.linked" && (payload.value("kind", "") == "card_number" ||
                                              payload.value("kind", "") == "card_uid"))) {
        e.trigger = CampaignTrigger::card_linked;
        e.reference = "card:" + payload.value(type == "card.issued" ? "card" : "value", "");
    } else {
        return;
    }
    ctx.campaigns.on_event(program, e);
}

namespace {

// The distinct look-aheads of a daily-run expiry trigger's campaigns.
std::set<int> horizons(const std::vector<CompiledCampaign>& campaigns) {
    std::set<int> out;
    for (const auto& c : campaigns) out.insert(c.def.days_before);
    return out;
}

}  // namespace

Result<std::int64_t> Campaigns::run_scheduled(const std::string& program, Timestamp now) {
    return guarded([&]() -> Result<std::int64_t> {
        const auto* p = ctx_.program(program);
        if (!p) return make_error(Errc::not_found, "unknown program " + program);
        const auto& compiled = cache_for(program).programs.find(program)->second;
        const auto today = local_date(now, p->config.utc_offset_minutes);
        std::int64_t fired = 0;
        auto& db = *ctx_.db;
        Transaction tx(db);
        if (!compiled.for_trigger(CampaignTrigger::birthday).empty()) {
            bool by_day = false, by_month = false;
            for (const auto& c : compiled.for_trigger(CampaignTrigger::birthday))
                (c.def.birthday_on_day ? by_day : by_month) = true;
            // Members with a birthday this month (their day is checked per campaign).
            std::vector<std::pair<MemberId, std::optional<std::int64_t>>> members;
            auto st = db.prepare(
                "SELECT id, birthday_day FROM members WHERE program_id = ? AND status = 'active' "
                "AND birthday_month = ? "
                "AND consent_marketing_at IS NOT NULL");
            st.bind_all(p->id, static_cast<std::int64_t>(today.month));
            while (st.step()) members.emplace_back(st.int64(0), st.optional_int64(1));
            for (const auto& [id, day] : members) {
                const bool is_day = day && static_cast<unsigned>(*day) == today.day;
                if (!by_month && !is_day) continue;
                (void)by_day;
                CampaignEvent e;
                e.trigger = CampaignTrigger::birthday;
                e.member = id;
                e.reference = "birthday:" + std::to_string(today.year);
                fired += static_cast<std::int64_t>(on_event(program, e).fired.size());
            }
        }
        // Each campaign looks ahead its own days_before: one pass per distinct horizon,
        // heard only by the campaigns with that horizon.
        for (const int horizon : horizons(compiled.for_trigger(CampaignTrigger::points_expiring))) {
            std::vector<std::tuple<MemberId, Points, std::int64_t>> due;
            auto st = db.prepare(
                "SELECT l.member_id, sum(l.remaining), min(l.expires_at) FROM point_lots l JOIN "
                "members m ON m.id = l.member_id "
                "WHERE m.program_id = ? AND m.status = 'active' AND l.remaining > 0 AND l.state = "
                "'available' "
                "AND l.expires_at > ? AND l.expires_at <= ? GROUP BY l.member_id");
            st.bind_all(p->id, to_unix(now), to_unix(now + Days{horizon}));
            while (st.step()) due.emplace_back(st.int64(0), st.int64(1), st.int64(2));
            for (const auto& [id, points, first_expiry] : due) {
                CampaignEvent e;
                e.trigger = CampaignTrigger::points_expiring;
                e.member = id;
                e.expiring = points;
                e.within_days = horizon;
                e.reference = "expiring:" + std::to_string(first_expiry);
                fired += static_cast<std::int64_t>(on_event(program, e).fired.size());
            }
        }
        for (const int horizon : horizons(compiled.for_trigger(CampaignTrigger::coupon_expiring))) {
            // Once per coupon: its code is the reference.
            std::vector<std::pair<MemberId, std::string>> due;
            auto st = db.prepare(
                "SELECT c.member_id, c.code FROM coupons c JOIN members m ON m.id = c.member_id "
                "WHERE c.program_id = ? AND c.status = 'issued' AND m.status = 'active' AND "
                "c.expires_at > ? AND c.expires_at <= ? ORDER BY c.expires_at, c.code");
            st.bind_all(p->id, to_unix(now), to_unix(now + Days{horizon}));
            while (st.step()) due.emplace_back(st.int64(0), st.text(1));
            for (const auto& [id, code] : due) {
                CampaignEvent e;
                e.trigger = CampaignTrigger::coupon_expiring;
                e.member = id;
                e.coupon = code;
                e.within_days = horizon;
                e.reference = "coupon-expiring:" + code;
                fired += static_cast<std::int64_t>(on_event(program, e).fired.size());
            }
        }
        // Only reviews move members down on a date (downgrade = "review"): the date is the
        // end of the grace period, already set or still to come after the review.
        const auto& tiers = p->config.tiers;
        if (tiers.downgrade == TierDowngrade::review)
            for (const int horizon :
                 horizons(compiled.for_trigger(CampaignTrigger::tier_expiring))) {
                std::vector<std::tuple<MemberId, std::int64_t, std::int64_t>> due;
                auto st = db.prepare(
                    "SELECT id, tier_review_at, coalesce(tier_grace_until, tier_review_at + ?4) AS "
                    "down FROM members WHERE program_id = ?1 AND status = 'active' AND tier_code "
                    "!= ?5 AND down > ?2 AND down <= ?3");
                st.bind_all(p->id, to_unix(now), to_unix(now + Days{horizon}),
                            std::int64_t{tiers.grace_days} * 86400, p->config.entry_tier().code);
                while (st.step()) due.emplace_back(st.int64(0), st.int64(1), st.int64(2));
                for (const auto& [id, review_at, down] : due) {
                    const auto to = ctx_.tiers.downgrade_at(id, from_unix(down));
                    if (!to) continue;  // qualifies to keep the tier
                    CampaignEvent e;
                    e.trigger = CampaignTrigger::tier_expiring;
                    e.member = id;
                    e.tier_to = *to;
                    e.within_days = horizon;
                    // Once per review period: the period's review date names it.
                    e.reference = "tier-expiring:" + std::to_string(review_at);
                    fired += static_cast<std::int64_t>(on_event(program, e).fired.size());
                }
            }
        tx.commit();
        return fired;
    });
}

std::vector<KioskMessage> Campaigns::kiosk_messages(MemberId member, bool mark_shown) {
    std::vector<KioskMessage> out;
    auto st = ctx_.db->prepare(
        "SELECT id, campaign_code, text, created_at FROM campaign_messages WHERE member_id = ? AND "
        "channel = 'kiosk' "
        "AND shown_at IS NULL ORDER BY id");
    st.bind(1, member);
    while (st.step())
        out.push_back(KioskMessage{st.int64(0), st.text(1), st.text(2), from_unix(st.int64(3))});
    if (mark_shown && !out.empty()) {
        Transaction tx(*ctx_.db);
        for (const auto& m : out)
            ctx_.db->prepare("UPDATE campaign_messages SET shown_at = ? WHERE id = ?")
                .bind_all(to_unix(ctx_.now()), m.id)
                .run();
        tx.commit();
    }
    return out;
}

Result<std::vector<CampaignReport>> Campaigns::report(const std::string& program) {
    return guarded([&]() -> Result<std::vector<CampaignReport>> {
        const auto* p = ctx_.program(program);
        if (!p) return make_error(Errc::not_found, "unknown program " + program);
        std::vector<CampaignReport> out;
        auto list = ctx_.db->prepare(
            "SELECT code, version, definition_json FROM campaigns WHERE program_id = ? AND active "
            "= 1 ORDER BY code");
        list.bind(1, p->id);
        while (list.step()) {
            CampaignReport r;
            r.code = list.text(0);
            r.version = static_cast<int>(list.int64(1));
            const auto def = parse_campaign_definition(json::parse(list.text(2)), p->config);
            if (def) {
                r.name = def->name;
                r.trigger = to_string(def->trigger);
                r.budget_points_left = def->limits.budget_points;
                r.budget_coupons_left = def->limits.budget_coupons;
            }
            out.push_back(std::move(r));
        }
        auto& db = *ctx_.db;
        for (auto& r : out) {
            auto f = db.prepare(
                "SELECT count(*), count(DISTINCT member_id), coalesce(sum(points - "
                "points_reversed), 0), "
                "coalesce(sum(coupons), 0) "
                "FROM campaign_firings WHERE program_id = ? AND campaign_code = ?");
            f.bind_all(p->id, r.code);
            f.step();
            r.firings = f.int64(0);
            r.members_reached = f.int64(1);
            r.points_spent = f.int64(2);
            r.coupons_issued = f.int64(3);
            auto used = db.prepare(
                "SELECT count(*) FROM coupons WHERE program_id = ? AND source = ? AND status = "
                "'used'");
            used.bind_all(p->id, "campaign:" + r.code);
            used.step();
            r.coupons_used = used.int64(0);
            // Sales after the offer: each reached member's purchases after their first firing.
            auto after = db.prepare(
                "SELECT count(*), coalesce(sum(s.net_minor - s.refunded_minor), 0) FROM sales s "
                "JOIN "
                "(SELECT member_id, min(fired_at) first FROM campaign_firings WHERE program_id = "
                "?1 AND campaign_code = ?2 "
                " GROUP BY member_id) f ON f.member_id = s.member_id "
                "WHERE s.program_id = ?1 AND s.occurred_at > f.first AND s.status != 'voided'");
            after.bind_all(p->id, r.code);
            after.step();
            r.sales_after = after.int64(0);
            r.sales_after_net = Money{after.int64(1)};
            if (r.budget_points_left) *r.budget_points_left -= r.points_spent;
            if (r.budget_coupons_left) *r.budget_coupons_left -= r.coupons_issued;
        }
        return out;
    });
}

}  // namespace loyalty
