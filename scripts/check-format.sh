#!/usr/bin/env bash
# Fails when a C or C++ source differs from what clang-format (Debian 12's, version 14)
# makes of it under the project's .clang-format. Fix with: scripts/check-format.sh --fix
set -euo pipefail
cd "$(dirname "$0")/.."
fix=0
[ "${1:-}" = "--fix" ] && fix=1
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files -- '*.c' '*.h' '*.cpp' '*.hpp')
else
  mapfile -t files < <(find core firmware-bridge kiosk pos-plugin cloud-link tests bench -type f \
    \( -name '*.c' -o -name '*.h' -o -name '*.cpp' -o -name '*.hpp' \))
fi
if [ $fix -eq 1 ]; then
  clang-format -i "${files[@]}"
  exit 0
fi
if ! clang-format --dry-run --Werror "${files[@]}" 2>/tmp/check-format.$$; then
  grep -E "^[^ ].*(warning|error):" /tmp/check-format.$$ | cut -d: -f1 | sort -u | sed 's/^/needs formatting: /' | head -50
  rm -f /tmp/check-format.$$
  echo "run scripts/check-format.sh --fix"
  exit 1
fi
rm -f /tmp/check-format.$$
echo "${#files[@]} files formatted as .clang-format says"
