#!/usr/bin/env bash
# Benchmark for `cfgprobe decrypt`, side by side with the real age in one run:
#   sudo bash bench/decrypt.sh      # results in bench/results/decrypt.{md,json,txt}
# Three figures:
#  1. throughput: a 64 MiB file, `cfgprobe decrypt --key` vs `age -d -i`
#     (hyperfine; output to /dev/null for both; goal >= 1.0x age);
#  2. peak RSS (/usr/bin/time -v) of both for 1 MiB and 256 MiB files (goal:
#     the same +- 2 MiB);
#  3. key-appears-to-plaintext latency under --wait: the key is added with
#     keyctl at a known time and the time until the decrypt process has
#     written the plaintext and exited is taken; median of 25 runs.
# The whole run happens in a session keyring of its own (keyctl session).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${CFGPROBE_BENCH_SESSION:-}" != 1 ]; then
  CFGPROBE_BENCH_SESSION=1 exec keyctl session - bash "$0" "$@"
fi
for t in hyperfine age age-keygen keyctl /usr/bin/time; do
  command -v "$t" >/dev/null || { echo "bench/decrypt.sh: needs $t" >&2; exit 1; }
done
build=build-bench-decrypt
[ -d $build ] || meson setup $build --buildtype=release -Dtests=disabled >/dev/null
ninja -C $build tools/cfgprobe/cfgprobe >/dev/null
bin=$PWD/$build/tools/cfgprobe/cfgprobe
out=bench/results
mkdir -p "$out"
work=$(mktemp -d /tmp/cfgprobe-decrypt-bench.XXXXXX)
bg=()
cleanup() { for p in "${bg[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
cd "$work"

age-keygen -o id.txt 2>/dev/null
pub=$(age-keygen -y id.txt)
keyctl padd user cfgprobe:bench @s < id.txt >/dev/null
for mib in 1 64 256; do
  head -c $((mib << 20)) /dev/urandom > p$mib.bin
  age -r "$pub" -o p$mib.age p$mib.bin
done
# Both must give the same bytes before anything is timed.
cmp <("$bin" decrypt --key cfgprobe:bench p64.age) p64.bin
cmp <(age -d -i id.txt p64.age) p64.bin

txt=$OLDPWD/$out/decrypt.txt
{
  echo "cfgprobe decrypt vs age $(age --version) on $(uname -r), $(nproc) CPUs, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
} > "$txt"

# 1. throughput
hyperfine --warmup 3 --runs 20 \
  --export-json "$OLDPWD/$out/decrypt.json" --export-markdown "$OLDPWD/$out/decrypt.md" \
  -n "cfgprobe decrypt 64 MiB" "$bin decrypt --key cfgprobe:bench p64.age >/dev/null" \
  -n "age -d 64 MiB" "age -d -i id.txt p64.age >/dev/null" | tee -a "$txt"
python3 - "$OLDPWD/$out/decrypt.json" >> "$txt" <<'EOF'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
c, a = r["cfgprobe decrypt 64 MiB"]["median"], r["age -d 64 MiB"]["median"]
print(f"\nthroughput (median): cfgprobe {64 / c:.0f} MiB/s, age {64 / a:.0f} MiB/s: "
      f"cfgprobe is {a / c:.2f}x age's throughput (goal >= 1.0x)")
cpu = {k: v["user"] + v["system"] for k, v in r.items()}
cc, ca = cpu["cfgprobe decrypt 64 MiB"], cpu["age -d 64 MiB"]
print(f"CPU time (user + system, mean): cfgprobe {cc * 1000:.0f} ms, age {ca * 1000:.0f} ms: "
      f"{ca / cc:.2f}x by CPU time (wall times above depend on the machine's load: see uptime)")
print("load average during the run:", open("/proc/loadavg").read().split()[:3])
EOF

# 2. peak RSS
rss() { /usr/bin/time -v "$@" 2>&1 >/dev/null | awk '/Maximum resident set size/ {print $6}'; }
{
  echo
  echo "peak RSS (KiB, /usr/bin/time -v, median of 3):"
  for mib in 1 256; do
    c=$(for i in 1 2 3; do rss "$bin" decrypt --key cfgprobe:bench p$mib.age; done | sort -n | sed -n 2p)
    a=$(for i in 1 2 3; do rss age -d -i id.txt p$mib.age; done | sort -n | sed -n 2p)
    echo "  $mib MiB: cfgprobe $c KiB, age $a KiB, difference $(( (c - a) / 1024 )) MiB (goal: within +-2 MiB)"
  done
} | tee -a "$txt"

# 3. --wait latency: key added at t0; the process's exit (plaintext written) at t1.
head -c 1000 /dev/urandom > small.bin
age -r "$pub" -o small.age small.bin
lat=()
for i in $(seq 1 25); do
  "$bin" decrypt --wait 10s --key "cfgprobe:late$i" -o "late$i.bin" small.age &
  pid=$!
  bg+=("$pid")
  sleep 0.2
  t0=$(date +%s%N)
  keyctl padd user "cfgprobe:late$i" @s < id.txt >/dev/null
  wait "$pid"
  t1=$(date +%s%N)
  cmp -s "late$i.bin" small.bin
  lat+=($(( (t1 - t0) / 1000 )))
done
{
  echo
  printf '%s\n' "${lat[@]}" | sort -n | awk '{v[NR] = $1} END {
    printf "--wait: key added -> plaintext written, %d runs: median %.1f ms, min %.1f ms, max %.1f ms (goal: noticed within 50 ms; poll interval 10 ms; includes the keyctl process itself)\n",
      NR, v[int((NR + 1) / 2)] / 1000, v[1] / 1000, v[NR] / 1000 }'
} | tee -a "$txt"
