#include "hub_migrations.hpp"

namespace loyalty::sync {

namespace {

// 1: the tables exactly as the hub created them before it had migrations (IF NOT
// EXISTS; hub_config_versions was made by the first config publish), so a hub
// database made then is adopted as version 1 as is. A change to them is a new
// migration below, never an edit of this one.
constexpr const char* kMigration1 = R"sql(
CREATE TABLE IF NOT EXISTS hub_terminals (
  store TEXT NOT NULL, terminal TEXT NOT NULL, program TEXT NOT NULL,
  last_seq INTEGER NOT NULL DEFAULT 0,      -- highest contiguous sequence applied
  duplicates INTEGER NOT NULL DEFAULT 0,
  skew_ms INTEGER, last_seen_ms INTEGER,
  PRIMARY KEY (store, terminal)) WITHOUT ROWID;
-- Every event consumed, once: the dedupe table and the hub's ledger in one.
CREATE TABLE IF NOT EXISTS hub_applied (
  id INTEGER PRIMARY KEY,
  event_id TEXT NOT NULL UNIQUE,
  program TEXT NOT NULL, store TEXT NOT NULL, terminal TEXT NOT NULL, seq INTEGER NOT NULL,
  type TEXT NOT NULL, member_uid TEXT, points_delta INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL,                     -- applied | parked (unknown schema, see dead letters)
  occurred_at INTEGER, applied_at_ms INTEGER NOT NULL, worker TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS hub_applied_by_terminal ON hub_applied(store, terminal, seq);
-- Events that arrived ahead of a gap in their terminal's sequence.
CREATE TABLE IF NOT EXISTS hub_held (
  store TEXT NOT NULL, terminal TEXT NOT NULL, seq INTEGER NOT NULL, program TEXT NOT NULL, event TEXT NOT NULL,
  PRIMARY KEY (store, terminal, seq)) WITHOUT ROWID;
-- Every store whose terminals sent events about the member: where its
-- snapshot goes when the hub's view of it changes.
CREATE TABLE IF NOT EXISTS hub_member_stores (
  program TEXT NOT NULL, uid TEXT NOT NULL, store TEXT NOT NULL,
  PRIMARY KEY (program, uid, store)) WITHOUT ROWID;
-- Points an event took that the hub's copy of the member did not have (spent
-- twice in two stores while offline): booked anyway, listed for an operator.
CREATE TABLE IF NOT EXISTS hub_shortfalls (
  event_id TEXT PRIMARY KEY, program TEXT NOT NULL, member_uid TEXT NOT NULL, points INTEGER NOT NULL,
  at_ms INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS hub_dead_letters (
  id INTEGER PRIMARY KEY, topic TEXT NOT NULL, reason TEXT NOT NULL, detail TEXT NOT NULL,
  payload BLOB, received_at_ms INTEGER NOT NULL, worker TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS hub_presence (
  store TEXT NOT NULL, terminal TEXT NOT NULL, state TEXT NOT NULL, reason TEXT NOT NULL,
  at_ms INTEGER NOT NULL, backlog INTEGER NOT NULL, received_at_ms INTEGER NOT NULL,
  PRIMARY KEY (store, terminal)) WITHOUT ROWID;
-- The hub's version counter per (program, config key): each publish is one higher.
CREATE TABLE IF NOT EXISTS hub_config_versions (
  program TEXT NOT NULL, key TEXT NOT NULL, version INTEGER NOT NULL,
  PRIMARY KEY (program, key)) WITHOUT ROWID;
)sql";

// 2: a dead letter of one event (parked on its own at its turn in the
// terminal's sequence) says whose it is, so an operator can list it and
// replay it after a fix (loyalty-hub --dead-letters, --replay ID); a terminal
// asked to renumber its events is remembered until it has.
constexpr const char* kMigration2 = R"sql(
ALTER TABLE hub_dead_letters ADD COLUMN store TEXT;
ALTER TABLE hub_dead_letters ADD COLUMN terminal TEXT;
ALTER TABLE hub_dead_letters ADD COLUMN seq INTEGER;
ALTER TABLE hub_dead_letters ADD COLUMN event_id TEXT;
ALTER TABLE hub_dead_letters ADD COLUMN replayed_at_ms INTEGER;
CREATE INDEX hub_dead_letters_by_event ON hub_dead_letters(event_id) WHERE event_id IS NOT NULL;
-- Set when the terminal's history forked and it was asked to renumber after this
-- sequence; until a batch based there arrives, its older batches apply nothing.
ALTER TABLE hub_terminals ADD COLUMN resequence_through INTEGER;
)sql";

// 3: points a terminal may spend now for a member of any store (an online
// authorization): held against the member's balance until the sale's event
// captures it, the terminal releases it, or it lapses at expires_at_ms. A store
// names its holds; (program, store, auth) is the hold, so no store can capture or
// release another's. Stores that asked about a member hear its snapshots too.
constexpr const char* kMigration3 = R"sql(
CREATE TABLE hub_holds (
  program TEXT NOT NULL, store TEXT NOT NULL, auth TEXT NOT NULL,
  terminal TEXT NOT NULL, member_uid TEXT NOT NULL, points INTEGER NOT NULL CHECK (points > 0),
  state TEXT NOT NULL CHECK (state IN ('held', 'captured', 'released')),
  created_at_ms INTEGER NOT NULL, expires_at_ms INTEGER NOT NULL,
  settled_at_ms INTEGER, event_id TEXT,
  PRIMARY KEY (program, store, auth)) WITHOUT ROWID;
CREATE INDEX hub_holds_open ON hub_holds(program, member_uid, expires_at_ms) WHERE state = 'held';
)sql";

// 4: a coupon of the hub's (issued to every store of the member) used by a sale
// after another sale had used it: spent twice while the stores could not reach the
// hub. Listed for head office (loyalty-hub --status), one row per second use.
constexpr const char* kMigration4 = R"sql(
CREATE TABLE hub_coupon_reuses (
  event_id TEXT NOT NULL, program TEXT NOT NULL, code TEXT NOT NULL,
  store TEXT NOT NULL, terminal TEXT NOT NULL, receipt_key TEXT NOT NULL,
  first_receipt_key TEXT NOT NULL, member_uid TEXT, at_ms INTEGER NOT NULL,
  PRIMARY KEY (event_id, code));
)sql";

