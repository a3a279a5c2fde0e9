// gather for seccomp: the subject's stacked filters, read with ptrace
// without disturbing it. The only seccomp code that touches the system.
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/ptrace.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "probe/proc_parse.hpp"
#include "probe/seccomp.hpp"
#include "sysio.hpp"

namespace probe {
namespace {

constexpr int kSysAdmin = 21;            // linux/capability.h CAP_SYS_ADMIN
constexpr unsigned long kMaxFilters = 1U << 15;  // kernel/seccomp.c MAX_INSNS_PER_PATH / 1

long sys_ptrace(long req, int pid, unsigned long addr, void* data) {
  return ::syscall(SYS_ptrace, req, pid, addr, data);
}

bool inspector_has_sys_admin() {
  __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  if (::syscall(SYS_capget, &hdr, data) != 0) return false;
  return (data[0].effective >> kSysAdmin) & 1U;
}

SeccompFacts with_state(SeccompFacts f, SeccompDump d, int code, std::string context) {
  f.dump = d;
  f.filters.clear();
  f.error = make_error(code, std::move(context));
  return f;
}

// The caller's own child (tests, a supervisor): its exit status belongs to
// the caller, so an exit seen while attached is left unreaped for it.
bool is_own_child(int pid) {
  siginfo_t si{};
  return ::waitid(P_PID, static_cast<id_t>(pid), &si, WEXITED | WNOHANG | WNOWAIT) == 0;
}

// Waits for the stop PTRACE_INTERRUPT asked for. Returns the signal to pass
// on at detach (a signal-delivery-stop met first must not be swallowed), or
// -1 when the process exited meanwhile. Peeks first (WNOWAIT) so that an
// exit of our own child is not consumed; a stop, or the tracer's copy of a
// stranger's exit, is.
int wait_for_stop(int pid, bool own_child) {
  for (;;) {
    siginfo_t si{};
    if (::waitid(P_PID, static_cast<id_t>(pid), &si, WEXITED | WSTOPPED | __WALL | WNOWAIT) != 0) {
      if (errno == EINTR) continue;  // a signal of ours: wait again
      return -1;
    }
    bool exited = si.si_code == CLD_EXITED || si.si_code == CLD_KILLED || si.si_code == CLD_DUMPED;
    int st = 0;
    if (!(exited && own_child))
      while (::waitpid(pid, &st, __WALL) < 0 && errno == EINTR) {
      }
    if (exited) return -1;
    if (si.si_code != CLD_TRAPPED) continue;
    // PTRACE_EVENT_STOP: our interrupt or a group-stop (SEIZE semantics,
    // ptrace(2) "Group-stop"); nothing to pass on. Event 0: a signal arrived.
    return (st >> 16) == 0 ? WSTOPSIG(st) : 0;
  }
}

// After a failed ptrace request on a stopped tracee: ESRCH means it died.
// Collects the tracer's copy of its exit so the real parent can see it.
void reap_if_gone(int pid, bool own_child) {
  if (own_child) return;
  int st = 0;
  while (::waitpid(pid, &st, __WALL) < 0 && errno == EINTR) {
  }
}

// Reads filter by index until ENOENT. index 0 is the *oldest* filter
// (kernel/seccomp.c: get_nth_filter counts back from the newest by
// count - index - 1; the man page's wording differs, the kernel decides).
Result<std::vector<BpfProgram>> dump_filters(int pid) {
  std::vector<sock_filter> buf(kBpfMaxInsns);
  std::vector<BpfProgram> out;
  for (unsigned long i = 0; i < kMaxFilters; ++i) {
    long n = sys_ptrace(PTRACE_SECCOMP_GET_FILTER, pid, i, buf.data());
    if (n < 0 && errno == ENOENT && i > 0) break;
    if (n < 0) return errno_error("PTRACE_SECCOMP_GET_FILTER " + std::to_string(i));
    BpfProgram p;
    p.reserve(static_cast<size_t>(n));
    for (long j = 0; j < n && j < static_cast<long>(buf.size()); ++j)
      p.push_back({buf[j].code, buf[j].jt, buf[j].jf, buf[j].k});
    out.push_back(std::move(p));
  }
  std::reverse(out.begin(), out.end());  // evaluation order: newest first
  return out;
}

SeccompFacts dump_failed(SeccompFacts f, const Error& e) {
  if (e.code == ESRCH) return with_state(std::move(f), SeccompDump::Exited, ESRCH, "the process exited during the dump");
  if (e.code == EACCES || e.code == EPERM) return with_state(std::move(f), SeccompDump::NoPrivilege, e.code, e.context);
  return with_state(std::move(f), SeccompDump::Failed, e.code, e.context);
}

// A zombie cannot be attached (EPERM, kernel/ptrace.c: ptrace_attach), so
// that EPERM means "exited", not "no privilege".
bool process_gone(int pid) {
  auto text = sysio::read_at(AT_FDCWD, "/proc/" + std::to_string(pid) + "/stat");
  if (!text) return true;
  auto st = parse_stat(*text);
  return st && (st->state == 'Z' || st->state == 'X');
}

// SEIZE (no SIGSTOP), INTERRUPT, wait, dump, DETACH: the process runs on.
SeccompFacts attach_and_dump(SeccompFacts f, int pid) {
  bool own = is_own_child(pid);
  if (sys_ptrace(PTRACE_SEIZE, pid, 0, nullptr) != 0) {
    Error e = errno_error("PTRACE_SEIZE");
    if (process_gone(pid)) e.code = ESRCH;
    return dump_failed(std::move(f), e);
  }
  if (sys_ptrace(PTRACE_INTERRUPT, pid, 0, nullptr) != 0) {
    Error e = errno_error("PTRACE_INTERRUPT");
    // After a good SEIZE only ESRCH is possible: it exited; collect that.
    if (e.code == ESRCH) reap_if_gone(pid, own);
    return dump_failed(std::move(f), e);
  }
  int sig = wait_for_stop(pid, own);
  if (sig < 0) return dump_failed(std::move(f), make_error(ESRCH, ""));
  auto filters = dump_filters(pid);
  if (sys_ptrace(PTRACE_DETACH, pid, 0, reinterpret_cast<void*>(static_cast<long>(sig))) != 0 && errno == ESRCH) {
    reap_if_gone(pid, own);
    return dump_failed(std::move(f), make_error(ESRCH, ""));
  }
  if (!filters) return dump_failed(std::move(f), filters.error());
  f.filters = std::move(*filters);
  f.dump = SeccompDump::Dumped;
  return f;
}

}  // namespace

SeccompFacts gather_seccomp_pid(int pid, SeccompMode mode, int filter_count) {
  SeccompFacts f;
  f.mode = mode;
  f.filter_count = filter_count;
  f.pid = pid;
  if (mode == SeccompMode::Disabled || mode == SeccompMode::Strict) return f;
  if (mode == SeccompMode::Unknown)
    return with_state(std::move(f), SeccompDump::Failed, 0, "the seccomp mode could not be read");
  // kernel/seccomp.c: get_nth_filter() refuses a caller without
  // CAP_SYS_ADMIN or one that is itself under seccomp.
  if (::prctl(PR_GET_SECCOMP, 0, 0, 0, 0) != 0)
    return with_state(std::move(f), SeccompDump::InspectorFiltered, EACCES, "cfgprobe itself runs under seccomp");
  if (!inspector_has_sys_admin())
    return with_state(std::move(f), SeccompDump::NoPrivilege, EPERM, "reading a seccomp filter needs CAP_SYS_ADMIN");
  if (pid == ::getpid())
    return with_state(std::move(f), SeccompDump::Failed, EINVAL, "a process cannot dump its own filters");
  return attach_and_dump(std::move(f), pid);
}

SeccompFacts gather_seccomp(const LiveSubject& live) {
  const Subject& s = live.subject;
  if (!s.pid) return SeccompFacts{.mode = SeccompMode::Disabled};
  SeccompFacts f = gather_seccomp_pid(*s.pid, s.seccomp, s.seccomp_filters);
  // The pid could have been reused between gather_subject and the seize.
  if (f.dump == SeccompDump::Dumped && !live.still_same())
    return with_state(std::move(f), SeccompDump::Exited, ESRCH, "the process exited during the dump");
  return f;
}

}  // namespace probe
