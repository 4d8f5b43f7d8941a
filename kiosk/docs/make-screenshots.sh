#!/usr/bin/env bash
# Regenerates docs/screenshots/kiosk-*.png: a demo database, then the scripted kiosk.
set -euo pipefail
build_dir=${1:-build/dev}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$build_dir/core/loyalty-admin" --db "$work/demo.db" demo --program-file assets/config/demo-program.toml --members 2000 >/dev/null
"$build_dir/kiosk/loyalty-kiosk" --config assets/config/kiosk.toml --db "$work/demo.db" --demo --script kiosk/docs/screenshots.script --out "$work/shots"
mkdir -p docs/screenshots
for f in "$work"/shots/*.png; do cp "$f" "docs/screenshots/kiosk-$(basename "$f")"; done
ls docs/screenshots/kiosk-*.png
