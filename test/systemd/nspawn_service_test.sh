#!/usr/bin/env bash
# The .deb under a real systemd, with the unit's whole sandbox: a Debian container booted with
# systemd-nspawn (private network: only its own loopback) installs the package, starts the
# service and checks readiness, sandbox state, probing, good and bad reloads, the watchdog
# restart and a clean stop.
#
# Usage: nspawn_service_test.sh BUILD_DIR SOURCE_DIR
# Needs root, systemd-nspawn (systemd-container), debootstrap, cpack. Exits 77 (skipped)
# without them, or when the container root cannot be fetched. The root is cached in
# $LATENCYD_NSPAWN_CACHE (default /var/tmp/latencyd-nspawn-<suite>), so only the first run
# downloads Debian packages.
set -euo pipefail

build=$1
skip() {
  echo "SKIP: $*"
  exit 77
}
[[ $(id -u) -eq 0 ]] || skip "needs root"
for tool in systemd-nspawn debootstrap nsenter cpack dpkg-deb flock; do
  command -v "$tool" >/dev/null || skip "$tool not installed (packages systemd-container debootstrap)"
done

. /etc/os-release
suite=${VERSION_CODENAME:?}
cache=${LATENCYD_NSPAWN_CACHE:-/var/tmp/latencyd-nspawn-$suite}

# The mirror this machine's apt already uses, so nothing here names a host.
apt_mirror() {
  {
    sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' /etc/apt/sources.list.d/*.sources
    awk '$1 == "deb" {print $2}' /etc/apt/sources.list
  } 2>/dev/null | grep -v security | head -n 1 || true
}

make_cache() {
  [[ -f $cache/.complete ]] && return 0
  local mirror
  mirror=$(apt_mirror)
  [[ -n $mirror ]] || skip "no apt mirror configured"
  rm -rf "$cache"
  echo "creating the container root in $cache (once)"
  debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus,procps,curl \
    "$suite" "$cache" "$mirror" >"$cache.log" 2>&1 || skip "debootstrap failed: $(tail -n 3 "$cache.log")"
  touch "$cache/.complete"
}
exec 9>"$cache.lock"
flock 9
make_cache
flock -u 9

