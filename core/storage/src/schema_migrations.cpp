// Numbered schema migrations. A database records the last one applied in
// PRAGMA user_version; open() applies the rest in one transaction each.
// Never edit a migration that has shipped: add the next one.
#include "schema_migrations.hpp"

namespace loyalty {

namespace {

constexpr const char* kMigration1 = R"sql(
CREATE TABLE programs (
    id              INTEGER PRIMARY KEY,
    code            TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('mall', 'brand')),
    config_json     TEXT NOT NULL,
    config_version  INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE stores (
    id      INTEGER PRIMARY KEY,
    code    TEXT NOT NULL UNIQUE,
    name    TEXT NOT NULL
);

-- A store sells under its brand's program and, inside a mall, the mall's program.
CREATE TABLE store_programs (
    store_id    INTEGER NOT NULL REFERENCES stores(id),
    program_id  INTEGER NOT NULL REFERENCES programs(id),
    PRIMARY KEY (store_id, program_id)
) WITHOUT ROWID;

CREATE TABLE members (
    id                  INTEGER PRIMARY KEY,
    uid                 TEXT NOT NULL UNIQUE,  -- global across terminals and the hub; ids are local
    program_id          INTEGER NOT NULL REFERENCES programs(id),
    display_name        TEXT NOT NULL DEFAULT '',
    birthday_month      INTEGER CHECK (birthday_month BETWEEN 1 AND 12),
    birthday_day        INTEGER CHECK (birthday_day BETWEEN 1 AND 31),
    enrolled_at         INTEGER NOT NULL,
    home_store          TEXT,
    status              TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'merged', 'closed')),
    merged_into         INTEGER REFERENCES members(id),
    consent_privacy_at  INTEGER,
    consent_marketing_at INTEGER,
    pin_hash            TEXT,
    tier_code           TEXT NOT NULL,
    tier_since          INTEGER NOT NULL,
    tier_review_at      INTEGER NOT NULL,
    tier_grace_until    INTEGER,
    points_available    INTEGER NOT NULL DEFAULT 0 CHECK (points_available >= 0),
    points_pending      INTEGER NOT NULL DEFAULT 0 CHECK (points_pending >= 0),
    last_visit_at       INTEGER,
    rfm_r               INTEGER NOT NULL DEFAULT 0,
    rfm_f               INTEGER NOT NULL DEFAULT 0,
    rfm_m               INTEGER NOT NULL DEFAULT 0,
    rfm_score           INTEGER NOT NULL DEFAULT 0,
    version             INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX members_by_program_tier ON members(program_id, tier_code);
CREATE INDEX members_by_review ON members(tier_review_at) WHERE status = 'active';

-- Every way a shopper is recognised; unique within a program.
CREATE TABLE identities (
    program_id  INTEGER NOT NULL REFERENCES programs(id),
    kind        TEXT NOT NULL CHECK (kind IN ('card_number', 'card_uid', 'barcode', 'phone', 'app_code', 'union_id')),
    value       TEXT NOT NULL,
    member_id   INTEGER NOT NULL REFERENCES members(id),
    linked_at   INTEGER NOT NULL,
    PRIMARY KEY (program_id, kind, value)
) WITHOUT ROWID;
CREATE INDEX identities_by_member ON identities(member_id);

CREATE TABLE cards (
    id           INTEGER PRIMARY KEY,
    program_id   INTEGER NOT NULL REFERENCES programs(id),
    card_number  TEXT NOT NULL,
    card_uid     TEXT,
    form         TEXT NOT NULL CHECK (form IN ('physical', 'electronic')),
    member_id    INTEGER NOT NULL REFERENCES members(id),
    status       TEXT NOT NULL CHECK (status IN ('issued', 'active', 'lost', 'blocked', 'replaced')),
    issued_at    INTEGER NOT NULL,
    replaced_by  INTEGER REFERENCES cards(id),
    UNIQUE (program_id, card_number)
);
CREATE INDEX cards_by_member ON cards(member_id);

-- Append-only: triggers below refuse UPDATE and DELETE.
CREATE TABLE ledger_entries (
    id               INTEGER PRIMARY KEY,
    member_id        INTEGER NOT NULL REFERENCES members(id),
    kind             TEXT NOT NULL CHECK (kind IN ('earn', 'redeem', 'expire', 'adjust', 'reverse', 'transfer', 'bonus', 'release')),
    available_delta  INTEGER NOT NULL,
    pending_delta    INTEGER NOT NULL,
    occurred_at      INTEGER NOT NULL,
    reason           TEXT NOT NULL DEFAULT '',
    reference        TEXT,
    idempotency_key  TEXT NOT NULL UNIQUE,
    store            TEXT,
    terminal         TEXT,
    actor            TEXT
);
CREATE INDEX ledger_by_member ON ledger_entries(member_id, occurred_at);
CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only'); END;
CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only'); END;

-- Points are earned in lots, each with its own release and expiry date, and
-- consumed oldest-expiry-first.
CREATE TABLE point_lots (
    id              INTEGER PRIMARY KEY,
    member_id       INTEGER NOT NULL REFERENCES members(id),
    source_entry_id INTEGER NOT NULL REFERENCES ledger_entries(id),
    earned_at       INTEGER NOT NULL,
    release_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    original        INTEGER NOT NULL CHECK (original > 0),
    remaining       INTEGER NOT NULL CHECK (remaining >= 0),
    state           TEXT NOT NULL CHECK (state IN ('pending', 'available'))
);
CREATE INDEX lots_open_by_member ON point_lots(member_id, expires_at) WHERE remaining > 0;
CREATE INDEX lots_pending_release ON point_lots(release_at) WHERE state = 'pending';
CREATE INDEX lots_expiry ON point_lots(expires_at) WHERE remaining > 0;

-- Which lots an entry drew from (negative) or gave back to (positive), so a
-- refund can restore redeemed points to the lots they came from.
CREATE TABLE lot_movements (
    entry_id  INTEGER NOT NULL REFERENCES ledger_entries(id),
    lot_id    INTEGER NOT NULL REFERENCES point_lots(id),
    points    INTEGER NOT NULL,
    PRIMARY KEY (entry_id, lot_id)
) WITHOUT ROWID;

CREATE TABLE sales (
    id                INTEGER PRIMARY KEY,
    program_id        INTEGER NOT NULL REFERENCES programs(id),
    store             TEXT NOT NULL,
    terminal          TEXT NOT NULL,
    receipt           TEXT NOT NULL,
    member_id         INTEGER REFERENCES members(id),
    occurred_at       INTEGER NOT NULL,
    gross_minor       INTEGER NOT NULL,
    net_minor         INTEGER NOT NULL,
    coupon_minor      INTEGER NOT NULL DEFAULT 0,
    points_paid       INTEGER NOT NULL DEFAULT 0,
    points_paid_minor INTEGER NOT NULL DEFAULT 0,
    points_earned     INTEGER NOT NULL DEFAULT 0,
    refunded_minor    INTEGER NOT NULL DEFAULT 0,
    points_reversed   INTEGER NOT NULL DEFAULT 0,
    points_restored   INTEGER NOT NULL DEFAULT 0,
    fingerprint       TEXT NOT NULL,
    status            TEXT NOT NULL DEFAULT 'committed' CHECK (status IN ('committed', 'partially_refunded', 'refunded', 'voided')),
    UNIQUE (program_id, store, terminal, receipt)
);
CREATE INDEX sales_by_member ON sales(member_id, occurred_at);
CREATE INDEX sales_by_time ON sales(occurred_at);

CREATE TABLE sale_lines (
    sale_id        INTEGER NOT NULL REFERENCES sales(id),
    line_no        INTEGER NOT NULL,
    sku            TEXT NOT NULL,
    category       TEXT NOT NULL,
    quantity       INTEGER NOT NULL CHECK (quantity > 0),
    unit_price     INTEGER NOT NULL CHECK (unit_price >= 0),
    member_price   INTEGER NOT NULL,
    discount_minor INTEGER NOT NULL DEFAULT 0,
    net_minor      INTEGER NOT NULL,
    eligible       INTEGER NOT NULL,
    refunded_qty   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (sale_id, line_no)
) WITHOUT ROWID;

CREATE TABLE refunds (
    id              INTEGER PRIMARY KEY,
    sale_id         INTEGER NOT NULL REFERENCES sales(id),
    refund_ref      TEXT NOT NULL,
    occurred_at     INTEGER NOT NULL,
    amount_minor    INTEGER NOT NULL,
    points_reversed INTEGER NOT NULL,
    points_restored INTEGER NOT NULL,
    points_shortfall INTEGER NOT NULL,
    UNIQUE (sale_id, refund_ref)
);

CREATE TABLE rewards (
    program_id    INTEGER NOT NULL REFERENCES programs(id),
    code          TEXT NOT NULL,
    name          TEXT NOT NULL,
    points_cost   INTEGER NOT NULL CHECK (points_cost > 0),
    value_minor   INTEGER NOT NULL DEFAULT 0,
    valid_days    INTEGER NOT NULL CHECK (valid_days > 0),
    stock         INTEGER,
    active        INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (program_id, code)
) WITHOUT ROWID;

CREATE TABLE coupons (
    code          TEXT PRIMARY KEY,
    program_id    INTEGER NOT NULL REFERENCES programs(id),
    member_id     INTEGER NOT NULL REFERENCES members(id),
    source        TEXT NOT NULL,
    title         TEXT NOT NULL,
    value_minor   INTEGER NOT NULL,
    min_spend_minor INTEGER NOT NULL DEFAULT 0,
    issued_at     INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    status        TEXT NOT NULL DEFAULT 'issued' CHECK (status IN ('issued', 'used', 'cancelled')),
    used_at       INTEGER,
    used_receipt  TEXT,
    redeem_entry_id INTEGER REFERENCES ledger_entries(id)
) WITHOUT ROWID;
CREATE INDEX coupons_by_member ON coupons(member_id, status);

CREATE TABLE member_tags (
    member_id  INTEGER NOT NULL REFERENCES members(id),
    tag        TEXT NOT NULL,
    source     TEXT NOT NULL CHECK (source IN ('manual', 'rule')),
    added_at   INTEGER NOT NULL,
    added_by   TEXT,
    PRIMARY KEY (member_id, tag)
) WITHOUT ROWID;
CREATE INDEX tags_by_tag ON member_tags(tag);

CREATE TABLE segments (
    program_id   INTEGER NOT NULL REFERENCES programs(id),
    name         TEXT NOT NULL,
    filter_json  TEXT NOT NULL,
    saved_at     INTEGER NOT NULL,
    PRIMARY KEY (program_id, name)
) WITHOUT ROWID;

-- Generic idempotency for operations that are not sales (adjustments,
-- redemptions, card replacements): key -> the result first returned.
CREATE TABLE operations (
    idempotency_key  TEXT PRIMARY KEY,
    kind             TEXT NOT NULL,
    request_hash     TEXT NOT NULL,
    result_json      TEXT NOT NULL,
    occurred_at      INTEGER NOT NULL
) WITHOUT ROWID;

-- Domain events written in the same transaction as the change they describe;
-- cloud-link ships them and deletes a row only when the hub has acknowledged it.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    event_id        TEXT NOT NULL UNIQUE,
    type            TEXT NOT NULL,
    schema_version  INTEGER NOT NULL,
    program         TEXT NOT NULL,
    store           TEXT NOT NULL,
    terminal        TEXT NOT NULL,
    seq             INTEGER NOT NULL,
    occurred_at     INTEGER NOT NULL,
    payload         TEXT NOT NULL,
    UNIQUE (store, terminal, seq)
);
CREATE TABLE terminal_sequences (
    store     TEXT NOT NULL,
    terminal  TEXT NOT NULL,
    last_seq  INTEGER NOT NULL,
    PRIMARY KEY (store, terminal)
) WITHOUT ROWID;

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    occurred_at INTEGER NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    subject     TEXT NOT NULL,
    details     TEXT NOT NULL DEFAULT '{}'
);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
)sql";

