#include "loyalty/insight.hpp"

#include <algorithm>
#include <sstream>

#include "engine_context.hpp"
#include "json_numbers.hpp"
#include "loyalty/json_limits.hpp"
#include "member_rows.hpp"

namespace loyalty {

using nlohmann::json;

RfmScore score_rfm(const RfmConfig& c, std::optional<std::int64_t> days_since_last,
                   std::int64_t purchases, Money spend) {
    RfmScore s;
    if (!days_since_last || purchases <= 0) return s;  // never bought: no score
    s.r = 1;
    for (std::size_t i = c.recency_days.size(); i-- > 0;)
        if (*days_since_last <= c.recency_days[i]) s.r = 5 - static_cast<int>(i);
    s.f = 1;
    for (std::size_t i = 0; i < c.frequency.size(); ++i)
        if (purchases >= c.frequency[i]) s.f = static_cast<int>(i) + 2;
    s.m = 1;
    for (std::size_t i = 0; i < c.monetary_minor.size(); ++i)
        if (spend.minor >= c.monetary_minor[i]) s.m = static_cast<int>(i) + 2;
    s.score = s.r * c.weight_r + s.f * c.weight_f + s.m * c.weight_m;
    return s;
}

Result<MemberFilter> parse_member_filter(const std::string& json_text) {
    if (auto refused = json_nesting_refusal(json_text))
        return make_error(Errc::invalid_argument, "member filter: " + *refused);
    try {
        const auto j = json::parse(json_text);
        if (!j.is_object())
            return make_error(Errc::invalid_argument, "a member filter is a JSON object");
        static const std::vector<std::string> known{"tiers",
                                                    "tags_all",
                                                    "tags_any",
                                                    "tags_none",
                                                    "window_days",
                                                    "min_spend_minor",
                                                    "max_spend_minor",
                                                    "min_visits",
                                                    "max_visits",
                                                    "visited_within_days",
                                                    "absent_at_least_days",
                                                    "rfm_min",
                                                    "rfm_max",
                                                    "home_store",
                                                    "requires_marketing_consent"};
        for (const auto& [k, v] : j.items())
            if (std::find(known.begin(), known.end(), k) == known.end())
                return make_error(Errc::invalid_argument,
                                  "member filter: unknown condition '" + k + "'");
        MemberFilter f;
        auto opt_int = [&](const char* k, auto& out) {
            if (j.contains(k)) out = whole_number<std::int64_t>(j, k);
        };
        f.tiers = j.value("tiers", std::vector<std::string>{});
        f.tags_all = j.value("tags_all", std::vector<std::string>{});
        f.tags_any = j.value("tags_any", std::vector<std::string>{});
        f.tags_none = j.value("tags_none", std::vector<std::string>{});
        f.window_days = j.value("window_days", 365);
        if (j.contains("min_spend_minor"))
            f.min_spend = Money{whole_number<std::int64_t>(j, "min_spend_minor")};
        if (j.contains("max_spend_minor"))
            f.max_spend = Money{whole_number<std::int64_t>(j, "max_spend_minor")};
        opt_int("min_visits", f.min_visits);
        opt_int("max_visits", f.max_visits);
        opt_int("visited_within_days", f.visited_within_days);
        opt_int("absent_at_least_days", f.absent_at_least_days);
        if (j.contains("rfm_min")) f.rfm_min = whole_number<int>(j, "rfm_min");
        if (j.contains("rfm_max")) f.rfm_max = whole_number<int>(j, "rfm_max");
        if (j.contains("home_store")) f.home_store = j.at("home_store").get<std::string>();
        f.requires_marketing_consent = j.value("requires_marketing_consent", false);
        if (f.window_days <= 0)
            return make_error(Errc::invalid_argument,
                              "member filter: window_days must be positive");
        return f;
    } catch (const json::exception& e) {
        return make_error(Errc::invalid_argument, std::string("member filter: ") + e.what());
    } catch (const std::invalid_argument& e) {
        return make_error(Errc::invalid_argument, std::string("member filter: ") + e.what());
    }
}

std::string member_filter_to_json(const MemberFilter& f) {
    json j{{"window_days", f.window_days}};
    if (!f.tiers.empty()) j["tiers"] = f.tiers;
    if (!f.tags_all.empty()) j["tags_all"] = f.tags_all;
    if (!f.tags_any.empty()) j["tags_any"] = f.tags_any;
    if (!f.tags_none.empty()) j["tags_none"] = f.tags_none;
    if (f.min_spend) j["min_spend_minor"] = f.min_spend->minor;
    if (f.max_spend) j["max_spend_minor"] = f.max_spend->minor;
    if (f.min_visits) j["min_visits"] = *f.min_visits;
    if (f.max_visits) j["max_visits"] = *f.max_visits;
    if (f.visited_within_days) j["visited_within_days"] = *f.visited_within_days;
    if (f.absent_at_least_days) j["absent_at_least_days"] = *f.absent_at_least_days;
    if (f.rfm_min) j["rfm_min"] = *f.rfm_min;
    if (f.rfm_max) j["rfm_max"] = *f.rfm_max;
    if (f.home_store) j["home_store"] = *f.home_store;
    if (f.requires_marketing_consent) j["requires_marketing_consent"] = true;
    return j.dump();
}

bool matches(const MemberFilter& f, const MemberFacts& m) {
    auto has = [&](const std::string& t) { return m.tags.count(t) > 0; };
    if (!f.tiers.empty() && std::find(f.tiers.begin(), f.tiers.end(), m.tier) == f.tiers.end())
        return false;
    if (!std::all_of(f.tags_all.begin(), f.tags_all.end(), has)) return false;
    if (!f.tags_any.empty() && !std::any_of(f.tags_any.begin(), f.tags_any.end(), has))
        return false;
    if (std::any_of(f.tags_none.begin(), f.tags_none.end(), has)) return false;
    if (f.min_spend && m.spend < *f.min_spend) return false;
    if (f.max_spend && m.spend > *f.max_spend) return false;
    if (f.min_visits && m.visits < *f.min_visits) return false;
    if (f.max_visits && m.visits > *f.max_visits) return false;
    if (f.visited_within_days &&
        (!m.days_since_visit || *m.days_since_visit > *f.visited_within_days))
        return false;
    // A member who never visited counts as absent for ever.
    if (f.absent_at_least_days && m.days_since_visit &&
        *m.days_since_visit < *f.absent_at_least_days)
        return false;
    if (f.rfm_min && m.rfm_score < *f.rfm_min) return false;
    if (f.rfm_max && m.rfm_score > *f.rfm_max) return false;
    if (f.home_store && m.home_store != f.home_store) return false;
    if (f.requires_marketing_consent && !m.marketing_consent) return false;
    return true;
}

Result<void> Insight::add_tag(MemberId member, const std::string& tag, const std::string& actor) {
    return guarded([&]() -> Result<void> {
        if (tag.empty() || tag.size() > 64)
            return make_error(Errc::invalid_argument, "a tag is 1 to 64 bytes");
        auto m = load_member(ctx_, member);
        if (!m || m->status != "active")
            return make_error(Errc::not_found, "no active member " + std::to_string(member));
        Transaction tx(*ctx_.db);
        ctx_.db
            ->prepare(
                "INSERT INTO member_tags(member_id, tag, source, added_at, added_by) VALUES (?, ?, "
                "'manual', ?, ?) "
                "ON CONFLICT(member_id, tag) DO UPDATE SET source = 'manual'")
            .bind_all(member, tag, to_unix(ctx_.now()), actor)
            .run();
        ctx_.audit.record(actor, "tag.added", "member:" + std::to_string(member),
                          json{{"tag", tag}}.dump());
        ctx_.emit("tag.added", m->program,
                  json{{"member", member}, {"tag", tag}, {"source", "manual"}});
        tx.commit();
        return {};
    });
}

Result<void> Insight::remove_tag(MemberId member, const std::string& tag,
                                 const std::string& actor) {
    return guarded([&]() -> Result<void> {
        auto m = load_member(ctx_, member);
        if (!m) return make_error(Errc::not_found, "no member " + std::to_string(member));
        Transaction tx(*ctx_.db);
        ctx_.db->prepare("DELETE FROM member_tags WHERE member_id = ? AND tag = ?")
            .bind_all(member, tag)
            .run();
        if (ctx_.db->changes() == 0) return make_error(Errc::not_found, "member has no tag " + tag);
        ctx_.audit.record(actor, "tag.removed", "member:" + std::to_string(member),
                          json{{"tag", tag}}.dump());
        ctx_.emit("tag.removed", m->program, json{{"member", member}, {"tag", tag}});
        tx.commit();
        return {};
    });
}

std::set<std::string> Insight::tags(MemberId member) {
    std::set<std::string> out;
    auto st = ctx_.db->prepare("SELECT tag FROM member_tags WHERE member_id = ?");
    st.bind(1, member);
    while (st.step()) out.insert(st.text(0));
    return out;
}

namespace {

// One statement gives filters everything they look at, for one member or all of a program.
constexpr const char* kFactsSelect =
    "SELECT m.id, m.tier_code, coalesce(s.spend, 0), coalesce(s.visits, 0), m.last_visit_at, "
    "m.rfm_score, "
    "m.home_store, m.consent_marketing_at IS NOT NULL, "
    "(SELECT group_concat(tag, char(31)) FROM member_tags t WHERE t.member_id = m.id) "
    "FROM members m LEFT JOIN (SELECT member_id, sum(net_minor - refunded_minor) spend, count(*) "
    "visits "
    "  FROM sales WHERE occurred_at > ?1 AND status != 'voided' AND member_id IS NOT NULL GROUP BY "
    "member_id) s "
    "  ON s.member_id = m.id ";

MemberFacts read_facts(Statement& st, Timestamp now) {
    MemberFacts f;
    f.member = st.int64(0);
    f.tier = st.text(1);
    f.spend = Money{st.int64(2)};
    f.visits = st.int64(3);
    if (auto last = st.optional_int64(4)) f.days_since_visit = (to_unix(now) - *last) / 86400;
    f.rfm_score = static_cast<int>(st.int64(5));
    f.home_store = st.optional_text(6);
    f.marketing_consent = st.int64(7) != 0;
    std::stringstream tags(st.text(8));
    for (std::string t; std::getline(tags, t, '\x1f');)
        if (!t.empty()) f.tags.insert(t);
    return f;
}

}  // namespace

MemberFacts Insight::facts(MemberId member, Timestamp now, int window_days) {
    auto st = ctx_.db->prepare(std::string(kFactsSelect) + "WHERE m.id = ?2");
    st.bind_all(to_unix(now - Days{window_days}), member);
    MemberFacts f;
    if (st.step()) f = read_facts(st, now);
    return f;
}

std::vector<MemberId> Insight::select(const std::string& program, const MemberFilter& filter,
                                      Timestamp now) {
    std::vector<MemberId> out;
    const auto* p = ctx_.program(program);
    if (!p) return out;
    auto st = ctx_.db->prepare(std::string(kFactsSelect) +
                               "WHERE m.program_id = ?2 AND m.status = 'active' ORDER BY m.id");
    st.bind_all(to_unix(now - Days{filter.window_days}), p->id);
    while (st.step()) {
        if (matches(filter, read_facts(st, now))) out.push_back(st.int64(0));
    }
    return out;
}

Result<std::int64_t> Insight::recompute_rfm(const std::string& program, Timestamp now) {
    return guarded([&]() -> Result<std::int64_t> {
        const auto* p = ctx_.program(program);
        if (!p) return make_error(Errc::not_found, "unknown program " + program);
        const auto& config = p->config.rfm;
        struct Row {
            MemberId id;
            RfmScore score;
        };
        std::vector<Row> rows;
        auto st = ctx_.db->prepare(std::string(kFactsSelect) +
                                   "WHERE m.program_id = ?2 AND m.status = 'active'");
        st.bind_all(to_unix(now - Days{config.window_days}), p->id);
        while (st.step()) {
            const auto f = read_facts(st, now);
            rows.push_back(Row{f.member, score_rfm(config, f.days_since_visit, f.visits, f.spend)});
        }
        auto& db = *ctx_.db;
        for (std::size_t i = 0; i < rows.size(); i += 2000) {
            Transaction tx(db);
            for (std::size_t j = i; j < std::min(rows.size(), i + 2000); ++j) {
                const auto& s = rows[j].score;
                db.prepare(
                      "UPDATE members SET rfm_r = ?, rfm_f = ?, rfm_m = ?, rfm_score = ? WHERE id "
                      "= ?")
                    .bind_all(s.r, s.f, s.m, s.score, rows[j].id)
                    .run();
            }
            tx.commit();
        }
        return static_cast<std::int64_t>(rows.size());
    });
}

Result<std::int64_t> Insight::apply_tag_rule(const std::string& program, const std::string& tag,
                                             const MemberFilter& filter, Timestamp now) {
    return guarded([&]() -> Result<std::int64_t> {
        const auto* p = ctx_.program(program);
        if (!p) return make_error(Errc::not_found, "unknown program " + program);
        const auto selected = select(program, filter, now);
        auto& db = *ctx_.db;
        Transaction tx(db);
        // Manual tags of the same name stay: a rule only manages its own.
        db.prepare(
              "DELETE FROM member_tags WHERE tag = ? AND source = 'rule' AND member_id IN "
              "(SELECT id FROM members WHERE program_id = ?)")
            .bind_all(tag, p->id)
            .run();
        for (const auto id : selected)
            db.prepare(
                  "INSERT OR IGNORE INTO member_tags(member_id, tag, source, added_at, added_by) "
                  "VALUES (?, ?, 'rule', ?, 'rule')")
                .bind_all(id, tag, to_unix(now))
                .run();
        tx.commit();
        return static_cast<std::int64_t>(selected.size());
    });
}

Result<void> Insight::save_segment(const std::string& program, const std::string& name,
                                   const MemberFilter& filter) {
    return guarded([&]() -> Result<void> {
        const auto* p = ctx_.program(program);
        if (!p) return make_error(Errc::not_found, "unknown program " + program);
        if (name.empty()) return make_error(Errc::invalid_argument, "a segment needs a name");
        ctx_.db
            ->prepare(
                "INSERT INTO segments(program_id, name, filter_json, saved_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(program_id, name) DO UPDATE SET filter_json = excluded.filter_json, "
                "saved_at = excluded.saved_at")
            .bind_all(p->id, name, member_filter_to_json(filter), to_unix(ctx_.now()))
            .run();
        return {};
    });
}

Result<std::vector<MemberId>> Insight::segment_members(const std::string& program,
                                                       const std::string& name, Timestamp now) {
    return guarded([&]() -> Result<std::vector<MemberId>> {
        const auto* p = ctx_.program(program);
        if (!p) return make_error(Errc::not_found, "unknown program " + program);
        auto st =
            ctx_.db->prepare("SELECT filter_json FROM segments WHERE program_id = ? AND name = ?");
        st.bind_all(p->id, name);
        if (!st.step()) return make_error(Errc::not_found, "no segment " + name);
        auto filter = parse_member_filter(st.text(0));
        if (!filter) return filter.error();
        return select(program, *filter, now);
    });
}

}  // namespace loyalty
