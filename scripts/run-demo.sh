#!/usr/bin/env bash
# `make demo`: a demo database (made once), then the demo itself.
set -euo pipefail
build_dir=${1:-build/dev}
db=${2:-build/demo/mall-demo.db}
admin="$build_dir/core/loyalty-admin"
mkdir -p "$(dirname "$db")"
if [ ! -f "$db" ]; then
  rm -f "$db.part" "$db.part-wal" "$db.part-shm"
  # A mall's points kiosk (program MALL) that also knows a brand's club in the mall (DEMO): the same
  # phones make the same shoppers, so the first 4,000 mall members hold both cards.
  echo "Creating the demo mall with 10,000 members, a brand's club with 4,000 of them, and their"
  echo "purchase histories (once)..."
  "$admin" --db "$db.part" demo --program-file assets/config/demo-mall.toml --members 10000
  "$admin" --db "$db.part" demo --program-file assets/config/demo-program.toml --members 4000
  "$admin" --db "$db.part" load-campaigns assets/config/demo-campaigns.json
  mv "$db.part" "$db"
fi
kiosk="$build_dir/kiosk/loyalty-kiosk"
if [ -x "$kiosk" ]; then
  # The demo kiosk serves the demo mall as terminal K01 of store S001 (assets/config/kiosk.toml),
  # showing the brand club's card beside the mall's.
  cat <<'HINT'
The demo kiosk opens in its own window.
  - The panel beside the kiosk screen stands in for the devices: tap a demo member's card, show
    a member QR code (fresh, expired or garbled), tap an unknown card, print a shop's receipt
    (an e-invoice QR of today) to claim its points: pick the shop, submit.
  - It is the mall's points kiosk (悦城购物中心); members of the brand club in the mall (悦享会)
    see that card's balance too.
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
  exec "$kiosk" --config assets/config/kiosk.toml --db "$db" --demo --camera "$camera" \
    --program MALL --also_programs DEMO
fi
# No kiosk in this build yet: a tour of the demo data with the manager's tool.
"$admin" --db "$db" walkthrough
echo
echo "Look up any demo member, e.g.:  $admin --db $db lookup 13900000042"
