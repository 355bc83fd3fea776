#!/usr/bin/env bash
# Smoke test of latencyd-demo-api: starts it on a free port, checks that every route answers
# with JSON, that the slow factor can be changed, and that SIGTERM stops it.
# Usage: smoke_test.sh PATH/TO/latencyd-demo-api
set -euo pipefail

bin="$1"
out="$(mktemp -t demo-smoke.XXXXXX)"
pid=""
cleanup() {
  if [[ -n "$pid" ]]; then kill "$pid" 2>/dev/null || true; fi
  rm -f "$out"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$bin" --listen 127.0.0.1:0 >"$out" 2>&1 &
pid=$!
for _ in $(seq 50); do grep -q '^listening on ' "$out" && break; sleep 0.1; done
base="$(sed -n 's/^listening on \(http:\/\/127\.0\.0\.1:[0-9]*\)$/\1/p' "$out")"
[[ -n "$base" ]] || fail "no 'listening on' line: $(cat "$out")"

is_json() { python3 -c 'import json,sys; json.load(sys.stdin)' 2>/dev/null || ! command -v python3 >/dev/null; }

for path in / /plone/info /health /content /main/health /root /async/demo /async/advanced \
  /async/tasks; do
  status="$(curl -s -o "$out.body" -w '%{http_code}' "$base$path")"
  [[ "$status" == 200 ]] || fail "$path answered $status"
  is_json <"$out.body" || fail "$path: not JSON: $(cat "$out.body")"
done
rm -f "$out.body"

[[ "$(curl -s -o /dev/null -w '%{http_code}' "$base/nope")" == 404 ]] || fail "/nope is not 404"
[[ "$(curl -s "$base/nope")" == '{"detail":"Not Found"}' ]] || fail "404 body"
[[ "$(curl -s -d '' "$base/admin/slow?factor=2.5")" == '{"slow_factor":2.500}' ]] ||
  fail "setting the slow factor"
[[ "$(curl -s -o /dev/null -w '%{http_code}' -d '' "$base/admin/slow?factor=-1")" == 422 ]] ||
  fail "a negative factor was accepted"
[[ "$(curl -s "$base/admin/slow")" == '{"slow_factor":2.500}' ]] || fail "reading the slow factor"

kill -TERM "$pid"
for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pid" 2>/dev/null && fail "still running 5 s after SIGTERM"
wait "$pid" || fail "exit status $? after SIGTERM"
pid=""
echo "PASS"