// Staff credentials and single-use codes (member code nonces, claimed receipts).
constexpr const char* kMigration2 = R"sql(
CREATE TABLE staff (
    staff_id         TEXT PRIMARY KEY,
    name             TEXT NOT NULL,
    role             TEXT NOT NULL CHECK (role IN ('cashier', 'manager')),
    pin_hash         TEXT NOT NULL,
    failed_attempts  INTEGER NOT NULL DEFAULT 0,
    locked_until     INTEGER
) WITHOUT ROWID;

CREATE TABLE used_codes (
    kind      TEXT NOT NULL,
    code_id   TEXT NOT NULL,
    used_at   INTEGER NOT NULL,
    terminal  TEXT NOT NULL,
    PRIMARY KEY (kind, code_id)
) WITHOUT ROWID;
)sql";

// Campaigns: definitions by version (one in force per code), every firing, the
// budgets they draw on, messages waiting for the kiosk or the next receipt, and
// satisfaction ratings (a campaign trigger).
constexpr const char* kMigration3 = R"sql(
CREATE TABLE campaigns (
    id               INTEGER PRIMARY KEY,
    program_id       INTEGER NOT NULL REFERENCES programs(id),
    code             TEXT NOT NULL,
    version          INTEGER NOT NULL CHECK (version > 0),
    schema_version   INTEGER NOT NULL,
    definition_json  TEXT NOT NULL,
    loaded_at        INTEGER NOT NULL,
    loaded_by        TEXT NOT NULL,
    active           INTEGER NOT NULL DEFAULT 0,
    UNIQUE (program_id, code, version)
);
CREATE UNIQUE INDEX campaigns_in_force ON campaigns(program_id, code) WHERE active = 1;

