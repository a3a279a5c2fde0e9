// The seccomp probe: dump the subject's stacked filters (gather, needs
// CAP_SYS_ADMIN), evaluate their classic BPF for the syscalls a config or
// secret read needs (pure), and say which of them fail and how.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "probe/finding.hpp"
#include "probe/result.hpp"
#include "probe/subject.hpp"

namespace probe {

// include/uapi/linux/audit.h
inline constexpr uint32_t kAuditArchX86_64 = 0xC000003E;
inline constexpr uint32_t kAuditArchI386 = 0x40000003;
// arch/x86/include/uapi/asm/unistd.h: x32 syscalls are x86_64 ones with it.
inline constexpr uint32_t kX32SyscallBit = 0x40000000;
// include/uapi/linux/bpf_common.h
inline constexpr size_t kBpfMaxInsns = 4096;

// struct sock_filter (include/uapi/linux/filter.h).
struct BpfInsn {
  uint16_t code = 0;
  uint8_t jt = 0, jf = 0;
  uint32_t k = 0;
  bool operator==(const BpfInsn&) const = default;
};
using BpfProgram = std::vector<BpfInsn>;

// How far gather got. Only Dumped and NotFiltered say what the filters do.
enum class SeccompDump {
  NotFiltered,        // mode disabled or strict: no filter to dump
  Dumped,             // every filter read
  NoPrivilege,        // the inspector lacks CAP_SYS_ADMIN (or ptrace access)
  InspectorFiltered,  // the inspector runs under seccomp itself: the kernel refuses
  Exited,             // the subject exited during the dump (ESRCH)
  Failed,             // anything else; see error
};

struct SeccompFacts {
  SeccompMode mode = SeccompMode::Unknown;  // /proc/PID/status Seccomp
  int filter_count = 0;                     // /proc/PID/status Seccomp_filters
  std::optional<int> pid;                   // for the "what to run" hint
  SeccompDump dump = SeccompDump::NotFiltered;
  Error error;  // why not Dumped: errno and what we were doing
  // In the order the kernel runs them: the most recently installed first
  // (kernel/seccomp.c: seccomp_run_filters walks f->prev).
  std::vector<BpfProgram> filters;
};

// gather: never fails hard; an unknown state is a fact. Attaches with
// PTRACE_SEIZE + PTRACE_INTERRUPT, reads each filter with
// PTRACE_SECCOMP_GET_FILTER and detaches; the subject keeps running (a
// process that was stopped stays stopped, a pending signal is passed on).
SeccompFacts gather_seccomp(const LiveSubject& live);
// The same for a bare pid whose mode is already known (tests, benchmarks).
SeccompFacts gather_seccomp_pid(int pid, SeccompMode mode, int filter_count);

// ---- the evaluator (pure) ----

// struct seccomp_data (include/uapi/linux/seccomp.h).
struct SeccompData {
  int32_t nr = 0;
  uint32_t arch = kAuditArchX86_64;
  uint64_t instruction_pointer = 0;
  uint64_t args[6] = {};
  // false: args and the instruction pointer are unknown, and a filter that
  // branches on them gives every result it can reach.
  bool args_known = false;
};

// Mirrors bpf_check_classic() (net/core/filter.c) and seccomp_check_filter()
// (kernel/seccomp.c): what the kernel would refuse to load is EINVAL, with
// the instruction index in the context.
Result<void> check_seccomp_bpf(std::span<const BpfInsn> prog);

// What one filter can return for one seccomp_data.
struct BpfOutcome {
  std::vector<uint32_t> rets;  // every reachable SECCOMP_RET_* value, sorted
  uint8_t depends = 0;         // bits 0-5: args[N] decided a branch; bit 6: the IP
  bool ret_unknown = false;    // a RET A of a value derived from unknown args
  bool incomplete = false;     // the path budget ran out
};
inline constexpr uint8_t kDependsOnIp = 1U << 6;

// Runs a program check_seccomp_bpf() accepted. Jumps only go forward, so
// each path ends within prog.size() steps; branches on unknown args fork,
// within a fixed budget. Never crashes on an unchecked program either: a bad
// jump or a missing RET makes an empty outcome.
BpfOutcome run_seccomp_bpf(std::span<const BpfInsn> prog, const SeccompData& d);

enum class SeccompAction { KillProcess, KillThread, Trap, Errno, UserNotif, Trace, Log, Allow };
const char* seccomp_action_name(SeccompAction a);  // "KILL_PROCESS", ..., "ALLOW"
// include/uapi/linux/seccomp.h SECCOMP_RET_* -> action; an unknown action
// value is KILL_PROCESS (kernel/seccomp.c: __seccomp_filter, default case).
SeccompAction seccomp_action_of(uint32_t ret);
// kernel/seccomp.c: seccomp_run_filters keeps the return whose
// ACTION_ONLY() (signed) is lowest; on a tie the one met first, i.e. of the
// more recently installed filter. rets: in evaluation order.
uint32_t combine_seccomp_rets(std::span<const uint32_t> rets);

// A syscall the probe asks about, as one ABI numbers it.
struct SyscallRef {
  const char* name;  // "keyctl"
  const char* abi;   // "x86_64", "i386", "x32"
  uint32_t arch;
  int32_t nr;        // with kX32SyscallBit for x32
};
// open, openat, openat2, read, keyctl, add_key, request_key, inotify_init1,
// inotify_add_watch for x86_64, then i386, then x32.
std::span<const SyscallRef> seccomp_syscalls();

// The combined verdict of every filter for one syscall.
struct SyscallVerdict {
  SyscallRef sys;
  enum class Kind { Exact, DependsOnArgs, Unknown } kind = Kind::Unknown;
  uint32_t ret = 0;            // the combined SECCOMP_RET_* value (Exact)
  SeccompAction action = SeccompAction::Allow;
  int err = 0;                 // what the syscall returns: ERRNO data (capped
                               // at 4095), ENOSYS for TRACE/USER_NOTIF
                               // without a tracer/listener, 0 otherwise
  uint8_t depends = 0;         // as BpfOutcome::depends
  std::vector<uint32_t> possible;  // combined rets that can happen (DependsOnArgs)
  std::string why_unknown;     // Unknown: the state was not readable, or a
                               // filter was invalid
};

// Every filter, for one seccomp_data (args_known decides concrete or not).
SyscallVerdict evaluate_syscall(std::span<const BpfProgram> filters, const SyscallRef& sys, const SeccompData& d);
// For seccomp_syscalls(), with unknown args. Empty when mode is Disabled.
std::vector<SyscallVerdict> evaluate_seccomp(const SeccompFacts& f);

// "EPERM", "ENOSYS", "KILL_PROCESS (SIGSYS)", "allowed", "depends on arguments (arg 0, arg 2)".
std::string describe_verdict(const SyscallVerdict& v);

// explain: SCMP-001.. findings about the subject (target -1).
std::vector<Finding> explain_seccomp(const Subject& s, const SeccompFacts& f);

// render: lines for the subject block, each "  ..." and "\n"-terminated.
std::string render_text_seccomp(const SeccompFacts& f, bool color);

}  // namespace probe
