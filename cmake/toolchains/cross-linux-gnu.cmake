# Shared part of the Debian cross toolchain files (aarch64-linux-gnu.cmake,
# arm-linux-gnueabihf.cmake): set INVENTORY_CROSS_TRIPLE and INVENTORY_CROSS_QEMU, then include.
set(_sysroot /usr/${INVENTORY_CROSS_TRIPLE})
set(CMAKE_C_COMPILER ${INVENTORY_CROSS_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${INVENTORY_CROSS_TRIPLE}-g++)
set(CMAKE_AR ${INVENTORY_CROSS_TRIPLE}-ar CACHE FILEPATH "Archiver")
set(CMAKE_RANLIB ${INVENTORY_CROSS_TRIPLE}-ranlib CACHE FILEPATH "Ranlib")
set(CMAKE_STRIP ${INVENTORY_CROSS_TRIPLE}-strip CACHE FILEPATH "Strip")

set(CMAKE_FIND_ROOT_PATH ${_sysroot})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# ctest (and doctest_discover_tests, which lists the test cases) run target programs through it.
set(CMAKE_CROSSCOMPILING_EMULATOR ${INVENTORY_CROSS_QEMU} -L ${_sysroot})

# Programs are linked fully static: libstdc++, libgcc and the cross libatomic (16-byte CAS;
# on aarch64 it picks LSE CASP at run time when the CPU has it) go into the executable, which
# runs on a device without the toolchain's shared libraries.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")

# Header-only libraries from the build machine: Boost (MultiIndex, container, ...) and doctest.
# Their Debian headers live in /usr/include beside the host's C library, which the cross
# compiler must never see, so a directory in the build tree holds only links to them, and the
# build adds it with -isystem (INVENTORY_BOOST_INCLUDE_DIR, INVENTORY_DOCTEST_INCLUDE_DIR).
set(_headers ${CMAKE_BINARY_DIR}/cross-headers)
foreach(_lib boost doctest)
  if(EXISTS /usr/include/${_lib} AND NOT EXISTS ${_headers}/${_lib})
    file(MAKE_DIRECTORY ${_headers})
    file(CREATE_LINK /usr/include/${_lib} ${_headers}/${_lib} SYMBOLIC)
  endif()
endforeach()
set(INVENTORY_BOOST_INCLUDE_DIR ${_headers})
set(INVENTORY_DOCTEST_INCLUDE_DIR ${_headers})
# doctest's CMake module (doctest_discover_tests) is architecture-independent.
if(EXISTS /usr/lib/cmake/doctest/doctest.cmake)
  set(INVENTORY_DOCTEST_MODULE_DIR /usr/lib/cmake/doctest)
endif()
