# Cross-compiling for 32-bit ARM Linux, hard float (Debian: g++-arm-linux-gnueabihf,
# qemu-user-static); preset firmware-armhf. 32-bit ARM has neither __int128 nor a 16-byte CAS:
# the hot 16-byte words are a two-word class updated through libatomic, which takes a lock
# striped by address (src/core/atomic128.h). See docs/firmware.md.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(INVENTORY_CROSS_TRIPLE arm-linux-gnueabihf)
set(INVENTORY_CROSS_QEMU qemu-arm-static)
include(${CMAKE_CURRENT_LIST_DIR}/cross-linux-gnu.cmake)
