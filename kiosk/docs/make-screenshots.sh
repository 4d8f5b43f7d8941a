#!/usr/bin/env bash
# Regenerates docs/screenshots/kiosk-*.png: a demo database, then the scripted kiosk.
set -euo pipefail
build_dir=${1:-build/dev}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$build_dir/core/loyalty-admin" --db "$work/demo.db" demo --program-file assets/config/demo-program.toml --members 2000 >/dev/null
"$build_dir/kiosk/loyalty-kiosk" --config assets/config/kiosk.toml --db "$work/demo.db" --demo --script kiosk/docs/screenshots.script --out "$work/shots"
# The member hub's screens: a fresh database whose link's broker is not there (a closed port).
"$build_dir/core/loyalty-admin" --db "$work/hub.db" demo --program-file assets/config/demo-program.toml --members 200 >/dev/null
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf '[terminal]\ndb = "%s"\nprogram = "DEMO"\nstore = "S001"\nterminal = "T01"\n[broker]\nuri = "tcp://127.0.0.1:%s"\n[link]\noffline_redeem_limit = 2000\n' \
  "$work/hub.db" "$port" > "$work/link.toml"
"$build_dir/kiosk/loyalty-kiosk" --config assets/config/kiosk.toml --db "$work/hub.db" --demo --link_config "$work/link.toml" --offline_banner 0 \
  --script kiosk/docs/hub-screenshots.script --out "$work/shots"
# The mall's points kiosk, as make demo runs it: the mall (MALL) with the brand club (DEMO).
"$build_dir/core/loyalty-admin" --db "$work/mall.db" demo --program-file assets/config/demo-mall.toml --members 2000 >/dev/null
"$build_dir/core/loyalty-admin" --db "$work/mall.db" demo --program-file assets/config/demo-program.toml --members 800 >/dev/null
"$build_dir/kiosk/loyalty-kiosk" --config assets/config/kiosk.toml --db "$work/mall.db" --demo --program MALL --also_programs DEMO \
  --script kiosk/docs/mall-screenshots.script --out "$work/shots"
mkdir -p docs/screenshots
for f in "$work"/shots/*.png; do cp "$f" "docs/screenshots/kiosk-$(basename "$f")"; done
ls docs/screenshots/kiosk-*.png
