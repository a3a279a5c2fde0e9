#!/usr/bin/env bash
# Benchmark for the SELinux layer: the same question answered two ways, side
# by side in one hyperfine run:
#   cfgprobe check --context system_u:system_r:httpd_t:s0 --selinux-policy policy.33 PATH
#   sesearch -A -s httpd_t -t user_home_t -c file -p read policy.33
# (the file is labeled user_home_t: denied, and cfgprobe names the boolean).
# Goal: cfgprobe whole process <= 0.15 x sesearch. Also, to show where the
# time goes: cfgprobe on an allowed file (no boolean search) and without the
# SELinux layer at all. Peak RSS of each with /usr/bin/time -v.
#   sudo bash bench/selinux.sh     # results in bench/results/selinux.{md,json,txt}
# Needs root (security.selinux labels on the fixture), selinux-policy-default,
# setools, hyperfine.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "bench/selinux.sh: needs root (setfattr security.selinux)" >&2; exit 1; }
command -v hyperfine >/dev/null || { apt-get update -qq; apt-get install -y -qq hyperfine >/dev/null; }
policy=/etc/selinux/default/policy/policy.33
[ -f $policy ] && command -v sesearch >/dev/null || { echo "needs selinux-policy-default and setools" >&2; exit 1; }
build=build-bench-sel
[ -d $build ] || meson setup $build --buildtype=release -Dtests=disabled >/dev/null
ninja -C $build tools/cfgprobe/cfgprobe >/dev/null
bin=$PWD/$build/tools/cfgprobe/cfgprobe
out=bench/results
mkdir -p "$out"
work=$(mktemp -d /tmp/cfgprobe-sel.XXXXXX)
trap 'rm -rf "$work"' EXIT

# A root with a home directory: / root_t, /home home_root_t, /home/alice
# user_home_dir_t, site.conf user_home_t; app.conf is etc_t (allowed).
mkdir -p "$work/home/alice" "$work/etc/app"
echo x > "$work/home/alice/site.conf"
echo y > "$work/etc/app/app.conf"
label() { setfattr -n security.selinux -v "system_u:object_r:$2:s0" "$1"; }
label "$work" root_t; label "$work/home" home_root_t; label "$work/home/alice" user_home_dir_t
label "$work/home/alice/site.conf" user_home_t
label "$work/etc" etc_t; label "$work/etc/app" etc_t; label "$work/etc/app/app.conf" etc_t

ctx=system_u:system_r:httpd_t:s0
denied="$bin check --root $work --context $ctx --selinux-mode enforcing --selinux-policy $policy /home/alice/site.conf"
allowed="$bin check --root $work --context $ctx --selinux-mode enforcing --selinux-policy $policy /etc/app/app.conf"
nolayer="$bin check --root $work /home/alice/site.conf"
sesearch="sesearch -A -s httpd_t -t user_home_t -c file -p read $policy"
$denied >/dev/null && { echo "expected a denial" >&2; exit 1; } || true
$sesearch | grep -q httpd_read_user_content

hyperfine -N -i -w 3 -r 30 --export-json "$out/selinux.json" --export-markdown "$out/selinux.md" \
  -n "cfgprobe check (denied: decision + boolean search + file_contexts)" "$denied" \
  -n "sesearch -A -s httpd_t -t user_home_t -c file -p read" "$sesearch" \
  -n "cfgprobe check (allowed: decision + file_contexts)" "$allowed" \
  -n "cfgprobe check (no SELinux layer)" "$nolayer"

{
  echo "# peak RSS (/usr/bin/time -v), KB"
  for c in "$denied" "$sesearch" "$allowed" "$nolayer"; do
    /usr/bin/time -v $c >/dev/null 2>"$work/time.txt" || true   # cfgprobe exits 1: denied
    echo "$(awk -F': ' '/Maximum resident/ {print $2}' "$work/time.txt")  ${c//$work/ROOT}"
  done
  python3 - "$out/selinux.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
names = list(r)
c, s = r[names[0]]["mean"], r[names[1]]["mean"]
print(f"# cfgprobe (denied) {c*1000:.1f} ms, sesearch {s*1000:.1f} ms: ratio {c/s:.3f} (goal <= 0.15)")
cpu = lambda x: x["user"] + x["system"]
print(f"# CPU (user+system): cfgprobe {cpu(r[names[0]])*1000:.1f} ms, sesearch {cpu(r[names[1]])*1000:.1f} ms: "
      f"ratio {cpu(r[names[0]])/cpu(r[names[1]]):.3f}; load average at the end: {open('/proc/loadavg').read().split()[0]}")
for n in names:
    x = r[n]
    print(f"#   {n}: mean {x['mean']*1000:.1f} ms, user {x['user']*1000:.1f} ms, system {x['system']*1000:.1f} ms")
PY
} | tee "$out/selinux.txt"
