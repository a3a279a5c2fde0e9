#!/bin/sh
# run_smoke.sh FUZZER SEEDS CRASHDIR [LIBFUZZER FLAG...]
# Runs FUZZER over a scratch copy of the SEEDS directory (libFuzzer writes
# new inputs into its corpus) and keeps any crash input in CRASHDIR.
set -eu
fuzzer=$1 seeds=$2 crashes=$3
shift 3
name=$(basename "$fuzzer")
work=$(mktemp -d "${TMPDIR:-/tmp}/$name.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 143' INT TERM
cp -R "$seeds" "$work/corpus"
mkdir -p "$crashes"
# -timeout: one input taking 10 s is a hang, i.e. a bug. The exit codes:
# libFuzzer says 77 by default, which meson reads as "skipped".
"$fuzzer" -timeout=10 -error_exitcode=1 -timeout_exitcode=1 -print_final_stats=1 -artifact_prefix="$crashes/$name-" "$@" "$work/corpus"
