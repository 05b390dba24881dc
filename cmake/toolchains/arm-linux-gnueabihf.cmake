# Cross-compiling for 32-bit ARM Linux, hard float (Debian: g++-arm-linux-gnueabihf,
# qemu-user-static). UNSUPPORTED for now: it configures, but the core does not build there. The
# hot item and reservation state is a 16-byte word updated with one compare-and-swap
# (src/core/atomic128.h, unsigned __int128), and 32-bit ARM has neither __int128 nor a 16-byte
# CAS (libatomic would fall back to a striped lock). See docs/firmware.md.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(INVENTORY_CROSS_TRIPLE arm-linux-gnueabihf)
set(INVENTORY_CROSS_QEMU qemu-arm-static)
include(${CMAKE_CURRENT_LIST_DIR}/cross-linux-gnu.cmake)
