#!/usr/bin/env bash
# Runs every benchmark that was built, one after another (they share 2 cores).
# Each takes the data directory as its first argument and prints its own figures.
set -euo pipefail
build_dir=${1:-build/dev}
data_dir="$build_dir/bench-data"
mkdir -p "$data_dir"
status=0
while IFS= read -r bin; do
  echo "== $(basename "$bin")"
  "$bin" "$data_dir" || status=1
done < <(find "$build_dir/bench" -type f -name '*_bench' -perm -u+x | sort)
exit $status
