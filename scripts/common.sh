# Shared by scripts/demo.sh and scripts/test.sh (sourced, not run).
# Installs the Debian packages the build needs, if any are missing, and picks a
# CMake generator.

UNMASK_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Debian 12 packages: compiler + build tool + test/benchmark/adapter dependencies.
UNMASK_DEBIAN_PACKAGES=(cmake g++ catch2 nlohmann-json3-dev libbenchmark-dev libeigen3-dev xtensor-dev)

unmask_log() { printf '==> %s\n' "$*" >&2; }

unmask_pkg_installed() {
  dpkg -s "$1" 2>/dev/null | grep -q '^Status: install ok installed'
}

# Extra packages can be passed as arguments (test.sh adds clang for the sanitizer tree).
unmask_install_deps() {
  if ! command -v dpkg >/dev/null 2>&1; then
    unmask_log "dpkg not found: not a Debian system, assuming the dependencies are installed"
    return 0
  fi
  local missing=() pkg
  for pkg in "${UNMASK_DEBIAN_PACKAGES[@]}" "$@"; do
    unmask_pkg_installed "$pkg" || missing+=("$pkg")
  done
  # A build tool: ninja-build or make, whichever is there; install ninja-build if neither.
  if ! unmask_pkg_installed ninja-build && ! unmask_pkg_installed make; then
    missing+=(ninja-build)
  fi
  if ((${#missing[@]} == 0)); then
    return 0
  fi
  unmask_log "installing missing packages: ${missing[*]}"
  local sudo=()
  if [[ "$(id -u)" -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo=(sudo)
    else
      echo "error: missing packages (${missing[*]}) and not root and no sudo" >&2
      return 1
    fi
  fi
  "${sudo[@]}" apt-get update
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
}

# Prints the -G arguments for a fresh build tree (nothing if the tree exists:
# CMake refuses to change the generator of a configured tree).
unmask_generator_args() {
  local build_dir="$1"
  if [[ -f "$build_dir/CMakeCache.txt" ]]; then
    return 0
  fi
  if command -v ninja >/dev/null 2>&1; then
    printf '%s\n' -G Ninja
  else
    printf '%s\n' -G "Unix Makefiles"
  fi
}

unmask_jobs() {
  nproc 2>/dev/null || echo 2
}
