#!/usr/bin/env bash
# Builds latencyd and the benchmark programs (Release) and runs them, printing the figures
# that bench/README.md records. Loopback only; every process it starts is stopped by PID.
#
#   bench/run.sh                 # full run, about 8 minutes plus the build
#   bench/run.sh --quick         # smoke run, about 1 minute (figures too short to quote)
#   SCALE_ARGS=--hog-threads=1 bench/run.sh   # scale run beside one busy core
#
# Environment: BUILD_DIR (default <repo>/build-bench), JOBS (default 2), FLOOR_ARGS,
# SCALE_ARGS, PEER_ARGS, STATUS_ARGS (extra flags: see each program's --help), BLACKBOX (the exporter),
# SKIP_BUILD=1 to reuse an existing build, OUT (where the figures are also written),
# REVISION (printed when ROOT is not a git checkout, e.g. a `git archive` export).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build-bench}
JOBS=${JOBS:-2}
OUT=${OUT:-$BUILD_DIR/bench-results-$(date -u +%Y%m%dT%H%M%SZ).md}
FLOOR_ARGS=${FLOOR_ARGS:-}
SCALE_ARGS=${SCALE_ARGS:-}
PEER_ARGS=${PEER_ARGS:-}
HTTPS_ARGS=${HTTPS_ARGS:-}
STATUS_ARGS=${STATUS_ARGS:-}
BLACKBOX=${BLACKBOX:-/usr/bin/prometheus-blackbox-exporter}

if [[ ${1:-} == --quick ]]; then
  FLOOR_ARGS="--runs=2 --duration=10 --idle=5 --warmup=2 $FLOOR_ARGS"
  SCALE_ARGS="--endpoints=200,1000 --duration=10 --warmup=3 $SCALE_ARGS"
  PEER_ARGS="--duration=5 --warmup=2 $PEER_ARGS"
  HTTPS_ARGS="--paced-duration=10 --endpoints=100,500 --duration=10 $HTTPS_ARGS"
  STATUS_ARGS="--endpoints=1000 $STATUS_ARGS"
fi

# The target: nginx-light (wrk is only for checking the target by hand). Without nginx the
# programs fall back to the in-process FixtureServer and say so in their output.
if [[ ! -x /usr/sbin/nginx ]]; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    echo "run.sh: installing nginx-light" >&2
    apt-get install -y nginx-light >&2 || echo "run.sh: nginx-light unavailable; using FixtureServer" >&2
  else
    echo "run.sh: nginx not installed; using FixtureServer" >&2
  fi
fi

if [[ ${SKIP_BUILD:-0} != 1 ]]; then
  cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DLATENCYD_BUILD_TESTS=OFF \
    -DLATENCYD_BUILD_BENCH=ON >/dev/null
  cmake --build "$BUILD_DIR" -j"$JOBS" --target latencyd bench_probe_floor bench_scale bench_peer \
    bench_https bench_status bench_soak bench_endpoint_memory  # the last two built, not run (half an hour)
fi

revision=${REVISION:-$(git -C "$ROOT" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)}
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$BUILD_DIR/CMakeCache.txt")
load=$(cut -d' ' -f1-3 /proc/loadavg)
echo "run.sh: build type $build_type, load average $load, $(nproc) cores" >&2
if awk -v l="${load%% *}" 'BEGIN { exit !(l > 1.0) }'; then
  echo "run.sh: warning: load average above 1; other work on this machine perturbs the figures" >&2
fi

# shellcheck disable=SC2086  # the *_ARGS variables are word lists on purpose
{
  echo "# latencyd benchmarks, $(date -u +%Y-%m-%dT%H:%M:%SZ), revision $revision"
  echo "build: $build_type; load average before: $load"
  echo
  "$BUILD_DIR/bench/bench_probe_floor" --latencyd="$BUILD_DIR/daemon/latencyd" $FLOOR_ARGS
  echo
  "$BUILD_DIR/bench/bench_scale" --latencyd="$BUILD_DIR/daemon/latencyd" $SCALE_ARGS
  echo
  "$BUILD_DIR/bench/bench_https" --latencyd="$BUILD_DIR/daemon/latencyd" $HTTPS_ARGS
  echo
  "$BUILD_DIR/bench/bench_status" $STATUS_ARGS
  echo
  if [[ -x $BLACKBOX ]]; then
    "$BUILD_DIR/bench/bench_peer" --blackbox="$BLACKBOX" $PEER_ARGS
    echo
    "$BUILD_DIR/bench/bench_peer" --blackbox="$BLACKBOX" --https=1 $PEER_ARGS
  else
    echo "bench_peer skipped: $BLACKBOX not installed (apt-get install prometheus-blackbox-exporter)"
  fi
} | tee "$OUT"
# The ratios bench/README.md quotes, each with its goal, so that anyone can check them.
{
  echo
  echo "## Ratios quoted in bench/README.md (this run; load average before: $load)"
  echo
  grep -E '^(floor|scale)\.' "$OUT" | sed 's/^/    /' || echo "    (none printed)"
} | tee -a "$OUT"
echo "run.sh: figures written to $OUT" >&2
