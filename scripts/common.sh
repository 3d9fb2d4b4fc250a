# shellcheck shell=bash
# Shared by scripts/main.sh and scripts/test.sh (sourced, not run): the Debian packages keel
# needs, their installation, and the CMake configure + build of the tree.
#
#   KEEL_BUILD_DIR   build directory (default: build/ in the repository); an existing one is reused.

KEEL_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KEEL_BUILD_DIR=$(realpath -m "${KEEL_BUILD_DIR:-$KEEL_ROOT/build}")

# The one list of Debian 12 packages keel builds, tests and runs with.
# ocl-icd-opencl-dev: Debian's oneDNN CMake package does find_package(OpenCL REQUIRED), and
# libdnnl-dev only recommends it.
# dataset-fashion-mnist: the training data of the main job (the tests make their own IDX files).
KEEL_APT_PACKAGES=(
  g++ cmake make ccache
  libdnnl-dev ocl-icd-opencl-dev
  libprotobuf-dev protobuf-compiler
  libboost-dev libboost-iostreams-dev zlib1g-dev
  libspdlog-dev nlohmann-json3-dev
  libgtest-dev
  libhdf5-dev libjpeg62-turbo-dev libpng-dev libeigen3-dev
  dataset-fashion-mnist
)

keel_die() {
  echo "keel: $*" >&2
  exit 1
}

# Installs whichever of KEEL_APT_PACKAGES are missing; does nothing (and needs no root) when
# all are installed.
keel_install_packages() {
  command -v dpkg-query >/dev/null 2>&1 ||
    keel_die "dpkg-query not found: these scripts install packages on Debian 12 only"
  local missing=() pkg
  for pkg in "${KEEL_APT_PACKAGES[@]}"; do
    if [[ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)" != "install ok installed" ]]; then
      missing+=("$pkg")
    fi
  done
  ((${#missing[@]} == 0)) && return 0

  local sudo=()
  if ((EUID != 0)); then
    command -v sudo >/dev/null 2>&1 ||
      keel_die "missing packages: ${missing[*]}; run as root or install them with apt-get"
    sudo=(sudo)
  fi
  echo "keel: installing ${missing[*]}"
  local log
  log=$(mktemp)
  if ! { "${sudo[@]}" apt-get update -qq &&
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    keel_die "apt-get failed installing: ${missing[*]}"
  fi
  rm -f "$log"
}

# Configures KEEL_BUILD_DIR (Release on first configure; an existing cache keeps its settings).
# CMake's output is shown only when it fails.
keel_configure() {
  local args=(-S "$KEEL_ROOT" -B "$KEEL_BUILD_DIR")
  [[ -f "$KEEL_BUILD_DIR/CMakeCache.txt" ]] || args+=(-DCMAKE_BUILD_TYPE=Release)
  mkdir -p "$KEEL_BUILD_DIR"
  local log="$KEEL_BUILD_DIR/keel-configure.log"
  if ! cmake "${args[@]}" >"$log" 2>&1; then
    cat "$log" >&2
    keel_die "cmake configure failed (log: $log)"
  fi
}

# Builds the given targets (all when none), with one job per core.
keel_build() {
  local targets=()
  (($# == 0)) || targets=(--target "$@")
  cmake --build "$KEEL_BUILD_DIR" -j "$(nproc)" "${targets[@]}" ||
    keel_die "build failed"
}
