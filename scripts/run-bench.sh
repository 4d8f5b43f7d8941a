#!/usr/bin/env bash
# Runs every benchmark that was built, one after another (they share 2 cores).
set -euo pipefail
build_dir=${1:-build/dev}
data_dir="$build_dir/bench-data"
mkdir -p "$data_dir"
status=0
for bench in core_bench firmware_bench pos_bench link_bench kiosk_bench; do
  bin=$(find "$build_dir" -maxdepth 3 -type f -name "$bench" -perm -u+x | head -n 1)
  [ -n "$bin" ] || continue
  echo "== $bench"
  "$bin" "$data_dir" || status=1
done
exit $status
