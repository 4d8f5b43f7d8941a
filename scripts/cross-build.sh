#!/usr/bin/env bash
# Cross-builds the project for an ARM kiosk board and runs its tests under qemu-user.
#   scripts/cross-build.sh aarch64          # the engine, loyalty-admin and their tests
#   scripts/cross-build.sh aarch64 --all    # every part (installs the parts' :arm64 -dev packages too)
# Installs what it needs from Debian (multiarch), using sudo when not root.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
arch=${1:?usage: cross-build.sh aarch64|armhf [--all]}
case "$arch" in
  aarch64) debarch=arm64; triplet=aarch64-linux-gnu ;;
  armhf)   debarch=armhf; triplet=arm-linux-gnueabihf ;;
  *) echo "unknown architecture '$arch' (aarch64 or armhf)" >&2; exit 2 ;;
esac
all=${2:-}

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
# Target-side libraries: the -dev packages of deps/debian-packages.txt, core's section only
# unless --all. Arch-independent ones (headers only) resolve to the host's package.
mapfile -t libs < <(awk -v all="$all" '
  /^# / { section = $2 }
  /^[^#].*-dev$/ && (all == "--all" || section == "core") { print $1 }' "$here/deps/debian-packages.txt")
wanted=(crossbuild-essential-$debarch qemu-user)
for lib in "${libs[@]}"; do
  # Header-only packages (Architecture: all) are the host's; the rest come in the target's flavour.
  if [ "$(apt-cache show --no-all-versions "$lib" 2>/dev/null | sed -n 's/^Architecture: //p')" = all ]; then
    wanted+=("$lib")
  else
    wanted+=("$lib:$debarch")
  fi
done
missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  dpkg --print-foreign-architectures | grep -qx "$debarch" || $sudo dpkg --add-architecture "$debarch"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

build="$here/build/cross-$arch"
parts=OFF
[ "$all" = "--all" ] && parts=ON
cmake -S "$here" -B "$build" -G Ninja \
  -DCMAKE_TOOLCHAIN_FILE="$here/toolchains/$triplet.cmake" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DLOYALTY_BUILD_BENCH=OFF \
  -DLOYALTY_BUILD_FIRMWARE_BRIDGE=$parts -DLOYALTY_BUILD_POS_PLUGIN=$parts \
  -DLOYALTY_BUILD_CLOUD_LINK=$parts -DLOYALTY_BUILD_KIOSK=$parts
cmake --build "$build"
file "$build/core/loyalty-admin"
ctest --test-dir "$build" --output-on-failure
