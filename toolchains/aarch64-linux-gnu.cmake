# Cross-compiles for aarch64 Linux kiosk boards with Debian's cross compiler and multiarch -dev packages:
#   sudo dpkg --add-architecture arm64 && sudo apt-get install crossbuild-essential-arm64 qemu-user \
#        libsqlite3-dev:arm64 libsodium-dev:arm64 ...
#   scripts/cross-build.sh aarch64
# Tests run under qemu-user (CMAKE_CROSSCOMPILING_EMULATOR), so ctest catches a build that
# compiles but misbehaves on the target.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

# Target libraries from /usr/lib/aarch64-linux-gnu, headers from /usr/include (multiarch), never the host's libraries.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig)
set(ENV{PKG_CONFIG_PATH} "")

find_program(QEMU_USER qemu-aarch64)
if(QEMU_USER)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${QEMU_USER} -L /usr/aarch64-linux-gnu)
endif()
