#!/usr/bin/env python3
"""loyalty-pos from a shell script's point of view: JSON on stdout, one line on
stderr and the ABI status as exit code on failure."""
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile

seed_tool, cli = sys.argv[1:3]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


with tempfile.TemporaryDirectory() as tmp:
    db = os.path.join(tmp, "store.db")
    seed = json.loads(subprocess.run([seed_tool, db], check=True, capture_output=True, text=True).stdout)
    config = os.path.join(tmp, "till.json")
    with open(config, "w") as f:
        f.write(seed["config"])

    def pos(*args, stdin=None):
        return subprocess.run([cli, "--db", db, "--config", "@" + config, *args], input=stdin, capture_output=True,
                              text=True)

    v = pos("version")
    check(v.returncode == 0 and json.loads(v.stdout)["abi"] == 1, "version")
    who = pos("identify", seed["rich_phone"])
    check(who.returncode == 0 and json.loads(who.stdout)["member"] == seed["rich_uid"], "identify by phone")
    basket = json.dumps({"member": seed["rich_uid"], "receipt": "CLI-1",
                         "lines": [{"sku": "TS-1001", "category": "apparel", "quantity": 1, "unit_price": 19900}]})
    q = pos("quote", basket)
    check(q.returncode == 0 and json.loads(q.stdout)["points_earned"] == 199, "quote")
    c = pos("commit", "-", stdin=basket)
    check(c.returncode == 0 and json.loads(c.stdout)["replayed"] is False, "commit from stdin")
    again = pos("commit", basket)
    check(again.returncode == 0 and json.loads(again.stdout)["replayed"] is True, "commit again is a replay")
    voided = pos("void", "CLI-1")
    check(voided.returncode == 0 and json.loads(voided.stdout)["points_reversed"] == 199, "void the last sale: " + voided.stderr)

    backlog = pos("sync-status")
    check(backlog.returncode == 0 and json.loads(backlog.stdout)["backlog"] >= 3, "sync status counts the outbox")
    bad = pos("quote", "{oops")
    check(bad.returncode == 2 and "LOYALTY_POS_E_INVALID_JSON" in bad.stderr and bad.stdout == "", "invalid JSON exit 2")
    blocked = pos("identify", seed["blocked_card"])
    check(blocked.returncode == 10 and "LOYALTY_POS_E_BLOCKED" in blocked.stderr, "blocked card exit 10")
    denied = pos("adjust", json.dumps({"manager": "c-01", "pin": "135790", "member": seed["rich_uid"], "points": 5,
                                       "reason": "x", "request_id": "a1"}))
    check(denied.returncode == 13 and "LOYALTY_POS_E_UNAUTHORIZED" in denied.stderr, "cashier cannot adjust")
    missing = subprocess.run([cli, "--db", os.path.join(tmp, "other.db"), "identify", "x"], capture_output=True, text=True)
    check(missing.returncode == 5 and "LOYALTY_POS_E_NOT_FOUND" in missing.stderr, "no database there")
    check(not os.path.exists(os.path.join(tmp, "other.db")), "a mistyped path creates nothing")
    other = subprocess.run([cli, "--db", db, "--program", "MALL", "identify", "x"], capture_output=True, text=True)
    check(other.returncode == 5 and "MALL" in other.stderr, "program not loaded")

    # Enrollment from flags: consent is the library's rule, so its absence is exit 3 with the reason.
    no_consent = pos("enroll", "--phone", "13800138020", "--name", "韩梅梅")
    check(no_consent.returncode == 3 and "consent" in no_consent.stderr, "enroll without consent: " + no_consent.stderr)
    enroll = ["enroll", "--phone", "13800138020", "--name", "韩梅梅", "--consent-privacy", "--consent-marketing",
              "--birthday-month", "5", "--card", "8800000000000555", "--request-id", "CLI-ENR-1"]
    joined = pos(*enroll)
    check(joined.returncode == 0, "enroll: " + joined.stderr)
    if joined.returncode == 0:
        member = json.loads(joined.stdout)
        check(member["phone"] == "+86 138****8020" and member["name"] == "韩*梅", "enroll masks name and phone")
        check(member["card"] == "8800000000000555" and member["replayed"] is False, "enroll links the card")
        replay = pos(*enroll)
        check(replay.returncode == 0 and json.loads(replay.stdout)["replayed"] is True, "enroll again replays")
        by_card = pos("identify", "8800000000000555")
        check(by_card.returncode == 0 and json.loads(by_card.stdout)["member"] == member["member"],
              "the card handed over identifies the new member")
    taken = pos("enroll", "--phone", seed["rich_phone"], "--consent-privacy")
    check(taken.returncode == 6 and "****" in taken.stderr and seed["rich_phone"] not in taken.stderr,
          "an enrolled phone is a conflict, masked: " + taken.stderr)

    # Stored value from the counter: a gift card sold (cash), its balance, a payment with it.
    card = "6000000000000015"
    sold = pos("top-up", json.dumps({"card": card, "amount": 30000, "tender": "cash", "request_id": "CLI-GC-1"}))
    check(sold.returncode == 0 and json.loads(sold.stdout)["balance"] == 30000, "gift card sold: " + sold.stderr)
    check(json.loads(sold.stdout)["expires_at"] is not None, "a bearer card has a validity")
    paid = pos("commit", json.dumps({"receipt": "CLI-GC-SALE", "stored_value": [{"card": card, "amount": 10000}],
                                     "lines": [{"sku": "FD-7001", "category": "food", "quantity": 4, "unit_price": 3500}]}))
    check(paid.returncode == 0 and json.loads(paid.stdout)["to_pay"] == 4000, "gift card pays a guest sale: " + paid.stderr)
    left = pos("balance", json.dumps({"card": card}))
    check(left.returncode == 0 and json.loads(left.stdout)["balance"] == 20000, "card balance after the sale")
    over = pos("top-up", json.dumps({"card": card, "amount": 80001, "tender": "cash", "request_id": "CLI-GC-2"}))
    check(over.returncode == 8 and "1000.01" in over.stderr, "a bearer card over 1,000.00 is refused: " + over.stderr)
    typo = pos("balance", json.dumps({"card": "6000000000000016"}))
    check(typo.returncode == 3 and "check digit" in typo.stderr, "a mistyped card number: " + typo.stderr)

