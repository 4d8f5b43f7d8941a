// Evaluating an event against the campaigns in force and carrying out the
// winners' actions, inside the transaction of the change that caused the event.
//
// Order of checks, cheapest first: dates, trigger conditions (in memory), the
// member filter (in memory, with tags and sales windows read only when a
// campaign asks for them), then the limits (one indexed query). Of the eligible
// campaigns, the highest priority fires first; an exclusive campaign fires alone
// (it is skipped when a higher one already fired, and stops the rest otherwise).
#include <algorithm>
#include <map>
#include <sstream>

#include "campaign_cache.hpp"
#include "engine_context.hpp"
#include "json_text.hpp"
#include "loyalty/campaigns.hpp"

namespace loyalty {

using nlohmann::json;

// One evaluation: the member as filters see it, read once and lazily.
struct CampaignRun {
    EngineContext& ctx;
    const CompiledProgram& program;
    const ProgramConfig& config;
    const CampaignEvent& event;
    Timestamp now;

    CampaignRun(EngineContext& c, const CompiledProgram& p, const ProgramConfig& cfg,
                const CampaignEvent& e, Timestamp t)
        : ctx(c), program(p), config(cfg), event(e), now(t) {}

    bool member_found = false;
    std::string member_uid;  // for the events the firings write
    bool active = false;
    bool consent = false;
    MemberFacts facts;
    std::optional<int> birthday_month;
    std::optional<int> birthday_day;
    bool tags_loaded = false;
    // The event's lines as the program's numbered names (kUnnamed: no campaign names it).
    static constexpr std::uint32_t kUnnamed = UINT32_MAX;
    struct LineIds {
        std::uint32_t category, sku;
    };
    std::vector<LineIds> line_ids;

    void number_lines() {
        const auto id = [](const std::unordered_map<std::string, std::uint32_t>& ids,
                           const std::string& name) {
            const auto it = ids.find(name);
            return it == ids.end() ? kUnnamed : it->second;
        };
        line_ids.clear();
        for (const auto& l : event.lines)
            line_ids.push_back(
                LineIds{id(program.category_ids, l.category), id(program.sku_ids, l.sku)});
    }
    std::map<int, std::pair<Money, std::int64_t>> windows;  // window_days -> spend, visits

    bool load_member() {
        auto st = ctx.db->prepare(
            "SELECT status, consent_marketing_at IS NOT NULL, tier_code, rfm_score, home_store, "
            "last_visit_at, "
            "birthday_month, birthday_day, uid FROM members WHERE id = ?");
        st.bind(1, event.member);
        if (!st.step()) return false;
        member_found = true;
        active = st.text(0) == "active";
        consent = st.int64(1) != 0;
        facts.member = event.member;
        facts.tier = st.text(2);
        facts.rfm_score = static_cast<int>(st.int64(3));
        facts.home_store = st.optional_text(4);
        if (auto last = st.optional_int64(5))
            facts.days_since_visit = (to_unix(now) - *last) / 86400;
        facts.marketing_consent = consent;
        if (auto b = st.optional_int64(6)) birthday_month = static_cast<int>(*b);
        if (auto b = st.optional_int64(7)) birthday_day = static_cast<int>(*b);
        member_uid = st.text(8);
        return true;
    }

    void load_tags() {
        if (tags_loaded) return;
        tags_loaded = true;
        auto st = ctx.db->prepare("SELECT tag FROM member_tags WHERE member_id = ?");
        st.bind(1, event.member);
        while (st.step()) facts.tags.insert(st.text(0));
    }

    void load_window(int days) {
        auto [it, fresh] = windows.try_emplace(days);
        if (fresh) {
            auto st = ctx.db->prepare(
                "SELECT coalesce(sum(net_minor - refunded_minor), 0), count(*) FROM sales "
                "WHERE member_id = ? AND occurred_at > ? AND status != 'voided'");
            st.bind_all(event.member, to_unix(now - Days{days}));
            st.step();
            it->second = {Money{st.int64(0)}, st.int64(1)};
        }
        facts.spend = it->second.first;
        facts.visits = it->second.second;
    }

