// What the hub sends once a pass has committed: an ack per terminal touched, the
// snapshots of the members it changed to every store that knows them, card blocks, and the
// receipt claims it reversed to the stores that took them.
#include "hub_pass.hpp"

namespace loyalty::sync {

namespace {

constexpr std::size_t snapshot_items_per_message = 1000;

}  // namespace

void HubStore::Pass::answers() {
    // Before the acks: a hub that stops between the two has not acknowledged the claim's
    // event, so the store sends it again and hears of the reversal then (tell_reversal_again).
    for (const auto& [where, items] : claim_reversals) {
        const auto& [program, store] = where;
        report.publish.push_back({store_down_topic(program, store), json{{"v", protocol_version},
                                                                         {"kind", "claim_reversed"},
                                                                         {"program", program},
                                                                         {"items", items}}
                                                                        .dump()});
    }
    for (const auto& [key, t] : terminals) {
        if (t.forked_at) {
            // No ack: it would delete the terminal's new events under numbers the
            // hub holds other events for. The terminal renumbers them after ours.
            const auto through = last_seq(t.address);
            // On the stream's acks topic: the store's one agent hears the answers
            // of every terminal it ships (the kiosk's, loyalty-admin's), not only its own.
            report.publish.push_back(
                {acks_topic(t.address),
                 encode_resequence(
                     Resequence{t.address.store, t.address.terminal, through, *t.forked_at})});
            if (report.dead_letter_notes.size() < 20)
                report.dead_letter_notes.push_back(
                    t.address.store + "/" + t.address.terminal + ": history forked at seq " +
                    std::to_string(*t.forked_at) + "; asked to resend after " +
                    std::to_string(through));
            continue;
        }
        report.publish.push_back(
            {acks_topic(t.address),
             encode_ack(Ack{t.address.store, t.address.terminal, last_seq(t.address), now_ms,
                            t.skew_ms, t.duplicates})});
    }
    // A member's snapshot goes to every store that knows the member, not only the
    // one whose events changed it: a tier earned over two stores reaches both.
    std::map<std::pair<std::string, std::string>, std::set<std::string>> audience;
    for (const auto& [where, uids] : members) {
        const auto& [program, store] = where;
        for (const auto& uid : uids) {
            db().prepare(
                    "INSERT OR IGNORE INTO hub_member_stores(program, uid, store) VALUES (?, ?, ?)")
                .bind_all(program, uid, store)
                .run();
            auto st =
                db().prepare("SELECT store FROM hub_member_stores WHERE program = ? AND uid = ?");
            st.bind_all(program, uid);
            while (st.step()) audience[{program, st.text(0)}].insert(uid);
        }
    }
    // Before the snapshots: a store that holds the absorbed member merges it into
    // the survivor, then the survivor's snapshot brings its balance.
    for (const auto& [program, merged] : merges) {
        json items = json::array();
        std::set<std::string> stores;
        for (const auto& m : merged) {
            items.push_back(json{
                {"key", m.absorbed_uid}, {"version", m.version}, {"survivor_uid", m.survivor_uid}});
            auto st =
                db().prepare("SELECT store FROM hub_member_stores WHERE program = ? AND uid = ?");
            st.bind_all(program, m.survivor_uid);
            while (st.step()) stores.insert(st.text(0));
        }
        const auto payload = json{
            {"v", protocol_version},
            {"kind", "member_merged"},
            {"program", program},
            {"items",
             std::move(items)}}.dump();
        for (const auto& store : stores)
            report.publish.push_back({store_down_topic(program, store), payload});
    }
    for (const auto& [where, uids] : audience) {
        const auto& [program, store] = where;
        std::map<std::string, std::int64_t> through;
        auto th = db().prepare(
            "SELECT terminal, last_seq FROM hub_terminals WHERE store = ? AND program = ?");
        th.bind_all(store, program);
        while (th.step()) through[th.text(0)] = th.int64(1);
        std::vector<MemberSnapshot> items;
        for (const auto& uid : uids) {
            if (auto m = hub.member(program, uid)) items.push_back(std::move(*m));
            if (items.size() == snapshot_items_per_message) {
                report.publish.push_back(
                    {store_down_topic(program, store), encode_snapshots(program, items, through)});
                items.clear();
            }
        }
        if (!items.empty())
            report.publish.push_back(
                {store_down_topic(program, store), encode_snapshots(program, items, through)});
    }
    for (const auto& [program, items] : card_blocks) {
        const auto payload = json{
            {"v", protocol_version},
            {"kind", "card_block"},
            {"program", program},
            {"items", items}}.dump();
        auto stores = db().prepare("SELECT DISTINCT store FROM hub_terminals WHERE program = ?");
        stores.bind(1, program);
        while (stores.step())
            report.publish.push_back({store_down_topic(program, stores.text(0)), payload});
    }
}

}  // namespace loyalty::sync