-- Bumped on every install, so each process sharing the file recompiles its set.
CREATE TABLE campaign_generations (
    program_id  INTEGER PRIMARY KEY REFERENCES programs(id),
    generation  INTEGER NOT NULL
);

CREATE TABLE campaign_firings (
    id                INTEGER PRIMARY KEY,
    program_id        INTEGER NOT NULL REFERENCES programs(id),
    campaign_code     TEXT NOT NULL,
    campaign_version  INTEGER NOT NULL,
    member_id         INTEGER NOT NULL REFERENCES members(id),
    trigger           TEXT NOT NULL,
    event_ref         TEXT NOT NULL,
    fired_at          INTEGER NOT NULL,
    points            INTEGER NOT NULL DEFAULT 0,
    coupons           INTEGER NOT NULL DEFAULT 0,
    result_json       TEXT NOT NULL,
    UNIQUE (program_id, campaign_code, member_id, event_ref)
);
CREATE INDEX firings_by_time ON campaign_firings(fired_at);

CREATE TABLE campaign_budgets (
    program_id      INTEGER NOT NULL REFERENCES programs(id),
    campaign_code   TEXT NOT NULL,
    points_spent    INTEGER NOT NULL DEFAULT 0,
    coupons_issued  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (program_id, campaign_code)
) WITHOUT ROWID;

