#!/usr/bin/env python3
"""Writes the seed corpora under corpus/<target>/ from real examples.

Usage: make_seeds.py BUILD_DIR
The store events come from a database seeded by the POS tests' seeder (pos_seed), so the
hub seeds are the engine's own events; the rest are the documented formats and the
samples the parts' tests use. Run once; the output is committed. Fuzzing adds to it.
"""
import base64, json, os, sqlite3, subprocess, sys, tempfile

build = sys.argv[1]
here = os.path.dirname(os.path.abspath(__file__))
src = os.path.dirname(os.path.dirname(here))


def put(target, name, data):
    d = os.path.join(here, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


# Magnetic stripe: track 1 + track 2 as a reader types them, and each alone.
put("magstripe", "both", "%B6280001234567890^WANG/XIAOMING^28121010000000000?;6280001234567890=28121010000?\n")
put("magstripe", "track2", ";6280001234567890=28121010000?")
put("magstripe", "track1", "%B6280001234567890^LI/JIN^2812101000?")

# Keyboard wedge: boot-keyboard reports typing "A12" + Enter (key down, key up each).
def key(mod, usage):
    return bytes([mod, 0, usage, 0, 0, 0, 0, 0]) + bytes(8)
put("wedge", "a12_enter", key(0x02, 0x04) + key(0, 0x1E) + key(0, 0x1F) + key(0, 0x28))
put("wedge", "digits_tab", b"".join(key(0, 0x1E + i) for i in range(9)) + key(0, 0x2B))

# HID POS: first byte = report length - 1 (63 -> 64 bytes); a QR in one report and
# an EAN-13 split over two.
def hid(data, aim, more=False):
    r = bytearray(64)
    r[0] = 0x02
    r[1] = len(data)
    r[2:5] = aim
    r[5:5 + len(data)] = data
    r[63] = 1 if more else 0
    return bytes(r)
put("hid_pos", "qr", bytes([63]) + hid(b"LM1.hub-1.payload.sig", b"]Q1"))
put("hid_pos", "ean_two_reports", bytes([63]) + hid(b"690123", b"]E0", True) + hid(b"4567890", b"]E0"))

# CCID: expected sequence byte, then an RDR_to_PC_DataBlock carrying a UID + 90 00.
put("ccid", "uid", bytes([3, 0x80, 0x06, 0, 0, 0, 0x00, 0x03, 0, 0, 0, 0x04, 0xA1, 0xB2, 0xC3, 0x90, 0x00]))
put("ccid", "no_card", bytes([4, 0x80, 0x02, 0, 0, 0, 0x00, 0x04, 0, 0, 0, 0x63, 0x00]))
put("ccid", "slot_error", bytes([5, 0x80, 0x00, 0, 0, 0, 0x00, 0x05, 0x40, 0xFE, 0]))

# Finder pre-check: a 63x63 frame (width byte 62 -> 63) holding three 7-module finder
# squares of 3 px modules, and a flat grey frame.
def finder_frame():
    w = 63
    img = [[255] * w for _ in range(w)]
    def square(x0, y0):
        for y in range(21):
            for x in range(21):
                mx, my = x // 3, y // 3
                ring = max(abs(mx - 3), abs(my - 3))
                img[y0 + y][x0 + x] = 0 if ring in (3, 0, 1) else 255
    square(0, 0); square(42, 0); square(0, 42)
    return bytes([62, 0]) + bytes(v for row in img for v in row)
put("finder", "three_squares", finder_frame())
put("finder", "flat", bytes([99, 0]) + bytes([128] * 100 * 40))

# Signed codes: the seeder's real member codes, and payloads the target signs itself.
seed_dir = tempfile.mkdtemp()
db = os.path.join(seed_dir, "store.db")
seeded = json.loads(subprocess.check_output([os.path.join(build, "tests/pos-plugin/pos_seed"), db]))
put("signed_codes", "member_fresh", seeded["code_fresh"])
put("signed_codes", "member_forged", seeded["code_forged"])
put("signed_codes", "member_payload", json.dumps({"p": "DEMO", "m": seeded["rich_uid"], "t": 1764547190, "n": "n-1"}))
put("signed_codes", "receipt_payload",
    json.dumps({"p": "DEMO", "s": "S001", "tm": "T01", "r": "R-1001", "t": 1764547100}))

# Program and campaign files: the demo's own (first byte: 1 = TOML file, 0 = JSON text).
with open(os.path.join(src, "assets/config/demo-program.toml"), "rb") as f:
    put("program_file", "demo_toml", b"\x01" + f.read())
with open(os.path.join(src, "assets/config/demo-campaigns.json"), "rb") as f:
    put("campaign_file", "demo_json", b"\x00" + f.read())
# Every rule kind of docs/rules.md in one program (JSON text).
put("program_file", "rule_kinds_json", b"\x00" + json.dumps({
    "code": "RULES", "tiers": {"levels": [{"code": "base", "threshold": 0},
                                          {"code": "gold", "threshold": 100, "member_prices": {"A": 90}}],
                               "member_price": "better", "downgrade": "immediate"},
    "earning": {"expiry_days": 90, "bill_cap": 500, "multipliers_combine": "highest",
                "included_categories": ["shoes"],
                "windows": [{"name": "w", "percent": 200, "stores": ["S1"]}],
                "extras": [{"kind": "per_order", "name": "o", "points": 5, "min_spend_minor": 100},
                           {"kind": "per_item", "name": "i", "points": 2, "sku": "A"},
                           {"kind": "per_visit", "name": "v", "points": 1},
                           {"kind": "first_purchase", "name": "f", "points": 9, "stores": ["S1"]}]},
    "points_payment": {"points": 100, "value_minor": 100, "min_bill_minor": 1000, "max_points_per_bill": 3000},
    "rewards": [{"code": "P", "points_cost": 10, "kind": "percent", "percent_off": 10, "categories": ["shoes"],
                 "max_off_minor": 500, "per_member_limit": 1, "per_member_days": 30},
                {"code": "G", "points_cost": 10, "kind": "gift", "gift_sku": "A"},
                {"code": "B", "points_cost": 10, "kind": "buy_get", "buy": 2, "get": 1},
                {"code": "T", "points_cost": 10, "kind": "threshold", "threshold_minor": 30000,
                 "value_minor": 5000, "every": True}],
    "promo_codes": [{"code": "x1", "reward": "T", "max_uses": 1},
                    {"code": "x2", "extra": "o", "per_member_limit": 2, "from": "2026-01-01", "to": "2026-12-31"}],
}).encode())

# Link and hub configuration: the sample files the README documents.
for name in sorted(os.listdir(os.path.join(src, "cloud-link/examples"))) if os.path.isdir(
        os.path.join(src, "cloud-link/examples")) else []:
    if name.endswith(".toml"):
        with open(os.path.join(src, "cloud-link/examples", name), "rb") as f:
            put("link_config", name[:-5], f.read())
put("link_config", "hub_postgres",
    b'[hub]\ndatabase = "postgresql://loyalty@db1:5432,db2:5432/loyalty?target_session_attrs=read-write'
    b'&connect_timeout=2"\nworker = "w2"\nfull_sync = true\n\n[broker]\nuri = "ssl://central.example.com:8883"\n')
put("link_config", "hub_shard",
    b'[hub]\ndatabase = "postgresql://loyalty@shard2-db1,shard2-db2/loyalty?target_session_attrs=read-write"\n'
    b'worker = "s2-w1"\nprograms = ["MALL-SH", "BRAND-7"]\n\n[broker]\nuri = "tcp://127.0.0.1:1883"\n')

# POS baskets: the documented request shapes.
rich = seeded["rich_uid"]
put("pos_request", "member_basket", json.dumps({
    "receipt": "FZ-1", "member": rich,
    "lines": [{"sku": "CS-5001", "category": "cosmetics", "quantity": 2, "unit_price": 32000}]}))
put("pos_request", "points_payment", json.dumps({
    "receipt": "FZ-2", "member": rich, "points_to_pay": 1000,
    "lines": [{"sku": "CS-5001", "category": "cosmetics", "quantity": 1, "unit_price": 32000}]}))
put("pos_request", "guest", json.dumps({
    "receipt": "FZ-3", "lines": [{"sku": "FD-7001", "category": "food", "quantity": 3, "unit_price": 3500}]}))
# Stored value: a top-up (and a balance enquiry) of the member, a gift card sale, a basket
# paid from the balance and a gift card, a top-up refund. Every input goes to every call.
put("pos_request", "top_up", json.dumps({
    "member": rich, "amount": 100000, "tender": "wechat", "request_id": "FZ-TU-1"}))
put("pos_request", "gift_card", json.dumps({
    "card": "6000000000000015", "amount": 50000, "tender": "cash", "request_id": "FZ-GC-1"}))
put("pos_request", "stored_value_basket", json.dumps({
    "receipt": "FZ-4", "member": rich, "member_pin": "8642",
    "stored_value": [{"amount": 20000}, {"card": "6000000000000015", "amount": 5000}],
    "lines": [{"sku": "JK-2040", "category": "apparel", "quantity": 1, "unit_price": 89900}]}))
put("pos_request", "top_up_refund", json.dumps({
    "request_id": "FZ-TU-1", "refund_request_id": "FZ-TR-1", "dry_run": True}))

# Hub messages: a batch of the seeded store's real outbox events (first byte 0 = S001/T01
# events topic), a presence (2), and the same batch on a foreign topic (1).
con = sqlite3.connect(db)
rows = con.execute("SELECT event_id, seq, type, schema_version, occurred_at, payload FROM outbox ORDER BY seq").fetchall()
events = [{"id": r[0], "seq": r[1], "type": r[2], "schema": r[3], "at": r[4], "payload": json.loads(r[5])}
          for r in rows]
def batch(terminal, evs):
    return json.dumps({"v": 1, "kind": "events", "program": "DEMO", "store": "S001", "terminal": terminal,
                       "base": 0, "sent_at_ms": 1764547200123, "events": evs})
for i in range(0, len(events), 4):
    put("hub_message", "events_%02d" % i, b"\x00" + batch("T01", events[i:i + 4]).encode())
put("hub_message", "foreign_topic", b"\x01" + batch("T01", events[:3]).encode())
put("hub_message", "presence", b"\x02" + json.dumps(
    {"v": 1, "kind": "presence", "store": "S001", "terminal": "T01", "state": "online", "reason": "",
     "at_ms": 1764547200000, "backlog": 3}).encode())

# Down messages: snapshots, a card block, a coupon, a merge and a config item, as the hub encodes them.
put("down_message", "snapshots", json.dumps({"v": 1, "kind": "snapshots", "program": "DEMO", "items": [
    {"key": rich, "version": 3, "points": 52000, "tier": "gold", "status": "active", "tier_review_at": 1790000000}],
    "through": {"T01": 12}}))
put("down_message", "card_block", json.dumps({"v": 1, "kind": "card_block", "program": "DEMO", "items": [
    {"key": seeded["rich_card"], "version": 2, "state": "lost", "from_store": "S002"}]}))
put("down_message", "coupon_issue", json.dumps({"v": 1, "kind": "coupon_issue", "program": "DEMO", "items": [
    {"key": "HQ-COUPON-1", "version": 1, "member_uid": rich, "title": "50 off", "value": 5000}]}))
put("down_message", "member_merged", json.dumps({"v": 1, "kind": "member_merged", "program": "DEMO", "items": [
    {"key": "u-absorbed", "version": 9, "survivor_uid": rich}]}))
put("down_message", "config", json.dumps({"v": 1, "kind": "config", "program": "DEMO", "items": [
    {"key": "offline_redeem_limit", "version": 4, "body": {"points": 2000}}]}))
put("down_message", "claim_reversed", json.dumps({"v": 1, "kind": "claim_reversed", "program": "DEMO", "items": [
    {"key": "S001/T01/c1", "version": 12, "member_uid": rich,
     "note": "receipt claimed first at S002/K01 (claim S002/K01/a1)"}]}))

# Parking at a mall (S002's kiosk K01, topic byte 1): a plate saved, credits of free minutes and
# hours bought with points, one naming another terminal's credit id, one with points as text.
uid = "381ba449-5543-4f16-a75f-f2689a5ad8be"
def parking_event(seq, type_, payload):
    return {"id": "5f0c0000-0000-4000-8000-0000000001%02d" % seq, "seq": seq, "type": type_,
            "schema": 1, "at": 1773115201 + seq, "payload": dict(payload, member_uid=uid)}
def credit(seq, credit_id, free, hours, points):
    return parking_event(seq, "parking.credited", {
        "credit": credit_id, "member": 7, "plate": "粤BD12345", "free_minutes": free,
        "bought_hours": hours, "points": points, "date": "2026-03-10", "store": "S002",
        "available": 800})
def kiosk_batch(evs):
    return json.dumps({"v": 1, "kind": "events", "program": "DEMO", "store": "S002", "terminal": "K01",
                       "base": 0, "sent_at_ms": 1764547200123, "events": evs}, ensure_ascii=False)
put("hub_message", "events_parking", b"\x01" + kiosk_batch([
    parking_event(1, "parking.plate_added", {"member": 7, "plate": "粤BD12345"}),
    credit(2, "S002/K01/c-1", 120, 0, 0),
    credit(3, "S002/K01/c-2", 0, 2, 400),
    credit(4, "S002/K01/c-2", 0, 2, 400),
    parking_event(5, "parking.plate_removed", {"member": 7, "plate": "粤BD12345"})]).encode())
put("hub_message", "events_parking_hostile", b"\x01" + kiosk_batch([
    credit(1, "S001/T01/c-1", 120, 0, 0),
    dict(credit(2, "S002/K01/c-3", 0, 1, 200), payload={"credit": "S002/K01/c-3", "points": "200"}),
    credit(3, "S002/K01/c-4", 0, 0, 0)]).encode())
print("seeds written under", os.path.join(here, "corpus"))
