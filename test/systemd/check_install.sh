#!/usr/bin/env bash
# Installs a built tree twice and checks the layout:
#   cmake --install --prefix P          P/bin, P/lib/systemd/system, P/etc, P/share
#   DESTDIR=D cmake --install --prefix /usr   the packaged layout: D/usr/..., D/etc/...
# Usage: check_install.sh BUILD_DIR SOURCE_DIR
set -euo pipefail

build=$1
source=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

expect() {  # expect TEST PATH DESCRIPTION
  if test "$1" "$2"; then
    echo "ok   $2"
  else
    echo "FAIL $2: $3"
    failures=$((failures + 1))
  fi
}

# Every file of a source directory (prometheus/, grafana/) must arrive, as it is.
expect_tree() {  # expect_tree SOURCE_SUBDIR INSTALLED_DIR
  local src=$source/$1
  [[ -d $src ]] || return 0
  while IFS= read -r -d '' file; do
    local rel=${file#"$src"/}
    [[ $(basename "$rel") == CMakeLists.txt ]] && continue
    expect -f "$2/$rel" "from $1/$rel"
  done < <(find "$src" -type f -print0)
}

run_install() {  # run_install LOG COMMAND...: the log is shown only when the install fails
  local log=$1
  shift
  if ! "$@" >"$log" 2>&1; then
    cat "$log"
    echo "FAIL: $* (is the tree built? cmake --build first)"
    exit 1
  fi
}

# Every relative link of every installed Markdown file must name an installed file.
check_links() {  # check_links PREFIX
  local md target
  while IFS= read -r -d '' md; do
    # [text](target): targets without spaces (code such as `f(const T& x)` is not a link).
    while IFS= read -r target; do
      target=${target%%#*}
      [[ -z $target || $target == *://* || $target == mailto:* ]] && continue
      if [[ -e $(dirname "$md")/$target ]]; then
        echo "ok   ${md#"$1"/} -> $target"
      else
        echo "FAIL ${md#"$1"/} links to $target, which is not installed"
        failures=$((failures + 1))
      fi
    done < <(grep -oE '\]\([^) ]+\)' "$md" | sed -E 's/^\]\((.*)\)$/\1/')
  done < <(find "$1/share/doc/latencyd" "$1/share/latencyd" -name '*.md' -print0)
}

check_layout() {  # check_layout BIN_PREFIX ETC_DIR EXPECTED_BIN_PATH_IN_UNIT
  local prefix=$1 etc=$2 unit_bin=$3
  local unit=$prefix/lib/systemd/system/latencyd.service
  expect -x "$prefix/bin/latencyd" "the daemon"
  expect -f "$unit" "the systemd unit"
  expect -f "$etc/latencyd/latencyd.yml" "the example config (config/latencyd.example.yml)"
  expect -f "$etc/default/latencyd" "the environment file"
  expect -f "$prefix/share/doc/latencyd/systemd.md" "the service documentation"
  expect -f "$prefix/share/doc/latencyd/copyright" "the copyright file"
  expect -f "$prefix/share/doc/latencyd/changelog.Debian.gz" "the changelog"
  expect -f "$prefix/share/doc/latencyd/README.md" "the README"
  expect -f "$prefix/share/doc/latencyd/config/README.md" "the configuration reference"
  expect -f "$prefix/share/doc/latencyd/probes/README.md" "the probes' reference"
  expect -f "$prefix/share/man/man1/latencyd.1.gz" "the man page latencyd(1)"
  if zcat "$prefix/share/man/man1/latencyd.1.gz" 2>/dev/null | grep -q -- 'config\\*\.file'; then
    echo "ok   the man page documents --config.file (it comes from --help)"
  else
    echo "FAIL the man page lacks --config.file"
    failures=$((failures + 1))
  fi
  check_links "$prefix"
  # The installed Prometheus README names the installed files (without DESTDIR), not the
  # repository's.
  local prom_readme=$prefix/share/latencyd/prometheus/README.md
  local install_prefix=${unit_bin%/bin/latencyd}
  if grep -q "install -m 644 $install_prefix/share/latencyd/prometheus/latencyd.rules.yml" \
       "$prom_readme" &&
     ! grep -qE '[ `](prometheus|grafana)/' "$prom_readme"; then
    echo "ok   the installed prometheus/README.md uses installed paths"
  else
    echo "FAIL the installed prometheus/README.md still uses repository paths:"
    grep -nE '[ `](prometheus|grafana)/' "$prom_readme" | head -5 || true
    failures=$((failures + 1))
  fi
  expect_tree prometheus "$prefix/share/latencyd/prometheus"
  expect_tree grafana "$prefix/share/latencyd/grafana"
  if grep -q "^ExecStart=$unit_bin " "$unit" && grep -q "^ExecReload=$unit_bin --config.check" "$unit"; then
    echo "ok   unit runs $unit_bin"
  else
    echo "FAIL unit does not run $unit_bin:"
    grep '^Exec' "$unit" || true
    failures=$((failures + 1))
  fi
  # What ExecReload runs first: the shipped example must pass it, or reloads would fail.
  if [[ -x $prefix/bin/latencyd && -f $etc/latencyd/latencyd.yml ]]; then
    if out=$("$prefix/bin/latencyd" --config.check --config.file="$etc/latencyd/latencyd.yml" 2>&1); then
      echo "ok   the installed example config passes --config.check"
    else
      echo "FAIL the installed example config fails --config.check: $out"
      failures=$((failures + 1))
    fi
  fi
  if [[ -f $etc/default/latencyd ]] && ! grep -q "^LATENCYD_CONFIG=" "$etc/default/latencyd"; then
    echo "FAIL environment file does not set LATENCYD_CONFIG"
    failures=$((failures + 1))
  fi
}

echo "== cmake --install --prefix $work/prefix"
run_install "$work/install1.log" cmake --install "$build" --prefix "$work/prefix"
check_layout "$work/prefix" "$work/prefix/etc" "$work/prefix/bin/latencyd"
grep -q "^Environment=LATENCYD_CONFIG=$work/prefix/etc/latencyd/latencyd.yml$" \
  "$work/prefix/lib/systemd/system/latencyd.service" ||
  { echo "FAIL unit's LATENCYD_CONFIG is not under the prefix"; failures=$((failures + 1)); }
# Here ExecStart names a real file, so verify checks the unit exactly as installed.
if command -v systemd-analyze >/dev/null; then
  if out=$(systemd-analyze verify "$work/prefix/lib/systemd/system/latencyd.service" 2>&1) &&
     [[ -z $out ]]; then
    echo "ok   systemd-analyze verify of the installed unit"
  else
    echo "FAIL systemd-analyze verify of the installed unit: $out"
    failures=$((failures + 1))
  fi
fi

echo "== DESTDIR=$work/root cmake --install --prefix /usr"
DESTDIR=$work/root run_install "$work/install2.log" cmake --install "$build" --prefix /usr
check_layout "$work/root/usr" "$work/root/etc" "/usr/bin/latencyd"
if cmp -s "$source/systemd/latencyd.service" "$work/root/usr/lib/systemd/system/latencyd.service"; then
  echo "ok   the packaged unit is systemd/latencyd.service unchanged"
else
  echo "FAIL the packaged unit differs from systemd/latencyd.service"
  failures=$((failures + 1))
fi
stray=$(cd "$work/root" && find . -mindepth 1 -maxdepth 1 ! -name usr ! -name etc)
if [[ -n $stray ]]; then
  echo "FAIL files outside /usr and /etc: $stray"
  failures=$((failures + 1))
fi

if ((failures > 0)); then
  echo "$failures check(s) failed"
  exit 1
fi
echo "PASS: install tree"
