# Install rules (included when INVENTORY_INSTALL is ON): the library, the C API library and their
# public headers, the CMake package (find_package(inventory 0.1) then inventory::inventory or
# inventory::c) and inventory.pc.
# tests/package/ installs a build to a scratch prefix and consumes it three ways.
include(CMakePackageConfigHelpers)

set(INVENTORY_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/inventory"
    CACHE STRING "Where inventoryConfig.cmake goes, relative to the prefix")

install(TARGETS inventory inventory_c EXPORT inventoryTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT inventory_Development
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT inventory_Runtime
          NAMELINK_COMPONENT inventory_Development
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT inventory_Runtime)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/inventory
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT inventory_Development
  FILES_MATCHING PATTERN "*.h")
# The C API's header goes beside the C++ headers: #include "inventory/c.h", target inventory::c.
install(FILES ${PROJECT_SOURCE_DIR}/bindings/c/include/inventory/c.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/inventory COMPONENT inventory_Development)

# The static library's PRIVATE dependencies (Boost::headers, Threads::Threads) are exported as
# $<LINK_ONLY:...>; inventoryConfig.cmake finds them before it loads this file.
install(EXPORT inventoryTargets NAMESPACE inventory:: FILE inventoryTargets.cmake
  DESTINATION ${INVENTORY_INSTALL_CMAKEDIR} COMPONENT inventory_Development)

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/inventoryConfig.cmake.in
  ${PROJECT_BINARY_DIR}/inventoryConfig.cmake
  INSTALL_DESTINATION ${INVENTORY_INSTALL_CMAKEDIR})
# Before 1.0 a minor release may break the API, so find_package(inventory 0.1) accepts 0.1.x
# only (SameMinorVersion; SameMajorVersion would also accept 0.2, 0.3...). From 1.0 on, SemVer:
# any 1.x at or above the request (SameMajorVersion, STYLE.md section 9).
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(_inventory_compatibility SameMinorVersion)
else()
  set(_inventory_compatibility SameMajorVersion)
endif()
write_basic_package_version_file(${PROJECT_BINARY_DIR}/inventoryConfigVersion.cmake
  COMPATIBILITY ${_inventory_compatibility})
install(FILES ${PROJECT_BINARY_DIR}/inventoryConfig.cmake
              ${PROJECT_BINARY_DIR}/inventoryConfigVersion.cmake
  DESTINATION ${INVENTORY_INSTALL_CMAKEDIR} COMPONENT inventory_Development)

# inventory.pc. Relocatable: the prefix is found from the .pc file's own directory, so a tree
# installed with `cmake --install build --prefix DIR` (or moved) still points at itself.
# `pkg-config --libs` has to be enough to link: the static library's private dependencies go in
# Libs (Libs.private is only read with --static); for a shared library they are Libs.private.
# -latomic is PUBLIC (16-byte CAS) either way. RocksDB (the journal) is `rocksdb` in
# INVENTORY_PC_REQUIRES (static) or INVENTORY_PC_REQUIRES_PRIVATE (shared).
get_target_property(_inventory_type inventory TYPE)
set(INVENTORY_PC_CFLAGS "")
set(INVENTORY_PC_LIBS "-latomic")
set(INVENTORY_PC_LIBS_PRIVATE "")
set(INVENTORY_PC_REQUIRES "")
set(INVENTORY_PC_REQUIRES_PRIVATE "")
if(_inventory_type STREQUAL "STATIC_LIBRARY")
  string(APPEND INVENTORY_PC_CFLAGS " -DINVENTORY_STATIC_DEFINE")
  string(APPEND INVENTORY_PC_LIBS " -pthread")
  set(INVENTORY_PC_REQUIRES " rocksdb")
else()
  string(APPEND INVENTORY_PC_LIBS_PRIVATE " -pthread")
  set(INVENTORY_PC_REQUIRES_PRIVATE " rocksdb")
endif()
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(INVENTORY_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  file(RELATIVE_PATH _inventory_up "/p/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/p")
  string(REGEX REPLACE "/$" "" _inventory_up "${_inventory_up}")
  set(INVENTORY_PC_PREFIX "\${pcfiledir}/${_inventory_up}")
endif()
foreach(_dir IN ITEMS LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${_dir}}")
    set(INVENTORY_PC_${_dir} "${CMAKE_INSTALL_${_dir}}")
  else()
    set(INVENTORY_PC_${_dir} "\${prefix}/${CMAKE_INSTALL_${_dir}}")
  endif()
endforeach()
configure_file(${PROJECT_SOURCE_DIR}/cmake/inventory.pc.in ${PROJECT_BINARY_DIR}/inventory.pc
  @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/inventory.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT inventory_Development)
