#!/usr/bin/env bash
# Runs the latencyd demo: builds latencyd and the demo API if needed, starts the demo API on
# 127.0.0.1:18000, then latencyd (config/demo.yml) in the foreground on 127.0.0.1:9470.
# Ctrl-C stops both. Extra arguments are passed to latencyd, e.g. --log.level=debug.
#
# Environment: BUILD_DIR (default: build), JOBS (default: 2).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

build_dir="${BUILD_DIR:-build}"
jobs="${JOBS:-2}"
demo_listen="127.0.0.1:18000"
web_listen="127.0.0.1:9470"

# A fresh Debian 12 machine: install the build dependencies (and curl) that are missing.
scripts/install-deps.sh build

if [[ ! -f "$build_dir/CMakeCache.txt" ]]; then
  echo "==> configuring $build_dir (Release)"
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release
fi
echo "==> building latencyd and latencyd-demo-api"
cmake --build "$build_dir" -j"$jobs" --target latencyd latencyd-demo-api

latencyd_bin="$build_dir/daemon/latencyd"
demo_bin="$build_dir/demo/latencyd-demo-api"
for bin in "$latencyd_bin" "$demo_bin"; do
  [[ -x "$bin" ]] || { echo "run-demo: $bin was not built" >&2; exit 1; }
done

demo_log="$(mktemp -t latencyd-demo-api.XXXXXX)"
demo_pid=""
latencyd_pid=""
# Stops what this script started, by PID: latencyd first, so it does not log the demo API's
# disappearance as probe failures.
cleanup() {
  local pid
  for pid in "$latencyd_pid" "$demo_pid"; do
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  rm -f "$demo_log"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$demo_bin" --listen "$demo_listen" >"$demo_log" 2>&1 &
demo_pid=$!

# The demo API prints "listening on http://HOST:PORT" once it accepts connections.
for _ in $(seq 50); do
  grep -q '^listening on ' "$demo_log" && break
  if ! kill -0 "$demo_pid" 2>/dev/null; then
    echo "run-demo: the demo API did not start (is $demo_listen in use?):" >&2
    cat "$demo_log" >&2
    exit 1
  fi
  sleep 0.1
done
grep -q '^listening on ' "$demo_log" || { echo "run-demo: the demo API did not start" >&2; exit 1; }

cat <<EOT

demo API   http://$demo_listen/  (pid $demo_pid; endpoints /, /plone/info, /health, /content,
           /main/health, /root, /async/demo, /async/advanced, /async/tasks)
latencyd   http://$web_listen/metrics
           http://$web_listen/
           http://$web_listen/api/v1/endpoints

Simulate a regression:  curl -d '' 'http://$demo_listen/admin/slow?factor=3'
Back to normal:         curl -d '' 'http://$demo_listen/admin/slow?factor=1'
The async endpoints turn BREACHED about 35 s after the start (the breach detector wants 17
slow probes; they run every 2 s): their reference medians (153-503 ms) exceed the 100 ms
async budget. Ctrl-C stops everything.

EOT

# In the background and waited for, so that Ctrl-C or a SIGTERM to this script runs the traps
# at once (a foreground child would delay them until it exits); cleanup() then stops both.
"$latencyd_bin" --config.file=config/demo.yml --web.listen-address="$web_listen" "$@" &
latencyd_pid=$!

# Once every core endpoint has a few samples, show the first medians right here.
print_medians() {
  curl -s "http://$web_listen/metrics" | awk '
    function label(line, name,   m) {
      if (match(line, name "=\"[^\"]*\"")) return substr(line, RSTART + length(name) + 2, RLENGTH - length(name) - 3)
      return ""
    }
    /^latencyd_probe_duration_seconds\{/ && /quantile="0.5"/ { p50[label($0, "endpoint")] = $NF; cls[label($0, "endpoint")] = label($0, "class") }
    /^latencyd_threshold_seconds\{/ { thr[label($0, "endpoint")] = $NF }
    /^latencyd_threshold_breached\{/ { br[label($0, "endpoint")] = $NF }
    /^latencyd_window_samples\{/ { n[label($0, "endpoint")] = $NF }
    /^latencyd_breach_evidence_ratio\{/ { ev[label($0, "endpoint")] = $NF }
    END {
      for (e in p50) {
        state = br[e] == 1 ? "BREACHED" : (ev[e] > 0.5 ? sprintf("slow, confirming (%d%% of probes above)", ev[e] * 100) : (n[e] < 5 ? "warming up (" n[e] "/5 samples)" : "ok"))
        printf "%-20s %-6s %9.3f ms %9.1f ms  %s\n", e, cls[e], p50[e] * 1000, thr[e] * 1000, state
      }
    }' | sort -k2,2br -k1,1  # -b per key: a key's own r would drop a global -b
}
sleep 11 &
wait $! || true
if kill -0 "$latencyd_pid" 2>/dev/null && command -v curl >/dev/null; then
  echo "==> the first medians after 11 s (the status page keeps them current: http://$web_listen/)"
  printf "%-20s %-6s %12s %12s  %s\n" endpoint class median threshold state
  print_medians
  echo
fi
wait "$latencyd_pid"
