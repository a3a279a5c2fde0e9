#!/usr/bin/env bash
# `meson install` into a DESTDIR, then use what was installed: the binary,
# the man pages, the completion, the policies, and libprobe through
# pkg-config (a tiny program compiled, linked and run against it).
#   check_install.sh BUILDDIR PREFIX BINDIR LIBDIR INCLUDEDIR MANDIR DATADIR SANITIZE CXX...
set -euo pipefail
build=$1 prefix=$2 bindir=$3 libdir=$4 includedir=$5 mandir=$6 datadir=$7 sanitize=$8
shift 8
cxx=("$@")
here=$(cd "$(dirname "$0")" && pwd)
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
abs() { case $1 in /*) echo "$dest$1" ;; *) echo "$dest$prefix/$1" ;; esac; }

meson install -C "$build" --no-rebuild --destdir "$dest" --quiet >/dev/null \
  || fail "meson install --destdir"
bin=$(abs "$bindir") lib=$(abs "$libdir") inc=$(abs "$includedir") man=$(abs "$mandir") data=$(abs "$datadir")

# The binary runs, and keeps libprobe linked in statically (start-up time).
[[ $("$bin/cfgprobe" --version) == "cfgprobe "* ]] || fail "cfgprobe --version"
"$bin/cfgprobe" explain NS-001 | grep -q '^NS-001 ' || fail "cfgprobe explain NS-001"
! readelf -d "$bin/cfgprobe" | grep -q 'libprobe' || fail "cfgprobe links libprobe.so"

# Each man page in its section renders.
for page in man8/cfgprobe.8 man1/cfgprobe-decrypt.1 man3/libprobe.3 man7/cfgprobe-diagnostics.7; do
  [[ -s $man/$page ]] || fail "$page not installed"
  err=$(MANPAGER=cat MANWIDTH=80 man -l "$man/$page" 2>&1 >/dev/null) || fail "man -l $page"
  [[ -z $err ]] || fail "man -l $page: $err"
done

# Completion and policies.
[[ -s $data/bash-completion/completions/cfgprobe ]] || fail "bash completion not installed"
for f in selinux/cfgprobe.te selinux/cfgprobe.fc selinux/cfgprobe.if apparmor/usr.bin.cfgprobe \
         seccomp/docker-default-keyring.json seccomp/podman-default-keyring.json seccomp/README.md; do
  [[ -s $data/cfgprobe/policies/$f ]] || fail "policies/$f not installed"
done

# The library: SONAME, headers, pkg-config, a program that uses it.
soname=$(readelf -d "$lib/libprobe.so" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
[[ $soname == libprobe.so.* ]] || fail "libprobe.so has no SONAME"
[[ -e $lib/$soname ]] || fail "$soname not installed"
[[ -s $inc/probe/probe.hpp ]] || fail "headers not installed"
export PKG_CONFIG_PATH=$lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$dest
flags=$(pkg-config --cflags --libs libprobe) || fail "pkg-config libprobe"
# Every installed header compiles with only what pkg-config gives: none
# includes a private header or a third-party one the .pc does not require.
for h in "$inc"/probe/*.hpp; do echo "#include \"probe/${h##*/}\""; done >"$dest/all_headers.cpp"
# shellcheck disable=SC2086
"${cxx[@]}" -fsyntax-only $(pkg-config --cflags libprobe) "$dest/all_headers.cpp" || fail "an installed header does not compile alone"
san=()
[[ $sanitize == none ]] || san=(-fsanitize="$sanitize")
# shellcheck disable=SC2086  # pkg-config output is meant to be split
"${cxx[@]}" "${san[@]}" -o "$dest/tiny" "$here/tiny.cpp" $flags || fail "compiling against the installed libprobe"
readelf -d "$dest/tiny" | grep -q "\[$soname\]" || fail "tiny does not link $soname"
LD_LIBRARY_PATH=$lib "$dest/tiny" || fail "tiny"
echo "ok: installed into a DESTDIR and used"
