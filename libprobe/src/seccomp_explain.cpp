// explain for seccomp: a classic BPF evaluator that mirrors the kernel's
// checks and semantics, the kernel's rule for stacked filters, and the
// findings. Pure: SeccompFacts in, verdicts and findings out.
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstddef>

#include "probe/seccomp.hpp"

namespace probe {
namespace {

// include/uapi/linux/seccomp.h: struct seccomp_data is 64 bytes.
constexpr uint32_t kDataSize = 64;
constexpr uint32_t kMaxErrno = 4095;   // include/linux/err.h MAX_ERRNO
constexpr size_t kPathBudget = 1U << 16;  // instructions over all forked paths

Error bad_insn(size_t pc, const char* what) {
  return make_error(EINVAL, "instruction " + std::to_string(pc) + ": " + what);
}

bool is_cond_jump(uint16_t code) {
  return BPF_CLASS(code) == BPF_JMP && BPF_OP(code) != BPF_JA;
}

// kernel/seccomp.c: seccomp_check_filter(): the only opcodes seccomp takes.
bool seccomp_code_allowed(uint16_t code) {
  switch (code) {
    case BPF_LD | BPF_W | BPF_ABS: case BPF_LD | BPF_W | BPF_LEN: case BPF_LDX | BPF_W | BPF_LEN:
    case BPF_RET | BPF_K: case BPF_RET | BPF_A:
    case BPF_ALU | BPF_ADD | BPF_K: case BPF_ALU | BPF_ADD | BPF_X:
    case BPF_ALU | BPF_SUB | BPF_K: case BPF_ALU | BPF_SUB | BPF_X:
    case BPF_ALU | BPF_MUL | BPF_K: case BPF_ALU | BPF_MUL | BPF_X:
    case BPF_ALU | BPF_DIV | BPF_K: case BPF_ALU | BPF_DIV | BPF_X:
    case BPF_ALU | BPF_AND | BPF_K: case BPF_ALU | BPF_AND | BPF_X:
    case BPF_ALU | BPF_OR | BPF_K: case BPF_ALU | BPF_OR | BPF_X:
    case BPF_ALU | BPF_XOR | BPF_K: case BPF_ALU | BPF_XOR | BPF_X:
    case BPF_ALU | BPF_LSH | BPF_K: case BPF_ALU | BPF_LSH | BPF_X:
    case BPF_ALU | BPF_RSH | BPF_K: case BPF_ALU | BPF_RSH | BPF_X:
    case BPF_ALU | BPF_NEG: case BPF_LD | BPF_IMM: case BPF_LDX | BPF_IMM:
    case BPF_MISC | BPF_TAX: case BPF_MISC | BPF_TXA:
    case BPF_LD | BPF_MEM: case BPF_LDX | BPF_MEM: case BPF_ST: case BPF_STX:
    case BPF_JMP | BPF_JA:
    case BPF_JMP | BPF_JEQ | BPF_K: case BPF_JMP | BPF_JEQ | BPF_X:
    case BPF_JMP | BPF_JGE | BPF_K: case BPF_JMP | BPF_JGE | BPF_X:
    case BPF_JMP | BPF_JGT | BPF_K: case BPF_JMP | BPF_JGT | BPF_X:
    case BPF_JMP | BPF_JSET | BPF_K: case BPF_JMP | BPF_JSET | BPF_X:
      return true;
    default:
      return false;
  }
}

// One instruction's static checks: net/core/filter.c bpf_check_classic()
// plus the seccomp_data bounds of seccomp_check_filter().
Result<void> check_insn(std::span<const BpfInsn> prog, size_t pc) {
  const BpfInsn& in = prog[pc];
  size_t len = prog.size();
  if (!seccomp_code_allowed(in.code)) return bad_insn(pc, "opcode not allowed in a seccomp filter");
  switch (in.code) {
    case BPF_LD | BPF_W | BPF_ABS:
      if (in.k >= kDataSize || (in.k & 3) != 0) return bad_insn(pc, "load outside seccomp_data or unaligned");
      break;
    case BPF_ALU | BPF_DIV | BPF_K:
      if (in.k == 0) return bad_insn(pc, "division by zero");
      break;
    case BPF_ALU | BPF_LSH | BPF_K: case BPF_ALU | BPF_RSH | BPF_K:
      if (in.k >= 32) return bad_insn(pc, "shift by 32 or more");
      break;
    case BPF_LD | BPF_MEM: case BPF_LDX | BPF_MEM: case BPF_ST: case BPF_STX:
      if (in.k >= BPF_MEMWORDS) return bad_insn(pc, "scratch memory index out of range");
      break;
    case BPF_JMP | BPF_JA:
      if (in.k >= len - pc - 1) return bad_insn(pc, "jump out of range");
      break;
    default:
      if (is_cond_jump(in.code) && (pc + in.jt + 1 >= len || pc + in.jf + 1 >= len))
        return bad_insn(pc, "jump out of range");
  }
  return {};
}

// net/core/filter.c: check_load_and_stores(): no read of scratch memory
// that some path has not written.
Result<void> check_memory(std::span<const BpfInsn> prog) {
  std::vector<uint16_t> masks(prog.size(), 0xffff);
  uint16_t valid = 0;
  for (size_t pc = 0; pc < prog.size(); ++pc) {
    const BpfInsn& in = prog[pc];
    valid &= masks[pc];
    if (in.code == BPF_ST || in.code == (BPF_STX)) {
      valid |= static_cast<uint16_t>(1U << in.k);
    } else if (in.code == (BPF_LD | BPF_MEM) || in.code == (BPF_LDX | BPF_MEM)) {
      if ((valid & (1U << in.k)) == 0) return bad_insn(pc, "reads scratch memory never written");
    } else if (in.code == (BPF_JMP | BPF_JA)) {
      masks[pc + 1 + in.k] &= valid;
      valid = 0xffff;
    } else if (is_cond_jump(in.code)) {
      masks[pc + 1 + in.jt] &= valid;
      masks[pc + 1 + in.jf] &= valid;
      valid = 0xffff;
    }
  }
  return {};
}

// ---- the interpreter ----

// A value and the unknown inputs it was computed from.
struct Val {
  uint32_t v = 0;
  uint8_t taint = 0;
};

struct State {
  size_t pc = 0;
  Val a, x;
  std::array<Val, BPF_MEMWORDS> mem{};
};

Val load_data(const SeccompData& d, uint32_t off) {
  if (off == 0) return {static_cast<uint32_t>(d.nr), 0};
  if (off == 4) return {d.arch, 0};
  auto half = [](uint64_t v, uint32_t o) { return static_cast<uint32_t>((o & 4) ? v >> 32 : v); };
  if (off < 16) return {half(d.instruction_pointer, off), d.args_known ? uint8_t{0} : kDependsOnIp};
  uint32_t i = (off - 16) / 8;
  return {half(d.args[i], off), d.args_known ? uint8_t{0} : static_cast<uint8_t>(1U << i)};
}

// Bit operations; division by a zero X ends the program with 0, as the
// cBPF-to-eBPF conversion does (net/core/filter.c: bpf_convert_filter).
bool alu(State& s, const BpfInsn& in) {
  Val src = BPF_SRC(in.code) == BPF_X ? s.x : Val{in.k, 0};
  uint32_t& a = s.a.v;
  s.a.taint |= src.taint;
  switch (BPF_OP(in.code)) {
    case BPF_ADD: a += src.v; break;
    case BPF_SUB: a -= src.v; break;
    case BPF_MUL: a *= src.v; break;
    case BPF_DIV:
      if (src.v == 0) return false;
      a /= src.v;
      break;
    case BPF_OR: a |= src.v; break;
    case BPF_AND: a &= src.v; break;
    case BPF_XOR: a ^= src.v; break;
    case BPF_LSH: a <<= (src.v & 31); break;
    case BPF_RSH: a >>= (src.v & 31); break;
    case BPF_NEG: a = 0U - a; break;
    default: return false;
  }
  return true;
}

bool jump_taken(const State& s, const BpfInsn& in) {
  uint32_t b = BPF_SRC(in.code) == BPF_X ? s.x.v : in.k;
  switch (BPF_OP(in.code)) {
    case BPF_JEQ: return s.a.v == b;
    case BPF_JGT: return s.a.v > b;
    case BPF_JGE: return s.a.v >= b;
    default: return (s.a.v & b) != 0;  // BPF_JSET
  }
}

class Runner {
 public:
  Runner(std::span<const BpfInsn> prog, const SeccompData& d) : prog_(prog), d_(d) {}
  BpfOutcome run();

