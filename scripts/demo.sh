#!/usr/bin/env bash
# The main job on a bundled demo: a service running as an unprivileged user
# whose config sits in a directory it cannot search; cfgprobe names the
# layer and the fix. Installs what it needs, builds, cleans up after itself.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "demo: run as root (it starts a service as another user)" >&2; exit 2; }
bash scripts/deps.sh
[ -d build ] || meson setup build >/dev/null
ninja -C build tools/cfgprobe/cfgprobe >/dev/null

demo=$(mktemp -d /tmp/cfgprobe-demo.XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$demo"; }
trap cleanup EXIT
chmod 0755 "$demo"
mkdir -p "$demo/etc/myapp"
echo "listen: 8080" > "$demo/etc/myapp/config.yaml"
chmod 0750 "$demo/etc/myapp"        # root:root, no x for others: the bug
chmod 0644 "$demo/etc/myapp/config.yaml"

setpriv --reuid=nobody --regid=nogroup --clear-groups \
  examples/demo-service --config "$demo/etc/myapp/config.yaml" 2>/dev/null &
pid=$!
sleep 0.3
echo "\$ sudo cfgprobe $pid --verify"
build/tools/cfgprobe/cfgprobe "$pid" --verify || true
