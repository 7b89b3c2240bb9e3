#!/usr/bin/env bash
# Builds the tools and examples in build/ (Release) and runs the main demo:
# build/bin/unmask-demo "$@" when it exists, otherwise
# build/bin/unmask-replay --verbose tests/golden/llada-v1.json (or the arguments given).
# Installs missing Debian packages first (apt-get; sudo when not root).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$UNMASK_ROOT"

unmask_install_deps
jobs="$(unmask_jobs)"

mapfile -t gen < <(unmask_generator_args build)
build_type_args=()
if [[ ! -f build/CMakeCache.txt ]]; then
  build_type_args=(-DCMAKE_BUILD_TYPE=Release)
fi
unmask_log "configuring build/"
cmake -S . -B build "${gen[@]}" "${build_type_args[@]}" -DUNMASK_BUILD_TOOLS=ON -DUNMASK_BUILD_EXAMPLES=ON >/dev/null
unmask_log "building tools and examples with -j$jobs"
cmake --build build -j "$jobs" --target unmask-tools unmask-examples

if [[ -x build/bin/unmask-demo ]]; then
  exec build/bin/unmask-demo "$@"
elif [[ -x build/bin/unmask-replay ]]; then
  if (($# > 0)); then
    exec build/bin/unmask-replay "$@"
  fi
  exec build/bin/unmask-replay --verbose tests/golden/llada-v1.json
else
  echo "error: neither build/bin/unmask-demo nor build/bin/unmask-replay was built" \
       "(tools/unmask-replay/main.cpp or an unmask-demo tool/example is needed)" >&2
  exit 1
fi
