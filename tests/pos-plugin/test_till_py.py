#!/usr/bin/python3
"""A real foreign caller: Debian's python3 drives libloyalty_pos through ctypes
(examples/till.py) for a full sale, a partial refund, a coupon redemption and
an enrollment, and checks refusals come back as the documented codes with nothing written."""
import json
import os
import subprocess
import sys
import tempfile

seed_tool, library, examples = sys.argv[1:4]
sys.path.insert(0, examples)
from till import LoyaltyPos, PosError  # noqa: E402

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def expect_error(fn, name):
    try:
        fn()
    except PosError as e:
        check(e.name == name, f"expected {name}, got {e.name}: {e.message}")
        check(e.message != "", f"{name} has a message")
        return
    check(False, f"expected {name}, the call succeeded")


with tempfile.TemporaryDirectory() as tmp:
    db = os.path.join(tmp, "store.db")
    seed = json.loads(subprocess.run([seed_tool, db], check=True, capture_output=True, text=True).stdout)
    pos = LoyaltyPos(library)
    check(pos.version() == "1.0.0", "version")

    with pos.open(db, "DEMO", "S001", "T01", json.loads(seed["config"])) as till:
        member = till.identify(seed["rich_card"])
        uid = member["member"]
        check(member["points_available"] == 50000, "opening balance")

        # Redeem a reward for a coupon, then use it in a full sale paid partly with points.
        coupon = till.redeem({"member": uid, "reward": "CPN-20", "request_id": "py-red-1"})
        check(coupon["points_available"] == 48000, "redemption takes 2000 points")
        code = coupon["coupon"]["code"]
        basket = {"member": uid, "receipt": "PY-1", "coupons": [code], "points_to_pay": 5000,
                  "lines": [{"sku": "SH-3301", "category": "shoes", "quantity": 1, "unit_price": 59900},
                            {"sku": "FD-7001", "category": "food", "quantity": 4, "unit_price": 3500}]}
        quote = till.quote(basket)
        check(quote["coupon_value"] == 2000 and quote["points_value"] == 5000, "quote applies coupon and points")
        check(quote["to_pay"] == 59900 + 14000 - 2000 - 5000, "quote to pay")
        sale = till.commit(basket)
        check(sale["replayed"] is False, "first commit")
        check(sale["points_earned"] == quote["points_earned"], "commit earns what the quote said")
        check(sale["points_available"] == 43000, "points paid are taken")
        check(any("5,000 = ¥50.00" in line for line in sale["receipt_lines"]), "receipt shows points paid")
        check(till.commit(basket)["replayed"] is True, "second commit is a replay")
        expect_error(lambda: till.commit(basket | {"receipt": "PY-2"}), "LOYALTY_POS_E_ALREADY_USED")

        # Partial refund: two of the four food items.
        refund = till.refund({"receipt": "PY-1", "refund_ref": "PY-RF1", "lines": [{"line_no": 2, "quantity": 2}]})
        check(refund["amount"] > 0 and refund["points_reversed"] > 0, "partial refund reverses points")
        check(refund["points_restored"] > 0, "partial refund gives back some paid points")
        expect_error(lambda: till.refund({"receipt": "PY-1", "refund_ref": "PY-RF2",
                                          "lines": [{"line_no": 2, "quantity": 3}]}), "LOYALTY_POS_E_REFUND_EXCEEDS_SALE")

        # Refusals, each with its documented code.
        expect_error(lambda: till.quote("{not json"), "LOYALTY_POS_E_INVALID_JSON")
        expect_error(lambda: till.quote({"lines": [{"sku": "X", "category": "food", "quantity": -1, "unit_price": 1}]}),
                     "LOYALTY_POS_E_INVALID_ARGUMENT")
        expect_error(lambda: till.quote({"lines": [{"sku": "X", "category": "rockets", "quantity": 1, "unit_price": 1}]}),
                     "LOYALTY_POS_E_UNKNOWN_CATEGORY")
        expect_error(lambda: till.redeem({"member": uid, "reward": "CPN-100", "request_id": "py-red-2"} | {"member": seed["gold_uid"]}),
                     "LOYALTY_POS_E_INSUFFICIENT_POINTS")
        expect_error(lambda: till.identify(seed["blocked_card"]), "LOYALTY_POS_E_BLOCKED")
        expect_error(lambda: till.identify(seed["code_expired"]), "LOYALTY_POS_E_EXPIRED")
        check(till.identify(seed["code_fresh"])["member"] == uid, "fresh member code")
        expect_error(lambda: till.identify(seed["code_fresh"]), "LOYALTY_POS_E_ALREADY_USED")

        # A shopper enrolls at the till and is then found by phone like any member.
        shopper = {"phone": "13800138030", "name": "李雷", "consent_privacy": True, "request_id": "py-enr-1"}
        joined = till.enroll(shopper)
        check(joined["phone"] == "+86 138****8030" and joined["name"] == "李*", "enrollment masks phone and name")
        check(joined["replayed"] is False and joined["linked"] is False, "a new, store-local enrollment")
        found = till.identify("13800138030")
        check(found["member"] == joined["member"] and found["via"] == "phone", "the new member is found by phone")
        check(till.enroll(shopper)["replayed"] is True, "the same enrollment again is a replay")
        expect_error(lambda: till.enroll({"phone": "138 0013 8030", "consent_privacy": True}), "LOYALTY_POS_E_CONFLICT")
        expect_error(lambda: till.enroll({"phone": "13800138031"}), "LOYALTY_POS_E_INVALID_ARGUMENT")
        expect_error(lambda: till.enroll(shopper | {"phone": "13800138032"}), "LOYALTY_POS_E_CONFLICT")

        # Stored value: a top-up at the till with the demo's 1000-gets-100 rule, a payment
        # from the balance (bonus first) with the fresh QR code shown above, and its refund.
        topped = till.top_up({"member": uid, "amount": 100000, "tender": "wechat", "request_id": "py-tu-1"})
        check(topped["bonus_given"] == 10000 and topped["balance"] == 110000, "top-up 1000 gets 100 bonus")
        check(till.top_up({"member": uid, "amount": 100000, "tender": "wechat", "request_id": "py-tu-1"})["replayed"],
              "the same top-up again is a replay")
        sv_basket = {"member": uid, "receipt": "PY-SV", "stored_value": [{"amount": 30000}],
                     "lines": [{"sku": "AP-1", "category": "apparel", "quantity": 1, "unit_price": 30000}]}
        paid = till.commit(sv_basket)
        check(paid["to_pay"] == 0 and paid["stored_value"][0]["bonus"] == 10000, "bonus first pays 100 of 300")
        check(paid["stored_value"][0]["balance_after"] == 80000, "800 left on the balance")
        check(any("储值" in line for line in paid["receipt_lines"]), "receipt shows the balance payment")
        back = till.refund({"receipt": "PY-SV", "refund_ref": "PY-SV-RF"})
        check(back["sv_principal_restored"] == 20000 and back["sv_bonus_restored"] == 10000, "refund restores each part")
        enquiry = till.stored_value({"member": uid})
        check(enquiry["principal"] == 100000 and enquiry["bonus"] == 10000, "balance enquiry")
        check([e["kind"] for e in enquiry["history"][:3]] == ["refund", "spend", "top_up"], "history newest first")
        preview = till.refund_top_up({"request_id": "py-tu-1", "refund_request_id": "py-tr-1", "dry_run": True})
        check(preview["cash_out"] == 100000 and preview["bonus_taken_back"] == 10000, "top-up refund preview")
        expect_error(lambda: till.top_up({"member": uid, "amount": 400001, "tender": "cash", "request_id": "py-tu-2"}),
                     "LOYALTY_POS_E_LIMIT_EXCEEDED")
        # The QR code shown above consented to one payment; a large one now needs the PIN.
        expect_error(lambda: till.commit(sv_basket | {"receipt": "PY-SV2", "stored_value": [{"amount": 60000}],
                                                      "lines": [{"sku": "AP-2", "category": "apparel", "quantity": 1,
                                                                 "unit_price": 300000}]}),
                     "LOYALTY_POS_E_UNAUTHORIZED")
        expect_error(lambda: till.commit(sv_basket | {"receipt": "PY-SV2", "stored_value": [{"amount": 200000}],
                                                      "member_pin": "8642",
                                                      "lines": [{"sku": "AP-2", "category": "apparel", "quantity": 1,
                                                                 "unit_price": 300000}]}),
                     "LOYALTY_POS_E_INSUFFICIENT_FUNDS")
        expect_error(lambda: till.stored_value({"card": "6000000000000000"}), "LOYALTY_POS_E_INVALID_ARGUMENT")

    # The example program itself runs too.
    run = subprocess.run([sys.executable, os.path.join(examples, "till.py"), library, db, seed["gold_card"], seed["config"]],
                         capture_output=True, text=True)
    check(run.returncode == 0, "till.py runs: " + run.stderr)
    check("Points earned" in run.stdout, "till.py prints receipt lines")

if failures:
    print(f"{len(failures)} check(s) failed")
    sys.exit(1)
print("python ctypes till: all checks passed")
