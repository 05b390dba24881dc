# One step of the packaging check (tests/package/CMakeLists.txt registers each as a ctest test):
#
#   install           cmake --install BUILD_DIR into WORK_DIR/prefix; check the tree, the version
#                     file's answers and inventory.pc's version
#   find_package      configure, build and run consumer/ (consumer, c_consumer) with
#                     find_package(inventory 0.1)
#   pkg_config        compile consumer/main.cc with `pkg-config --cflags --libs inventory`, run it
#   add_subdirectory  the same with add_subdirectory(SOURCE_DIR)
#
# Usage: cmake -DSTEP=<step> -DSOURCE_DIR=... -DBUILD_DIR=... -DWORK_DIR=... [more -D, see
# tests/package/CMakeLists.txt] -P check_package.cmake
cmake_minimum_required(VERSION 3.21)

foreach(_var IN ITEMS STEP SOURCE_DIR BUILD_DIR WORK_DIR CXX_COMPILER VERSION LIBDIR INCLUDEDIR)
  if(NOT DEFINED ${_var} OR "${${_var}}" STREQUAL "")
    message(FATAL_ERROR "check_package.cmake: -D${_var}=... is required")
  endif()
endforeach()
set(PREFIX "${WORK_DIR}/prefix")
set(CONSUMER "${SOURCE_DIR}/tests/package/consumer")
set(CMAKEDIR "${PREFIX}/${LIBDIR}/cmake/inventory")
if(SANITIZE)
  set(SANITIZE_FLAGS "-fsanitize=${SANITIZE}" -fno-omit-frame-pointer)
else()
  set(SANITIZE_FLAGS "")
endif()

# run(<command> <arg>...): echoes the command and stops the step if it fails. Its output goes to
# ctest's log.
function(run)
  list(JOIN ARGN " " _shown)
  message(STATUS "+ ${_shown}")
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE _rc)
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "failed (${_rc}): ${_shown}")
  endif()
endfunction()

function(check_file path)
  if(NOT EXISTS "${PREFIX}/${path}")
    message(FATAL_ERROR "not installed: ${PREFIX}/${path}")
  endif()
endfunction()

# check_version(<requested> <expected>): what find_package(inventory <requested>) decides,
# asked of the installed inventoryConfigVersion.cmake directly.
function(check_version requested expected)
  set(PACKAGE_FIND_VERSION "${requested}")
  string(REPLACE "." ";" _parts "${requested}")
  list(LENGTH _parts PACKAGE_FIND_VERSION_COUNT)
  list(APPEND _parts 0 0 0)
  list(GET _parts 0 PACKAGE_FIND_VERSION_MAJOR)
  list(GET _parts 1 PACKAGE_FIND_VERSION_MINOR)
  list(GET _parts 2 PACKAGE_FIND_VERSION_PATCH)
  set(CMAKE_SIZEOF_VOID_P "${SIZEOF_VOID_P}")
  include("${CMAKEDIR}/inventoryConfigVersion.cmake")
  if(NOT PACKAGE_VERSION_COMPATIBLE STREQUAL expected)
    message(FATAL_ERROR "find_package(inventory ${requested}) against ${PACKAGE_VERSION}: "
                        "compatible=${PACKAGE_VERSION_COMPATIBLE}, expected ${expected}")
  endif()
  message(STATUS "find_package(inventory ${requested}) -> compatible=${expected}")
endfunction()

