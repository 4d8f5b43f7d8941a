#!/usr/bin/env bash
# `make demo`: a demo database (made once), then the demo itself.
set -euo pipefail
build_dir=${1:-build/dev}
db=${2:-build/demo/loyalty-demo.db}
admin="$build_dir/core/loyalty-admin"
mkdir -p "$(dirname "$db")"
if [ ! -f "$db" ]; then
  echo "Creating the demo program with 10,000 members and their purchase histories (once)..."
  "$admin" --db "$db" demo --program-file assets/config/demo-program.toml --members 10000
  "$admin" --db "$db" load-campaigns assets/config/demo-campaigns.json
fi
kiosk="$build_dir/kiosk/loyalty-kiosk"
if [ -x "$kiosk" ]; then
  # The demo kiosk serves the demo program as terminal K01 of store S001 (assets/config/kiosk.toml).
  cat <<'HINT'
The demo kiosk opens in its own window.
  - The panel beside the kiosk screen stands in for the devices: tap a demo member's card, show
    a member QR code (fresh, expired or garbled), tap an unknown card, print a receipt to claim.
  - "Show to camera" films a phone showing a fresh member code: the camera decodes it (key c).
  - Demo members' phone PIN: 1234. Manager (店长): hold the kiosk's name, top left, for 3 s; PIN 246810.
  - A member in each state to try (near the next tier, two coupons, points expiring this month,
    no PIN, joined today) signs in by phone: 13800009001 to 13800009005 (walkthrough lists them).
  - "English" / "中文" at the top switches the language.
  - To stop: close the window, or press Ctrl-C here.
HINT
  # The demo camera: a real /dev/video0 if there is one, else recorded frames of an empty counter
  # (one 1280x720 frame, looped at 30 fps through the real decoder). A member code is only shown to
  # it on request ("Show to camera" in the panel, or key c): codes expire after 60 s and are used
  # once, so the kiosk renders a fresh one each time and plays it once.
  camera=auto
  if [ ! -e /dev/video0 ]; then
    camera="$(dirname "$db")/camera-idle"
    if [ ! -f "$camera/frame-0000.png" ]; then
      "$build_dir/firmware-bridge/loyalty-scan-sim" frames --out "$camera" --code-frames 0 \
        --blank-before 1 --blank-after 0 >/dev/null
    fi
  fi
  exec "$kiosk" --config assets/config/kiosk.toml --db "$db" --demo --camera "$camera"
fi
# No kiosk in this build yet: a tour of the demo data with the manager's tool.
"$admin" --db "$db" walkthrough
echo
echo "Look up any demo member, e.g.:  $admin --db $db lookup 13900000042"
