#include "link_migrations.hpp"

namespace loyalty::sync {

namespace {

// 1: the tables exactly as the agent created them before it had migrations
// (IF NOT EXISTS), so a store database made then is adopted as version 1 as is.
// A change to them is a new migration below, never an edit of this one.
constexpr const char* kMigration1 = R"sql(
CREATE TABLE IF NOT EXISTS link_down_items (
  kind TEXT NOT NULL, key TEXT NOT NULL, version INTEGER NOT NULL, through INTEGER NOT NULL DEFAULT 0,
  body TEXT NOT NULL, received_at_ms INTEGER NOT NULL, PRIMARY KEY (kind, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS link_dead_letters (
  id INTEGER PRIMARY KEY, topic TEXT NOT NULL, reason TEXT NOT NULL, payload BLOB,
  received_at_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS link_status (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
)sql";

// 2: points a till or the kiosk let a member spend while the hub did not
// answer, per member and local day: the offline limit's count. Keyed by the
// spend's id, so a retried sale counts once.
constexpr const char* kMigration2 = R"sql(
CREATE TABLE link_offline_spends (
  auth TEXT PRIMARY KEY, member_uid TEXT NOT NULL, points INTEGER NOT NULL CHECK (points > 0),
  day INTEGER NOT NULL, at_ms INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX link_offline_spends_by_member ON link_offline_spends(member_uid, day);
)sql";

// 3: stored value (fen) a till let a member's balance or a gift card spend while the
// hub did not answer, per holder and local day: the program's stored-value offline
// limit. Keyed by the spend and its holder, so a retried sale counts once.
constexpr const char* kMigration3 = R"sql(
CREATE TABLE link_offline_sv_spends (
  auth TEXT NOT NULL, holder TEXT NOT NULL, amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
  day INTEGER NOT NULL, at_ms INTEGER NOT NULL, PRIMARY KEY (auth, holder)) WITHOUT ROWID;
CREATE INDEX link_offline_sv_spends_by_holder ON link_offline_sv_spends(holder, day);
)sql";

constexpr const char* const kMigrations[] = {kMigration1, kMigration2, kMigration3};

}  // namespace

SchemaPart link_schema() {
    return SchemaPart{"link", kMigrations};
}

}  // namespace loyalty::sync
