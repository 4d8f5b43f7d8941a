// Two kiosks took one mall receipt while they could not reach each other: the hub keeps the
// claim it applied first and the later one as reversed (core's Replication). The store that
// took the later one hears of it with a `claim_reversed` down item on its own down topic, the
// store being the one of the event's topic (the store the broker authenticated), never a
// payload's. Its link marks the claim reversed, so its kiosk tells the member.
#include "hub_pass.hpp"
#include "json_fields.hpp"

namespace loyalty::sync {

void HubStore::Pass::tell_reversal(const TerminalAddress& a,
                                   const ReplicationOutcome::ReversedClaim& r,
                                   std::int64_t version) {
    claim_reversals[{a.program, a.store}].push_back(json{
        {"key", r.claim}, {"version", version}, {"member_uid", r.member_uid}, {"note", r.note}});
}

void HubStore::Pass::tell_reversal_again(const TerminalAddress& a, const DecodedEvent& e) {
    if (e.type != "receipt.claimed") return;
    // The event as the hub applied it from this very terminal, and its claim as kept here.
    struct Applied {
        std::int64_t row = 0;
        std::string member_uid;
    };
    const auto applied =
        db().prepare(
                "SELECT id, coalesce(member_uid, '') FROM hub_applied WHERE event_id = ? AND "
                "store = ? AND terminal = ? AND type = 'receipt.claimed' AND status = 'applied'")
            .bind_all(e.id, a.store, a.terminal)
            .one([](const Statement& r) {
                return Applied{r.int64(0), r.text(1)};
            });
    if (!applied || applied->member_uid.empty()) return;
    const auto claim = text_field(e.payload, "claim");
    const auto note = db().prepare(
                              "SELECT note FROM receipt_claims WHERE uid = ? AND store = ? AND "
                              "terminal = ? AND status = 'reversed'")
                          .bind_all(claim, a.store, a.terminal)
                          .scalar<std::string>();
    if (!note) return;
    tell_reversal(a, {claim, applied->member_uid, *note}, applied->row);
}

}  // namespace loyalty::sync
