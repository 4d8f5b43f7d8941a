/*
 * loyalty_pos.h: the OMO loyalty engine for till software, as a plain C ABI.
 *
 * Library: libloyalty_pos.so.1 (pkg-config: loyalty-pos). Every exported symbol
 * starts with loyalty_pos_; nothing else is visible.
 *
 * Conventions
 *  - Strings are NUL-terminated UTF-8. Money is integer minor units (fen,
 *    cents); points are integers. No floating point crosses this interface.
 *  - Every call that can fail returns an int status: LOYALTY_POS_OK (0) or one
 *    of the LOYALTY_POS_E_* codes below. The message of the failure is read with
 *    loyalty_pos_last_error() on the same thread.
 *  - Requests are JSON objects given as a string; results are JSON objects
 *    returned through `char** out_json`. The library allocates the result; the
 *    caller releases it with loyalty_pos_free(). out_json may be NULL when the
 *    caller does not want the result; on failure *out_json is set to NULL.
 *    Unknown fields in a request are refused (LOYALTY_POS_E_INVALID_JSON), so a
 *    misspelt field never goes unnoticed. So is a request over 1 MiB or nested
 *    more than 32 levels deep (a 1,000-line basket is about 150 KB).
 *  - A call that fails writes nothing to the store database. (Two deliberate
 *    exceptions, both security records: a wrong manager PIN is audited and
 *    counts towards the lockout.)
 *  - No C++ exception, type or allocation crosses this interface.
 *
 * Thread safety
 *  - A session may be used from several threads: its calls are serialised by
 *    a lock inside the session. Different sessions (in one process or in
 *    several processes on one database file) work independently; the database
 *    is shared in WAL mode and writers wait for each other (busy timeout)
 *    instead of failing.
 *  - The last error is kept per thread (like errno), so it is the failure of
 *    the calling thread's own last call.
 *  - loyalty_pos_close() must not race with other calls on the same session.
 *
 * ABI change policy
 *  - LOYALTY_POS_ABI_VERSION is the SONAME's number (libloyalty_pos.so.1). Within
 *    one ABI version functions are only added, never removed or changed;
 *    status codes are only added; result JSON only gains fields; request JSON
 *    only gains optional fields. Callers must ignore result fields they do not
 *    know and treat an unknown status code like LOYALTY_POS_E_INTERNAL.
 *  - Anything else (a removed call, a changed signature, a changed meaning)
 *    raises the ABI version and the SONAME.
 *  - loyalty_pos_abi_version() lets a caller that loads the library at run time
 *    (ctypes, P/Invoke, JNA) check it got the ABI it was written for.
 */
#ifndef LOYALTY_POS_H
#define LOYALTY_POS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LOYALTY_POS_ABI_VERSION 1

#if defined(__GNUC__)
#define LOYALTY_POS_API __attribute__((visibility("default")))
#else
#define LOYALTY_POS_API
#endif

