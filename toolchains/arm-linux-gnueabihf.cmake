# Cross-compiles for armhf Linux kiosk boards with Debian's cross compiler and multiarch -dev packages:
#   sudo dpkg --add-architecture armhf && sudo apt-get install crossbuild-essential-armhf qemu-user \
#        libsqlite3-dev:armhf libsodium-dev:armhf ...
#   scripts/cross-build.sh armhf
# Tests run under qemu-user (CMAKE_CROSSCOMPILING_EMULATOR), so ctest catches a build that
# compiles but misbehaves on the target.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-linux-gnueabihf-gcc)
set(CMAKE_CXX_COMPILER arm-linux-gnueabihf-g++)

# Target libraries from /usr/lib/arm-linux-gnueabihf, headers from /usr/include (multiarch), never the host's libraries.
set(CMAKE_FIND_ROOT_PATH /usr/arm-linux-gnueabihf)
set(CMAKE_LIBRARY_ARCHITECTURE arm-linux-gnueabihf)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/arm-linux-gnueabihf/pkgconfig:/usr/share/pkgconfig)
set(ENV{PKG_CONFIG_PATH} "")

find_program(QEMU_USER qemu-arm)
if(QEMU_USER)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${QEMU_USER} -L /usr/arm-linux-gnueabihf)
endif()
