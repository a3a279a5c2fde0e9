#!/usr/bin/env bash
# The age decryption library (probe::age::decrypt) side by side with
# Debian's `age -d`, in one run:
#   bash bench/age_micro/run.sh        # results in bench/results/age_micro.{md,txt}
#  1. in-process throughput of a 64 MiB file (median of 15 decrypts into
#     the sealed memfd);
#  2. whole process, plaintext to /dev/null: `age_micro once` vs `age -d`
#     (hyperfine), binary and armored;
#  3. peak RSS (/usr/bin/time -v) of both for 1 MiB and 256 MiB files;
#  4. one scrypt decrypt at age -p's work factor (2^18).
set -euo pipefail
cd "$(dirname "$0")/../.."
for t in hyperfine age age-keygen /usr/bin/time; do
  command -v "$t" >/dev/null || { echo "bench/age_micro/run.sh: needs $t" >&2; exit 1; }
done
build=build-bench-age
[ -d $build ] || meson setup $build --buildtype=release -Dtests=disabled >/dev/null
ninja -C $build libprobe/libprobe.a >/dev/null
work=$(mktemp -d /tmp/cfgprobe-age-micro.XXXXXX)
trap 'rm -rf "$work"' EXIT
g++ -std=c++20 -O2 -D_GNU_SOURCE -Ilibprobe/include bench/age_micro/age_micro.cpp \
  $build/libprobe/libprobe.a $(pkg-config --libs libsodium libseccomp libcap-ng) -o "$work/age_micro"
out=bench/results
mkdir -p "$out"
age-keygen -o "$work/key.txt" 2>/dev/null
rcpt=$(age-keygen -y "$work/key.txt")
for mb in 1 64 256; do
  head -c $((mb << 20)) /dev/urandom > "$work/p$mb"
  age -r "$rcpt" -o "$work/p$mb.age" "$work/p$mb"
done
age -a -r "$rcpt" -o "$work/p64.armored.age" "$work/p64"
cmp <("$work/age_micro" once "$work/key.txt" "$work/p64.age") "$work/p64"
{
  echo "# probe::age::decrypt vs age -d ($(age --version), $(date -u +%F), $(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2))"
  echo
  echo '## In-process (library), 64 MiB'
  "$work/age_micro" rounds "$work/key.txt" "$work/p64.age" 15
  "$work/age_micro" rounds "$work/key.txt" "$work/p64.armored.age" 5 | sed 's/^/armored: /'
  echo
  echo '## Peak RSS (KiB), /usr/bin/time -v'
  for mb in 1 256; do
    a=$(/usr/bin/time -v age -d -i "$work/key.txt" -o /dev/null "$work/p$mb.age" 2>&1 | awk '/Maximum resident/ {print $6}')
    c=$(/usr/bin/time -v "$work/age_micro" once "$work/key.txt" "$work/p$mb.age" 2>&1 >/dev/null | awk '/Maximum resident/ {print $6}')
    echo "$mb MiB: age -d $a, age_micro (library + sendfile out) $c"
  done
  echo
  echo '## scrypt (age -p, work factor 2^18)'
  printf 'bench pass\nbench pass\n' | script -qec "age -p -o $work/pw.age $work/p1" /dev/null >/dev/null 2>&1 &&
    "$work/age_micro" scrypt 'bench pass' "$work/pw.age"
} | tee "$out/age_micro.txt"
hyperfine -N --warmup 2 --runs 15 --export-markdown "$out/age_micro.md" \
  -n 'age -d (64 MiB)' "age -d -i $work/key.txt -o /dev/null $work/p64.age" \
  -n 'age_micro once (64 MiB)' "sh -c '$work/age_micro once $work/key.txt $work/p64.age >/dev/null'" \
  -n 'age -d (64 MiB armored)' "age -d -i $work/key.txt -o /dev/null $work/p64.armored.age" \
  -n 'age_micro once (64 MiB armored)' "sh -c '$work/age_micro once $work/key.txt $work/p64.armored.age >/dev/null'" \
  | tee -a "$out/age_micro.txt"
