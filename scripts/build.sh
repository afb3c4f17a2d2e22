#!/bin/bash
# Configures and builds the project with CMake (executables in <build dir>/bin), then the web page
# when scripts/build-web.sh exists.
# env: CHAT_BUILD_DIR (default <repo>/build), CHAT_CMAKE_ARGS (extra configure arguments).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${CHAT_BUILD_DIR:-$REPO/build}"
jobs="$(nproc 2>/dev/null || echo 2)"

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
# shellcheck disable=SC2086  # CHAT_CMAKE_ARGS is a list of words on purpose
if ! cmake -S "$REPO" -B "$BUILD_DIR" ${CHAT_CMAKE_ARGS:-} >"$log" 2>&1; then
    cat "$log" >&2
    echo "build: cmake configure failed" >&2
    exit 1
fi
echo "build: compiling into $BUILD_DIR (-j$jobs)"
set +e
# Progress lines are noise; warnings and errors are shown.
cmake --build "$BUILD_DIR" -j "$jobs" 2>&1 | grep -v -E '^\[ *[0-9]+%\] (Building|Linking|Built target)|^(Consolidate|Scanning)|^g?make\[[0-9]+\]: (Entering|Leaving)'
status=${PIPESTATUS[0]}
set -e
if [[ $status -ne 0 ]]; then
    echo "build: FAILED" >&2
    exit 1
fi

if [[ -f "$REPO/scripts/build-web.sh" ]]; then
    bash "$REPO/scripts/build-web.sh"
fi
echo "build: ok"
