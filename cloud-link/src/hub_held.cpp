// Events that arrived ahead of a gap in their terminal's sequence (two workers, a
// resend): kept in hub_held and applied in order once the gap fills.
#include "hub_pass.hpp"

namespace loyalty::sync {

void HubStore::Pass::hold(const TerminalAddress& a, const DecodedEvent& e) {
    db().prepare(
            "INSERT OR IGNORE INTO hub_held(store, terminal, seq, program, event) VALUES (?, ?, ?, "
            "?, ?)")
        .bind_all(a.store, a.terminal, e.seq, a.program, event_json(e).dump())
        .run();
    ++report.held;
}

void HubStore::Pass::release_held(const TerminalAddress& a, std::int64_t& last) {
    while (true) {
        auto st =
            db().prepare("SELECT event FROM hub_held WHERE store = ? AND terminal = ? AND seq = ?");
        st.bind_all(a.store, a.terminal, last + 1);
        if (!st.step()) {
            break;
        }
        // Written by hold() above from a decoded event: read back as it was.
        const auto e = event_from_json(json::parse(st.text(0)));
        if (apply_event(a, e))
            ++report.applied;
        else
            ++report.duplicates;
        ++last;
    }
    db().prepare("DELETE FROM hub_held WHERE store = ? AND terminal = ? AND seq <= ?")
        .bind_all(a.store, a.terminal, last)
        .run();
}

}  // namespace loyalty::sync