    bool trigger_holds(const CompiledCampaign& compiled) const {
        const auto& c = compiled.def;
        switch (c.trigger) {
            case CampaignTrigger::purchase:
            case CampaignTrigger::visit_after_absence: {
                if (c.trigger == CampaignTrigger::visit_after_absence) {
                    if (!event.previous_visit || now - *event.previous_visit < Days{c.absent_days})
                        return false;
                }
                if (c.in_birthday_month &&
                    (!birthday_month || static_cast<unsigned>(*birthday_month) !=
                                            local_date(now, config.utc_offset_minutes).month))
                    return false;
                if (c.categories.empty() && c.skus.empty()) return event.net >= c.min_spend;
                // Spend counts only the lines the campaign names; at least one must be bought.
                Money spend;
                bool bought = false;
                const auto& cats = compiled.category_ids;
                const auto& skus = compiled.sku_ids;
                for (std::size_t i = 0; i < event.lines.size(); ++i) {
                    const auto [category, sku] = line_ids[i];
                    const bool named =
                        (category != kUnnamed &&
                         std::binary_search(cats.begin(), cats.end(), category)) ||
                        (sku != kUnnamed && std::binary_search(skus.begin(), skus.end(), sku));
                    if (!named) continue;
                    bought = true;
                    spend += event.lines[i].net;
                }
                return bought && spend >= c.min_spend;
            }
            case CampaignTrigger::tier_upgraded:
            case CampaignTrigger::tier_downgrade_warning:
                return c.to_tiers.empty() ||
                       std::binary_search(c.to_tiers.begin(), c.to_tiers.end(), event.tier_to);
            case CampaignTrigger::rating_given:
                return event.rating >= c.rating_min && event.rating <= c.rating_max;
            case CampaignTrigger::points_expiring:
                return event.within_days == c.days_before && event.expiring >= c.min_points;
            case CampaignTrigger::coupon_expiring:
            case CampaignTrigger::tier_expiring:
                return event.within_days == c.days_before;
            case CampaignTrigger::birthday: {
                // The daily run offers every member born this month; a day campaign
                // waits for the day itself.
                const auto today = local_date(now, config.utc_offset_minutes);
                if (!birthday_month || static_cast<unsigned>(*birthday_month) != today.month)
                    return false;
                return !c.birthday_on_day ||
                       (birthday_day && static_cast<unsigned>(*birthday_day) == today.day);
            }
            case CampaignTrigger::enrollment:
            case CampaignTrigger::card_linked:
                return true;
        }
        return false;
    }

    bool filter_holds(const CompiledCampaign& c) {
        const auto& d = c.def;
        if (d.filter_uses_tags ||
            (c.segment && (!c.segment->tags_all.empty() || !c.segment->tags_any.empty() ||
                           !c.segment->tags_none.empty())))
            load_tags();
        if (d.filter_uses_window) load_window(d.filter.window_days);
        if (!matches(d.filter, facts)) return false;
        if (c.segment) {
            load_window(c.segment->window_days);
            if (!matches(*c.segment, facts)) return false;
        }
        return true;
    }

    // Limits that need the database: per member, per event, budget.
    bool within_limits(const CompiledCampaign& c) {
        const auto& d = c.def;
        const auto period_start =
            d.limits.per_member_period_days > 0 ? now - Days{d.limits.per_member_period_days} : now;
        auto st = ctx.db->prepare(
            "SELECT count(*), coalesce(sum(fired_at > ?4), 0), coalesce(sum(event_ref = ?5), 0) "
            "FROM campaign_firings "
            "WHERE program_id = ?1 AND campaign_code = ?2 AND member_id = ?3");
        st.bind_all(program.program_id, d.code, event.member, to_unix(period_start),
                    event.reference);
        st.step();
        const auto ever = st.int64(0), in_period = st.int64(1), this_event = st.int64(2);
        if (this_event > 0) return false;
        if (d.limits.once_per_member && ever > 0) return false;
        if (d.limits.per_member_count > 0 && in_period >= d.limits.per_member_count) return false;
        if (d.limits.budget_points || d.limits.budget_coupons) {
            auto b = ctx.db->prepare(
                "SELECT points_spent, coupons_issued FROM campaign_budgets WHERE program_id = ? "
                "AND campaign_code = ?");
            b.bind_all(program.program_id, d.code);
            Points spent = 0;
            std::int64_t issued = 0;
            if (b.step()) {
                spent = b.int64(0);
                issued = b.int64(1);
            }
            if (d.limits.budget_points &&
                spent + d.points_for(event.earned) > *d.limits.budget_points)
                return false;
            if (d.limits.budget_coupons &&
                issued + d.coupons_per_firing() > *d.limits.budget_coupons)
                return false;
        }
        return true;
    }

