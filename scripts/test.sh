#!/usr/bin/env bash
# The whole suite on a fresh Debian 12 machine (root): dependencies, then
# three builds - the normal one, AddressSanitizer + UndefinedBehaviorSanitizer,
# and the libFuzzer smoke runs under clang.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=detect_leaks=1
logs=$(mktemp -d)
run() {  # run NAME MESON-SETUP-ARGS...
  local name=$1; shift
  rm -rf "build-$name"
  meson setup "build-$name" "$@" >/dev/null
  ninja -C "build-$name" >/dev/null
  meson test -C "build-$name" --print-errorlogs --num-processes 2 "${MESON_TEST_ARGS[@]}" 2>&1 | tee "$logs/$name.log"
  return "${PIPESTATUS[0]}"
}
rc=0
MESON_TEST_ARGS=()
run ci || rc=1
# The VM suite boots kernels with the plain build's binary; once is enough.
MESON_TEST_ARGS=(--no-suite vm)
# -O0: the sanitizers find the same faults, and the build is much quicker.
run asan -Db_sanitize=address,undefined -Db_lundef=false --buildtype=debug || rc=1
MESON_TEST_ARGS=(--suite fuzz)
CXX=clang++ run fuzz -Dfuzz=true -Db_lundef=false -Dtests=disabled || rc=1
ok=$(cat "$logs"/*.log | awk '/^Ok:/ {s += $2} END {print s + 0}')
bad=$(cat "$logs"/*.log | awk '/^(Fail|Timeout|Unexpected Pass):/ {s += $NF} END {print s + 0}')
skip=$(cat "$logs"/*.log | awk '/^Skipped:/ {s += $2} END {print s + 0}')
rm -rf "$logs"
echo "$ok passed, $bad failed, $skip skipped"
exit $rc
