#!/usr/bin/env bash
# Builds latencyd and runs the whole test suite (unit, integration, end to end, packaging).
#   scripts/test.sh [ctest arguments...]     e.g. scripts/test.sh -L e2e
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh build test
build_dir=${BUILD_DIR:-build}
# LATENCYD_WERROR=ON (as CI sets it) turns compiler warnings into errors.
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DLATENCYD_WERROR="${LATENCYD_WERROR:-OFF}" >/dev/null
cmake --build "$build_dir" -j"${JOBS:-2}"
cd "$build_dir"
ctest --output-on-failure -j"${JOBS:-2}" "$@"