CREATE TABLE campaign_messages (
    id             INTEGER PRIMARY KEY,
    member_id      INTEGER NOT NULL REFERENCES members(id),
    channel        TEXT NOT NULL CHECK (channel IN ('kiosk', 'receipt')),
    campaign_code  TEXT NOT NULL,
    text           TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    shown_at       INTEGER
);
CREATE INDEX campaign_messages_waiting ON campaign_messages(member_id, channel) WHERE shown_at IS NULL;

CREATE TABLE member_ratings (
    id         INTEGER PRIMARY KEY,
    member_id  INTEGER NOT NULL REFERENCES members(id),
    score      INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    store      TEXT NOT NULL,
    given_at   INTEGER NOT NULL
);
CREATE INDEX ratings_by_member ON member_ratings(member_id, given_at);
)sql";

// A purchase campaign's bonus follows its sale: refunds take it back in
// proportion, from the lot the firing credited first.
constexpr const char* kMigration4 = R"sql(
ALTER TABLE campaign_firings ADD COLUMN bonus_entry_id INTEGER REFERENCES ledger_entries(id);
ALTER TABLE campaign_firings ADD COLUMN points_reversed INTEGER NOT NULL DEFAULT 0;
CREATE INDEX firings_by_event ON campaign_firings(member_id, event_ref);
)sql";

// The tier check after every sale sums the member's sales in the tier window:
// with the summed columns in the index it reads the index alone, not one table
// row per sale (the members who buy most often have the most rows).
constexpr const char* kMigration5 = R"sql(
DROP INDEX sales_by_member;
CREATE INDEX sales_by_member ON sales(member_id, occurred_at, status, net_minor, refunded_minor, points_earned,
                                      points_reversed);
-- A replica (the hub) releases one member's due lots before each of its events.
CREATE INDEX lots_pending_by_member ON point_lots(member_id, release_at) WHERE state = 'pending';
)sql";

// Who rang the sale up: kept with the sale for the store's own checks.
constexpr const char* kMigration6 = R"sql(
ALTER TABLE sales ADD COLUMN cashier TEXT;
)sql";

