#!/usr/bin/env python3
"""loyalty-admin as a manager uses it: a real binary on a real database file.

usage: test_admin_cli.py LOYALTY_ADMIN DEMO_PROGRAM_TOML
"""
import csv
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import unittest

ADMIN = sys.argv[1] if len(sys.argv) > 1 else "build/dev/core/loyalty-admin"
PROGRAM = sys.argv[2] if len(sys.argv) > 2 else "assets/config/demo-program.toml"
# In a cross build the binary runs under qemu-user: the emulator command comes third, if any.
EMULATOR = sys.argv[3].split(";") if len(sys.argv) > 3 and sys.argv[3] else []


def admin(db, *args):
    return subprocess.run([*EMULATOR, ADMIN, "--db", db, *args], capture_output=True, text=True, timeout=120)


class AdminCli(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.db = os.path.join(cls.tmp.name, "store.db")
        r = admin(cls.db, "demo", "--program-file", PROGRAM, "--members", "60")
        assert r.returncode == 0, r.stderr
        cls.demo_output = r.stdout

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_demo_reports_what_it_made(self):
        self.assertIn("60 members", self.demo_output)

    def test_lookup_by_phone_shows_a_masked_member(self):
        r = admin(self.db, "lookup", "13900000007")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("Member", r.stdout)
        self.assertIn("+86 139****0007", r.stdout)
        self.assertNotIn("13900000007", r.stdout)  # the full number is never printed

    def test_day_report_counts_the_day_and_masks_names(self):
        r = admin(self.db, "day-report")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("outstanding", r.stdout)
        self.assertRegex(r.stdout, r"outstanding \d+ \(worth \d+\.\d\d\)")  # points and their money value
        self.assertIn("ratings      0, average 0.0", r.stdout)  # the demo history has no kiosk ratings
        self.assertEqual(sum(1 for line in r.stdout.splitlines() if line.strip().startswith("tier ")), 3)
        tiers = sum(int(line.split()[2]) for line in r.stdout.splitlines() if line.strip().startswith("tier "))
        self.assertEqual(tiers, 65)  # every demo member (60 drawn, 5 named) is in one tier
        bad = admin(self.db, "day-report", "--date", "2026-02-30")
        self.assertNotEqual(bad.returncode, 0)
        self.assertIn("YYYY-MM-DD", bad.stderr)
        self.assertEqual(admin(self.db, "--program", "NOPE", "day-report").returncode, 1)

    def test_a_mistyped_db_is_refused_not_created(self):
        # Issue 19: a lookup on a --db that does not exist used to answer from a new, empty database.
        typo = os.path.join(self.tmp.name, "stroe.db")
        for args in (["lookup", "13900000007"], ["day-report"], ["verify"]):
            r = admin(typo, *args)
            self.assertEqual(r.returncode, 1, args)
            self.assertIn("no database at " + typo, r.stderr)
            self.assertIn("init", r.stderr)
            self.assertFalse(os.path.exists(typo), args)
        r = admin(typo, "init")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(admin(typo, "verify").returncode, 0)

    def test_unknown_member_is_one_clear_line_and_exit_1(self):
        r = admin(self.db, "lookup", "no-such-card")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1)
        self.assertIn("not_found", r.stderr)

    def test_adjust_changes_the_ledger_and_refuses_overdraft(self):
        before = admin(self.db, "lookup", "13900000011").stdout
        r = admin(self.db, "adjust", "13900000011", "250", "--reason", "complaint 7", "--actor", "mgr-li", "--key", "c7")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("+250", r.stdout)
        again = admin(self.db, "adjust", "13900000011", "250", "--reason", "complaint 7", "--actor", "mgr-li",
                      "--key", "c7")
        self.assertEqual(again.returncode, 0, again.stderr)
        ledger = admin(self.db, "ledger", "13900000011")
        self.assertEqual(ledger.stdout.count("complaint 7"), 1)  # idempotent by key
        r = admin(self.db, "adjust", "13900000011", "-99999999", "--reason", "oops", "--actor", "mgr-li")
        self.assertEqual(r.returncode, 1)
        self.assertIn("insufficient_points", r.stderr)
        self.assertNotEqual(before, "")

    def test_cancel_coupon_gives_the_points_back_once_and_is_audited(self):
        import sqlite3
        with sqlite3.connect(self.db) as con:
            row = con.execute(
                "SELECT c.code, -e.available_delta, c.member_id FROM coupons c JOIN ledger_entries e "
                "ON e.id = c.redeem_entry_id WHERE c.status = 'issued' AND e.available_delta < 0 LIMIT 1").fetchone()
        self.assertIsNotNone(row, "the demo history redeems rewards")
        code, points, member = row
        r = admin(self.db, "cancel-coupon", code, "--reason", "changed her mind", "--actor", "mgr-li")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(f"{points} points back to member {member}", r.stdout)
        again = admin(self.db, "cancel-coupon", code, "--reason", "changed her mind", "--actor", "mgr-li")
        self.assertEqual(again.returncode, 0, again.stderr)
        ledger = admin(self.db, "ledger", str(member))
        self.assertEqual(ledger.stdout.count(f"coupon {code} cancelled"), 1)
        missing = admin(self.db, "cancel-coupon", code)
        self.assertNotEqual(missing.returncode, 0)  # a reason and a manager are required
        self.assertEqual(admin(self.db, "cancel-coupon", "NO-SUCH", "--reason", "x", "--actor", "m").returncode, 1)
        self.assertEqual(admin(self.db, "verify").returncode, 0)

    def test_export_members_and_ledger_as_csv(self):
        out = os.path.join(self.tmp.name, "members.csv")
        r = admin(self.db, "export", "members", "--out", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        self.assertEqual(rows[0][0], "member_id")
        self.assertEqual(len(rows), 66)  # 60 drawn demo members, 5 named ones
        # Masked by default: no full name or phone number leaves the store in a file.
        header = rows[0]
        for row in rows[1:]:
            self.assertIn("****", row[header.index("phone")])
            self.assertIn("*", row[header.index("name")])
        self.assertIn("masked", r.stdout)
        ledger = os.path.join(self.tmp.name, "ledger.csv")
        self.assertEqual(admin(self.db, "export", "ledger", "--out", ledger).returncode, 0)
        with open(ledger, newline="", encoding="utf-8") as f:
            kinds = {row[2] for row in list(csv.reader(f))[1:]}
        self.assertIn("earn", kinds)

    def test_an_unmasked_export_needs_a_manager_and_is_audited(self):
        out = os.path.join(self.tmp.name, "unmasked.csv")

        def refused(*extra):
            r = admin(self.db, "export", "members", "--out", out, "--unmasked", *extra)
            self.assertNotEqual(r.returncode, 0, extra)
            self.assertIn("unmasked", r.stderr)
            self.assertIn("unauthorized", r.stderr)
            self.assertEqual(len(r.stderr.strip().splitlines()), 1)
            self.assertFalse(os.path.exists(out), extra)
            self.assertFalse(os.path.exists(out + ".partial"), extra)
            return r

        self.assertIn("--staff and --pin", refused().stderr)
        refused("--staff", "M001")
        refused("--staff", "C001", "--pin", "135790")  # a cashier is not enough
        with sqlite3.connect(self.db) as c:
            failed_before = c.execute("SELECT count(*) FROM audit_log WHERE action = 'staff.pin_failed'").fetchone()[0]
        refused("--staff", "M001", "--pin", "000000")
        with sqlite3.connect(self.db) as c:
            failed_after = c.execute("SELECT count(*) FROM audit_log WHERE action = 'staff.pin_failed'").fetchone()[0]
            attempts = c.execute("SELECT failed_attempts FROM staff WHERE staff_id = 'M001'").fetchone()[0]
        self.assertEqual(failed_after, failed_before + 1)  # a wrong PIN counts towards the lockout
        self.assertEqual(attempts, 1)

        r = admin(self.db, "export", "members", "--out", out, "--unmasked", "--staff", "M001", "--pin", "246810")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("audited", r.stdout)
        with open(out, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        phones = [row[rows[0].index("phone")] for row in rows[1:]]
        self.assertIn("+8613900000007", phones)
        self.assertNotIn("*", rows[1][rows[0].index("name")])
        with sqlite3.connect(self.db) as c:
            actor, subject, details = c.execute(
                "SELECT actor, subject, details FROM audit_log WHERE action = 'export.unmasked'").fetchone()
        self.assertEqual(actor, "M001")
        self.assertEqual(subject, os.path.abspath(out))
        self.assertIn(os.path.abspath(out), details)

    def test_claims_queue_is_worked_with_a_managers_pin_and_audited(self):
        with sqlite3.connect(self.db) as c:
            program_id, member_id = c.execute(
                "SELECT p.id, m.id FROM members m JOIN programs p ON p.id = m.program_id "
                "WHERE p.code = 'DEMO' LIMIT 1").fetchone()
            for n in (1, 2):
                c.execute(
                    "INSERT INTO receipt_claims(program_id, member_id, shop, receipt, amount_minor, "
                    "purchase_date, source, claim_key, status, points, review, store, terminal, "
                    "request_id, uid, claimed_at, claim_day) VALUES (?, ?, '1023', ?, 650000, "
                    "'2026-03-09', 'keyed', ?, 'pending', 650, 'amount above ¥5000.00', 'S001', "
                    "'K01', ?, ?, 1773000000, '2026-03-09')",
                    (program_id, member_id, "R%d" % n, "shop:1023:R%d" % n, "q%d" % n, "S001/K01/q%d" % n))
            first, second = [r[0] for r in c.execute(
                "SELECT id FROM receipt_claims WHERE request_id IN ('q1', 'q2') ORDER BY id")]
        listed = admin(self.db, "claims", "list")
        self.assertEqual(listed.returncode, 0, listed.stderr)
        self.assertIn("R1", listed.stdout)
        self.assertIn("6500.00", listed.stdout)
        self.assertIn("amount above", listed.stdout)
        wrong = admin(self.db, "claims", "approve", str(first), "--staff", "M001", "--pin", "000000")
        self.assertEqual(wrong.returncode, 1)
        ok = admin(self.db, "claims", "approve", str(first), "--staff", "M001", "--pin", "246810")
        self.assertEqual(ok.returncode, 0, ok.stderr)
        self.assertIn("650 points credited", ok.stdout)
        again = admin(self.db, "claims", "approve", str(first), "--staff", "M001", "--pin", "246810")
        self.assertEqual(again.returncode, 1)
        self.assertIn("already", again.stderr)
        no = admin(self.db, "claims", "reject", str(second), "--reason", "小票金额与照片不符",
                   "--staff", "M001", "--pin", "246810")
        self.assertEqual(no.returncode, 0, no.stderr)
        self.assertNotIn("R2", admin(self.db, "claims", "list").stdout)  # the queue is empty again
        every = admin(self.db, "claims", "list", "--status", "all").stdout
        self.assertIn("rejected", every)
        self.assertIn("小票金额与照片不符", every)
        with sqlite3.connect(self.db) as c:
            actions = sorted(r[0] for r in c.execute(
                "SELECT action FROM audit_log WHERE action LIKE 'receipt_claim.%'"))
            credited = c.execute("SELECT count(*) FROM ledger_entries WHERE reference = 'claim:S001/K01/q1'"
                                 ).fetchone()[0]
        self.assertEqual(actions, ["receipt_claim.approve", "receipt_claim.reject"])
        self.assertEqual(credited, 1)

    def test_every_command_help_ends_with_an_example(self):
        top = subprocess.run([*EMULATOR, ADMIN, "--help"], capture_output=True, text=True).stdout
        names = [line.split()[0] for line in re.split(r"(?i)subcommands:", top)[-1].splitlines()
                 if line.startswith("  ") and line.split()]
        self.assertGreaterEqual(len(names), 17, names)
        for name in names:
            r = subprocess.run([*EMULATOR, ADMIN, name, "--help"], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, name)
            example = r.stdout.split("Example:")[-1].strip()
            self.assertIn("Example:", r.stdout, name)
            self.assertTrue(example.startswith("loyalty-admin "), name)
            self.assertIn(" " + name + " ", example + " ", name)

    def test_demo_names_a_member_in_every_state(self):
        walk = admin(self.db, "walkthrough")
        self.assertEqual(walk.returncode, 0, walk.stderr)
        for output in (self.demo_output, walk.stdout):
            for phone, state in (("13800009001", "near the next tier"), ("13800009002", "unused coupons"),
                                 ("13800009003", "expiring"), ("13800009004", "no PIN"),
                                 ("13800009005", "brand new")):
                line = next((l for l in output.splitlines() if phone in l), "")
                self.assertIn(state, line, phone)
        self.assertIn("manager M001 (PIN 246810)", self.demo_output)
        near = admin(self.db, "lookup", "13800009001").stdout
        self.assertIn("more for 金卡 Gold", near)
        self.assertEqual(admin(self.db, "lookup", "13800009002").stdout.count("  coupon "), 2)

    def test_export_to_an_unwritable_place_fails_cleanly(self):
        r = admin(self.db, "export", "members", "--out", "/nonexistent-dir/members.csv")
        self.assertEqual(r.returncode, 1)
        self.assertFalse(os.path.exists("/nonexistent-dir/members.csv.partial"))

    def test_verify_finds_every_balance_agreeing(self):
        r = admin(self.db, "verify")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("integrity ok; 0 balance disagreements", r.stdout)

    def test_walkthrough_tours_the_program(self):
        r = admin(self.db, "walkthrough")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("金卡 Gold", r.stdout)
        self.assertIn("CPN-20", r.stdout)

    def test_a_corrupt_database_is_refused(self):
        bad = os.path.join(self.tmp.name, "bad.db")
        with open(bad, "wb") as f:
            f.write(b"not a database" * 1000)
        r = admin(bad, "verify")
        self.assertEqual(r.returncode, 1)
        self.assertIn("corrupt_database", r.stderr)

    def test_backup_prunes_old_copies_and_restore_refuses_a_damaged_one(self):
        backups = os.path.join(self.tmp.name, "backups")
        os.makedirs(backups)
        for old in ("loyalty-20200101-000000.db", "loyalty-20200102-000000.db"):
            with open(os.path.join(backups, old), "wb") as f:
                f.write(b"an old copy")
        keep_me = os.path.join(backups, "notes.txt")  # not ours: never touched
        open(keep_me, "w").close()
        r = admin(self.db, "backup", "--dir", backups, "--keep", "2")
        self.assertEqual(r.returncode, 0, r.stderr)
        names = sorted(os.listdir(backups))
        self.assertEqual(len(names), 3, names)
        self.assertIn("loyalty-20200102-000000.db", names)
        self.assertIn("notes.txt", names)
        good = os.path.join(backups, names[-2])  # the new one sorts after the 2020 copy

        live = os.path.join(self.tmp.name, "restored.db")
        r = admin(live, "restore", good)
        self.assertEqual(r.returncode, 0, r.stderr)
        before = admin(live, "lookup", "13900000021").stdout
        self.assertIn("available", before)
        r = admin(live, "adjust", "13900000021", "300", "--reason", "test", "--actor", "mgr-li")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotEqual(admin(live, "lookup", "13900000021").stdout, before)
        r = admin(live, "restore", good)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(admin(live, "lookup", "13900000021").stdout, before)

        damaged = os.path.join(self.tmp.name, "damaged.db")
        with open(good, "rb") as f:
            data = bytearray(f.read())
        # Scribble over the b-tree page headers of every page after the first: a disk that
        # went bad, which SQLite's integrity check must notice wherever the data sits.
        page_size = int.from_bytes(data[16:18], "big") or 65536
        for page_start in range(page_size, len(data), page_size):
            data[page_start: page_start + 12] = b"\xa5" * 12
        with open(damaged, "wb") as f:
            f.write(data)
        r = admin(live, "restore", damaged)
        self.assertEqual(r.returncode, 1)
        self.assertIn("corrupt_database", r.stderr)
        self.assertEqual(admin(live, "lookup", "13900000021").stdout, before)  # untouched
        self.assertEqual(admin(live, "verify").returncode, 0)

    def test_a_broken_program_file_names_its_line(self):
        broken = os.path.join(self.tmp.name, "broken.toml")
        with open(broken, "w") as f:
            f.write('code = "X"\n[tiers\n')
        r = admin(os.path.join(self.tmp.name, "other.db"), "load-program", broken)
        self.assertEqual(r.returncode, 1)
        self.assertIn("broken.toml:2", r.stderr)

    def test_campaigns_load_report_and_refuse_with_reasons(self):
        campaigns = os.path.join(os.path.dirname(PROGRAM), "demo-campaigns.json")
        db = os.path.join(self.tmp.name, "campaigns.db")
        self.assertEqual(admin(db, "load-program", PROGRAM).returncode, 0)
        r = admin(db, "load-campaigns", campaigns)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("shoes-500@1", r.stdout)
        r = admin(db, "campaigns")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("winback-gold", r.stdout)
        broken = os.path.join(self.tmp.name, "broken-campaigns.json")
        with open(broken, "w") as f:
            f.write('{"schema": 1, "program": "DEMO", "campaigns": [{"code": "shoes-500", "version": 2, '
                    '"trigger": {"type": "purchase"}, "actions": [{"type": "bonus_points", "points": -5}]}]}')
        r = admin(db, "load-campaigns", broken)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1)
        self.assertIn("refused shoes-500", r.stderr)
        self.assertIn("shoes-500", admin(db, "campaigns").stdout)  # version 1 still in force


class AdminWritesAsItsOwnTerminal(unittest.TestCase):
    """What loyalty-admin writes is booked under its own store and terminal, which the
    store's link agent ships; they come from the command line or the store's config."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def run_admin(self, *args):
        return subprocess.run([*EMULATOR, ADMIN, *args], capture_output=True, text=True, timeout=120)

    def writers(self, db):
        with sqlite3.connect(db) as c:
            return sorted(c.execute("SELECT DISTINCT store, terminal FROM outbox").fetchall())

    def test_store_and_terminal_from_the_command_line(self):
        db = os.path.join(self.dir, "store.db")
        r = self.run_admin("--db", db, "--store", "S007", "--terminal", "MGR1", "load-program", PROGRAM)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.writers(db), [("S007", "MGR1")])

    def test_store_and_db_from_the_config_file_terminal_from_its_admin_table(self):
        config = os.path.join(self.dir, "link.toml")
        with open(config, "w", encoding="utf-8") as f:
            f.write('[terminal]\ndb = "store.db"\nprogram = "DEMO"\nstore = "S002"\nterminal = "T01"\n'
                    '[admin]\nterminal = "BACKOFFICE"\n')
        r = self.run_admin("--config", config, "load-program", PROGRAM)
        self.assertEqual(r.returncode, 0, r.stderr)
        db = os.path.join(self.dir, "store.db")  # relative to the config file
        self.assertEqual(self.writers(db), [("S002", "BACKOFFICE")])
        # The command line wins over the file; without [admin] the terminal is ADMIN, never the till's.
        with open(config, "w", encoding="utf-8") as f:
            f.write('[terminal]\ndb = "store.db"\nstore = "S002"\nterminal = "T01"\n')
        r = self.run_admin("--config", config, "--store", "S003", "load-program", PROGRAM)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.writers(db), [("S002", "BACKOFFICE"), ("S003", "ADMIN")])

    def test_a_code_that_cannot_be_shipped_is_refused(self):
        db = os.path.join(self.dir, "store.db")
        r = self.run_admin("--db", db, "--terminal", "back office", "load-program", PROGRAM)
        self.assertEqual(r.returncode, 1)
        self.assertIn("invalid_argument", r.stderr)
        self.assertFalse(os.path.exists(db))


class TiersAndTheDailyRun(unittest.TestCase):
    """set-tier and run-daily --as-of, on a small demo database of their own."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.db = os.path.join(self.tmp.name, "store.db")
        r = admin(self.db, "demo", "--program-file", PROGRAM, "--members", "5")
        self.assertEqual(r.returncode, 0, r.stderr)

    def tearDown(self):
        self.tmp.cleanup()

    def test_set_tier_moves_the_member_keeps_a_floor_and_is_audited(self):
        r = admin(self.db, "set-tier", "--member", "13900000001", "--tier", "platinum", "--reason",
                  "VIP guest", "--actor", "mgr-li", "--floor")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("floor platinum", r.stdout)
        shown = admin(self.db, "lookup", "13900000001").stdout
        self.assertIn("白金卡 Platinum", shown)
        self.assertIn("floor platinum", shown)
        with sqlite3.connect(self.db) as c:
            actor, details = c.execute(
                "SELECT actor, details FROM audit_log WHERE action = 'tier.set'").fetchone()
        self.assertEqual(actor, "mgr-li")
        self.assertIn("VIP guest", details)
        no_reason = admin(self.db, "set-tier", "--member", "13900000001", "--tier", "gold")
        self.assertNotEqual(no_reason.returncode, 0)
        self.assertIn("--reason", no_reason.stderr)
        unknown = admin(self.db, "set-tier", "--member", "13900000001", "--tier", "diamond", "--reason", "x")
        self.assertEqual(unknown.returncode, 1)
        self.assertIn("no tier diamond", unknown.stderr)

    def test_run_daily_as_of_a_day_refuses_the_future_unless_forced(self):
        past = admin(self.db, "run-daily", "--as-of", "2020-01-01")
        self.assertEqual(past.returncode, 0, past.stderr)
        future = admin(self.db, "run-daily", "--as-of", "2099-01-01")
        self.assertEqual(future.returncode, 1)
        self.assertIn("after today", future.stderr)
        self.assertIn("--force", future.stderr)
        self.assertNotEqual(admin(self.db, "run-daily", "--as-of", "2099-02-30").returncode, 0)
        # Every demo lot has expired by 2099: the forced run books them all out.
        forced = admin(self.db, "run-daily", "--as-of", "2099-01-01", "--force")
        self.assertEqual(forced.returncode, 0, forced.stderr)
        expired = int(forced.stdout.split("expired ")[1].split()[0])
        self.assertGreater(expired, 0)
        with sqlite3.connect(self.db) as c:
            left = c.execute("SELECT sum(points_available) FROM members").fetchone()[0]
            stamped = c.execute("SELECT max(occurred_at) FROM ledger_entries WHERE kind = 'expire'").fetchone()[0]
        self.assertEqual(left, 0)
        self.assertEqual(stamped, 4070908800 - 8 * 3600)  # 2099-01-01 00:00 local (UTC+8)
        verify = admin(self.db, "verify")
        self.assertEqual(verify.returncode, 0, verify.stdout + verify.stderr)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]], verbosity=2)
