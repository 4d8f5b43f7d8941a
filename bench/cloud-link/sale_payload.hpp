#pragma once
// The sale event the cloud-link benchmarks queue at a terminal: sale number `i` of `store`,
// to member number `member` (uid 00000000-0000-4000-8000-<12 digits>, as the benchmarks'
// hubs load them), 129 points earned.
#include <cstdint>
#include <cstdio>
#include <string>

namespace loyalty::bench {

inline std::string sale_payload(std::int64_t i, const std::string& store, std::int64_t member) {
    char buf[512];
    std::snprintf(
        buf, sizeof buf,
        R"({"sale_id":%lld,"store":"%s","terminal":"T01","receipt":"R%08lld","lines":[{"sku":"SKU-%lld",)"
        R"("category":"apparel","qty":1,"unit":12900}],"gross":12900,"net":12900,"coupons":[],)"
        R"("points_paid":0,"points_earned":129,"member":%lld,"member_uid":"00000000-0000-4000-8000-%012lld",)"
        R"("available":1290,"pending":0,"tier":"silver"})",
        static_cast<long long>(i), store.c_str(), static_cast<long long>(i),
        static_cast<long long>(i % 50), static_cast<long long>(member),
        static_cast<long long>(member));
    return buf;
}

}  // namespace loyalty::bench