// The other parts that own tables in a store database or the hub's (the link agent,
// the hub) keep their own numbered migrations; this is where their versions live.
constexpr const char* kMigration7 = R"sql(
CREATE TABLE schema_versions (
    part     TEXT PRIMARY KEY,
    version  INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

// Ratings are one table: anonymous ones (the kiosk kept them in its own kiosk_ratings,
// made outside any migration) and members' (member_ratings) together, each with the
// program, store and terminal it was given at. A member's rating was written to both
// old tables, the kiosk's first: a kiosk row with the same program and score as a
// member's, no more than a second earlier, is that same rating and is not copied
// twice. Store and terminal are NULL where the old tables did not record them.
constexpr const char* kMigration8 = R"sql(
CREATE TABLE IF NOT EXISTS kiosk_ratings (id INTEGER PRIMARY KEY, program TEXT NOT NULL, rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5), rated_at INTEGER NOT NULL);

CREATE TABLE ratings (
    id         INTEGER PRIMARY KEY,
    program    TEXT NOT NULL,                       -- the program's code
    member_id  INTEGER REFERENCES members(id),      -- NULL: given without signing in
    score      INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    store      TEXT,
    terminal   TEXT,
    given_at   INTEGER NOT NULL
);

-- In time order; ties: the member's rating first.
INSERT INTO ratings(program, member_id, score, store, terminal, given_at)
SELECT program, member_id, score, store, NULL, given_at FROM (
    SELECT p.code AS program, r.member_id, r.score, r.store, r.given_at, 0 AS source, r.id AS old_id
    FROM member_ratings r JOIN members m ON m.id = r.member_id JOIN programs p ON p.id = m.program_id
    UNION ALL
    SELECT k.program, NULL, k.rating, NULL, k.rated_at, 1, k.id
    FROM kiosk_ratings k
    WHERE NOT EXISTS (
        SELECT 1 FROM member_ratings r JOIN members m ON m.id = r.member_id JOIN programs p ON p.id = m.program_id
        WHERE p.code = k.program AND r.score = k.rating AND r.given_at BETWEEN k.rated_at AND k.rated_at + 1))
ORDER BY given_at, source, old_id;

DROP TABLE member_ratings;
DROP TABLE kiosk_ratings;
CREATE INDEX ratings_by_program ON ratings(program, given_at);
CREATE INDEX ratings_by_member ON ratings(member_id, given_at) WHERE member_id IS NOT NULL;
)sql";

// Indexes a sale's commit writes and nothing needs. A lot was in up to four: the two
// per-member ones become one that serves spending (available, oldest expiry first),
// releasing (pending) and expiring a member's lots, each by a seek on its prefix. No
// query reads campaign firings by time (reports go by campaign, refunds by member).
constexpr const char* kMigration9 = R"sql(
DROP INDEX IF EXISTS lots_open_by_member;
DROP INDEX IF EXISTS lots_pending_by_member;
CREATE INDEX IF NOT EXISTS lots_by_member ON point_lots(member_id, state, expires_at) WHERE remaining > 0;
DROP INDEX IF EXISTS firings_by_time;
)sql";

// Coupons that are more than an amount off (percent, gift, buy X get Y, threshold):
// the benefit as JSON (coupon_benefits.hpp); NULL is an amount coupon of value_minor.
// A cancelled coupon keeps why it was cancelled (the audit log keeps who). A manager's
// tier floor (loyalty-admin set-tier --floor): a tier code that reviews and immediate
// downgrades never take the member below; NULL: no floor.
constexpr const char* kMigration10 = R"sql(
ALTER TABLE coupons ADD COLUMN benefit_json TEXT;
ALTER TABLE coupons ADD COLUMN cancelled_at INTEGER;
ALTER TABLE coupons ADD COLUMN cancel_reason TEXT;
ALTER TABLE members ADD COLUMN tier_floor TEXT;

-- Each use of a promo code at a till, for its total and per-member limits.
CREATE TABLE promo_code_uses (
    program_id  INTEGER NOT NULL REFERENCES programs(id),
    code        TEXT NOT NULL,
    member_id   INTEGER REFERENCES members(id),
    sale_id     INTEGER NOT NULL REFERENCES sales(id),
    used_at     INTEGER NOT NULL,
    PRIMARY KEY (program_id, code, sale_id)
) WITHOUT ROWID;
CREATE INDEX promo_code_uses_by_member ON promo_code_uses(program_id, code, member_id);
)sql";

