#!/usr/bin/env bash
# Builds the gtest suites (ctest labels `unit` and `integration`: every GoogleTest case,
# the real daemon binary included) with sanitizers and runs them:
#   address  AddressSanitizer + LeakSanitizer + UndefinedBehaviorSanitizer, in build-asan/
#   thread   ThreadSanitizer, in build-tsan/
#   scripts/test-sanitizers.sh [address|thread]...   (default: both)
# Left out: the *TimingTest suites, which measure latency against known delays (here they
# would measure the sanitizer's slowdown); and packaging, systemd-nspawn and the end-to-end
# tests: they test files and third-party binaries, not latencyd's memory or threads.
# TSan: libcurl, cpp-httplib's shared library and glibc are not instrumented; the only
# suppressions (test/tsan.supp) name third-party frames, never latencyd code.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
kinds=("$@")
[ ${#kinds[@]} -gt 0 ] || kinds=(address thread)

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export TSAN_OPTIONS="suppressions=$root/test/tsan.supp:halt_on_error=1:second_deadlock_stack=1"

# Each sanitizer build compiles everything again: ccache, where installed, makes reruns cheap.
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi

for kind in "${kinds[@]}"; do
  case "$kind" in
    address) build_dir=build-asan ;;
    thread) build_dir=build-tsan ;;
    *) echo "usage: $0 [address|thread]..." >&2; exit 2 ;;
  esac
  echo "== $kind: building in $build_dir" >&2
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLATENCYD_SANITIZE="$kind" \
    -DLATENCYD_WERROR=ON -DLATENCYD_BUILD_BENCH=OFF "${launcher[@]}" >/dev/null
  cmake --build "$build_dir" -j"${JOBS:-2}"
  echo "== $kind: running the unit and integration tests" >&2
  # *TimingTest suites measure latency (medians within milliseconds of a known delay); under a
  # sanitizer they would measure its slowdown. The plain stage (scripts/test.sh) runs them.
  (cd "$build_dir" &&
    ctest --output-on-failure -j"${JOBS:-2}" -L 'unit|integration' -E 'TimingTest\.')
done
