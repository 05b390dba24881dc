# Cross-compiling for 64-bit ARM Linux (Debian: g++-aarch64-linux-gnu, qemu-user-static), for the
# firmware profile (INVENTORY_WITH_ROCKSDB=OFF; preset firmware-aarch64, docs/firmware.md).
#   cmake --preset firmware-aarch64 && cmake --build --preset firmware-aarch64
#   ctest --preset firmware-aarch64   # runs the tests under qemu-aarch64-static
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(INVENTORY_CROSS_TRIPLE aarch64-linux-gnu)
set(INVENTORY_CROSS_QEMU qemu-aarch64-static)
include(${CMAKE_CURRENT_LIST_DIR}/cross-linux-gnu.cmake)
