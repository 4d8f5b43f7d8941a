#pragma once
// The v1 payloads (see PROTOCOL.md): event batches up, acks, presence and
// versioned down items. Decoders never throw: a bad payload is an Error whose
// message starts with the dead-letter reason ("malformed: ...").
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "loyalty/outbox.hpp"
#include "loyalty/result.hpp"
#include "loyalty/sync/topics.hpp"

namespace loyalty::sync {

// Larger payloads are refused unread (dead letter "oversized").
inline constexpr std::size_t max_payload_bytes = 1024 * 1024;
// The hub holds events at most this far ahead of a terminal's applied sequence
// (far beyond any agent's window); further is refused ("out_of_window"), so a
// broken or hostile store cannot fill the hub's held table.
inline constexpr std::int64_t max_hold_ahead = 100000;
// Sequences, bases and times in milliseconds read from a message: whole numbers
// in [0, 2^53] (exact in any JSON reader), so sums of two never overflow.
inline constexpr std::int64_t max_wire_integer = std::int64_t{1} << 53;

// Dead-letter reasons, the prefix of a decode error's message.
namespace reason {
inline constexpr const char* malformed = "malformed";
inline constexpr const char* wrong_version = "wrong_version";
inline constexpr const char* unknown_kind = "unknown_kind";
inline constexpr const char* oversized = "oversized";
inline constexpr const char* topic_mismatch = "topic_mismatch";
inline constexpr const char* unsigned_message = "unsigned";
inline constexpr const char* bad_signature = "bad_signature";
inline constexpr const char* unknown_schema = "unknown_schema";
inline constexpr const char* out_of_window = "out_of_window";
inline constexpr const char* unknown_program = "unknown_program";
// One event of a batch, parked on its own (consumed, so the terminal goes on):
inline constexpr const char* malformed_event =
    "malformed_event";  // a field missing, mistyped or out of range
inline constexpr const char* foreign_reference =
    "foreign_reference";  // names another store's sale, card, member
inline constexpr const char* unknown_receipt =
    "unknown_receipt";                               // a refund of a sale the hub never booked
inline constexpr const char* conflict = "conflict";  // a receipt or key booked by another event
// A batch whose base would move the hub past events it never applied.
inline constexpr const char* bad_base = "bad_base";
}  // namespace reason
// "malformed: missing seq" -> "malformed"
std::string reason_of(const Error& error);

// Up: consecutive outbox events of one terminal. The event payloads are spliced
// in as they are stored (already JSON objects), not re-serialised.
std::string encode_batch(const TerminalAddress& from, std::int64_t base, std::int64_t sent_at_ms,
                         const std::vector<OutboxEvent>& events, std::size_t first = 0,
                         std::size_t count = static_cast<std::size_t>(-1));

struct Ack {
    std::string store;
    std::string terminal;
    std::int64_t through = 0;  // highest contiguous sequence applied at the hub
    std::int64_t hub_time_ms = 0;
    std::int64_t skew_ms = 0;  // hub receive time - terminal send time (transit included)
    std::int64_t duplicates = 0;
};
std::string encode_ack(const Ack& ack);
Result<Ack> decode_ack(std::string_view payload);

struct Presence {
    std::string store;
    std::string terminal;
    std::string state;   // online | offline
    std::string reason;  // lost | shutdown | "" when online
    std::int64_t at_ms = 0;
    std::int64_t backlog = 0;
};
std::string encode_presence(const Presence& presence);
Result<Presence> decode_presence(std::string_view payload);

// The hub's authoritative view of one member.
struct MemberSnapshot {
    std::string uid;
    std::int64_t version = 0;  // the hub's per-member change counter
    std::int64_t points = 0;   // available + pending, all stores
    std::string tier;
    std::string status;
    std::int64_t tier_review_at = 0;  // unix seconds: when the hub next reviews the tier
    std::int64_t available = 0;       // of points: spendable now
    std::int64_t pending = 0;         // of points: in a return window somewhere
    // The member's stored value (fen) at the hub, every store's top-ups and spends.
    std::int64_t sv_principal = 0;
    std::int64_t sv_bonus = 0;
};
// through: the hub's applied-through sequence of each terminal of the store at
// snapshot time, so a terminal adds only its own events the snapshot lacks.
// One `snapshots` item: {"key":uid, "version", "points", "available", "pending", "tier",
// "status", "tier_review_at", "stored_value":{"principal", "bonus"}}.
std::string snapshot_item(const MemberSnapshot& snapshot);
std::string encode_snapshots(const std::string& program, const std::vector<MemberSnapshot>& items,
                             const std::map<std::string, std::int64_t>& through);

// A `config` down message with one item: {"key":key, "version":version,
// "body":<body_json>}. Fails when body_json is not a JSON object.
Result<std::string> encode_config(const std::string& program, const std::string& key,
                                  std::int64_t version, const std::string& body_json);

// One versioned item of any down message kind, with its JSON kept whole.
struct DownItem {
    std::string kind;  // snapshots | card_block | coupon_issue | config | member_merged |
                       // claim_reversed
    std::string key;
    std::int64_t version = 0;
    std::string body;  // the item's JSON
};
struct DownMessage {
    std::string kind;
    std::string program;
    std::vector<DownItem> items;
    std::map<std::string, std::int64_t> through;  // terminal -> hub applied-through (snapshots)
};
Result<DownMessage> decode_down(std::string_view payload);

// Hub -> one terminal (its acks topic): the terminal's history forked (a store
// database restored from a backup reuses sequence numbers the hub has applied
// with other events). The terminal renumbers its unacknowledged events after
// `through`, the hub's last applied sequence, and sends them again.
struct Resequence {
    std::string store;
    std::string terminal;
    std::int64_t through = 0;
    std::int64_t seq = 0;  // the sequence at which the hub saw another event id
};
std::string encode_resequence(const Resequence& r);
Result<Resequence> decode_resequence(std::string_view payload);

}  // namespace loyalty::sync
