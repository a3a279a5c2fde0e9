#!/usr/bin/env bash
# Benchmarks for issue "Core": cfgprobe check against namei -l, side by side
# in one hyperfine run, plus peak RSS from GNU time. Root, Debian 12.
#   bash bench/run.sh            # results in bench/results/
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
command -v hyperfine >/dev/null && [ -x /usr/bin/time ] || { apt-get update -qq; apt-get install -y -qq hyperfine time >/dev/null; }
bash scripts/deps.sh
[ -d build-bench ] || meson setup build-bench --buildtype=release -Dtests=disabled >/dev/null
ninja -C build-bench tools/cfgprobe/cfgprobe >/dev/null
bin=$PWD/build-bench/tools/cfgprobe/cfgprobe
out=bench/results
mkdir -p "$out"

tree=$(mktemp -d /tmp/cfgprobe-bench.XXXXXX)
trap 'rm -rf "$tree"' EXIT
chmod 0755 "$tree"
# 100 directories x 100 files under /srv/app: 10,000 paths sharing directories.
for d in $(seq -w 0 99); do
  mkdir -p "$tree/srv/app/d$d"
  (cd "$tree/srv/app/d$d" && touch $(seq -f "f%02g.conf" 0 99))
done
chmod 0750 "$tree/srv/app/d13"            # some denials, so findings are made too
chmod 0600 "$tree"/srv/app/d42/f1*.conf
find "$tree/srv/app" -name '*.conf' | sort > "$tree/list"
one="$tree/srv/app/d42/f42.conf"
echo "paths: $(wc -l < "$tree/list")"

hyperfine -N --warmup 30 --runs 500 --export-json "$out/single.json" --export-markdown "$out/single.md" \
  "$bin check --user nobody $one" \
  "namei -l $one"

# Whole process, 10,000 paths in one call (as arguments, like namei).
hyperfine -i --warmup 3 --runs 30 --export-json "$out/many.json" --export-markdown "$out/many.md" \
  "$bin check --user nobody \$(cat $tree/list) >/dev/null" \
  "namei -l \$(cat $tree/list) >/dev/null"

# Exit status 1 (some paths are denied on purpose) is not a failure here.
peak() { /usr/bin/time -v "$@" 2>&1 >/dev/null | grep -E "Maximum resident" || true; }
{
  echo "cfgprobe, 10,000 paths as arguments:";   peak "$bin" check --user nobody $(cat "$tree/list")
  echo "cfgprobe, 10,000 paths via --paths-from:"; peak "$bin" check --user nobody --paths-from "$tree/list"
  echo "namei -l, the same 10,000 paths:";        peak namei -l $(cat "$tree/list")
  echo "cfgprobe, one path:";                     peak "$bin" check --user nobody "$one"
  echo "namei -l, one path:";                     peak namei -l "$one"
} | tee "$out/rss.txt"
