// A till's request JSON through the C ABI on a seeded store database: quoted, then
// committed as a basket, and read by each stored-value call (top-up, balance enquiry,
// top-up refund, a manager's balance adjustment). Receipts and request ids repeat across inputs, so
// replays and conflicts are exercised too.
#include <cstdlib>

#include "fuzz_support.hpp"
#include "loyalty_pos.h"
#include "store_seed.hpp"

namespace {

loyalty_pos_session* session() {
    static loyalty_pos_session* s = [] {
        const auto db = loyalty::fuzz::scratch_dir() / "store.db";
        const auto seeded = loyalty::pos_test::seed_store(db);
        loyalty_pos_session* opened = nullptr;
        if (loyalty_pos_open(db.c_str(), "DEMO", "S001", "T01", seeded.config_json.c_str(),
                             &opened) != LOYALTY_POS_OK)
            std::abort();
        return opened;
    }();
    return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string request(loyalty::fuzz::as_text(data, size));
    char* out = nullptr;
    if (loyalty_pos_quote(session(), request.c_str(), &out) == LOYALTY_POS_OK) {
        loyalty_pos_free(out);
        out = nullptr;
        if (loyalty_pos_commit(session(), request.c_str(), &out) == LOYALTY_POS_OK)
            loyalty_pos_free(out);
    }
    for (auto* call : {loyalty_pos_top_up, loyalty_pos_stored_value, loyalty_pos_refund_top_up,
                       loyalty_pos_adjust_stored_value}) {
        out = nullptr;
        if (call(session(), request.c_str(), &out) == LOYALTY_POS_OK) loyalty_pos_free(out);
    }
    return 0;
}
