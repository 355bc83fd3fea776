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
The async endpoints show BREACHED from the start: their reference medians (153-503 ms)
exceed the 100 ms async budget. Ctrl-C stops everything.

EOT

# In the background and waited for, so that Ctrl-C or a SIGTERM to this script runs the traps
# at once (a foreground child would delay them until it exits); cleanup() then stops both.
"$latencyd_bin" --config.file=config/demo.yml --web.listen-address="$web_listen" "$@" &
latencyd_pid=$!
wait "$latencyd_pid"