/* Status codes. Values are fixed forever; new ones are only appended. */
enum {
    LOYALTY_POS_OK = 0,
    LOYALTY_POS_E_NULL_ARGUMENT = 1, /* a required pointer was NULL */
    LOYALTY_POS_E_INVALID_JSON =
        2, /* not JSON, or not the documented shape: wrong type, missing or unknown field */
    LOYALTY_POS_E_INVALID_ARGUMENT =
        3, /* well-formed but not acceptable: negative quantity, empty receipt... */
    LOYALTY_POS_E_UNKNOWN_CATEGORY =
        4, /* a basket line's category is not in the session's category list */
    LOYALTY_POS_E_NOT_FOUND = 5, /* unknown member, card, receipt, reward, coupon or program */
    LOYALTY_POS_E_CONFLICT = 6, /* the receipt (or request id) was already used for other content */
    LOYALTY_POS_E_INSUFFICIENT_POINTS = 7, /* paying or redeeming more points than the member has */
    LOYALTY_POS_E_LIMIT_EXCEEDED = 8, /* a cap: points payable on this basket, reward stock... */
    LOYALTY_POS_E_REFUND_EXCEEDS_SALE = 9, /* more returned than was sold (or not yet refunded) */
    LOYALTY_POS_E_BLOCKED = 10,            /* blocked, lost or replaced card; closed account */
    LOYALTY_POS_E_EXPIRED = 11,            /* expired member code or coupon */
    LOYALTY_POS_E_ALREADY_USED = 12,       /* a member code shown before (replay), a used coupon */
    LOYALTY_POS_E_UNAUTHORIZED =
        13, /* manager credential missing, wrong, locked out or not a manager */
    LOYALTY_POS_E_BAD_STATE =
        14, /* the call does not fit now: e.g. void of a sale that is not the last */
    LOYALTY_POS_E_STORAGE =
        15, /* the database failed (disk full, I/O error); retry or call support */
    LOYALTY_POS_E_CORRUPT_DATABASE =
        16,                      /* the store database failed its integrity check: do not use it */
    LOYALTY_POS_E_INTERNAL = 17, /* a bug: please report the message */
    LOYALTY_POS_E_HUB_UNREACHABLE =
        18 /* headquarters (the member hub) did not answer in time: a member not known in
              this store cannot be looked up, and points beyond the offline limit cannot be
              spent, until the link is back */
    ,
    LOYALTY_POS_E_INSUFFICIENT_FUNDS =
        19 /* a stored-value payment (member balance or gift card) larger than what it may
              draw on: the balance, the bonus cap, or the offline limit */
};

/* An open terminal session: one database connection and the terminal's settings. */
typedef struct loyalty_pos_session loyalty_pos_session;

/* "1.0.0": the library's release. Static string, never NULL. */
LOYALTY_POS_API const char* loyalty_pos_version(void);
/* LOYALTY_POS_ABI_VERSION of the library actually loaded. */
LOYALTY_POS_API int loyalty_pos_abi_version(void);
/* "LOYALTY_POS_E_BLOCKED" for 10: a static string; "LOYALTY_POS_E_UNKNOWN" for codes it does not
 * know. */
LOYALTY_POS_API const char* loyalty_pos_status_name(int status);

/* The status of the calling thread's last call (LOYALTY_POS_OK after a success). */
LOYALTY_POS_API int loyalty_pos_last_error_code(void);
/* The message of the calling thread's last failed call, in English, one line
 * ("" after a success). Valid until the thread's next loyalty_pos_ call. */
LOYALTY_POS_API const char* loyalty_pos_last_error(void);

/* Releases a string the library returned through out_json. NULL is fine. */
LOYALTY_POS_API void loyalty_pos_free(char* json);

/*
 * Opens a terminal session on the store database at db_path. The file must
 * exist (`loyalty-admin init`) with the program loaded (`loyalty-admin
 * load-program`); an older schema is migrated.
 *   program, store, terminal: codes, e.g. "DEMO", "S001", "T01" (required).
 *   config_json (may be NULL or "{}"), all fields optional:
 *     "cashier": "c-017"                 kept with each sale (and its event), echoed in commit
 * results "categories": ["apparel", ...]     when given, basket lines must use one of these
 *     "trusted_keys": {"hub-1": "<64 hex>"}  public keys that sign member QR codes
 *     "member_code_validity_seconds": 60 how long a member QR code is accepted
 *     "receipt_key": {"id": "T01", "seed_hex": "<64 hex>"}  signs receipt QR codes
 *     "busy_timeout_ms": 5000            how long to wait for another writer
 *     "fixed_time": 1773115200           training/test mode: the session's clock stands still
 *     "link_config": "/etc/loyalty/link.toml"  the store's link settings (broker, credentials,
 *                                        offline_redeem_limit, hub_timeout_ms): members of other
 *                                        stores are looked up at the member hub, and points are
 *                                        spent with its authorization or, when it does not answer
 *                                        in time, within the offline limit per member and day
 * On success *out_session is the new session. Errors: NULL_ARGUMENT,
 * INVALID_JSON (config not JSON, unknown field, wrong type or out of range),
 * INVALID_ARGUMENT (empty codes, bad key), NOT_FOUND (program not
 * loaded, store not in the program, no file at db_path), STORAGE, CORRUPT_DATABASE.
 */
