#include "agent_down.hpp"

#include <nlohmann/json.hpp>

#include "coupon_items.hpp"
#include "json_fields.hpp"
#include "loyalty/receipt_claims.hpp"
#include "loyalty/storage/engine_storage.hpp"
#include "member_mirror.hpp"
#include "mqtt_session.hpp"

namespace loyalty::sync {

DownApplier::DownApplier(const AgentConfig& config, std::string who, Engine& engine,
                         DownState& down, AgentStatsBox& stats)
    : config_(config), who_(std::move(who)), engine_(engine), down_(down), stats_(stats) {}

void DownApplier::apply(const Inbound& in, std::int64_t now) {
    auto msg = decode_down(in.payload);
    if (!msg) {
        log_line(who_, "dead letter on " + in.topic + ": " + msg.error().message);
        down_.dead_letter(in.topic, reason_of(msg.error()), in.payload, now);
        stats_.update([](AgentStats& s) { ++s.dead_letters; });
        return;
    }
    std::int64_t through = 0;
    if (auto it = msg->through.find(config_.address.terminal); it != msg->through.end())
        through = it->second;
    Transaction tx(engine_database(engine_));
    // Counted once committed: a test (or an operator) that sees a count sees its change.
    std::int64_t applied = 0, stale = 0, reversed = 0, merged = 0, parked = 0;
    for (const auto& item : msg->items) {
        if (item.kind == "claim_reversed") {
            // Checked before the version rule: an item naming a claim that is not this store's
            // (forged on the store's own topic) must not take the version of the real one.
            if (reverse_claim(item)) {
                down_.apply(item, through, now);
                ++applied;
                ++reversed;
            } else {
                ++stale;
            }
            continue;
        }
        // Config the engine installs (campaign files, program rules and rewards) must carry a body
        // object.
        const bool installs =
            item.kind == "config" && (item.key == "campaigns" || item.key == "program");
        std::string body;
        if (installs) {
            const auto j = nlohmann::json::parse(item.body, nullptr, false);
            const auto b = j.is_object() ? j.find("body") : j.end();
            if (!j.is_object() || b == j.end() || !b->is_object()) {
                // Not a document at all: park it, like any bad message.
                log_line(who_, "dead letter on " + in.topic + ": " + item.key +
                                   " item without a body object");
                down_.dead_letter(in.topic, "malformed", item.body, now);
                ++parked;
                continue;
            }
            body = b->dump();
        }
        if (!down_.apply(item, through, now)) {
            // The same snapshot again is the hub's answer to this terminal moving the
            // member's tier on its own partial view: the hub's tier stands.
            if (item.kind == "snapshots") {
                const auto held = down_.snapshot(item.key);
                if (held && held->snapshot.version == item.version) adopt_snapshot(item, {});
            }
            ++stale;
            continue;
        }
        ++applied;
        if (item.kind == "snapshots")
            adopt_snapshot(item, msg->through);
        else if (item.kind == "card_block")
            block_card(msg->program, item);
        else if (item.kind == "coupon_issue")
            accept_coupon(msg->program, item);
        else if (item.kind == "member_merged" && merge_member(msg->program, item))
            ++merged;
        else if (installs && item.key == "campaigns")
            install_campaigns(item.version, body);
        else if (installs)
            install_program(msg->program, item.version, body);
    }
    tx.commit();
    stats_.update([&](AgentStats& s) {
        s.down_applied += applied;
        s.down_stale += stale;
        s.claims_reversed += reversed;
        s.members_merged += merged;
        s.dead_letters += parked;
    });
}

// A card reported lost or blocked at another store stops working here too.
// Blocking emits the terminal's own card event, which the hub sees as a
// newer version of the same block: applied there, a no-op everywhere.
void DownApplier::block_card(const std::string& program, const DownItem& item) {
    const auto body = nlohmann::json::parse(item.body, nullptr, false);
    const auto state = text_field(body, "state");
    auto card = engine_.cards().find(program, item.key);
    if (!card || card->status == CardStatus::blocked || card->status == CardStatus::replaced ||
        card->status == CardStatus::lost)
        return;
    const auto from = text_field(body, "from_store");
    auto done = state == "lost"
                    ? engine_.cards().report_lost(program, item.key, "hub")
                    : engine_.cards().block(program, item.key, "blocked at store " + from, "hub");
    if (!done) log_line(who_, "card " + item.key + ": " + done.error().message);
}

// The hub's tier for the member, decided over every store's sales: the till
// and the kiosk here price with it from now on. A newer snapshot also brings
// the member's points here to the program-wide balance (`through` given).
void DownApplier::adopt_snapshot(
    const DownItem& item, const std::optional<std::map<std::string, std::int64_t>>& through) {
    const auto j = nlohmann::json::parse(item.body, nullptr, false);
    if (!j.is_object()) return;
    auto member = engine_.members().get_by_uid(item.key);
    if (!member || member->status != "active") return;  // not a member this terminal knows
    if (through && j.contains("points"))
        if (align_member(engine_, config_.address.store, item.key, int_field(j, "points"),
                         *through) != 0)
            stats_.update([](AgentStats& s) { ++s.balances_aligned; });
    if (through && align_member_stored_value(engine_, config_.address.store, item.key, j, *through))
        stats_.update([](AgentStats& s) { ++s.balances_aligned; });
    const auto tier = text_field(j, "tier");
    const auto review = int_field(j, "tier_review_at");
    if (tier.empty() || review <= 0) return;  // a hub that does not decide tiers
    auto adopted = engine_.tiers().adopt(member->id, tier, from_unix(review));
    if (!adopted) {
        log_line(who_,
                 "tier " + tier + " for " + item.key + " refused: " + adopted.error().message);
        return;
    }
    if (adopted->has_value()) stats_.update([](AgentStats& s) { ++s.tiers_adopted; });
}

// The program's rules, tiers and rewards from head office, newer than the
// last (DownState's version rule); refused whole when invalid or for another
// program, and the terminal keeps the rules it has.
void DownApplier::install_program(const std::string& program, std::int64_t version,
                                  const std::string& body) {
    const auto v = std::to_string(version);
    auto parsed = parse_program_config_json(body);
    if (parsed && parsed->code != program)
        parsed = make_error(Errc::invalid_argument,
                            "the file is program " + parsed->code + ", sent for " + program);
    auto saved = parsed ? engine_.programs().save(*parsed, "hub") : Result<void>(parsed.error());
    if (!saved) {
        log_line(who_,
                 "program " + program + " version " + v + " refused: " + saved.error().message);
        stats_.update([](AgentStats& s) { ++s.programs_refused; });
        return;
    }
    log_line(who_, "program " + program + " version " + v + " installed");
    stats_.update([](AgentStats& s) { ++s.programs_installed; });
}

// A coupon the hub issued to a member: usable here from now on. A member this
// terminal does not know yet is logged; the item stays in link_down_items.
void DownApplier::accept_coupon(const std::string& program, const DownItem& item) {
    const auto j = nlohmann::json::parse(item.body, nullptr, false);
    if (!j.is_object()) return;
    auto member = engine_.members().get_by_uid(text_field(j, "member_uid"));
    if (!member) {
        log_line(who_, "coupon " + item.key + ": " + member.error().message);
        return;
    }
    auto accepted = engine_.rewards().accept_issued(coupon_of_item(item, program, member->id));
    if (!accepted) {
        log_line(who_, "coupon " + item.key + " refused: " + accepted.error().message);
        return;
    }
    stats_.update([](AgentStats& s) { ++s.coupons_accepted; });
}

// The hub merged a member enrolled twice (the same phone, one enrollment made
// while this store could not reach it) into the member it knew first. A store
// holding the absorbed member merges it the same way, through the engine's
// Replication: its points, sales, cards, coupons and phone move to the survivor,
// created here if this store never saw it, and no event goes back (the hub has
// made the merge). The survivor's snapshot follows on the same topic and brings
// its balance.
bool DownApplier::merge_member(const std::string& program, const DownItem& item) {
    const auto j = nlohmann::json::parse(item.body, nullptr, false);
    const auto survivor = text_field(j, "survivor_uid");
    auto absorbed = engine_.members().get_by_uid(item.key);
    if (survivor.empty() || survivor == item.key || !absorbed || absorbed->status != "active")
        return false;  // not a member this store holds, or merged here already
    auto merged = engine_.replication().apply(ReplicatedEvent{
        "hub-merge:" + item.key, "member.merged", program, config_.address.store, "HUB",
        engine_.clock().now(),
        nlohmann::json{{"survivor_uid", survivor},
                       {"absorbed_uid", item.key},
                       {"reason", "merged at headquarters: the same shopper enrolled twice"}}});
    if (!merged) {
        log_line(who_, "member " + item.key + " not merged into " + survivor + ": " +
                           merged.error().message);
        return false;
    }
    return true;
}

// The hub kept another kiosk's claim of the same receipt and reversed this store's (two
// kiosks took it while they could not reach each other). The claim is marked reversed with
// the hub's note, once, so the kiosk tells the member at their next visit; no points move
// here (the member's snapshot, which no longer counts the claim, aligns the balance). Only a
// claim taken at this agent's store, of the member the item names: anything else changes
// nothing and is logged.
bool DownApplier::reverse_claim(const DownItem& item) {
    const auto j = nlohmann::json::parse(item.body, nullptr, false);
    auto done = engine_.receipt_claims().reverse_from_hub(
        item.key, config_.address.store, text_field(j, "member_uid"), text_field(j, "note"));
    if (!done) {
        log_line(who_, "claim_reversed " + item.key + " ignored: " + done.error().message);
        return false;
    }
    if (!*done) return false;  // reversed before (a copy of the message), or decided here
    log_line(who_, "receipt claim " + item.key + " reversed by the hub");
    return true;
}

// A campaign file from the hub, already known to be newer than the last one
// (DownState's version rule). The engine validates each campaign: a refused
// one keeps its version in force, and the refusal is logged with its reason.
void DownApplier::install_campaigns(std::int64_t version, const std::string& body) {
    const auto v = std::to_string(version);
    auto loaded = engine_.campaigns().load(body, "hub");
    if (!loaded) {
        log_line(who_, "campaigns version " + v + " refused: " + loaded.error().message);
        stats_.update([](AgentStats& s) { ++s.campaigns_refused; });
        return;
    }
    for (const auto& r : loaded->refused)
        log_line(who_, "campaigns version " + v + ": " + r.campaign + " refused: " + r.reason);
    if (!loaded->installed.empty()) {
        std::string names;
        for (const auto& c : loaded->installed) names += " " + c;
        log_line(who_, "campaigns version " + v + " installed" + names);
    }
    stats_.update([&](AgentStats& s) {
        s.campaigns_installed += static_cast<std::int64_t>(loaded->installed.size());
        s.campaigns_refused += static_cast<std::int64_t>(loaded->refused.size());
    });
}

}  // namespace loyalty::sync
