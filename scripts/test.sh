#!/usr/bin/env bash
# Installs what keel needs (Debian 12), builds everything and runs the whole test suite.
# Arguments are passed to ctest (e.g. -R Shape, -L install). Build directory: $KEEL_BUILD_DIR
# (default build/).
set -euo pipefail

# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

keel_install_packages
keel_configure
# shellcheck disable=SC2119 # no arguments: every target
keel_build
# --no-tests=error: a suite that finds no test fails instead of passing silently.
exec ctest --test-dir "$KEEL_BUILD_DIR" --output-on-failure --no-tests=error -j "$(nproc)" "$@"