// Stored value (stored_value.hpp): an account per registered member and program, or per
// bearer gift card; balances in fen, principal and bonus apart, moved only by entries of
// an append-only ledger. Each top-up keeps what its rule gave, so its refund can take it
// back; each sale keeps what it drew from which account, so its refund can return it
// and its replay can print the same receipt.
constexpr const char* kMigration11 = R"sql(
CREATE TABLE sv_accounts (
    id              INTEGER PRIMARY KEY,
    program_id      INTEGER NOT NULL REFERENCES programs(id),
    member_id       INTEGER REFERENCES members(id),
    card            TEXT,
    principal_minor INTEGER NOT NULL DEFAULT 0 CHECK (principal_minor >= 0),
    bonus_minor     INTEGER NOT NULL DEFAULT 0 CHECK (bonus_minor >= 0),
    status          TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'blocked')),
    opened_at       INTEGER NOT NULL,
    expires_at      INTEGER,
    CHECK ((member_id IS NULL) <> (card IS NULL)),
    UNIQUE (program_id, member_id),
    UNIQUE (program_id, card)
);

CREATE TABLE sv_entries (
    id              INTEGER PRIMARY KEY,
    account_id      INTEGER NOT NULL REFERENCES sv_accounts(id),
    kind            TEXT NOT NULL CHECK (kind IN ('top_up', 'spend', 'refund', 'top_up_refund', 'adjust', 'transfer')),
    principal_delta INTEGER NOT NULL,
    bonus_delta     INTEGER NOT NULL,
    occurred_at     INTEGER NOT NULL,
    tender          TEXT,
    reference       TEXT,
    reason          TEXT NOT NULL DEFAULT '',
    idempotency_key TEXT NOT NULL UNIQUE,
    store           TEXT,
    terminal        TEXT,
    actor           TEXT
);
CREATE INDEX sv_entries_by_account ON sv_entries(account_id, occurred_at);
CREATE INDEX sv_entries_by_time ON sv_entries(occurred_at);
CREATE TRIGGER sv_entries_no_update BEFORE UPDATE ON sv_entries
BEGIN SELECT RAISE(ABORT, 'sv_entries is append-only'); END;
CREATE TRIGGER sv_entries_no_delete BEFORE DELETE ON sv_entries
BEGIN SELECT RAISE(ABORT, 'sv_entries is append-only'); END;

CREATE TABLE sv_top_ups (
    id                INTEGER PRIMARY KEY,
    program_id        INTEGER NOT NULL REFERENCES programs(id),
    request_id        TEXT NOT NULL,
    account_id        INTEGER NOT NULL REFERENCES sv_accounts(id),
    amount_minor      INTEGER NOT NULL CHECK (amount_minor > 0),
    bonus_minor       INTEGER NOT NULL DEFAULT 0,
    points            INTEGER NOT NULL DEFAULT 0,
    rule              TEXT NOT NULL DEFAULT '',
    tender            TEXT NOT NULL,
    store             TEXT NOT NULL,
    terminal          TEXT NOT NULL,
    occurred_at       INTEGER NOT NULL,
    result_json       TEXT NOT NULL,
    refund_request_id TEXT,
    refund_json       TEXT,
    refunded_at       INTEGER,
    refund_store      TEXT,
    UNIQUE (program_id, request_id)
);
CREATE UNIQUE INDEX sv_top_up_refunds ON sv_top_ups(program_id, refund_request_id)
    WHERE refund_request_id IS NOT NULL;

CREATE TABLE sale_sv_payments (
    sale_id            INTEGER NOT NULL REFERENCES sales(id),
    account_id         INTEGER NOT NULL REFERENCES sv_accounts(id),
    line_no            INTEGER NOT NULL,
    principal_minor    INTEGER NOT NULL,
    bonus_minor        INTEGER NOT NULL,
    balance_after      INTEGER NOT NULL,
    restored_principal INTEGER NOT NULL DEFAULT 0,
    restored_bonus     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (sale_id, account_id)
) WITHOUT ROWID;
ALTER TABLE sales ADD COLUMN sv_minor INTEGER NOT NULL DEFAULT 0;
ALTER TABLE refunds ADD COLUMN sv_principal_restored INTEGER NOT NULL DEFAULT 0;
ALTER TABLE refunds ADD COLUMN sv_bonus_restored INTEGER NOT NULL DEFAULT 0;

