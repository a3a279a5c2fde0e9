#!/usr/bin/env bash
# Benchmark for cfgprobe preflight as an ENTRYPOINT: what it adds before the
# app starts.
#   sudo bash bench/preflight.sh    # results in bench/results/preflight.{md,json,txt}
#  1. `cfgprobe preflight --config X -- /bin/true` next to `/bin/true` alone
#     (goal: added median <= 3 ms);
#  2. the same with --user (the switch) and with one --decrypt of a 4 KiB
#     age file whose identity is in the session keyring (figure reported).
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "bench/preflight.sh: needs root (--user, keyring, tmpfs)" >&2; exit 1; }
command -v hyperfine >/dev/null || { apt-get update -qq; apt-get install -y -qq hyperfine >/dev/null; }
build=build-bench
[ -d $build ] || meson setup $build --buildtype=release -Dtests=disabled >/dev/null
ninja -C $build tools/cfgprobe/cfgprobe >/dev/null
bin=$PWD/$build/tools/cfgprobe/cfgprobe
out=bench/results
mkdir -p "$out"
work=$(mktemp -d /tmp/cfgprobe-pf.XXXXXX)
chmod 755 "$work"
cleanup() { rm -rf "$work"; rm -rf /dev/shm/cfgprobe-credentials.* /run/cfgprobe-credentials.* 2>/dev/null || true; }
trap cleanup EXIT
printf 'listen: 8080\n' > "$work/app.yaml"
chmod 644 "$work/app.yaml"
age-keygen -o "$work/id.txt" 2>/dev/null
pub=$(sed -n 's/^# public key: //p' "$work/id.txt")
head -c 4096 /dev/urandom > "$work/secret"
age -r "$pub" -o "$work/secret.age" "$work/secret"
# One session keyring for the whole run, holding the identity.
keyctl session - bash -c "
  keyctl padd user cfgprobe:bench @s < '$work/id.txt' >/dev/null
  hyperfine -N --warmup 20 --runs 500 --export-json '$out/preflight.json' --export-markdown '$out/preflight.md' \
    -n true '/bin/true' \
    -n 'preflight --config' '$bin preflight --config $work/app.yaml -- /bin/true' \
    -n 'preflight --user --config' '$bin preflight --user 65534 --config $work/app.yaml -- /bin/true' \
    -n 'preflight --decrypt 4KiB' '$bin preflight --key cfgprobe:bench --decrypt $work/secret.age --config $work/app.yaml -- /bin/true'
" | tee "$out/preflight.txt"
python3 - "$out/preflight.json" <<'PY' | tee -a "$out/preflight.txt"
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
base = r["true"]["median"]
for name in ("preflight --config", "preflight --user --config", "preflight --decrypt 4KiB"):
    print(f"{name}: median {r[name]['median']*1e3:.2f} ms, added {(r[name]['median']-base)*1e3:.2f} ms over /bin/true ({base*1e3:.2f} ms)")
PY
