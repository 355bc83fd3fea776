#!/usr/bin/env bash
# Installs the Debian 12 packages latencyd needs, only those missing, and nothing else.
#   scripts/install-deps.sh [build|test|lint|bench]...   (default: build test)
set -euo pipefail

build=(cmake g++ make pkg-config git prometheus-cpp-dev libcpp-httplib-dev libyaml-cpp-dev
       libcurl4-openssl-dev libssl-dev libcli11-dev libsystemd-dev libcrypt-dev zlib1g-dev libjemalloc-dev curl help2man)
# help2man writes the latencyd(1) man page from the real --help at build time.
# Real components the tests start: Prometheus + promtool, Alertmanager, systemd-analyze,
# the packaging tools, python3 for the end-to-end scripts, openssl for TLS fixtures, nginx
# as the HTTPS/HTTP2 server of the probe tests (test/support/tls_nginx_server.h), chromium for
# the status page in a real (headless) browser.
test=(googletest libgtest-dev libgmock-dev prometheus prometheus-alertmanager systemd
      dpkg-dev lintian fakeroot file python3 openssl ca-certificates debootstrap
      systemd-container nginx-light chromium)
# The CI guardrails: scripts/check-format.sh and scripts/check-tidy.sh (clang-tidy 14 brings
# run-clang-tidy).
lint=(clang-format clang-tidy)
bench=(wrk nginx-light prometheus-blackbox-exporter)

groups=("$@")
[ ${#groups[@]} -gt 0 ] || groups=(build test)
wanted=()
for group in "${groups[@]}"; do
  case "$group" in
    build) wanted+=("${build[@]}") ;;
    test) wanted+=("${build[@]}" "${test[@]}") ;;
    lint) wanted+=("${lint[@]}") ;;
    bench) wanted+=("${build[@]}" "${bench[@]}") ;;
    *) echo "usage: $0 [build|test|lint|bench]..." >&2; exit 2 ;;
  esac
done

missing=()
for package in "${wanted[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$package")
done
[ ${#missing[@]} -gt 0 ] || exit 0

sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
echo "installing: ${missing[*]}" >&2
"${sudo[@]}" apt-get update -qq
# --no-install-recommends keeps the machine lean (no node exporter pulled in by prometheus).
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
  "${missing[@]}" >/dev/null