-- Member PINs lock like staff PINs: five wrong in a row, then 15 minutes of refusals.
ALTER TABLE members ADD COLUMN pin_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN pin_locked_until INTEGER;
)sql";

// A mall's receipt claims: one row per claim, whatever became of it. claim_key is the receipt
// (an e-invoice's number, or shop + receipt number + date): one live claim each, so a receipt
// claimed twice is refused; a claim the hub reversed as the later of two keeps its row.
constexpr const char* kMigration12 = R"sql(
CREATE TABLE receipt_claims (
    id            INTEGER PRIMARY KEY,
    program_id    INTEGER NOT NULL REFERENCES programs(id),
    member_id     INTEGER NOT NULL REFERENCES members(id),
    shop          TEXT NOT NULL,
    receipt       TEXT NOT NULL,
    amount_minor  INTEGER NOT NULL CHECK (amount_minor > 0),
    purchase_date TEXT NOT NULL,
    source        TEXT NOT NULL CHECK (source IN ('e_invoice', 'shop_code', 'keyed')),
    claim_key     TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('credited', 'pending', 'rejected', 'reversed')),
    points        INTEGER NOT NULL DEFAULT 0 CHECK (points >= 0),
    review        TEXT NOT NULL DEFAULT '',
    note          TEXT NOT NULL DEFAULT '',
    photo         TEXT NOT NULL DEFAULT '',
    ocr_note      TEXT NOT NULL DEFAULT '',
    store         TEXT NOT NULL,
    terminal      TEXT NOT NULL,
    request_id    TEXT NOT NULL,
    uid           TEXT NOT NULL UNIQUE,
    claimed_at    INTEGER NOT NULL,
    claim_day     TEXT NOT NULL,
    decided_at    INTEGER,
    decided_by    TEXT,
    shown_at      INTEGER,
    UNIQUE (program_id, store, terminal, request_id)
);
CREATE UNIQUE INDEX receipt_claims_live ON receipt_claims(program_id, claim_key)
    WHERE status != 'reversed';
CREATE INDEX receipt_claims_by_member ON receipt_claims(member_id, claim_day);
CREATE INDEX receipt_claims_by_status ON receipt_claims(program_id, status, id);
CREATE INDEX receipt_claims_by_date ON receipt_claims(program_id, purchase_date);
)sql";

// Parking at a mall: the plates a member saved, and each credit of free minutes and hours bought
// with points, once per (program, store, terminal, credit id); uid is the credit everywhere
// ("store/terminal/credit id"), what the hub forwards to the car park.
constexpr const char* kMigration13 = R"sql(
CREATE TABLE member_plates (
    member_id INTEGER NOT NULL REFERENCES members(id),
    plate     TEXT NOT NULL,
    added_at  INTEGER NOT NULL,
    PRIMARY KEY (member_id, plate)
);
CREATE INDEX member_plates_by_plate ON member_plates(plate);
CREATE TABLE parking_credits (
    id           INTEGER PRIMARY KEY,
    program_id   INTEGER NOT NULL REFERENCES programs(id),
    member_id    INTEGER NOT NULL REFERENCES members(id),
    plate        TEXT NOT NULL,
    free_minutes INTEGER NOT NULL CHECK (free_minutes >= 0),
    bought_hours INTEGER NOT NULL CHECK (bought_hours >= 0),
    points       INTEGER NOT NULL CHECK (points >= 0),
    store        TEXT NOT NULL,
    terminal     TEXT NOT NULL,
    credit_id    TEXT NOT NULL,
    uid          TEXT NOT NULL,
    credited_at  INTEGER NOT NULL,
    credit_day   TEXT NOT NULL,
    CHECK (free_minutes > 0 OR bought_hours > 0),
    UNIQUE (program_id, store, terminal, credit_id),
    UNIQUE (program_id, uid)
);
CREATE INDEX parking_credits_by_member ON parking_credits(member_id, credit_day);
)sql";

}  // namespace

std::span<const char* const> schema_migrations() {
    static constexpr const char* kAll[] = {kMigration1, kMigration2,  kMigration3,  kMigration4,
                                           kMigration5, kMigration6,  kMigration7,  kMigration8,
                                           kMigration9, kMigration10, kMigration11, kMigration12,
                                           kMigration13};
    return kAll;
}

}  // namespace loyalty
