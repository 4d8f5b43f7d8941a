#!/usr/bin/env bash
# The engine, the POS plugin and cloud-link (agent and hub) built with AddressSanitizer and
# UndefinedBehaviorSanitizer (-fno-sanitize-recover=undefined: any undefined behaviour stops the
# test) and their suites run: ctest "sanitizers" runs this in make test. Incremental in
# build/asan-ubsan; on a fresh 2-core machine the first build takes about a quarter of an hour,
# the suites about two and a half minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f build/asan-ubsan/build.ninja ] || cmake --preset asan-ubsan >/dev/null
cmake --build --preset asan-ubsan --target core_tests pos_plugin_tests cloud_link_tests \
  loyalty-hub loyalty-link loyalty-admin loyalty-pos
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
# Only libraries' own leaks, each explained in the file.
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan-suppressions.txt:print_suppressions=1"
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
status=0
for suite in tests/core_tests tests/pos-plugin/pos_plugin_tests tests/cloud-link/cloud_link_tests; do
  echo "== $suite (ASan + UBSan)"
  start=$(date +%s)
  if ! "build/asan-ubsan/$suite" --minimal; then
    status=1
  fi
  echo "   $(( $(date +%s) - start )) s"
done
exit $status