LOYALTY_POS_API int loyalty_pos_open(const char* db_path, const char* program, const char* store,
                                     const char* terminal, const char* config_json,
                                     loyalty_pos_session** out_session);
/* Closes the session and its database connection. NULL is fine. */
LOYALTY_POS_API void loyalty_pos_close(loyalty_pos_session* session);

/*
 * Identifies a member from what the scanner or keypad gave: a signed member QR
 * code ("LM1...."), a card number, an NFC card UID, a printed barcode, an app
 * code or a phone number. A member QR code must be signed by a trusted key,
 * fresh (member_code_validity_seconds) and not shown before: it is then
 * recorded as used (the only write of this call).
 * Result: {"member": "<uid>", "name": "王*明", "tier": "gold", "tier_name": "...",
 *          "points_available": 0, "points_pending": 0, "via": "member_code|card_number|phone|...",
 *          "coupons": [{"code", "title", "value", "min_spend", "kind" (amount | percent |
 *          gift | buy_get | threshold), "label_zh" ("9折"), "label_en" ("10% off"),
 *          "expires_at"}]}
 * With a link_config, a member this store does not know is asked at the member
 * hub and kept here ("via": "hub"); points_available is then, as for every
 * member the hub told this store about, the program-wide balance, and
 * "balance_as_of" says when the hub last told it (ISO 8601; null: never heard,
 * the figure is this store's own). Without a link_config the field is absent.
 * Errors: NULL_ARGUMENT, INVALID_ARGUMENT (empty, a receipt code, bad signature),
 * NOT_FOUND, BLOCKED, EXPIRED, ALREADY_USED, HUB_UNREACHABLE (not known here and
 * the hub did not answer: offer enrollment).
 */
LOYALTY_POS_API int loyalty_pos_identify(loyalty_pos_session* session, const char* scanned,
                                         char** out_json);

/*
 * Prices a basket for a member (or a non-member) without writing anything.
 * basket_json: {"member": "<uid>" (optional), "receipt": "..." (ignored here),
 *   "lines": [{"sku": "TS-1001", "category": "apparel", "quantity": 2,
 *              "unit_price": 19900, "discount": 0 (optional, given by the till)}],
 *   "points_to_pay": 0 (optional), "coupons": ["CODE", ...] (optional),
 *   "promo_codes": ["SPRING10", ...] (optional: codes typed or scanned at the till; an
 *   unknown, expired or used-up code is refused by name)}
 * Result: {"member", "tier", "lines": [{"line_no", "sku", "category", "quantity",
 *   "unit_price", "member_unit_price", "member_discount", "net", "earns",
 *   "multiplier_percent", "reason"}], "gross", "net", "eligible", "coupon_value",
 *   "points_to_pay", "points_value", "to_pay", "points_earned", "earn_reasons",
 *   "points_available", "max_points_payable", "points_note" (why that maximum),
 *   "coupons_usable": [{"code", "title", "value", "min_spend", "kind", "label_zh",
 *   "label_en", "expires_at", "applies", "reason" (what it takes off, or why not)}],
 *   "sv_value", "sv_bonus" (paid from stored value, of which bonus money),
 *   "stored_value": [{"source" ("member" or the gift card), "principal", "bonus"}],
 *   "stored_value_balance": {"principal", "bonus"} | null (the member's), "notes"}
 * Stored value pays part of the bill: "stored_value": [{"amount": 5000} (the member's
 * balance), {"card": "6000...", "amount": 2000} (a bearer gift card)], split over
 * principal and bonus in the program's deduction order; bonus money only for its
 * categories and up to its per-bill cap. Points are earned on cash, card and principal,
 * never on bonus money. A member paying more than the program's pin_above amount from
 * their balance gives "member_pin" with the basket, or showed their member QR code to
 * this till within the last 5 minutes (else UNAUTHORIZED).
 * "coupon_value" is everything coupons and promo codes take off; amount-off coupons add
 * up, but only one other benefit (percent, gift, buy X get Y, threshold) per order.
 * Errors: NULL_ARGUMENT, INVALID_JSON, INVALID_ARGUMENT, UNKNOWN_CATEGORY,
 * NOT_FOUND, BLOCKED, EXPIRED, ALREADY_USED, INSUFFICIENT_POINTS, LIMIT_EXCEEDED,
 * INSUFFICIENT_FUNDS (stored value), UNAUTHORIZED (member PIN wrong or needed).
 */
