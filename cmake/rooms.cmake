# Project helpers: one folder = one library target `rooms_<name>` with alias `rooms::<name>`.

# Finds a required dependency or stops configure naming the Debian package to install.
macro(rooms_require package apt_package)
  find_package(${package} ${ARGN} QUIET)
  if(NOT ${package}_FOUND)
    message(FATAL_ERROR "${package} not found: install the Debian package ${apt_package} "
                        "(apt-get install ${apt_package}, or run tools/bootstrap)")
  endif()
endmacro()

# Warnings are errors on project code only (not on third-party headers).
function(rooms_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror)
  # GCC 12 reports -Wrestrict on plain `"x" + std::to_string(i)` once inlined at -O2 (a false
  # positive in libstdc++'s basic_string, GCC bug 105651); which call it flags moves with every
  # unrelated change. Only that diagnostic, only on GCC 12.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_GREATER_EQUAL 12 AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
endfunction()

# rooms_add_library(<name> SOURCES ... DEPS ...)
function(rooms_add_library name)
  cmake_parse_arguments(arg "" "" "SOURCES;DEPS" ${ARGN})
  add_library(rooms_${name} STATIC ${arg_SOURCES})
  add_library(rooms::${name} ALIAS rooms_${name})
  target_include_directories(rooms_${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(rooms_${name} PUBLIC ${arg_DEPS})
  rooms_warnings(rooms_${name})
endfunction()

# rooms_add_test(<name> SOURCES ... DEPS ...): a GoogleTest binary registered with ctest.
function(rooms_add_test name)
  cmake_parse_arguments(arg "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${arg_SOURCES})
  target_link_libraries(${name} PRIVATE ${arg_DEPS} rooms::testing GTest::gtest GTest::gtest_main)
  rooms_warnings(${name})
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60
    PROPERTIES ENVIRONMENT "ROOMS_BIN_DIR=${CMAKE_BINARY_DIR}/bin;ROOMS_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
endfunction()
