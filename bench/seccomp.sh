#!/usr/bin/env bash
# Benchmark for the seccomp probe: a whole inspect of a process under
# Docker's default filter, next to the same for an unfiltered process.
#   sudo bash bench/seccomp.sh      # results in bench/results/seccomp.{md,json,txt}
# Three figures:
#  1. `cfgprobe inspect PID`, whole process (as wired in the CLI today);
#  2. a driver doing gather_subject + gather_seccomp + explain + render for
#     the same two processes, whole process: the difference is the seccomp
#     probe's cost end to end;
#  3. the same driver in-process: median of 2000 rounds of the dump
#     (ptrace) and of the evaluation, in microseconds.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "bench/seccomp.sh: needs root (PTRACE_SECCOMP_GET_FILTER)" >&2; exit 1; }
command -v hyperfine >/dev/null || { apt-get update -qq; apt-get install -y -qq hyperfine >/dev/null; }
build=build-bench-scmp
[ -d $build ] || meson setup $build --buildtype=release -Dtests=disabled >/dev/null
ninja -C $build tools/cfgprobe/cfgprobe libprobe/libprobe.a >/dev/null
bin=$PWD/$build/tools/cfgprobe/cfgprobe
out=bench/results
mkdir -p "$out"
work=$(mktemp -d /tmp/cfgprobe-scmp.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

cat > "$work/driver.cpp" <<'EOF'
// hold PROFILE.json: load the profile (Docker's caps) and wait; "-" : no filter.
// probe PID: the seccomp probe once, printed.  micro PID N: timings.
#include <seccomp.h>
#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>
#include "probe/seccomp.hpp"
#include "probe/subject.hpp"
#include "scmp_profile.hpp"
using clk = std::chrono::steady_clock;
static double us(clk::time_point a, clk::time_point b) { return std::chrono::duration<double, std::micro>(b - a).count(); }
static double median(std::vector<double> v) { std::sort(v.begin(), v.end()); return v[v.size() / 2]; }
int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "hold") {
    if (std::string(argv[2]) != "-") {
      std::ifstream in(argv[2]); std::stringstream ss; ss << in.rdbuf();
      std::string err;
      scmp_filter_ctx ctx = scmptest::profile_to_ctx(ss.str(), scmptest::docker_default_caps(), &err);
      if (!ctx || seccomp_load(ctx) != 0) { std::fprintf(stderr, "cannot load %s\n", argv[2]); return 1; }
    }
    std::puts("ready"); std::fflush(stdout);
    for (;;) pause();
  }
  int pid = std::stoi(argv[2]);
  if (mode == "probe") {
    auto live = probe::gather_subject(pid);
    if (!live) return 3;
    auto f = probe::gather_seccomp(*live);
    auto fs = probe::explain_seccomp(live->subject, f);
    std::fputs(probe::render_text_seccomp(f, false).c_str(), stdout);
    for (const auto& x : fs) std::printf("  %s  %s\n", x.id.c_str(), x.explanation.c_str());
    return 0;
  }
  int n = std::stoi(argv[3]);
  auto live = probe::gather_subject(pid);
  if (!live) return 3;
  std::vector<double> dump, eval;
  for (int i = 0; i < n; ++i) {
    auto t0 = clk::now();
    auto f = probe::gather_seccomp(*live);
    auto t1 = clk::now();
    auto fs = probe::explain_seccomp(live->subject, f);
    auto text = probe::render_text_seccomp(f, false);
    auto t2 = clk::now();
    dump.push_back(us(t0, t1)); eval.push_back(us(t1, t2));
  }
  std::printf("pid %d: filters dumped+evaluated, median of %d: dump %.1f us, evaluate+explain+render %.1f us\n",
              pid, n, median(dump), median(eval));
}
EOF
g++ -std=c++20 -O2 -D_GNU_SOURCE -Ilibprobe/include -Itests/system/seccomp "$work/driver.cpp" \
  tests/system/seccomp/scmp_profile.cpp $build/libprobe/libprobe.a -lseccomp -lcap-ng -o "$work/driver"

hold() {  # starts a holder, waits for "ready", prints its pid
  "$work/driver" hold "$1" > "$work/ready.$2" &
  local p=$!
  for _ in $(seq 200); do grep -q ready "$work/ready.$2" 2>/dev/null && break; sleep 0.01; done
  echo "$p"
}
docker_pid=$(hold ../shared/testdata/seccomp/docker-default.json docker); pids+=("$docker_pid")
plain_pid=$(hold - plain); pids+=("$plain_pid")
grep -E "^Seccomp" /proc/"$docker_pid"/status | tr '\n' ' '; echo " (docker-default holder, pid $docker_pid)"
"$work/driver" probe "$docker_pid"

# -i: inspect exits 1 when it finds an error (SCMP-001 under Docker's filter).
hyperfine -N -i --warmup 30 --runs 300 --export-json "$out/seccomp.json" --export-markdown "$out/seccomp.md" \
  -n "inspect, Docker filter" "$bin inspect $docker_pid /etc/hostname" \
  -n "inspect, no filter" "$bin inspect $plain_pid /etc/hostname" \
  -n "seccomp probe, Docker filter" "$work/driver probe $docker_pid" \
  -n "seccomp probe, no filter" "$work/driver probe $plain_pid"
{
  date -u +"%Y-%m-%d %H:%M UTC, $(nproc) cores, $(uname -r)"
  python3 -c '
import json, sys
r = {x["command"]: x["median"] * 1000 for x in json.load(open(sys.argv[1]))["results"]}
print("whole-process medians (hyperfine, 300 runs):")
for k, v in r.items(): print(f"  {k:32s} {v:6.2f} ms")
d = r["seccomp probe, Docker filter"] - r["seccomp probe, no filter"]
print(f"  seccomp probe, Docker filter minus no filter: {d:+.2f} ms")
' "$out/seccomp.json"
  "$work/driver" micro "$docker_pid" 2000
  "$work/driver" micro "$plain_pid" 2000
  grep -E "^Seccomp|^State" /proc/"$docker_pid"/status | tr '\n' ' '; echo "(still running after the dumps)"
} | tee "$out/seccomp.txt"