 private:
  void ret(uint32_t v) {
    if (std::find(out_.rets.begin(), out_.rets.end(), v) == out_.rets.end()) out_.rets.push_back(v);
  }
  // Runs one path to its RET; pushes the other side of an unknown branch.
  void path(State s);
  bool step(State& s, const BpfInsn& in);
  std::span<const BpfInsn> prog_;
  const SeccompData& d_;
  std::vector<State> todo_;
  size_t steps_ = 0;
  BpfOutcome out_;
};

BpfOutcome Runner::run() {
  todo_.push_back(State{});
  while (!todo_.empty()) {
    State s = todo_.back();
    todo_.pop_back();
    path(s);
  }
  std::sort(out_.rets.begin(), out_.rets.end());
  return out_;
}

void Runner::path(State s) {
  while (s.pc < prog_.size()) {
    if (++steps_ > kPathBudget) {
      out_.incomplete = true;
      todo_.clear();
      return;
    }
    const BpfInsn& in = prog_[s.pc];
    if (BPF_CLASS(in.code) == BPF_RET) {
      if (BPF_RVAL(in.code) == BPF_A && s.a.taint) {
        out_.ret_unknown = true;
        out_.depends |= s.a.taint;
      } else {
        ret(BPF_RVAL(in.code) == BPF_A ? s.a.v : in.k);
      }
      return;
    }
    if (is_cond_jump(in.code)) {
      uint8_t t = s.a.taint | (BPF_SRC(in.code) == BPF_X ? s.x.taint : 0);
      size_t yes = s.pc + 1 + in.jt, no = s.pc + 1 + in.jf;
      if (t != 0 && yes != no) {
        out_.depends |= t;
        State other = s;
        other.pc = no;
        todo_.push_back(other);
        s.pc = yes;
      } else {
        s.pc = jump_taken(s, in) ? yes : no;
      }
      continue;
    }
    if (!step(s, in)) return;
  }
  // Fell off the end or jumped past it: only an unchecked program does.
}

// Everything but RET and conditional jumps; false ends the path (DIV by 0
// returns 0 = SECCOMP_RET_KILL_THREAD, an unknown opcode returns nothing).
bool Runner::step(State& s, const BpfInsn& in) {
  switch (in.code) {
    case BPF_LD | BPF_W | BPF_ABS:
      if (in.k >= kDataSize || (in.k & 3) != 0) return false;
      s.a = load_data(d_, in.k);
      break;
    case BPF_LD | BPF_W | BPF_LEN: s.a = {kDataSize, 0}; break;
    case BPF_LDX | BPF_W | BPF_LEN: s.x = {kDataSize, 0}; break;
    case BPF_LD | BPF_IMM: s.a = {in.k, 0}; break;
    case BPF_LDX | BPF_IMM: s.x = {in.k, 0}; break;
    case BPF_MISC | BPF_TAX: s.x = s.a; break;
    case BPF_MISC | BPF_TXA: s.a = s.x; break;
    case BPF_LD | BPF_MEM: case BPF_LDX | BPF_MEM: case BPF_ST: case BPF_STX: {
      if (in.k >= BPF_MEMWORDS) return false;
      Val& cell = s.mem[in.k];
      if (in.code == BPF_ST) cell = s.a;
      else if (in.code == BPF_STX) cell = s.x;
      else (in.code == (BPF_LD | BPF_MEM) ? s.a : s.x) = cell;
      break;
    }
    case BPF_JMP | BPF_JA: s.pc += in.k; break;  // may leave the program: ends the loop
    default:
      if (BPF_CLASS(in.code) != BPF_ALU || !seccomp_code_allowed(in.code)) return false;
      if (!alu(s, in)) {
        if (BPF_OP(in.code) == BPF_DIV) ret(0);
        return false;
      }
  }
  ++s.pc;
  return true;
}

int32_t action_only(uint32_t ret) { return static_cast<int32_t>(ret & SECCOMP_RET_ACTION_FULL); }

// What a combined return does to the syscall (kernel/seccomp.c:
// __seccomp_filter).
int syscall_errno(uint32_t ret) {
  switch (seccomp_action_of(ret)) {
    case SeccompAction::Errno: return static_cast<int>(std::min(ret & SECCOMP_RET_DATA, kMaxErrno));
    case SeccompAction::Trace:      // no tracer: -ENOSYS
    case SeccompAction::UserNotif:  // no listener: -ENOSYS
      return ENOSYS;
    default: return 0;
  }
}

// Every combination of the filters' possible returns, combined.
std::vector<uint32_t> combine_all(const std::vector<BpfOutcome>& outs) {
  std::vector<uint32_t> acc{SECCOMP_RET_ALLOW};
  for (const auto& o : outs) {
    std::vector<uint32_t> next;
    for (uint32_t a : acc)
      for (uint32_t r : o.rets) {
        uint32_t pair[] = {a, r};
        uint32_t c = combine_seccomp_rets(pair);
        if (std::find(next.begin(), next.end(), c) == next.end()) next.push_back(c);
      }
    acc = std::move(next);
  }
  std::sort(acc.begin(), acc.end());
  return acc;
}

}  // namespace

Result<void> check_seccomp_bpf(std::span<const BpfInsn> prog) {
  if (prog.empty() || prog.size() > kBpfMaxInsns)
    return make_error(EINVAL, "program length " + std::to_string(prog.size()) + " not in 1..4096");
  for (size_t pc = 0; pc < prog.size(); ++pc)
    if (auto r = check_insn(prog, pc); !r) return r;
  uint16_t last = prog.back().code;
  if (last != (BPF_RET | BPF_K) && last != (BPF_RET | BPF_A))
    return bad_insn(prog.size() - 1, "the last instruction is not a RET");
  return check_memory(prog);
}

BpfOutcome run_seccomp_bpf(std::span<const BpfInsn> prog, const SeccompData& d) {
  return Runner(prog, d).run();
}

const char* seccomp_action_name(SeccompAction a) {
  switch (a) {
    case SeccompAction::KillProcess: return "KILL_PROCESS";
    case SeccompAction::KillThread: return "KILL_THREAD";
    case SeccompAction::Trap: return "TRAP";
    case SeccompAction::Errno: return "ERRNO";
    case SeccompAction::UserNotif: return "USER_NOTIF";
    case SeccompAction::Trace: return "TRACE";
    case SeccompAction::Log: return "LOG";
    case SeccompAction::Allow: return "ALLOW";
  }
  return "?";
}

SeccompAction seccomp_action_of(uint32_t ret) {
  switch (ret & SECCOMP_RET_ACTION_FULL) {
    case SECCOMP_RET_KILL_THREAD: return SeccompAction::KillThread;
    case SECCOMP_RET_TRAP: return SeccompAction::Trap;
    case SECCOMP_RET_ERRNO: return SeccompAction::Errno;
    case SECCOMP_RET_USER_NOTIF: return SeccompAction::UserNotif;
    case SECCOMP_RET_TRACE: return SeccompAction::Trace;
    case SECCOMP_RET_LOG: return SeccompAction::Log;
    case SECCOMP_RET_ALLOW: return SeccompAction::Allow;
    default: return SeccompAction::KillProcess;  // KILL_PROCESS and unknown actions
  }
}

uint32_t combine_seccomp_rets(std::span<const uint32_t> rets) {
  uint32_t ret = SECCOMP_RET_ALLOW;
  for (uint32_t cur : rets)
    if (action_only(cur) < action_only(ret)) ret = cur;
  return ret;
}

std::span<const SyscallRef> seccomp_syscalls() {
  // arch/x86/entry/syscalls/syscall_64.tbl and syscall_32.tbl.
  static constexpr uint32_t X = kX32SyscallBit;
  static constexpr SyscallRef kTable[] = {
      {"open", "x86_64", kAuditArchX86_64, 2}, {"openat", "x86_64", kAuditArchX86_64, 257},
      {"openat2", "x86_64", kAuditArchX86_64, 437}, {"read", "x86_64", kAuditArchX86_64, 0},
      {"keyctl", "x86_64", kAuditArchX86_64, 250}, {"add_key", "x86_64", kAuditArchX86_64, 248},
      {"request_key", "x86_64", kAuditArchX86_64, 249}, {"inotify_init1", "x86_64", kAuditArchX86_64, 294},
      {"inotify_add_watch", "x86_64", kAuditArchX86_64, 254},
      {"open", "i386", kAuditArchI386, 5}, {"openat", "i386", kAuditArchI386, 295},
      {"openat2", "i386", kAuditArchI386, 437}, {"read", "i386", kAuditArchI386, 3},
      {"keyctl", "i386", kAuditArchI386, 288}, {"add_key", "i386", kAuditArchI386, 286},
      {"request_key", "i386", kAuditArchI386, 287}, {"inotify_init1", "i386", kAuditArchI386, 332},
      {"inotify_add_watch", "i386", kAuditArchI386, 292},
      {"open", "x32", kAuditArchX86_64, X | 2}, {"openat", "x32", kAuditArchX86_64, X | 257},
      {"openat2", "x32", kAuditArchX86_64, X | 437}, {"read", "x32", kAuditArchX86_64, X | 0},
      {"keyctl", "x32", kAuditArchX86_64, X | 250}, {"add_key", "x32", kAuditArchX86_64, X | 248},
      {"request_key", "x32", kAuditArchX86_64, X | 249}, {"inotify_init1", "x32", kAuditArchX86_64, X | 294},
      {"inotify_add_watch", "x32", kAuditArchX86_64, X | 254},
  };
  return kTable;
}

namespace {

// "" when every filter passes the kernel's load-time checks.
std::string first_invalid(std::span<const BpfProgram> filters) {
  for (size_t i = 0; i < filters.size(); ++i)
    if (auto ok = check_seccomp_bpf(filters[i]); !ok)
      return "filter " + std::to_string(i) + " is not a valid seccomp program: " + ok.error().message();
  return "";
}

// For checked filters.
SyscallVerdict evaluate_checked(std::span<const BpfProgram> filters, const SyscallRef& sys, const SeccompData& d) {
  SyscallVerdict v{.sys = sys};
  std::vector<BpfOutcome> outs;
  for (const auto& f : filters) {
    outs.push_back(run_seccomp_bpf(f, d));
    v.depends |= outs.back().depends;
    if (outs.back().ret_unknown || outs.back().incomplete) v.kind = SyscallVerdict::Kind::DependsOnArgs;
  }
  v.possible = combine_all(outs);
  if (v.kind == SyscallVerdict::Kind::Unknown)
    v.kind = v.possible.size() == 1 ? SyscallVerdict::Kind::Exact : SyscallVerdict::Kind::DependsOnArgs;
  v.ret = v.possible.empty() ? 0 : v.possible.front();
  v.action = seccomp_action_of(v.ret);
  v.err = syscall_errno(v.ret);
  return v;
}

// kernel/seccomp.c: __secure_computing_strict(): only read, write, exit
// and sigreturn (the i386 numbers for i386); anything else is SIGKILL.
SyscallVerdict strict_verdict(const SyscallRef& sys) {
  bool read = std::string_view(sys.name) == "read" && sys.abi != std::string_view("x32");
  SyscallVerdict v{.sys = sys, .kind = SyscallVerdict::Kind::Exact};
  v.ret = read ? SECCOMP_RET_ALLOW : SECCOMP_RET_KILL_PROCESS;
  v.action = seccomp_action_of(v.ret);
  return v;
}

}  // namespace

SyscallVerdict evaluate_syscall(std::span<const BpfProgram> filters, const SyscallRef& sys, const SeccompData& d) {
  if (std::string bad = first_invalid(filters); !bad.empty()) return SyscallVerdict{.sys = sys, .why_unknown = bad};
  return evaluate_checked(filters, sys, d);
}

std::vector<SyscallVerdict> evaluate_seccomp(const SeccompFacts& f) {
  std::vector<SyscallVerdict> out;
  if (f.mode == SeccompMode::Disabled) return out;
  bool dumped = f.mode == SeccompMode::Filter && f.dump == SeccompDump::Dumped;
  std::string why = dumped ? first_invalid(f.filters) : f.error.message();
  for (const auto& sys : seccomp_syscalls()) {
    if (f.mode == SeccompMode::Strict) out.push_back(strict_verdict(sys));
    else if (dumped && why.empty()) out.push_back(evaluate_checked(f.filters, sys, SeccompData{.nr = sys.nr, .arch = sys.arch}));
    else out.push_back(SyscallVerdict{.sys = sys, .why_unknown = why});
  }
  return out;
}

std::string describe_verdict(const SyscallVerdict& v) {
  using K = SyscallVerdict::Kind;
  if (v.kind == K::Unknown) return "unknown";
  if (v.kind == K::DependsOnArgs) {
    std::string s = "depends on arguments (";
    for (int i = 0; i < 6; ++i)
      if (v.depends & (1U << i)) s += (s.back() == '(' ? "arg " : ", arg ") + std::to_string(i);
    if (v.depends & kDependsOnIp) s += s.back() == '(' ? "instruction pointer" : ", instruction pointer";
    if (s.back() == '(') s += "unbounded program";
    return s + ")";
  }
  switch (v.action) {
    case SeccompAction::Allow: return "allowed";
    case SeccompAction::Log: return "allowed (logged)";
    case SeccompAction::Errno: return v.err == 0 ? "returns 0 without running" : errno_name(v.err);
    case SeccompAction::Trace: return "ENOSYS unless a tracer handles it (TRACE)";
    case SeccompAction::UserNotif: return "ENOSYS unless a supervisor handles it (USER_NOTIF)";
    case SeccompAction::Trap: return "SIGSYS (TRAP)";
    case SeccompAction::KillThread: return "thread killed (KILL_THREAD)";
    case SeccompAction::KillProcess: return "process killed (KILL_PROCESS)";
  }
  return "?";
}

// ---- findings ----

namespace {

using Kind = SyscallVerdict::Kind;

bool denies(const SyscallVerdict& v) {
  return v.kind == Kind::Exact && v.action != SeccompAction::Allow && v.action != SeccompAction::Log;
}

// The native (x86_64) verdicts of the named syscalls, in table order.
std::vector<const SyscallVerdict*> native(const std::vector<SyscallVerdict>& vs,
                                          std::initializer_list<std::string_view> names) {
  std::vector<const SyscallVerdict*> out;
  for (const auto& v : vs)
    if (v.sys.abi == std::string_view("x86_64") && std::find(names.begin(), names.end(), v.sys.name) != names.end())
      out.push_back(&v);
  return out;
}

// "keyctl, add_key and request_key"
std::string join_names(const std::vector<const SyscallVerdict*>& vs) {
  std::string s;
  for (size_t i = 0; i < vs.size(); ++i)
    s += (i == 0 ? "" : i + 1 == vs.size() ? " and " : ", ") + std::string(vs[i]->sys.name);
  return s;
}

// "keyctl, add_key and request_key fail with EPERM; x fails with ENOSYS"
std::string outcome_text(const std::vector<const SyscallVerdict*>& denied) {
  std::vector<std::string> groups;
  std::vector<bool> done(denied.size());
  for (size_t i = 0; i < denied.size(); ++i) {
    if (done[i]) continue;
    std::vector<const SyscallVerdict*> same;
    for (size_t j = i; j < denied.size(); ++j)
      if (!done[j] && denied[j]->ret == denied[i]->ret) same.push_back(denied[j]), done[j] = true;
    std::string how = describe_verdict(*denied[i]);
    bool err = denied[i]->action == SeccompAction::Errno && denied[i]->err != 0;
    groups.push_back(join_names(same) + (same.size() == 1 ? " fails" : " fail") + (err ? " with " : ": ") + how);
  }
  std::string s;
  for (const auto& g : groups) s += (s.empty() ? "" : "; ") + g;
  return s;
}

// The two container defaults, recognised by their keyring outcome
// (shared/testdata/seccomp/README.md).
std::string profile_hint(const std::vector<const SyscallVerdict*>& keyring) {
  auto err_of = [&](std::string_view n) {
    for (auto* v : keyring)
      if (v->sys.name == n) return denies(*v) && v->action == SeccompAction::Errno ? v->err : 0;
    return 0;
  };
  if (err_of("keyctl") == EPERM && err_of("add_key") == EPERM && err_of("request_key") == EPERM)
    return " (Docker's default profile does this)";
  if (err_of("keyctl") == 0 && err_of("add_key") == ENOSYS && err_of("request_key") == ENOSYS)
    return " (Podman's default profile does this)";
  return "";
}

std::vector<Fix> allow_fixes(const Subject& s, const std::string& names, const std::string& systemd_group) {
  std::string list;
  for (char c : names) list += c == ' ' ? std::string("\",\"") : std::string(1, c);
  std::vector<Fix> fixes;
  if (s.unit)
    fixes.push_back({"systemctl edit " + *s.unit + "   # SystemCallFilter=" + systemd_group,
                     "this service only: adds to its allow list"});
  std::string rule = "{\"names\":[\"" + list + "\"],\"action\":\"SCMP_ACT_ALLOW\"}";
  fixes.push_back({"docker run --security-opt seccomp=profile.json ...",
                   "profile.json: the default profile plus " + rule});
  fixes.push_back({"podman run --security-opt seccomp=profile.json ...", "the same profile for podman"});
  fixes.push_back({"--security-opt seccomp=unconfined", "no filter at all: last resort"});
  return fixes;
}

std::string pid_text(const Subject& s) { return s.pid ? std::to_string(*s.pid) : "PID"; }

void unknown_finding(const Subject& s, const SeccompFacts& f, std::vector<Finding>& out) {
  std::string what = "seccomp filter";
  if (f.filter_count > 0) what += " (" + std::to_string(f.filter_count) + " stacked)";
  std::string why = f.error.message();
  std::vector<Fix> fixes;
  if (f.dump == SeccompDump::NoPrivilege)
    fixes.push_back({"sudo cfgprobe inspect " + pid_text(s), "reading a filter needs CAP_SYS_ADMIN"});
  else if (f.dump == SeccompDump::InspectorFiltered)
    fixes.push_back({"run cfgprobe outside any seccomp filter (not in a container)",
                     "the kernel refuses a filtered inspector"});
  out.push_back(make_finding("SCMP-003", "seccomp",
                             what + " could not be read (" + why +
                                 "): whether open, openat, read and the keyring syscalls are allowed is unknown",
                             fixes));
}

void denied_findings(const Subject& s, const std::vector<SyscallVerdict>& vs, std::vector<Finding>& out) {
  auto pick = [](std::vector<const SyscallVerdict*> in) {
    std::erase_if(in, [](const SyscallVerdict* v) { return !denies(*v); });
    return in;
  };
  auto keyring = native(vs, {"keyctl", "add_key", "request_key"});
  if (auto d = pick(keyring); !d.empty())
    out.push_back(make_finding("SCMP-001", "keyctl add_key request_key",
                               outcome_text(d) + " under this filter" + profile_hint(keyring) +
                                   ": the kernel keyring cannot hold this app's config key",
                               allow_fixes(s, "keyctl add_key request_key", "@keyring")));
  if (auto d = pick(native(vs, {"open", "openat", "openat2", "read"})); !d.empty())
    out.push_back(make_finding("SCMP-002", join_names(d),
                               outcome_text(d) + " under this filter: a config file cannot be opened or read",
                               allow_fixes(s, join_names(d) == "openat2" ? "openat2" : "open openat openat2 read",
                                           "@file-system")));
  if (auto d = pick(native(vs, {"inotify_init1", "inotify_add_watch"})); !d.empty())
    out.push_back(make_finding("SCMP-005", join_names(d),
                               outcome_text(d) + " under this filter: the app cannot watch its config for changes",
                               allow_fixes(s, "inotify_init1 inotify_add_watch", "inotify_init1 inotify_add_watch")));
}

void depends_findings(const std::vector<SyscallVerdict>& vs, std::vector<Finding>& out) {
  for (const auto& v : vs) {
    if (v.kind != Kind::DependsOnArgs || v.sys.abi != std::string_view("x86_64")) continue;
    std::string can;
    for (uint32_t r : v.possible) {
      SyscallVerdict one = v;
      one.kind = Kind::Exact, one.ret = r, one.action = seccomp_action_of(r), one.err = syscall_errno(r);
      can += (can.empty() ? "" : ", ") + describe_verdict(one);
    }
    out.push_back(make_finding("SCMP-004", v.sys.name,
                               std::string(v.sys.name) + ": the filter's result " + describe_verdict(v) +
                                   "; it can be: " + (can.empty() ? "not determined" : can),
                               {}));
  }
}

}  // namespace

std::vector<Finding> explain_seccomp(const Subject& s, const SeccompFacts& f) {
  std::vector<Finding> out;
  if (f.mode == SeccompMode::Disabled) return out;
  if (f.mode == SeccompMode::Strict) {
    out.push_back(make_finding("SCMP-006", "seccomp",
                               "strict seccomp mode: open, openat and the keyring syscalls kill the process (SIGKILL)",
                               {}));
    return out;
  }
  if (f.dump != SeccompDump::Dumped) {
    unknown_finding(s, f, out);
    return out;
  }
  auto vs = evaluate_seccomp(f);
  for (const auto& v : vs)
    if (v.kind == Kind::Unknown) {
      // A dumped filter the kernel accepted but our checker refuses: a bug
      // of ours or a newer kernel; say unknown, never allowed.
      SeccompFacts why = f;
      why.error = make_error(0, v.why_unknown);
      unknown_finding(s, why, out);
      return out;
    }
  denied_findings(s, vs, out);
  depends_findings(vs, out);
  return out;
}

}  // namespace probe