work=$(mktemp -d /var/tmp/latencyd-nspawn.XXXXXX)
nspawn_pid=
cleanup() {
  if [[ -n $nspawn_pid ]] && kill -0 "$nspawn_pid" 2>/dev/null; then
    kill "$nspawn_pid" 2>/dev/null || true
    wait "$nspawn_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
failures=0
check() {  # check DESCRIPTION COMMAND...
  local what=$1
  shift
  if "$@"; then
    echo "ok   $what"
  else
    echo "FAIL $what"
    failures=$((failures + 1))
  fi
}

echo "== package and container"
cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work/pkg" >"$work/cpack.log" 2>&1 ||
  { cat "$work/cpack.log"; exit 1; }
deb=$(ls "$work"/pkg/latencyd_*.deb)
root=$work/root
cp -a "$cache" "$root"
cp "$deb" "$root/root/latencyd.deb"  # not /tmp: a tmpfs covers it once the container boots

# The package's dependencies from the mirror (once per new dependency), then the package.
missing=()
for dep in $(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/[[:space:]]*(.*//; s/[[:space:]]//g'); do
  chroot "$root" dpkg-query -W -f='${Status}' "$dep" 2>/dev/null | grep -q 'install ok installed' ||
    missing+=("$dep")
done
if ((${#missing[@]} > 0)); then
  echo "fetching dependencies: ${missing[*]}"
  { chroot "$root" apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive chroot "$root" apt-get install -y -qq --no-install-recommends \
      "${missing[@]}"; } >"$work/apt.log" 2>&1 || skip "dependencies not fetched: $(tail -n 3 "$work/apt.log")"
  # Keep them for the next run.
  (flock 9; DEBIAN_FRONTEND=noninteractive chroot "$cache" apt-get install -y -qq \
    --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || true) 9>"$cache.lock"
fi
check "dpkg -i latencyd.deb" chroot "$root" dpkg -i /root/latencyd.deb
# The environment file exactly as shipped, even if a reused container root had it edited.
dpkg-deb --fsys-tarfile "$deb" | tar -xf - -C "$root" ./etc/default/latencyd

# A config that probes the daemon itself, by address and by name (getaddrinfo without
# AF_NETLINK), and a closed port (failure).
cat >"$root/etc/latencyd/latencyd.yml" <<'EOF'
defaults:
  interval: 250ms
  timeout: 200ms
endpoints:
  - name: self
    url: http://127.0.0.1:9470/-/healthy
    class: core
  - name: by_name
    url: http://localhost:9470/-/healthy
    class: core
  - name: closed
    url: http://127.0.0.1:1/
    class: core
  - name: credential
    url: http://127.0.0.1:9480/metrics
    class: async
    basic_auth: { username: probe, password_file: "${CREDENTIALS_DIRECTORY}/target-password" }
EOF
# A credential only root can read (0600 in a 0700 directory), handed to the service with
# LoadCredential=, and a second latencyd on 127.0.0.1:9480 that serves only with that password
# (basic auth; the bcrypt hash below is of the test password "s3cret-target").
mkdir -p -m 0700 "$root/etc/latencyd/credentials"
printf 's3cret-target\n' >"$root/etc/latencyd/credentials/target-password"
chmod 0600 "$root/etc/latencyd/credentials/target-password"
chown -R 0:0 "$root/etc/latencyd/credentials"
: >"$root/etc/latencyd/target.yml"
cat >"$root/etc/latencyd/target-web.yml" <<'EOF'
basic_auth_users:
  probe: $2b$04$GOCV6TtuzvMFjkqDSqrofe846pqNPzIMaGKkh62.X6oOsRPMmPFHq
EOF
cat >"$root/etc/systemd/system/latencyd-target.service" <<'EOF'
[Unit]
Description=a password-protected target for the credential probe
Before=latencyd.service
[Service]
ExecStart=/usr/bin/latencyd --config.file=/etc/latencyd/target.yml --web.listen-address=127.0.0.1:9480 --web.config.file=/etc/latencyd/target-web.yml
[Install]
WantedBy=multi-user.target
EOF
# Only the timing is shortened, so the watchdog restart is seen in seconds; the sandbox is as
# shipped.
mkdir -p "$root/etc/systemd/system/latencyd.service.d"
printf '[Service]\nWatchdogSec=3s\nRestartSec=1s\n' \
  >"$root/etc/systemd/system/latencyd.service.d/test.conf"
# The credential, as systemd/README.md tells operators to add it.
printf '[Service]\nLoadCredential=target-password:/etc/latencyd/credentials/target-password\n' \
  >"$root/etc/systemd/system/latencyd.service.d/credentials.conf"
chroot "$root" systemctl enable latencyd.service latencyd-target.service >/dev/null 2>&1

systemd-nspawn -D "$root" --boot --register=no --keep-unit --private-network \
  --machine="latencyd-test-$$" --console=passive >"$work/nspawn.log" 2>&1 &
nspawn_pid=$!
# The container's init: a child of nspawn in a PID namespace of its own, running systemd. The
# first child nspawn forks is a short-lived helper in ours; entering that one (which a plain
# "first child" picked up under load) made every later command fail.
container_init() {
  local child
  for child in $(pgrep -P "$nspawn_pid" || true); do
    if [[ $(readlink "/proc/$child/ns/pid" 2>/dev/null) != "$(readlink /proc/self/ns/pid)" &&
      $(cat "/proc/$child/comm" 2>/dev/null) == systemd ]]; then
      echo "$child"
      return 0
    fi
  done
  return 1
}
leader=
for _ in $(seq 300); do
  leader=$(container_init) && break
  sleep 0.1
done
[[ -n $leader ]] || { cat "$work/nspawn.log"; echo "FAIL container did not start"; exit 1; }
inside() { nsenter -t "$leader" -m -u -i -n -p "$@"; }
prop() { inside systemctl show latencyd -p "$1" --value 2>/dev/null; }
wait_for() {  # wait_for SECONDS COMMAND...: true once COMMAND succeeds
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.25
  done
}
is_active() { [[ $(prop ActiveState) == active ]]; }
status_is() { [[ $(prop StatusText) == "$1" ]]; }

echo "== start"
check "latencyd.service is active (READY=1)" wait_for 60 is_active
if ! is_active; then  # nothing below can pass; show why
  inside systemctl status latencyd --no-pager 2>&1 | tail -n 20 || true
  tail -n 30 "$work/nspawn.log"
  exit 1
fi
check "status line: probing 4 endpoints" status_is "probing 4 endpoints"
pid=$(prop MainPID)
proc_status=$(inside cat "/proc/$pid/status" 2>/dev/null || true)
field() { awk -v k="$1:" '$1 == k {print $2}' <<<"$proc_status"; }
check "runs as a dynamic user, not root" test "$(field Uid)" != 0
check "no effective capabilities" test "$(field CapEff)" = 0000000000000000
check "seccomp filter active" test "$(field Seccomp)" = 2
check "no new privileges" test "$(field NoNewPrivs)" = 1

metrics() { inside curl -sf http://127.0.0.1:9470/metrics; }
self_succeeds() {
  metrics | grep -Eq '^latencyd_probes_total\{endpoint="self",class="core",result="success"\} [1-9]'
}
name_resolves() {
  metrics | grep -Eq '^latencyd_probes_total\{endpoint="by_name",class="core",result="success"\} [1-9]'
}
closed_fails() {
  metrics | grep -Eq '^latencyd_probe_failures_total\{endpoint="closed",class="core",reason="connect"\} [1-9]'
}
check "probes succeed inside the sandbox" wait_for 10 self_succeeds
check "a host name resolves inside the sandbox" wait_for 10 name_resolves
check "a closed port fails with reason connect" wait_for 10 closed_fails
credential_succeeds() {
  metrics | grep -Eq '^latencyd_probes_total\{endpoint="credential",class="async",result="success"\} [1-9]'
}
target_status() { inside curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:9480/metrics; }
check "the target refuses a request without the password" test "$(target_status)" = 401
check "a probe authenticates with a LoadCredential= secret" wait_for 10 credential_succeeds
dynamic_user_cannot_read() {
  ! inside setpriv --reuid="$(field Uid)" --regid="$(field Gid)" --clear-groups \
    cat /etc/latencyd/credentials/target-password >/dev/null 2>&1
}
check "  which the service's dynamic user could not read itself" dynamic_user_cannot_read
has_start_time() { metrics | grep -q '^process_start_time_seconds '; }
check "process_start_time_seconds is exported (/proc/stat readable)" has_start_time

# The HTTP server's threads run 10 nice levels below the process inside the sandbox too (the
# system call filter must let setpriority through).
thread_nices() { inside sh -c "cat /proc/$pid/task/*/stat" 2>/dev/null | awk '{print $19}'; }
a_scrape_thread_is_niced() { metrics >/dev/null && thread_nices | grep -qx 10; }
check "a scrape is served by a thread at nice +10 (setpriority allowed)" \
  wait_for 10 a_scrape_thread_is_niced

echo "== reload"
cat >>"$root/etc/latencyd/latencyd.yml" <<'EOF'
  - name: metrics
    url: http://127.0.0.1:9470/metrics
    class: async
EOF
check "systemctl reload succeeds on a good file" inside systemctl reload latencyd
check "status line: probing 5 endpoints" wait_for 5 status_is "probing 5 endpoints"
cp "$root/etc/latencyd/latencyd.yml" "$work/good.yml"
printf '  - name: bad\n    url: ftp://example.invalid/\n    class: cor\n' >>"$root/etc/latencyd/latencyd.yml"
reload_fails() { ! inside systemctl reload latencyd 2>/dev/null; }
check "systemctl reload fails on a bad file" reload_fails
check "the old config keeps running" status_is "probing 5 endpoints"
check "same main process after the failed reload" test "$(prop MainPID)" = "$pid"
cp "$work/good.yml" "$root/etc/latencyd/latencyd.yml"

echo "== watchdog"
inside kill -STOP "$pid"
restarted() { [[ $(prop NRestarts) == 1 ]] && is_active; }
check "a stopped process misses the watchdog and is restarted" wait_for 20 restarted
check "the restart runs a new process" test "$(prop MainPID)" != "$pid"

echo "== stop"
check "systemctl stop" inside systemctl stop latencyd
check "clean exit (Result=success, status 0)" \
  test "$(prop Result)/$(prop ExecMainStatus)" = "success/0"
journal=$(inside journalctl -u latencyd --no-pager 2>/dev/null || true)
echo "$journal" | tail -n 25
no_denials() { ! grep -Eqi 'operation not permitted|permission denied|bad system call|SIGSYS' <<<"$journal"; }
check "no sandbox denials in the journal" no_denials
no_secret() { ! inside journalctl --no-pager 2>/dev/null | grep -q 's3cret-target'; }
check "the credential appears nowhere in the journal" no_secret
check "the watchdog was what killed it" grep -q "Failed with result 'watchdog'" <<<"$journal"

echo "== maintainer scripts"
inside systemctl start latencyd
pid=$(prop MainPID)
check "an upgrade restarts the running service" inside dpkg -i /root/latencyd.deb
new_pid() { is_active && [[ $(prop MainPID) != "$pid" ]]; }
check "  with a new process" wait_for 10 new_pid
check "dpkg --purge" inside dpkg --purge latencyd
check "  stopped the service" test "$(prop ActiveState)" != active
check "  removed the unit" inside test ! -e /usr/lib/systemd/system/latencyd.service
check "  removed the conffiles" inside test ! -e /etc/latencyd/latencyd.yml -a ! -e /etc/default/latencyd
check "  removed the state directory" inside test ! -e /var/lib/private/latencyd

inside systemctl poweroff >/dev/null 2>&1 || true
for _ in $(seq 100); do
  kill -0 "$nspawn_pid" 2>/dev/null || break
  sleep 0.2
done

if ((failures > 0)); then
  echo "$failures check(s) failed"
  exit 1
fi
echo "PASS: the package runs under systemd with its sandbox"
