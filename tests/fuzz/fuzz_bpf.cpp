// The seccomp BPF evaluator over arbitrary programs: out-of-range jumps,
// no RET, unknown opcodes, huge programs. It must reject or evaluate, never
// crash or loop; what it accepts must end in a RET on every path.
// Input: 16 bytes of seccomp_data head (nr, arch, flags, arg 0), then
// struct sock_filter records of 8 bytes (code u16, jt, jf, k u32; LE).
#include <cstring>
#include <vector>

#include "fuzz_check.hpp"
#include "probe/seccomp.hpp"

namespace {

uint32_t u32(const uint8_t* p) { return p[0] | p[1] << 8 | p[2] << 16 | static_cast<uint32_t>(p[3]) << 24; }

probe::BpfProgram program(const uint8_t* data, size_t size) {
  probe::BpfProgram p;
  for (size_t i = 0; i + 8 <= size; i += 8)
    p.push_back({static_cast<uint16_t>(data[i] | data[i + 1] << 8), data[i + 2], data[i + 3], u32(data + i + 4)});
  return p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 16) return 0;
  probe::SeccompData d;
  d.nr = static_cast<int32_t>(u32(data));
  d.arch = data[4] & 1 ? probe::kAuditArchI386 : probe::kAuditArchX86_64;
  d.args_known = data[5] & 1;
  d.args[0] = u32(data + 8) | static_cast<uint64_t>(u32(data + 12)) << 32;
  probe::BpfProgram p = program(data + 16, size - 16);

  // Unchecked: anything goes, but it must return.
  auto raw = probe::run_seccomp_bpf(p, d);
  FUZZ_CHECK(raw.rets.size() <= 1U << 17);

  auto ok = probe::check_seccomp_bpf(p);
  if (!ok) {
    FUZZ_CHECK(ok.error().code == EINVAL);
    return 0;
  }
  FUZZ_CHECK(!p.empty() && p.size() <= probe::kBpfMaxInsns);
  // Every path of a checked program ends in a RET (or a DIV by zero).
  auto out = probe::run_seccomp_bpf(p, d);
  FUZZ_CHECK(!out.rets.empty() || out.ret_unknown || out.incomplete);
  if (d.args_known) FUZZ_CHECK(out.depends == 0 && !out.ret_unknown && out.rets.size() <= 1);
  if (d.args_known) FUZZ_CHECK(out.rets.size() == 1);

  // Stacked with itself: the combined verdict is the filter's own, as the
  // kernel combines one (it starts from ALLOW, so ALLOW's data is dropped).
  std::vector<probe::BpfProgram> two{p, p};
  probe::SyscallRef ref{"fuzz", "x86_64", d.arch, d.nr};
  auto v = probe::evaluate_syscall(two, ref, d);
  FUZZ_CHECK(v.kind != probe::SyscallVerdict::Kind::Unknown);
  if (v.kind == probe::SyscallVerdict::Kind::Exact && out.rets.size() == 1 && !out.ret_unknown)
    FUZZ_CHECK(v.ret == probe::combine_seccomp_rets(out.rets));
  (void)probe::describe_verdict(v);
  return 0;
}