    // The campaigns that fire, in order, after priority and exclusivity.
    std::vector<const CompiledCampaign*> winners(
        const std::vector<const std::vector<CompiledCampaign>*>& lists) {
        std::vector<const CompiledCampaign*> eligible;
        number_lines();
        for (const auto* list : lists)
            for (const auto& c : *list) {
                const auto& d = c.def;
                if ((d.active_from && now < *d.active_from) ||
                    (d.active_until && now >= *d.active_until))
                    continue;
                if (!trigger_holds(c) || !filter_holds(c)) continue;
                eligible.push_back(&c);
            }
        if (lists.size() > 1)
            std::stable_sort(eligible.begin(), eligible.end(),
                             [](const CompiledCampaign* a, const CompiledCampaign* b) {
                                 return a->def.priority != b->def.priority
                                            ? a->def.priority > b->def.priority
                                            : a->def.code < b->def.code;
                             });
        std::vector<const CompiledCampaign*> out;
        for (const auto* c : eligible) {
            if (c->def.exclusive && !out.empty()) continue;
            if (!within_limits(*c)) continue;  // last: the only check that reads firings
            out.push_back(c);
            if (c->def.exclusive) break;
        }
        return out;
    }

    // What fire() leaves for record_firings(): every firing's row, and the bonus points
    // of all of them, credited as one ledger entry. An event that fires several offers
    // then writes one entry and one lot instead of one per offer (each a handful of
    // b-trees in the commit); the firings keep each offer's own points, and a refund
    // takes each one's share back from that entry's lot.
    struct FiringRecord {
        const CampaignDefinition* campaign;
        Points points;
        std::int64_t coupons;
        std::string result_json;
    };
    std::vector<FiringRecord> records;
    std::vector<const CampaignDefinition*> bonus_campaigns;
    Points bonus_points = 0;

    void record_firings(const std::string& program_code) {
        std::optional<std::int64_t> bonus_entry;
        if (bonus_points > 0) {
            // The key names each code with its length first: a code may itself hold ','
            // or ':', and two different sets of offers must never make the same key.
            std::string codes, names, keyed_codes;
            for (const auto* d : bonus_campaigns) {
                codes += (codes.empty() ? "" : ",") + d->code;
                names += (names.empty() ? "" : ", ") + d->name;
                keyed_codes += std::to_string(d->code.size()) + "=" + d->code + ";";
            }
            // Points a purchase earned stay pending through the return window, like the
            // sale's own.
            const bool from_sale = event.trigger == CampaignTrigger::purchase ||
                                   event.trigger == CampaignTrigger::visit_after_absence;
            const int hold = from_sale ? config.earning.return_window_days : 0;
            const auto actor = "campaign:" + codes;
            bonus_entry = ctx.ledger.credit(
                Credit{event.member, LedgerKind::bonus, bonus_points, hold > 0, now + Days{hold},
                       ctx.ledger.expiry_for(program_code, now), "campaign " + names, actor,
                       "campaign:" + program_code + ":" + keyed_codes + ":" +
                           std::to_string(event.member) + ":" + event.reference,
                       actor});
        }
        for (const auto& r : records)
            ctx.db
                ->prepare(
                    "INSERT INTO campaign_firings(program_id, campaign_code, campaign_version, "
                    "member_id, trigger, event_ref, "
                    "fired_at, points, coupons, result_json, bonus_entry_id) VALUES (?, ?, ?, ?, "
                    "?, ?, "
                    "?, ?, ?, ?, ?)")
                .bind_all(program.program_id, r.campaign->code, r.campaign->version, event.member,
                          to_string(event.trigger), event.reference, to_unix(now), r.points,
                          r.coupons, r.result_json,
                          r.points > 0 ? bonus_entry : std::optional<std::int64_t>{})
                .run();
    }

