#include "loyalty/day_report.hpp"

#include "loyalty/engine.hpp"
#include "loyalty/storage/engine_storage.hpp"

namespace loyalty {

Result<DayReport> day_report(Engine& engine, const std::string& program, Timestamp within_day) {
    return guarded([&]() -> Result<DayReport> {
        auto config = engine.programs().get(program);
        if (!config) return config.error();
        auto& db = engine_database(engine);
        const auto offset = (*config)->utc_offset_minutes;
        const auto from = to_unix(local_midnight(within_day, offset));
        const auto to = from + 86400;
        DayReport r;
        r.program = program;
        const auto d = local_date(within_day, offset);
        char day[16];
        std::snprintf(day, sizeof day, "%04d-%02u-%02u", d.year, d.month, d.day);
        r.day = day;

        auto id = db.prepare("SELECT id FROM programs WHERE code = ?");
        id.bind(1, program);
        const std::int64_t p = id.step() ? id.int64(0) : 0;

        // One pass over the day's sales: the kept ones and the voided ones apart.
        auto sales = db.prepare(
            "SELECT coalesce(sum(status != 'voided'), 0), "
            "coalesce(sum(CASE WHEN status != 'voided' THEN net_minor END), 0), "
            "count(CASE WHEN status != 'voided' THEN member_id END), "
            "coalesce(sum(CASE WHEN status != 'voided' AND member_id IS NOT NULL THEN net_minor "
            "END), 0), "
            "coalesce(sum(status = 'voided'), 0), coalesce(sum(CASE WHEN status = 'voided' THEN "
            "net_minor END), 0) "
            "FROM sales WHERE program_id = ? AND occurred_at >= ? AND occurred_at < ?");
        sales.bind_all(p, from, to);
        if (sales.step()) {
            r.sales = sales.int64(0);
            r.sales_net = Money{sales.int64(1)};
            r.member_sales = sales.int64(2);
            r.member_sales_net = Money{sales.int64(3)};
            r.voids = sales.int64(4);
            r.voided_net = Money{sales.int64(5)};
        }

        // The day's sales by local hour, for the charts (voided ones left out, as above).
        auto by_hour = db.prepare(
            "SELECT (occurred_at - ?) / 3600, count(*), count(member_id), sum(net_minor) "
            "FROM sales WHERE program_id = ? AND occurred_at >= ? AND occurred_at < ? AND "
            "status != 'voided' GROUP BY 1");
        by_hour.bind_all(from, p, from, to);
        while (by_hour.step()) {
            auto& h = r.hours.at(static_cast<std::size_t>(by_hour.int64(0)));
            h.sales = by_hour.int64(1);
            h.member_sales = by_hour.int64(2);
            h.sales_net = Money{by_hour.int64(3)};
        }
        // Points in and out by local hour; the day's figures are their sums.
        auto points = db.prepare(
            "SELECT (e.occurred_at - ?) / 3600, "
            "coalesce(sum(CASE WHEN e.kind IN ('earn', 'bonus') OR (e.kind = 'adjust' AND "
            "e.available_delta > 0) THEN e.available_delta + e.pending_delta END), 0), "
            "coalesce(-sum(CASE WHEN e.kind = 'redeem' THEN e.available_delta END), 0), "
            "coalesce(-sum(CASE WHEN e.kind = 'expire' THEN e.available_delta END), 0) "
            "FROM ledger_entries e JOIN members m ON m.id = e.member_id "
            "WHERE m.program_id = ? AND e.occurred_at >= ? AND e.occurred_at < ? GROUP BY 1");
        points.bind_all(from, p, from, to);
        while (points.step()) {
            auto& h = r.hours.at(static_cast<std::size_t>(points.int64(0)));
            h.issued = points.int64(1);
            h.redeemed = points.int64(2);
            r.issued += h.issued;
            r.redeemed += h.redeemed;
            r.expired += points.int64(3);
        }

        // Today: the members' balances as they stand. A past day: its end from the ledger, over
        // every member (status is today's: a member merged or blocked since still owed points
        // then, and a merge's transfer entries cancel out).
        const bool today = to_unix(engine.clock().now()) < to;
        auto liability =
            today ? db.prepare(
                        "SELECT coalesce(sum(points_available + points_pending), 0) FROM members "
                        "WHERE program_id = ? AND status = 'active'")
                  : db.prepare(
                        "SELECT coalesce(sum(e.available_delta + e.pending_delta), 0) "
                        "FROM ledger_entries e JOIN members m ON m.id = e.member_id "
                        "WHERE m.program_id = ? AND e.occurred_at < ?");
        if (today)
            liability.bind(1, p);
        else
            liability.bind_all(p, to);
        if (liability.step()) r.liability = liability.int64(0);
        const auto& rate = (*config)->points_payment;
        if (rate.points > 0)
            r.liability_value = Money{mul_div(r.liability, rate.value.minor, rate.points)};

        auto sv = engine.stored_value().day_summary(program, "", from_unix(from), from_unix(to));
        if (!sv) return sv.error();
        r.stored_value = std::move(sv.value());

        auto enrolled = db.prepare(
            "SELECT count(*) FROM members WHERE program_id = ? AND enrolled_at >= ? AND "
            "enrolled_at < ?");
        enrolled.bind_all(p, from, to);
        if (enrolled.step()) r.enrollments = enrolled.int64(0);

        auto ratings = db.prepare(
            "SELECT count(*), coalesce(sum(score), 0) FROM ratings WHERE program = ? AND given_at "
            ">= ? AND given_at < ?");
        ratings.bind_all(program, from, to);
        if (ratings.step()) {
            r.ratings = ratings.int64(0);
            if (r.ratings > 0)
                r.average_rating =
                    static_cast<double>(ratings.int64(1)) / static_cast<double>(r.ratings);
        }

        auto tiers = db.prepare(
            "SELECT count(*) FROM members WHERE program_id = ? AND tier_code = ? AND status = "
            "'active'");
        for (const auto& level : (*config)->tiers.levels) {
            tiers.bind_all(p, level.code);
            r.tiers.push_back({level.code, level.name, tiers.step() ? tiers.int64(0) : 0});
        }

        auto top = db.prepare(
            "SELECT m.display_name, sum(s.net_minor) AS spend FROM sales s JOIN members m ON m.id "
            "= s.member_id "
            "WHERE s.program_id = ? AND s.occurred_at >= ? AND s.occurred_at < ? AND s.status != "
            "'voided' "
            "GROUP BY s.member_id ORDER BY spend DESC LIMIT 5");
        top.bind_all(p, from, to);
        while (top.step()) r.top.push_back({mask_name(top.text(0)), Money{top.int64(1)}});
        return r;
    });
}

}  // namespace loyalty
