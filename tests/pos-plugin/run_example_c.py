#!/usr/bin/env python3
"""Seeds a store and runs the C example till against it (a real C caller)."""
import json
import os
import subprocess
import sys
import tempfile

seed_tool, till = sys.argv[1:3]
with tempfile.TemporaryDirectory() as tmp:
    db = os.path.join(tmp, "store.db")
    seed = json.loads(subprocess.run([seed_tool, db], check=True, capture_output=True, text=True).stdout)
    run = subprocess.run([till, db, "DEMO", "S001", "T01", seed["rich_phone"], seed["config"], "C-1"],
                         capture_output=True, text=True)
    print(run.stdout)
    print(run.stderr, file=sys.stderr)
    ok = (run.returncode == 0 and '"replayed":false' in run.stdout and "LOYALTY_POS_E_REFUND_EXCEEDS_SALE" in run.stdout
          and '"points_reversed":199' in run.stdout)
    # A blocked card: the till reports the documented code and exits non-zero.
    blocked = subprocess.run([till, db, "DEMO", "S001", "T01", seed["blocked_card"], seed["config"], "C-2"],
                             capture_output=True, text=True)
    ok = ok and blocked.returncode == 1 and "LOYALTY_POS_E_BLOCKED" in blocked.stderr
    sys.exit(0 if ok else 1)
