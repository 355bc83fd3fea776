#!/usr/bin/env bash
# Builds the .deb with cpack and checks its metadata, contents, conffiles and lintian verdict.
# Usage: check_package.sh BUILD_DIR SOURCE_DIR
# Needs dpkg-deb, dpkg-shlibdeps (dpkg-dev) and lintian; exits 77 (skipped) without them.
set -euo pipefail

build=$1
source=$2
for tool in cpack dpkg-deb dpkg-shlibdeps lintian readelf; do
  if ! command -v "$tool" >/dev/null; then
    echo "SKIP: $tool not installed (Debian packages: dpkg-dev lintian binutils)"
    exit 77
  fi
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() {
  echo "FAIL $*"
  failures=$((failures + 1))
}

echo "== cpack -G DEB"
if ! cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work" >"$work/cpack.log" 2>&1; then
  cat "$work/cpack.log"
  fail "cpack"
  exit 1
fi
debs=("$work"/latencyd_*.deb)
deb=${debs[0]}
[[ -f $deb ]] || { cat "$work/cpack.log"; fail "no latencyd_*.deb"; exit 1; }
echo "built $(basename "$deb")"

echo "== control"
dpkg-deb -I "$deb" | tee "$work/info"
field() { dpkg-deb -f "$deb" "$1"; }
[[ $(field Package) == latencyd ]] || fail "Package: $(field Package)"
[[ $(field Section) == net ]] || fail "Section: $(field Section)"
[[ $(field Version) == *-* ]] || fail "Version without Debian revision: $(field Version)"
depends=$(field Depends)
# Computed by dpkg-shlibdeps: the C library, libcurl, libsystemd and the C++ runtime at least.
# procps is declared: the unit's ExecReload= runs /bin/kill.
for dep in libc6 libcurl4 libsystemd0 libstdc++6 procps; do
  [[ $depends == *"$dep"* ]] || fail "Depends lacks $dep: $depends"
done
conffiles=$(dpkg-deb --ctrl-tarfile "$deb" | tar -xOf - ./conffiles)
for conffile in /etc/latencyd/latencyd.yml /etc/default/latencyd; do
  grep -qx "$conffile" <<<"$conffiles" || fail "conffiles lacks $conffile"
done

echo "== contents"
dpkg-deb -c "$deb" | tee "$work/contents"
for path in ./usr/bin/latencyd ./usr/lib/systemd/system/latencyd.service \
            ./etc/latencyd/latencyd.yml ./etc/default/latencyd \
            ./usr/share/doc/latencyd/copyright ./usr/share/doc/latencyd/changelog.Debian.gz \
            ./usr/share/doc/latencyd/systemd.md ./usr/share/doc/latencyd/README.md \
            ./usr/share/doc/latencyd/config/README.md ./usr/share/doc/latencyd/probes/README.md \
            ./usr/share/man/man1/latencyd.1.gz; do
  awk '{print $6}' "$work/contents" | grep -qx "$path" || fail "missing $path"
done
for dir in prometheus grafana; do
  if [[ -n $(find "$source/$dir" -type f ! -name CMakeLists.txt 2>/dev/null) ]]; then
    grep -q " \./usr/share/latencyd/$dir/" "$work/contents" || fail "missing /usr/share/latencyd/$dir/"
  fi
done
awk '{print $2}' "$work/contents" | grep -vqx 'root/root' && fail "files not owned by root"

mkdir "$work/x"
dpkg-deb -x "$deb" "$work/x"
if readelf -S "$work/x/usr/bin/latencyd" | grep -qE '\.symtab|\.debug_'; then
  fail "usr/bin/latencyd is not stripped"
fi
cmp -s "$source/systemd/latencyd.service" "$work/x/usr/lib/systemd/system/latencyd.service" ||
  fail "packaged unit differs from systemd/latencyd.service"

echo "== lintian"
lintian --tag-display-limit 0 "$deb" >"$work/lintian" 2>&1 || true
cat "$work/lintian"
errors=$(grep -c '^E:' "$work/lintian" || true)
warnings=$(grep -c '^W:' "$work/lintian" || true)
echo "lintian: $errors error(s), $warnings warning(s)"
((errors == 0)) || fail "lintian reports errors"
# The man page is generated from --help at build time (help2man).
grep -q 'no-manual-page' "$work/lintian" && fail "lintian: no-manual-page"

if ((failures > 0)); then
  echo "$failures check(s) failed"
  exit 1
fi
echo "PASS: Debian package"
