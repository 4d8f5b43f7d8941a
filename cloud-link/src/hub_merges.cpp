// One shopper enrolled twice: a store that could not reach the hub enrolls a phone
// the hub already knows, and the hub receives a second member with that phone.
// The member the hub knew first survives; the new one is merged into it through
// the engine (points, sales, cards, coupons, tags), and every store that knows
// either hears of it, so no store keeps a duplicate.
#include "hub_pass.hpp"
#include "json_fields.hpp"
#include "loyalty/engine.hpp"

namespace loyalty::sync {

void HubStore::Pass::merge_duplicate(const TerminalAddress& a, const DecodedEvent& e,
                                     std::int64_t version) {
    const auto uid = text_field(e.payload, "member_uid");
    const auto phone = text_field(e.payload, "phone");
    if (uid.empty() || phone.empty()) return;
    auto& engine = *hub.engine_;
    // The enrolled member did not get the phone (identities are unique per
    // program): another active member holds it.
    auto st = db().prepare(
        "SELECT m.uid FROM identities i JOIN members m ON m.id = i.member_id "
        "JOIN programs p ON p.id = i.program_id "
        "WHERE p.code = ? AND i.kind = 'phone' AND i.value = ? AND m.status = 'active' "
        "AND m.uid <> ?");
    st.bind_all(a.program, phone, uid);
    if (!st.step()) return;
    const auto survivor = st.text(0);
    auto enrolled = engine.members().get_by_uid(uid);
    if (!enrolled || enrolled->status != "active") return;
    auto merged = engine.replication().apply(ReplicatedEvent{
        "merge:" + e.id, "member.merged", a.program, a.store, a.terminal, from_unix(e.at),
        json{{"survivor_uid", survivor},
             {"absorbed_uid", uid},
             {"reason", "same phone " + mask_phone(phone) + " enrolled at " + a.store + "/" +
                            a.terminal + " while it could not reach headquarters"}}});
    if (!merged) {
        if (merged.error().code == Errc::storage) abort_pass(merged.error());
        // Both stay members; the enrollment itself is booked. Logged for head office.
        report.dead_letter_notes.push_back("member " + uid + " not merged into " + survivor + ": " +
                                           merged.error().message);
        return;
    }
    // Every store that knew the absorbed member now knows the survivor, and hears
    // of the merge before the survivor's snapshot (one client, one topic: in order).
    db().prepare(
            "INSERT OR IGNORE INTO hub_member_stores(program, uid, store) "
            "SELECT program, ?, store FROM hub_member_stores WHERE program = ? AND uid = ?")
        .bind_all(survivor, a.program, uid)
        .run();
    members[{a.program, a.store}].insert(survivor);
    merges[a.program].push_back(Merge{uid, survivor, version});
    ++report.merges;
}

}  // namespace loyalty::sync