# configure_build_run(<dir> <cmake -D...>...): a fresh build of consumer/ in WORK_DIR/<dir>.
function(configure_build_run dir)
  set(_bin "${WORK_DIR}/${dir}")
  file(REMOVE_RECURSE "${_bin}")
  set(_args -S "${CONSUMER}" -B "${_bin}" "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}")
  if(GENERATOR)
    list(APPEND _args -G "${GENERATOR}")
  endif()
  if(MAKE_PROGRAM)
    list(APPEND _args "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
  endif()
  if(CONFIG)
    list(APPEND _args "-DCMAKE_BUILD_TYPE=${CONFIG}")
  endif()
  if(LAUNCHER)
    list(APPEND _args "-DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER}")
  endif()
  if(SANITIZE)
    list(JOIN SANITIZE_FLAGS " " _flags)
    list(APPEND _args "-DCMAKE_CXX_FLAGS=${_flags}" "-DCMAKE_EXE_LINKER_FLAGS=${_flags}")
  endif()
  run("${CMAKE_COMMAND}" ${_args} ${ARGN})
  if(CONFIG)
    run("${CMAKE_COMMAND}" --build "${_bin}" --config "${CONFIG}")
  else()
    run("${CMAKE_COMMAND}" --build "${_bin}")
  endif()
  foreach(_program IN ITEMS consumer c_consumer)
    if(EXISTS "${_bin}/${_program}")
      run("${_bin}/${_program}")
    else()
      run("${_bin}/${CONFIG}/${_program}")  # Multi-config generators.
    endif()
  endforeach()
endfunction()

if(STEP STREQUAL "install")
  file(REMOVE_RECURSE "${PREFIX}")
  if(CONFIG)
    run("${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${PREFIX}" --config "${CONFIG}")
  else()
    run("${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${PREFIX}")
  endif()
  file(GLOB _headers RELATIVE "${SOURCE_DIR}/include" "${SOURCE_DIR}/include/inventory/*.h")
  list(TRANSFORM _headers PREPEND "${INCLUDEDIR}/")
  foreach(_file IN LISTS _headers ITEMS "${INCLUDEDIR}/inventory/c.h"
          "${LIBDIR}/${LIBRARY_FILE}" "${LIBDIR}/pkgconfig/inventory.pc"
          "${LIBDIR}/cmake/inventory/inventoryConfig.cmake"
          "${LIBDIR}/cmake/inventory/inventoryConfigVersion.cmake"
          "${LIBDIR}/cmake/inventory/inventoryTargets.cmake")
    check_file("${_file}")
  endforeach()
  file(GLOB _per_config "${CMAKEDIR}/inventoryTargets-*.cmake")
  if(NOT _per_config)
    message(FATAL_ERROR "not installed: ${CMAKEDIR}/inventoryTargets-<config>.cmake")
  endif()
  # The version file: this minor release (and exactly this version) yes; the next minor or
  # major no; before 1.0 the previous minor no either (a 0.x minor release may break the API).
  string(REGEX MATCH "^([0-9]+)\\.([0-9]+)" _ "${VERSION}")
  set(_major "${CMAKE_MATCH_1}")
  set(_minor "${CMAKE_MATCH_2}")
  math(EXPR _next_minor "${_minor} + 1")
  math(EXPR _next_major "${_major} + 1")
  check_version("${_major}.${_minor}" TRUE)
  check_version("${VERSION}" TRUE)
  check_version("${_major}.${_next_minor}" FALSE)
  check_version("${_next_major}.0" FALSE)
  if(_major EQUAL 0 AND _minor GREATER 0)
    math(EXPR _previous_minor "${_minor} - 1")
    check_version("0.${_previous_minor}" FALSE)
  endif()
  message(STATUS "installed tree at ${PREFIX} is complete")

elseif(STEP STREQUAL "find_package")
  configure_build_run(find_package "-DCMAKE_PREFIX_PATH=${PREFIX}"
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF "-DINVENTORY_CONSUMER_EXPECT_DIR=${CMAKEDIR}")

elseif(STEP STREQUAL "add_subdirectory")
  if(C_COMPILER)
    set(_c "-DCMAKE_C_COMPILER=${C_COMPILER}")
  endif()
  if(LAUNCHER)
    list(APPEND _c "-DCMAKE_C_COMPILER_LAUNCHER=${LAUNCHER}")
  endif()
  configure_build_run(add_subdirectory -DINVENTORY_CONSUMER_MODE=add_subdirectory
    "-DINVENTORY_SOURCE_DIR=${SOURCE_DIR}" ${_c} -DINVENTORY_BUILD_TESTS=OFF
    -DINVENTORY_BUILD_BENCH=OFF -DINVENTORY_BUILD_EXAMPLES=OFF -DINVENTORY_INSTALL=OFF)

elseif(STEP STREQUAL "pkg_config")
  if(NOT PKG_CONFIG)
    message(FATAL_ERROR "-DPKG_CONFIG=<pkg-config> is required")
  endif()
  set(ENV{PKG_CONFIG_PATH} "${PREFIX}/${LIBDIR}/pkgconfig")
  execute_process(COMMAND "${PKG_CONFIG}" --modversion inventory
    OUTPUT_VARIABLE _version OUTPUT_STRIP_TRAILING_WHITESPACE COMMAND_ERROR_IS_FATAL ANY)
  execute_process(COMMAND "${PKG_CONFIG}" --cflags --libs inventory
    OUTPUT_VARIABLE _flags OUTPUT_STRIP_TRAILING_WHITESPACE COMMAND_ERROR_IS_FATAL ANY)
  message(STATUS "pkg-config inventory ${_version}: ${_flags}")
  if(NOT _version STREQUAL VERSION)
    message(FATAL_ERROR "inventory.pc says version ${_version}, expected ${VERSION}")
  endif()
  string(FIND "${_flags}" "-I${PREFIX}/" _at)
  if(_at EQUAL -1)
    message(FATAL_ERROR "pkg-config's flags do not point into ${PREFIX}: ${_flags}")
  endif()
  separate_arguments(_flags UNIX_COMMAND "${_flags}")
  set(_bin "${WORK_DIR}/pkg_config")
  file(REMOVE_RECURSE "${_bin}")
  file(MAKE_DIRECTORY "${_bin}")
  run("${CXX_COMPILER}" -std=c++20 ${SANITIZE_FLAGS} "${CONSUMER}/main.cc" ${_flags}
      -o "${_bin}/consumer")
  run("${_bin}/consumer")

else()
  message(FATAL_ERROR "check_package.cmake: unknown STEP '${STEP}'")
endif()