# Every subcommand's --help ends with an example; the JSON calls list their request's fields.
# Each example is run as printed (the member's <uid> filled in) on a fresh seeded store and must
# be accepted, so the help cannot drift from what the library reads.
top = subprocess.run([cli, "--help"], capture_output=True, text=True).stdout
names = []
for line in re.split(r"(?i)subcommands:", top)[-1].splitlines():
    if line.startswith("  ") and line.split():
        names.append(line.split()[0])
check(len(names) >= 15, "the top --help lists the subcommands: " + repr(names))
examples = {}
for name in names:
    shown = subprocess.run([cli, name, "--help"], capture_output=True, text=True)
    check(shown.returncode == 0 and "Example:" in shown.stdout, name + " --help has an example")
    if name not in ("version", "sync-status", "enroll", "identify", "void"):
        check("Request:" in shown.stdout, name + " --help lists the request's fields")
    after = shown.stdout.split("Example:")[-1].strip().splitlines()
    if after:
        args = shlex.split(after[0])
        check(args[0] == "loyalty-pos", name + " example starts with loyalty-pos: " + after[0])
        if args[1:3] == ["--db", "store.db"]:
            args = args[3:]
        else:
            args = args[1:]
        check(args and args[0] == name, name + " example calls " + name + ": " + after[0])
        examples[name] = args


def run_examples(order):
    with tempfile.TemporaryDirectory() as tmp2:
        db2 = os.path.join(tmp2, "store.db")
        seeded = json.loads(subprocess.run([seed_tool, db2], check=True, capture_output=True, text=True).stdout)
        config2 = os.path.join(tmp2, "till.json")
        with open(config2, "w") as f:
            f.write(seeded["config"])
        for name in order:
            if name not in examples:
                check(False, "an example for " + name)
                continue
            args = [a.replace("<uid>", seeded["rich_uid"]) for a in examples[name]]
            r = subprocess.run([cli, "--db", db2, "--config", "@" + config2, *args], capture_output=True, text=True)
            check(r.returncode == 0, "the help's example of " + name + " is accepted: " + r.stderr.strip())


run_examples(["version", "sync-status", "identify", "quote", "commit", "refund", "redeem", "adjust", "top-up",
              "balance", "refund-top-up", "adjust-balance", "enroll", "block-card"])
run_examples(["commit", "void"])  # a void takes back a sale not refunded yet
check(set(examples) >= {"quote", "commit", "refund", "void", "redeem", "adjust", "block-card", "top-up", "balance",
                        "refund-top-up", "adjust-balance", "enroll", "identify"}, "every call has an example")

if failures:
    sys.exit(1)
print("loyalty-pos CLI: all checks passed")
