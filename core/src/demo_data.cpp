#include "loyalty/demo_data.hpp"

#include <algorithm>
#include <random>

#include "engine_context.hpp"
#include "loyalty/storage/engine_storage.hpp"

namespace loyalty {

namespace {

struct DemoItem {
    const char* sku;
    const char* category;
    std::int64_t price;
};

constexpr DemoItem kItems[] = {
    {"TS-1001", "apparel", 19900},   {"JK-2040", "apparel", 89900},
    {"SH-3301", "shoes", 59900},     {"SH-3388", "shoes", 129900},
    {"CS-5001", "cosmetics", 32000}, {"CS-5020", "cosmetics", 68000},
    {"FD-7001", "food", 3500},       {"FD-7002", "food", 1200},
    {"TB-9001", "tobacco", 6500},    {"GC-0500", "gift-card", 50000},
    {"BG-4100", "bags", 259900},     {"AC-6100", "accessories", 15900},
};

// Common and less common characters, so demo names exercise the CJK font (鑫, 淼, 垚...).
constexpr const char* kSurnames[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周",
                                     "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "欧阳"};
constexpr const char* kGiven[] = {"伟", "芳",   "娜", "敏", "静", "丽", "强", "磊",
                                  "军", "洋",   "勇", "艳", "杰", "娟", "涛", "明",
                                  "超", "秀英", "华", "鑫", "淼", "焱", "垚", "晓雯"};

}  // namespace

Result<DemoSummary> create_demo_data(Engine& engine, ManualClock& clock, Timestamp end,
                                     const std::string& program, const DemoOptions& options) {
    auto config = engine.programs().get(program);
    if (!config) return config.error();
    std::mt19937 rng(options.seed);
    // Top-ups draw from their own generator, so the sales history stays what it was.
    std::mt19937 top_up_rng(options.seed + 1);
    constexpr const char* kTenders[] = {"cash", "wechat", "alipay", "bank_card"};
    auto uniform = [&](std::int64_t lo, std::int64_t hi) {
        return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
    };
    std::vector<RewardDefinition> rewards;  // what a shopper could actually buy
    for (const auto& r : (*config)->rewards)
        if (!r.stock || *r.stock > 0) rewards.push_back(r);
    const auto& stores = (*config)->stores;
    DemoSummary summary;
    constexpr int kBatch = 500;  // members per transaction: demo data is not a power-cut test
    for (int first = 0; first < options.members; first += kBatch) {
        Transaction tx(engine_database(engine));
        for (int i = first; i < std::min(options.members, first + kBatch); ++i) {
            const auto enrolled =
                end - Days{uniform(1, options.history_days)} - std::chrono::hours{uniform(0, 12)};
            clock.set(enrolled);
            EnrollRequest request;
            request.program = program;
            char phone[20];
            std::snprintf(phone, sizeof phone, "+86139%08d", i);
            request.phone = phone;
            request.display_name = std::string(kSurnames[uniform(0, std::size(kSurnames) - 1)]) +
                                   kGiven[uniform(0, std::size(kGiven) - 1)] +
                                   (uniform(0, 1) ? kGiven[uniform(0, std::size(kGiven) - 1)] : "");
            request.birthday_month = static_cast<int>(uniform(1, 12));
            request.birthday_day = static_cast<int>(uniform(1, 28));
            request.consent_privacy = true;
            request.consent_marketing = uniform(0, 9) < 7;
            if (!stores.empty())
                request.home_store =
                    stores[static_cast<std::size_t>(uniform(0, stores.size() - 1))];
            auto enrolled_member = engine.members().enroll(request);
            if (!enrolled_member) return enrolled_member.error();
            const auto member = enrolled_member->member.id;
            ++summary.members;
            // One member in five tops up 500 or 1000 at the counter on joining (no tier rule:
            // the sales below are priced as before).
            if ((*config)->stored_value.enabled &&
                std::uniform_int_distribution<int>(0, 4)(top_up_rng) == 0) {
                TopUpRequest top_up;
                top_up.program = program;
                top_up.member = member;
                top_up.amount =
                    Money{std::uniform_int_distribution<int>(0, 1)(top_up_rng) ? 100000 : 50000};
                top_up.tender = kTenders[std::uniform_int_distribution<int>(0, 3)(top_up_rng)];
                top_up.request_id = "demo-top-up-" + program + "-" + std::to_string(i);
                auto topped = engine.stored_value().top_up(top_up);
                if (!topped) return topped.error();
                ++summary.top_ups;
            }

            const auto span = std::max<std::int64_t>(1, (end - enrolled).count() - 3600);
            std::vector<std::int64_t> offsets(
                static_cast<std::size_t>(uniform(0, options.max_sales_per_member)));
            for (auto& o : offsets) o = uniform(600, span);
            std::sort(offsets.begin(), offsets.end());
            int receipt_no = 0;
            for (const auto offset : offsets) {
                clock.set(enrolled + std::chrono::seconds{offset});
                // Let the return windows of earlier sales pass, as the nightly run would have.
                if (auto due = engine.ledger().run_due(clock.now()); !due) return due.error();
                SaleRequest sale;
                sale.program = program;
                sale.receipt = "D" + std::to_string(i) + "-" + std::to_string(++receipt_no);
                sale.member = member;
                for (auto n = uniform(1, 4); n > 0; --n) {
                    const auto& item = kItems[uniform(0, std::size(kItems) - 1)];
                    sale.lines.push_back(BasketLine{item.sku, item.category, uniform(1, 2),
                                                    Money{item.price}, Money{}});
                }
                auto committed = engine.sales().commit(sale);
                if (!committed) return committed.error();
                ++summary.sales;
                if (uniform(0, 19) == 0) {  // one sale in twenty comes back, partly
                    clock.advance(std::chrono::hours{20});
                    auto refunded = engine.sales().refund(
                        RefundRequest{program, "", "", sale.receipt, "R1", {RefundLine{1, 1}}});
                    if (!refunded) return refunded.error();
                    ++summary.refunds;
                }
                if (!rewards.empty() && uniform(0, 9) == 0) {
                    const auto& reward =
                        rewards[static_cast<std::size_t>(uniform(0, rewards.size() - 1))];
                    if (engine.ledger().balance(member).available >= reward.points_cost) {
                        auto coupon = engine.rewards().redeem(
                            member, reward.code, program + "-" + sale.receipt + "-reward");
                        // A limited reward runs out part-way through the history, as it would in a
                        // store.
                        if (!coupon && coupon.error().code != Errc::limit_exceeded)
                            return coupon.error();
                        if (coupon) ++summary.redemptions;
                    }
                }
            }
        }
        tx.commit();
    }
    clock.set(end);
    if (auto daily = engine.run_daily(end); !daily) return daily.error();
    return guarded([&]() -> Result<DemoSummary> {
        engine_database(engine).exec("DELETE FROM outbox");
        return summary;
    });
}

std::string bulk_card_number(std::int64_t index) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "8%015lld", static_cast<long long>(index));
    return buf;
}