// 5: stored value (fen) a terminal may spend now from a member's balance or a gift
// card, whichever store sold it: held like points (hub_holds) until the sale's event
// captures it, the terminal releases it, or it lapses. One sale may pay from several
// holders (the member's balance and gift cards), so the holder is part of the hold.
// What a stored-value event took beyond the hub's balance is listed apart.
constexpr const char* kMigration5 = R"sql(
CREATE TABLE hub_sv_holds (
  program TEXT NOT NULL, store TEXT NOT NULL, auth TEXT NOT NULL,
  holder TEXT NOT NULL,                     -- "member:<uid>" | "card:<number>"
  terminal TEXT NOT NULL, amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
  state TEXT NOT NULL CHECK (state IN ('held', 'captured', 'released')),
  created_at_ms INTEGER NOT NULL, expires_at_ms INTEGER NOT NULL,
  settled_at_ms INTEGER, event_id TEXT,
  PRIMARY KEY (program, store, auth, holder)) WITHOUT ROWID;
CREATE INDEX hub_sv_holds_open ON hub_sv_holds(program, holder, expires_at_ms) WHERE state = 'held';
-- Stored value an event took that the hub's copy of the balance did not hold (spent
-- in two stores within their offline limits, a card whose top-up has not arrived):
-- booked as far as it went, listed for head office with the engine's note.
CREATE TABLE hub_sv_shortfalls (
  event_id TEXT PRIMARY KEY, program TEXT NOT NULL, store TEXT NOT NULL,
  amount_minor INTEGER NOT NULL, detail TEXT NOT NULL, at_ms INTEGER NOT NULL) WITHOUT ROWID;
)sql";

// 6: one-time codes sent by SMS (a shopper proves the phone is theirs before joining with
// it or resetting its PIN) and the messages waiting for the SMS gateway. A code is kept as a
// salted hash, one per phone and purpose; the messages are an outbox the hub's sender
// drains, so a slow gateway never holds up an answer.
constexpr const char* kMigration6 = R"sql(
CREATE TABLE hub_sms_codes (
  program TEXT NOT NULL, phone TEXT NOT NULL, purpose TEXT NOT NULL,
  salt TEXT NOT NULL, code_hash TEXT NOT NULL,   -- hex
  store TEXT NOT NULL, terminal TEXT NOT NULL,
  sent_at_ms INTEGER NOT NULL, expires_at_ms INTEGER NOT NULL,
  wrong_tries INTEGER NOT NULL DEFAULT 0, verified_at_ms INTEGER,
  PRIMARY KEY (program, phone, purpose)) WITHOUT ROWID;
CREATE TABLE hub_sms_outbox (
  id INTEGER PRIMARY KEY, program TEXT NOT NULL, phone TEXT NOT NULL, text TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'failed')),
  tries INTEGER NOT NULL DEFAULT 0, next_try_ms INTEGER NOT NULL,
  sent_at_ms INTEGER, last_error TEXT);
CREATE INDEX hub_sms_outbox_due ON hub_sms_outbox(next_try_ms) WHERE state = 'queued';
CREATE INDEX hub_sms_outbox_phone ON hub_sms_outbox(phone, created_at_ms);
)sql";

// 7: a mall's parking credits for its car park system: queued once by credit id when the
// hub applies the terminal's parking.credited (the same transaction), published on
// loyalty/v1/{p}/carpark/credits by a worker and marked once the broker accepted it; a lease
// (next_try_ms) keeps two workers from sending one at once, and a refusal is tried again.
constexpr const char* kMigration7 = R"sql(
CREATE TABLE hub_carpark_credits (
  id INTEGER PRIMARY KEY, program TEXT NOT NULL, credit_id TEXT NOT NULL,
  event_id TEXT NOT NULL, store TEXT NOT NULL, terminal TEXT NOT NULL,
  payload TEXT NOT NULL,                    -- the car park's message, the same on every try
  created_at_ms INTEGER NOT NULL,
  state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'published')),
  tries INTEGER NOT NULL DEFAULT 0, next_try_ms INTEGER NOT NULL,
  published_at_ms INTEGER, last_error TEXT,
  UNIQUE (program, credit_id));
CREATE INDEX hub_carpark_credits_due ON hub_carpark_credits(next_try_ms) WHERE state = 'queued';
)sql";

constexpr const char* const kMigrations[] = {kMigration1, kMigration2, kMigration3, kMigration4,
                                             kMigration5, kMigration6, kMigration7};

}  // namespace

SchemaPart hub_schema() {
    return SchemaPart{"hub", kMigrations, hub_postgres_migrations()};
}

}  // namespace loyalty::sync
