#!/usr/bin/env bash
# Runs clang-tidy (the repo's .clang-tidy: bugprone-*, performance-*) over the sources of
# daemon/, config/, probes/ and allocator/ and fails on any finding. Needs the
# compile_commands.json of a configured build: scripts/check-tidy.sh [BUILD_DIR] (default: build)
# Tests, benchmarks and the demo are left out to keep the run within a few minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}
[ -f "$build_dir/compile_commands.json" ] ||
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
# The generated build_info.cc must exist for its entry in compile_commands.json.
cmake --build "$build_dir" --target latencyd_build_info_file >/dev/null
run-clang-tidy -quiet -p "$build_dir" -j"${JOBS:-2}" "$PWD/(daemon|config|probes|allocator)/.*\.cc\$"
echo "clang-tidy: clean"