Result<std::int64_t> create_bulk_members(Engine& engine, const std::string& program,
                                         std::int64_t count) {
    return guarded([&]() -> Result<std::int64_t> {
        auto config = engine.programs().get(program);
        if (!config) return config.error();
        auto& db = engine_database(engine);
        auto id_query = db.prepare("SELECT id FROM programs WHERE code = ?");
        id_query.bind(1, program);
        id_query.step();
        const auto program_id = id_query.int64(0);
        const auto now = to_unix(engine.clock().now());
        const auto review = now + 365 * 86400;
        const auto& tier = (*config)->entry_tier().code;
        Transaction tx(db);
        for (std::int64_t i = 0; i < count; ++i) {
            db.prepare(
                  "INSERT INTO members(uid, program_id, display_name, enrolled_at, "
                  "consent_privacy_at, tier_code, "
                  "tier_since, tier_review_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
                .bind_all("bulk-" + std::to_string(i), program_id, "会员" + std::to_string(i), now,
                          now, tier, now, review)
                .run();
            const auto member = db.last_insert_rowid();
            const auto card = bulk_card_number(i);
            char phone[20];
            std::snprintf(phone, sizeof phone, "+86137%08lld",
                          static_cast<long long>(i % 100000000));
            auto identity = db.prepare(
                "INSERT INTO identities(program_id, kind, value, member_id, linked_at) VALUES (?, "
                "?, ?, ?, ?)");
            identity.bind_all(program_id, "card_number", card, member, now).run();
            identity.bind_all(program_id, "phone", std::string(phone), member, now).run();
            db.prepare(
                  "INSERT INTO cards(program_id, card_number, form, member_id, status, issued_at) "
                  "VALUES (?, ?, 'physical', ?, 'active', ?)")
                .bind_all(program_id, card, member, now)
                .run();
        }
        tx.commit();
        return count;
    });
}

std::vector<MemberId> demo_showcase_members(Engine& engine, const std::string& program, int count) {
    std::vector<MemberId> ids;
    auto st = engine_database(engine).prepare(
        "SELECT m.id FROM members m JOIN programs p ON p.id = m.program_id "
        "WHERE p.code = ? AND m.status = 'active' ORDER BY m.points_available DESC, m.id LIMIT ?");
    st.bind_all(program, count).each([&](const Statement& row) { ids.push_back(row.int64(0)); });
    return ids;
}

}  // namespace loyalty