LOYALTY_POS_API int loyalty_pos_quote(loyalty_pos_session* session, const char* basket_json,
                                      char** out_json);

/*
 * Commits a sale: the basket of loyalty_pos_quote with its "receipt" number
 * (required). Exactly once per (program, store, terminal, receipt): the same
 * basket again returns the first result with "replayed": true and changes
 * nothing; another basket under that receipt is LOYALTY_POS_E_CONFLICT.
 * Result: {"receipt", "sale_id", "replayed", "gross", "net", "coupon_value",
 *   "points_paid", "points_value", "to_pay", "points_earned" (rate and multipliers,
 *   extras), "points_campaign" (campaign bonuses), "earn_summary" ("1 pt per ¥1; Gold
 *   ×1.5"), "campaign_bonuses": [{"name", "points"}], "points_available",
 *   "points_pending", "tier", "tier_change": {"from", "to", "upgrade"} | null,
 *   "sv_value", "stored_value": [{"source", "principal", "bonus", "balance_after"}],
 *   "receipt_lines": ["...", ...] (print-ready), "cashier", "receipt_qr": "LR1...." | null
 *   (non-member sales, when a receipt key is configured: the shopper claims the
 *   points later by scanning it)}
 * With a link_config, points_to_pay is first authorized by the member hub (a
 * hold named "sale/<terminal>/<receipt>", captured when the sale's event reaches
 * the hub; released if the sale fails); no answer in time: within the offline
 * limit. loyalty_pos_redeem likewise ("reward/<terminal>/<request_id>").
 * Errors: as loyalty_pos_quote, plus CONFLICT; INSUFFICIENT_POINTS also when the
 * hub declines (the member spent the points elsewhere); LIMIT_EXCEEDED when the
 * hub did not answer and the offline limit is reached; HUB_UNREACHABLE when it
 * did not answer and the store spends points only online (limit 0).
 */
LOYALTY_POS_API int loyalty_pos_commit(loyalty_pos_session* session, const char* basket_json,
                                       char** out_json);

/*
 * Refunds all or part of a sale of this store and terminal.
 * refund_json: {"receipt": "R-1", "refund_ref": "RF-1" (the refund slip: idempotency),
 *               "lines": [{"line_no": 1, "quantity": 1}] (optional; absent or empty: everything
 * left)} Earned points are taken back in proportion; points paid with are given back. Result:
 * {"receipt", "refund_ref", "replayed", "amount", "points_reversed", "points_restored",
 * "points_shortfall", "points_available", "sv_principal_restored", "sv_bonus_restored"
 * (stored value paid with, back on the balances it came from, in proportion)} Errors:
 * NULL_ARGUMENT, INVALID_JSON, INVALID_ARGUMENT, NOT_FOUND, REFUND_EXCEEDS_SALE.
 */
LOYALTY_POS_API int loyalty_pos_refund(loyalty_pos_session* session, const char* refund_json,
                                       char** out_json);

/*
 * Voids the last sale committed on this store and terminal (a cashier's
 * mistake caught at once, also after a till restart): a full refund under
 * refund_ref "void", and the sale is marked voided (it leaves the day's sales
 * in the closing report). Voiding it again returns the same result with
 * "replayed": true. Result as loyalty_pos_refund.
 * Errors: NULL_ARGUMENT, INVALID_ARGUMENT, BAD_STATE (not the terminal's last
 * sale, or it was refunded in whole or part).
 */
LOYALTY_POS_API int loyalty_pos_void(loyalty_pos_session* session, const char* receipt,
                                     char** out_json);

/*
 * Redeems a reward for points: the points are taken and a coupon issued.
 * redeem_json: {"member": "<uid>", "reward": "CPN-20", "request_id": "..." (idempotency)}
 * Result: {"coupon": {"code", "title", "value", "min_spend", "kind", "label_zh", "label_en",
 *   "expires_at"}, "points_available"}
 * Errors: NULL_ARGUMENT, INVALID_JSON, INVALID_ARGUMENT, NOT_FOUND, BLOCKED,
 * INSUFFICIENT_POINTS, LIMIT_EXCEEDED (out of stock, or the reward's per-member limit),
 * CONFLICT (request id reused).
 */
