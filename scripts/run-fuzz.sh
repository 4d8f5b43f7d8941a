#!/usr/bin/env bash
# make fuzz: builds every libFuzzer target with clang-16 (ASan + UBSan) and runs each for
# FUZZ_SECONDS (default 60) on its corpus under tests/fuzz/corpus/<target>/. New inputs that
# reach new code are added to a work corpus in build/fuzz/corpus/<target>/ (merge the good
# ones into tests/fuzz/corpus by hand); a crash is written to tests/fuzz/crashes/<target>/ so
# that make test replays it from then on, and the run stops with its report.
# Usage: scripts/run-fuzz.sh [target ...]   (FUZZ_SECONDS=600 FUZZ_JOBS=2 for longer runs)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
need=()
for pkg in clang-16 libfuzzer-16-dev libclang-rt-16-dev; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing ${need[*]} (Debian 12) for the fuzz build"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
[ -f build/fuzz/build.ninja ] || cmake --preset fuzz
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(ls tests/fuzz/corpus)
fi
cmake --build --preset fuzz --target "${targets[@]/#/fuzz_}"
seconds=${FUZZ_SECONDS:-60}
for t in "${targets[@]}"; do
  work="build/fuzz/corpus/$t"
  crashes="tests/fuzz/crashes/$t"
  mkdir -p "$work" "$crashes"
  echo "== fuzz_$t for ${seconds}s"
  (cd "$here" && UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "build/fuzz/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
    -max_len="${FUZZ_MAX_LEN:-65536}" -jobs="${FUZZ_JOBS:-1}" -workers="${FUZZ_JOBS:-1}" \
    -dict=tests/fuzz/numbers.dict -artifact_prefix="$crashes/" -print_final_stats=1 "$work" "tests/fuzz/corpus/$t") 2>&1 | \
    grep -E "^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::average_exec_per_sec|==[0-9]+==ERROR|SUMMARY|artifact_prefix|Test unit written)" || true
done
