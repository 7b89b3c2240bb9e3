#!/usr/bin/env bash
# Builds and runs every test:
#   1. build/       Release, warnings as errors; all tests, examples, the
#                   install/find_package check and the header self-containment check.
#   2. build-asan/  clang 14, Debug -O1, AddressSanitizer + UBSan, warnings as errors
#                   (so both g++ 12 and clang 14 build warning-clean; skip: UNMASK_SKIP_SANITIZE=1).
# Installs missing Debian packages first (apt-get; sudo when not root).
# Extra arguments are passed to both ctest runs (e.g. -R philox, -L core).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$UNMASK_ROOT"

unmask_install_deps clang-14 libclang-rt-14-dev libdnnl-dev
jobs="$(unmask_jobs)"

# --- 1. Release tree --------------------------------------------------------
mapfile -t gen < <(unmask_generator_args build)
unmask_log "configuring build/ (Release, UNMASK_WERROR=ON)"
cmake -S . -B build "${gen[@]}" \
  -DCMAKE_BUILD_TYPE=Release \
  -DUNMASK_WERROR=ON \
  -DUNMASK_SANITIZE=OFF \
  -DUNMASK_BUILD_TESTS=ON -DUNMASK_BUILD_EXAMPLES=ON -DUNMASK_BUILD_TOOLS=ON -DUNMASK_BUILD_BENCHMARKS=ON
unmask_log "building build/ with -j$jobs"
cmake --build build -j "$jobs"
unmask_log "running tests in build/"
ctest --test-dir build --output-on-failure -j "$jobs" "$@"

# --- 2. Sanitizer tree --------------------------------------------------------
if [[ "${UNMASK_SKIP_SANITIZE:-0}" == "1" ]]; then
  unmask_log "UNMASK_SKIP_SANITIZE=1: skipping the sanitizer build"
  exit 0
fi

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

mapfile -t gen < <(unmask_generator_args build-asan)
unmask_log "configuring build-asan/ (clang++-14, Debug -O1, UNMASK_SANITIZE=ON, UNMASK_WERROR=ON)"
cmake -S . -B build-asan "${gen[@]}" \
  -DCMAKE_CXX_COMPILER=clang++-14 \
  -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_FLAGS_DEBUG="-g -O1" \
  -DUNMASK_WERROR=ON \
  -DUNMASK_SANITIZE=ON \
  -DUNMASK_BUILD_TESTS=ON -DUNMASK_BUILD_EXAMPLES=ON -DUNMASK_BUILD_TOOLS=ON -DUNMASK_BUILD_BENCHMARKS=OFF
unmask_log "building build-asan/ with -j$jobs"
cmake --build build-asan -j "$jobs"
unmask_log "running tests in build-asan/ (install check excluded)"
ctest --test-dir build-asan --output-on-failure -j "$jobs" -LE install "$@"

unmask_log "all tests passed (build/ and build-asan/)"
