# Installs unmask from a build tree into a temporary prefix, then configures,
# builds and runs tests/consumer against that prefix. Fails on any step.
#
#   cmake -DUNMASK_BUILD_DIR=<build> -DUNMASK_CONSUMER_SOURCE_DIR=<tests/consumer>
#         -DUNMASK_CONSUMER_WORK_DIR=<scratch dir> [-DUNMASK_CONFIG=Release]
#         [-DUNMASK_GENERATOR=Ninja] [-DUNMASK_CXX_COMPILER=g++]
#         -P run_consumer_test.cmake
cmake_minimum_required(VERSION 3.25)

foreach(_var IN ITEMS UNMASK_BUILD_DIR UNMASK_CONSUMER_SOURCE_DIR UNMASK_CONSUMER_WORK_DIR)
  if(NOT DEFINED ${_var} OR "${${_var}}" STREQUAL "")
    message(FATAL_ERROR "run_consumer_test.cmake: ${_var} must be set")
  endif()
endforeach()
if(NOT DEFINED UNMASK_CONFIG OR UNMASK_CONFIG STREQUAL "")
  set(UNMASK_CONFIG Release)
endif()

set(_prefix "${UNMASK_CONSUMER_WORK_DIR}/prefix")
set(_build "${UNMASK_CONSUMER_WORK_DIR}/build")
file(REMOVE_RECURSE "${UNMASK_CONSUMER_WORK_DIR}")
file(MAKE_DIRECTORY "${UNMASK_CONSUMER_WORK_DIR}")

function(run_step name)
  message(STATUS "install_consumer: ${name}: ${ARGN}")
  execute_process(COMMAND ${ARGN}
                  RESULT_VARIABLE _rc
                  OUTPUT_VARIABLE _out
                  ERROR_VARIABLE _out)
  if(NOT _rc EQUAL 0)
    message("${_out}")
    message(FATAL_ERROR "install_consumer: step '${name}' FAILED (exit ${_rc})")
  endif()
  set(_step_output "${_out}" PARENT_SCOPE)
endfunction()

# 1. Install.
run_step("install" "${CMAKE_COMMAND}" --install "${UNMASK_BUILD_DIR}" --prefix "${_prefix}" --config "${UNMASK_CONFIG}")
file(GLOB_RECURSE _config_files "${_prefix}/*/unmaskConfig.cmake")
if(NOT _config_files)
  message(FATAL_ERROR "install_consumer: no unmaskConfig.cmake under ${_prefix}")
endif()
if(NOT EXISTS "${_prefix}/include/unmask/core/config.hpp")
  message(FATAL_ERROR "install_consumer: headers were not installed under ${_prefix}/include")
endif()

# 2. Configure the consumer against the fresh prefix only (no package registries).
set(_configure_args
  -S "${UNMASK_CONSUMER_SOURCE_DIR}" -B "${_build}"
  "-DCMAKE_PREFIX_PATH=${_prefix}"
  "-DCMAKE_BUILD_TYPE=${UNMASK_CONFIG}"
  -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
  -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF)
if(DEFINED UNMASK_GENERATOR AND NOT UNMASK_GENERATOR STREQUAL "")
  list(APPEND _configure_args -G "${UNMASK_GENERATOR}")
endif()
if(DEFINED UNMASK_CXX_COMPILER AND NOT UNMASK_CXX_COMPILER STREQUAL "")
  list(APPEND _configure_args "-DCMAKE_CXX_COMPILER=${UNMASK_CXX_COMPILER}")
endif()
run_step("configure" "${CMAKE_COMMAND}" ${_configure_args})

# The package must come from the prefix we just installed, not from elsewhere.
file(STRINGS "${_build}/CMakeCache.txt" _dir_line REGEX "^unmask_DIR:")
string(REGEX REPLACE "^unmask_DIR:[A-Z]+=" "" _found_dir "${_dir_line}")
file(REAL_PATH "${_prefix}" _prefix_real)
if(_found_dir STREQUAL "" OR NOT EXISTS "${_found_dir}")
  message(FATAL_ERROR "install_consumer: unmask_DIR is not set in the consumer's cache ('${_found_dir}')")
endif()
file(REAL_PATH "${_found_dir}" _found_real)
string(FIND "${_found_real}" "${_prefix_real}/" _pos)
if(NOT _pos EQUAL 0)
  message(FATAL_ERROR "install_consumer: unmask was found in '${_found_dir}', not under the install prefix ${_prefix}")
endif()

# 3. Build.
run_step("build" "${CMAKE_COMMAND}" --build "${_build}" --config "${UNMASK_CONFIG}")

# 4. Run.
find_program(_exe NAMES unmask_consumer PATHS "${_build}" "${_build}/${UNMASK_CONFIG}" NO_DEFAULT_PATH NO_CACHE)
if(NOT _exe)
  message(FATAL_ERROR "install_consumer: the consumer executable was not built in ${_build}")
endif()
run_step("run" "${_exe}")

message(STATUS "install_consumer: OK (installed to ${_prefix}, package found at ${_found_dir})")