    CampaignFiring fire(const CompiledCampaign& c, const std::string& program_code,
                        CampaignOutcome& outcome) {
        const auto& d = c.def;
        CampaignFiring f;
        f.campaign = d.code;
        f.name = d.name;
        f.version = d.version;
        f.member = event.member;
        f.trigger = to_string(event.trigger);
        f.reference = event.reference;
        const auto key = "campaign:" + program_code + ":" + d.code + ":" +
                         std::to_string(event.member) + ":" + event.reference;
        const auto actor = "campaign:" + d.code;
        const bool from_sale = event.trigger == CampaignTrigger::purchase ||
                               event.trigger == CampaignTrigger::visit_after_absence;
        // The firing's record, {"actions":[...],"problems":[...]}, written as it goes
        // (json_text.hpp: the text nlohmann would write).
        JsonText result;
        result.begin_object().key("actions").begin_array();
        const auto action = [&result](std::string_view name, const auto& value) {
            result.begin_object().field(name, value).end_object();
        };
        for (std::size_t i = 0; i < d.actions.size(); ++i) {
            const auto& a = d.actions[i];
            const auto action_key = key + ":" + std::to_string(i + 1);
            switch (a.kind) {
                case CampaignActionKind::bonus_points: {
                    const Points points = a.points + event.earned * a.percent_of_earned / 100;
                    if (points <= 0) break;
                    f.points += points;  // credited with the event's other bonuses: credit_bonuses
                    action("bonus_points", points);
                    break;
                }
                case CampaignActionKind::coupon: {
                    auto coupon =
                        ctx.rewards.grant(CouponGrant{event.member, actor, a.text, a.value,
                                                      a.min_spend, a.valid_days, action_key});
                    if (coupon) {
                        f.coupons.push_back(coupon->code);
                        action("coupon", coupon->code);
                    } else {
                        f.problems.push_back("coupon: " + coupon.error().message);
                    }
                    break;
                }
                case CampaignActionKind::add_tag:
                case CampaignActionKind::remove_tag: {
                    // Written directly: the member is known active and the firing record is
                    // the trail, so the manual-tag path's audit entry would say nothing new.
                    const bool add = a.kind == CampaignActionKind::add_tag;
                    if (add)
                        ctx.db
                            ->prepare(
                                "INSERT INTO member_tags(member_id, tag, source, added_at, "
                                "added_by) "
                                "VALUES (?, ?, 'manual', ?, ?) ON CONFLICT(member_id, tag) DO "
                                "NOTHING")
                            .bind_all(event.member, a.text, to_unix(now), actor)
                            .run();
                    else
                        ctx.db->prepare("DELETE FROM member_tags WHERE member_id = ? AND tag = ?")
                            .bind_all(event.member, a.text)
                            .run();
                    if (ctx.db->changes() > 0)
                        ctx.emit_text(add ? "tag.added" : "tag.removed", program_code,
                                      JsonText()
                                          .begin_object()
                                          .field("member", event.member)
                                          .field("member_uid", member_uid)
                                          .field("source", actor)
                                          .field("tag", a.text)
                                          .end_object()
                                          .take());
                    action(add ? "tag_added" : "tag_removed", a.text);
                    break;
                }
                case CampaignActionKind::receipt_line:
                    if (from_sale) {
                        f.receipt_lines.push_back(a.text);
                        outcome.receipt_lines.push_back(a.text);
                        action("receipt_line", a.text);
                        break;
                    }
                    [[fallthrough]];  // not at a till now: printed on the next receipt
                case CampaignActionKind::kiosk_message:
                    ctx.db
                        ->prepare(
                            "INSERT INTO campaign_messages(member_id, channel, campaign_code, "
                            "text, created_at) "
                            "VALUES (?, ?, ?, ?, ?)")
                        .bind_all(event.member,
                                  a.kind == CampaignActionKind::kiosk_message ? "kiosk" : "receipt",
                                  d.code, a.text, to_unix(now))
                        .run();
                    action(a.kind == CampaignActionKind::kiosk_message ? "kiosk_message"
                                                                       : "receipt_line_later",
                           a.text);
                    break;
                case CampaignActionKind::hub_event:
                    ctx.emit_text("campaign.message", program_code,
                                  JsonText()
                                      .begin_object()
                                      .field("campaign", d.code)
                                      .field("channel", a.text)
                                      .field("member", event.member)
                                      .field("member_uid", member_uid)
                                      .field("reference", event.reference)
                                      .field("template", a.hub_template)
                                      .end_object()
                                      .take());
                    action("hub_event", a.text);
                    break;
            }
        }
        result.end_array().field("problems", f.problems).end_object();
        if (f.points > 0) {
            bonus_campaigns.push_back(&d);
            bonus_points += f.points;
        }
        records.push_back(
            FiringRecord{&d, f.points, static_cast<std::int64_t>(f.coupons.size()), result.take()});
        if (d.limits.budget_points || d.limits.budget_coupons)
            ctx.db
                ->prepare(
                    "INSERT INTO campaign_budgets(program_id, campaign_code, points_spent, "
                    "coupons_issued) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT(program_id, campaign_code) DO UPDATE SET points_spent = "
                    "campaign_budgets.points_spent + excluded.points_spent, "
                    "coupons_issued = campaign_budgets.coupons_issued + excluded.coupons_issued")
                .bind_all(program.program_id, d.code, f.points,
                          static_cast<std::int64_t>(f.coupons.size()))
                .run();
        return f;
    }
};

namespace {

// A purchase is also a visit: absence campaigns ride on the same event.
std::vector<const std::vector<CompiledCampaign>*> lists_for(const CompiledProgram& p,
                                                            CampaignTrigger t) {
    std::vector<const std::vector<CompiledCampaign>*> lists;
    if (!p.for_trigger(t).empty()) lists.push_back(&p.for_trigger(t));
    if (t == CampaignTrigger::purchase &&
        !p.for_trigger(CampaignTrigger::visit_after_absence).empty())
        lists.push_back(&p.for_trigger(CampaignTrigger::visit_after_absence));
    return lists;
}

}  // namespace

CampaignOutcome Campaigns::on_event(const std::string& program, const CampaignEvent& event) {
    CampaignOutcome outcome;
    if (depth_ > 0) return outcome;  // an action's own events never trigger campaigns
    const auto& cache = cache_for(program);
    const auto it = cache.programs.find(program);
    if (it == cache.programs.end()) return outcome;
    const auto lists = lists_for(it->second, event.trigger);
    if (lists.empty()) return outcome;
    ++depth_;
    struct Leave {
        int& d;
        ~Leave() { --d; }
    } leave{depth_};
    CampaignRun run(ctx_, it->second, ctx_.program(program)->config, event, ctx_.now());
    // No marketing action ever fires without the member's consent.
    if (!run.load_member() || !run.active || !run.consent) return outcome;
    // One event for the hub per trigger event, listing what fired: a sale that earns
    // three offers writes one outbox row, not three. Keys in nlohmann's order.
    JsonText fired;
    fired.begin_object().key("campaigns").begin_array();
    for (const auto* c : run.winners(lists)) {
        auto f = run.fire(*c, program, outcome);
        outcome.bonus_points += f.points;
        fired.begin_object()
            .field("campaign", f.campaign)
            .field("coupons", f.coupons)
            .field("points", f.points)
            .field("problems", f.problems)
            .field("version", f.version)
            .end_object();
        outcome.fired.push_back(std::move(f));
    }
    run.record_firings(program);
    if (!outcome.fired.empty())
        ctx_.emit_text("campaign.fired", program,
                       fired.end_array()
                           .field("member", event.member)
                           .field("member_uid", run.member_uid)
                           .field("reference", event.reference)
                           .field("trigger", to_string(event.trigger))
                           .end_object()
                           .take());
    return outcome;
}

std::vector<std::string> Campaigns::matching(const std::string& program,
                                             const CampaignEvent& event) {
    std::vector<std::string> out;
    const auto& cache = cache_for(program);
    const auto it = cache.programs.find(program);
    if (it == cache.programs.end()) return out;
    const auto lists = lists_for(it->second, event.trigger);
    if (lists.empty()) return out;
    CampaignRun run(ctx_, it->second, ctx_.program(program)->config, event, ctx_.now());
    if (!run.load_member() || !run.active || !run.consent) return out;
    for (const auto* c : run.winners(lists)) out.push_back(c->def.code);
    return out;
}

}  // namespace loyalty