LOYALTY_POS_API int loyalty_pos_redeem(loyalty_pos_session* session, const char* redeem_json,
                                       char** out_json);

/*
 * A manager's manual points adjustment (audited with the manager as actor).
 * adjust_json: {"manager": "m-01", "pin": "123456", "member": "<uid>",
 *               "points": 200 (negative takes away), "reason": "...", "request_id": "..."}
 * Result: {"member", "points", "points_available"}
 * Errors: NULL_ARGUMENT, INVALID_JSON, INVALID_ARGUMENT, UNAUTHORIZED,
 * NOT_FOUND, BLOCKED, INSUFFICIENT_POINTS, CONFLICT.
 */
LOYALTY_POS_API int loyalty_pos_adjust_points(loyalty_pos_session* session, const char* adjust_json,
                                              char** out_json);

/*
 * A manager blocks a card (audited); its points stay on the account.
 * block_json: {"manager": "m-01", "pin": "123456", "card": "8000...", "reason": "..."}
 * Result: {"card", "status": "blocked"}
 * Errors: NULL_ARGUMENT, INVALID_JSON, INVALID_ARGUMENT, UNAUTHORIZED, NOT_FOUND, CONFLICT.
 */
LOYALTY_POS_API int loyalty_pos_block_card(loyalty_pos_session* session, const char* block_json,
                                           char** out_json);

/*
 * How far the store is behind the hub: the session works from the local
 * database and outbox whether or not the hub is reachable; the store's link
 * agent ships the outbox. A till may show a warning when the backlog is old.
 * Result: {"backlog": 12, "oldest_pending": "2026-03-10T04:00:00Z" | null}
 * Errors: NULL_ARGUMENT, STORAGE.
 */
LOYALTY_POS_API int loyalty_pos_sync_status(loyalty_pos_session* session, char** out_json);

/*
 * Enrolls a shopper at the till as a member of the session's program, with the
 * session's store as home store: the member, the phone, an electronic card and
 * (when one is handed over) a physical card, written together or not at all.
 * enroll_json: {"phone": "13800138000" (national numbers take the program's
 *                 country code; stored in E.164),
 *               "consent_privacy": true (must be true: absent or false is
 *                 INVALID_ARGUMENT, nothing is enrolled without it),
 *               "consent_marketing": false (optional, default false),
 *               "name": "王小明" (optional),
 *               "birthday_month": 5, "birthday_day": 20 (optional; a day needs its month),
 *               "card": "8800..." (optional: the printed number of a physical
 *                 VIP card handed over now; it is the member's at once),
 *               "request_id": "..." (optional, idempotency: the same request
 *                 again returns the first result with "replayed": true and
 *                 changes nothing; another request under that id is CONFLICT.
 *                 Without it a repeat finds the phone taken.)}
 * Result: {"member": "<uid>", "name": "王*明", "phone": "+86 138****8000",
 *          "card_number": "9..." (the electronic card), "card": "8800..." | null,
 *          "tier", "tier_name", "points_available", "replayed",
 *          "linked": false (true when, with a link_config, the member hub knew the
 *          phone as a member of another store: that member is kept here and
 *          returned, and nobody is enrolled; a card handed over becomes theirs)}
 * Errors: NULL_ARGUMENT, INVALID_JSON, INVALID_ARGUMENT (no privacy consent, not
 * a phone number, birthday out of range, empty card number or request id),
 * CONFLICT (the phone already belongs to a member of the program: identify
 * them instead; the card is another member's; the request id was used for
 * another enrollment), BLOCKED (the card is lost, blocked or replaced), STORAGE.
 */
LOYALTY_POS_API int loyalty_pos_enroll(loyalty_pos_session* session, const char* enroll_json,
                                       char** out_json);

