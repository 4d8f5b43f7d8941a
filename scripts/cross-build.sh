#!/usr/bin/env bash
# Cross-builds the project for an ARM kiosk board and runs its tests under qemu-user.
#   scripts/cross-build.sh aarch64              # the engine, loyalty-admin and their tests (ctest: cross_aarch64)
#   scripts/cross-build.sh aarch64 --all        # every part and its arm64 .deb packages (installs the parts' :arm64 -dev packages too)
#   scripts/cross-build.sh aarch64 --deps-only  # only install what the cross build needs (make deps does this)
# Installs what it needs from Debian (multiarch), using sudo when not root. Builds incrementally
# in build/cross-<arch> (build/cross-<arch>-all with --all), through ccache when it is installed.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
arch=${1:?usage: cross-build.sh aarch64|armhf [--all|--deps-only]}
case "$arch" in
  aarch64) debarch=arm64; triplet=aarch64-linux-gnu ;;
  armhf)   debarch=armhf; triplet=arm-linux-gnueabihf ;;
  *) echo "unknown architecture '$arch' (aarch64 or armhf)" >&2; exit 2 ;;
esac
all="" deps_only=""
for opt in "${@:2}"; do
  case "$opt" in
    --all) all=--all ;;
    --deps-only) deps_only=1 ;;
    *) echo "unknown option '$opt' (--all or --deps-only)" >&2; exit 2 ;;
  esac
done

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
# Target-side libraries: the -dev packages of deps/debian-packages.txt, core's section only
# unless --all. Arch-independent ones (headers only) resolve to the host's package.
mapfile -t libs < <(awk -v all="$all" '
  /^# / { section = $2 }
  /^[^#].*-dev$/ && (all == "--all" || section == "core") { print $1 }' "$here/deps/debian-packages.txt" |
  # umockdev is a host-side test tool (its preload cannot work under qemu-user), and its :arm64
  # -dev package cannot be installed beside the host's: apt would remove the host's.
  grep -vx libumockdev-dev)
wanted=(crossbuild-essential-$debarch qemu-user)
for lib in "${libs[@]}"; do
  # Header-only packages (Architecture: all) are the host's; the rest come in the target's flavour.
  # dpkg answers for what the host has installed (make deps); apt-cache (seconds a call) for the rest.
  pkg_arch=$(dpkg-query -W -f='${Architecture}' "$lib" 2>/dev/null) ||
    pkg_arch=$(apt-cache show --no-all-versions "$lib" 2>/dev/null | sed -n 's/^Architecture: //p')
  if [ "$pkg_arch" = all ]; then
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
  echo "Installing for the $arch cross build: ${missing[*]}"
  dpkg --print-foreign-architectures | grep -qx "$debarch" || $sudo dpkg --add-architecture "$debarch"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
[ -n "$deps_only" ] && exit 0

build="$here/build/cross-$arch"
parts=OFF tests=ON
if [ "$all" = "--all" ]; then
  parts=ON
  build="$build-all"  # its own directory, so the core-only test build stays incremental
  # Every part's programs and libraries for the board. Their suites stay on the host: they start
  # host tools (umockdev-wrapper, mosquitto, the host's Python loading the C ABI through ctypes)
  # that cannot drive target binaries; the engine's suite runs under qemu-user without --all.
  tests=OFF
fi
mkdir -p "$build"
# One build at a time per directory (ctest of two presets may run this test at once).
exec 9>"$build/.cross-build.lock"
flock 9
# Paths relative to the checkout in ccache's keys, so worktrees share cached objects.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$here}
cmake -S "$here" -B "$build" -G Ninja \
  -DCMAKE_TOOLCHAIN_FILE="$here/toolchains/$triplet.cmake" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  ${LOYALTY_WERROR:+-DLOYALTY_WERROR=$LOYALTY_WERROR} -DLOYALTY_BUILD_BENCH=OFF -DLOYALTY_BUILD_TESTS=$tests \
  -DLOYALTY_BUILD_FIRMWARE_BRIDGE=$parts -DLOYALTY_BUILD_POS_PLUGIN=$parts \
  -DLOYALTY_BUILD_CLOUD_LINK=$parts -DLOYALTY_BUILD_KIOSK=$parts
cmake --build "$build"
machine=$([ "$arch" = aarch64 ] && echo 'ARM aarch64' || echo 'ARM, EABI5')
programs=(core/loyalty-admin)
[ "$parts" = ON ] && programs+=(kiosk/loyalty-kiosk cloud-link/loyalty-link cloud-link/loyalty-hub
                                 pos-plugin/loyalty-pos firmware-bridge/loyalty-scan-monitor)
for program in "${programs[@]}"; do
  file "$build/$program"
  file -L "$build/$program" | grep -q "$machine" || { echo "$program is not an $arch binary" >&2; exit 1; }
done
if [ "$parts" = ON ]; then
  # The board's Debian packages: dpkg-shlibdeps reads the :arm64 (:armhf) libraries installed above.
  (cd "$build" && cpack -G DEB -B "$build/packages" -D CPACK_DEBIAN_PACKAGE_ARCHITECTURE="$debarch")
  ls "$build"/packages/*_"$debarch".deb
fi
if [ "$tests" = ON ]; then
  # Every test under qemu-user (the toolchain file sets CMAKE_CROSSCOMPILING_EMULATOR): the engine's
  # suite and admin_cli, which drives the cross-built loyalty-admin through qemu as a user would.
  ctest --test-dir "$build" --output-on-failure --timeout 900 --no-tests=error -j2
fi
