#!/usr/bin/env bash
# Installs keel from a build tree into a temporary prefix, then configures, builds and runs the
# consumer project beside this script against it (find_package(keel), keel::keel).
#
#   usage: run_install_test.sh KEEL_BUILD_DIR KEEL_SOURCE_DIR
#
# Exits non-zero on any failure; the temporary directory is removed in every case.
set -euo pipefail

if (($# != 2)); then
  echo "usage: $0 KEEL_BUILD_DIR KEEL_SOURCE_DIR" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
consumer=$src/tests/install
[[ -f "$build/CMakeCache.txt" ]] || { echo "$build is not a configured keel build tree" >&2; exit 1; }
[[ -f "$consumer/CMakeLists.txt" ]] || { echo "$consumer/CMakeLists.txt not found" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/keel-install-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# Runs a step quietly; shows its output and stops on failure.
step() {
  local name=$1
  shift
  echo "-- $name"
  if ! "$@" >"$tmp/step.log" 2>&1; then
    cat "$tmp/step.log" >&2
    echo "install test: '$name' failed" >&2
    exit 1
  fi
}

cache_value() { sed -n "s/^$1:[A-Z]*=//p" "$build/CMakeCache.txt"; }

# Use the keel build's compiler; a sanitized keel needs a sanitized consumer (ASan must be
# linked into the executable first).
consumer_args=(-DCMAKE_PREFIX_PATH="$tmp/prefix" -DCMAKE_BUILD_TYPE=Release)
cxx=$(cache_value CMAKE_CXX_COMPILER)
[[ -z "$cxx" ]] || consumer_args+=(-DCMAKE_CXX_COMPILER="$cxx")
if [[ "$(cache_value KEEL_SANITIZE)" == ON ]]; then
  consumer_args+=(-DCMAKE_CXX_FLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer"
                  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined")
fi

step "build the keel library" cmake --build "$build" --target keel
step "install keel into $tmp/prefix" cmake --install "$build" --prefix "$tmp/prefix"
step "configure the consumer" cmake -S "$consumer" -B "$tmp/build" "${consumer_args[@]}"
step "build the consumer" cmake --build "$tmp/build"
echo "-- run the consumer"
"$tmp/build/keel_consumer"
