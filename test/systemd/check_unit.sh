#!/usr/bin/env bash
# Checks latencyd.service with systemd-analyze.
#   check_unit.sh verify UNIT               `systemd-analyze verify` reports nothing
#   check_unit.sh security UNIT MAX_SCORE   offline exposure score <= MAX_SCORE
# Exits 77 (skipped) only when systemd-analyze is not installed.
set -euo pipefail

mode=$1
unit=$2
if ! command -v systemd-analyze >/dev/null; then
  echo "SKIP: systemd-analyze not installed (Debian package systemd)"
  exit 77
fi
systemd-analyze --version | head -n 1

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

case $mode in
  verify)
    # verify insists that ExecStart= exists; the unit names the packaged /usr/bin/latencyd,
    # so point a copy at a stand-in executable (the install test verifies the real path).
    stub=$work/bin/latencyd
    mkdir -p "$work/bin" "$work/unit"
    printf '#!/bin/sh\nexit 0\n' >"$stub"
    chmod 755 "$stub"
    sed "s#/usr/bin/latencyd#$stub#g" "$unit" >"$work/unit/latencyd.service"
    output=$(systemd-analyze verify "$work/unit/latencyd.service" 2>&1) || status=$?
    echo "$output"
    if [[ ${status:-0} -ne 0 || -n $output ]]; then
      echo "FAIL: systemd-analyze verify reported problems (exit ${status:-0})"
      exit 1
    fi
    echo "PASS: systemd-analyze verify is clean"
    ;;
  security)
    max=$3
    output=$(systemd-analyze security --offline=true --no-pager "$unit" 2>&1) || true
    echo "$output" | grep -E '✗|Overall' || true
    score=$(echo "$output" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
    if [[ -z $score ]]; then
      echo "FAIL: no exposure score in the output:"
      echo "$output"
      exit 1
    fi
    if ! awk -v s="$score" -v m="$max" 'BEGIN { exit !(s <= m) }'; then
      echo "FAIL: exposure $score > $max"
      exit 1
    fi
    echo "PASS: exposure $score <= $max"
    ;;
  *)
    echo "usage: $0 verify|security UNIT [MAX_SCORE]" >&2
    exit 2
    ;;
esac