/*
 * Stored value (储值). The till takes the money; these calls record it. Every call is
 * idempotent by its request id: the same request again (also ten at once) answers the
 * first result with "replayed": true and credits nothing more; another request under
 * that id is CONFLICT. Amounts are integer fen.
 *
 * loyalty_pos_top_up: money taken at the till onto a member's balance, or a bearer
 * gift card sold and activated (its first top-up) or reloaded.
 * top_up_json: {"member": "<uid>" | "card": "6000..." (16-19 digits, Luhn check digit),
 *               "amount": 100000, "tender": "cash" | "wechat" | "alipay" | "bank_card",
 *               "request_id": "..."}
 * The best top-up rule the amount reaches applies to a member (bonus money, points, a
 * coupon, a tier); a gift card gets none.
 * Result: {"request_id", "replayed", "amount", "bonus_given", "points_given", "coupons",
 *   "rule", "tier" | null, "member" | null, "card" | null, "principal", "bonus", "balance",
 *   "status", "expires_at" (gift cards: unix seconds; null for members, whose balance
 *   never expires)}
 * Errors: NULL_ARGUMENT, INVALID_JSON, INVALID_ARGUMENT (amount, tender, card number),
 * NOT_FOUND, BLOCKED, EXPIRED (gift card), LIMIT_EXCEEDED (the registered balance limit,
 * 5,000.00 by default, or the bearer card limit, 1,000.00: the message names it), CONFLICT.
 */
LOYALTY_POS_API int loyalty_pos_top_up(loyalty_pos_session* session, const char* top_up_json,
                                       char** out_json);

/*
 * Balance enquiry: balance_json {"member": "<uid>"} or {"card": "6000..."}.
 * Result: {"principal", "bonus", "balance", "status", "expires_at" | null,
 *   "member" + "history": [{"kind", "principal", "bonus", "at", "tender", "reference",
 *   "reason", "store"}] (the last 20, newest first) | "card"}
 * Errors: NULL_ARGUMENT, INVALID_JSON, INVALID_ARGUMENT, NOT_FOUND (card not activated).
 */
LOYALTY_POS_API int loyalty_pos_stored_value(loyalty_pos_session* session, const char* balance_json,
                                             char** out_json);

/*
 * A top-up refunded as cash: its principal leaves the balance and its bonus (and points)
 * come back. When the bonus was spent already, "bonus_short" says by how much, and
 * "cash_out" (principal debited less the shortfall) is what the member receives.
 * The rule's unused coupons are cancelled and a tier it gave is taken back. Money leaves the
 * store, so a manager allows it (audited); a dry run needs nobody.
 * refund_json: {"request_id": "<the top-up's>", "refund_request_id": "...",
 *               "manager": "m-01", "pin": "123456" (unless dry_run),
 *               "dry_run": true (optional: say what would happen, change nothing)}
 * Result: {"request_id", "refund_request_id", "replayed", "dry_run", "principal_debited",
 *   "bonus_taken_back", "bonus_short", "cash_out", "bonus_uncovered" (spent bonus beyond the
 *   principal left: owed by the member, not collected), "points_taken_back", "points_short",
 *   "coupons_cancelled", "tier_reverted", "principal", "bonus", "balance", ...}
 * Errors: NULL_ARGUMENT, INVALID_JSON, NOT_FOUND, UNAUTHORIZED, ALREADY_USED (refunded under
 * another id).
 */
LOYALTY_POS_API int loyalty_pos_refund_top_up(loyalty_pos_session* session, const char* refund_json,
                                              char** out_json);

/*
 * A manager's correction of a member's balance (audited with the manager as actor).
 * adjust_json: {"manager": "m-01", "pin": "123456", "member": "<uid>", "principal": 100,
 *               "bonus": -50 (either may be 0 or absent), "reason": "...", "request_id": "..."}
 * Result: {"member", "principal", "bonus", "balance", ...}
 * Errors: NULL_ARGUMENT, INVALID_JSON, INVALID_ARGUMENT, UNAUTHORIZED, NOT_FOUND,
 * INSUFFICIENT_FUNDS (below zero), LIMIT_EXCEEDED.
 */
LOYALTY_POS_API int loyalty_pos_adjust_stored_value(loyalty_pos_session* session,
                                                    const char* adjust_json, char** out_json);

#ifdef __cplusplus
}
#endif

#endif /* LOYALTY_POS_H */
