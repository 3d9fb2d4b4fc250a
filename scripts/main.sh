#!/usr/bin/env bash
# Installs what keel needs (Debian 12), builds it and runs the flagship example.
# Arguments are passed to the program. Build directory: $KEEL_BUILD_DIR (default build/).
set -euo pipefail

# The flagship example: a target built from examples/<name>.cpp.
KEEL_MAIN_PROGRAM=fashion_mnist

# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

keel_install_packages
keel_configure
keel_build "$KEEL_MAIN_PROGRAM"
exec "$KEEL_BUILD_DIR/$KEEL_MAIN_PROGRAM" "$@"
