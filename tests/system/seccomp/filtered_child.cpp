#include "filtered_child.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

#include "probe/seccomp.hpp"

namespace scmptest {
namespace {

constexpr size_t kMaxCalls = 256;

struct Shared {
  std::atomic<int> go, all_done, trapped, cur;
  int ctid;  // cleared by the kernel when the worker exits (CLONE_CHILD_CLEARTID)
  long ret[kMaxCalls];
  int done[kMaxCalls];
  int trap_errno;
  int start, count;
  Call calls[kMaxCalls];
};

Shared* g_shared = nullptr;

long do_call(const Call& c) {
  long ret;
  if (c.i386) {
    // int $0x80 takes ebx, ecx, edx, esi, edi (5 args are all we use).
    asm volatile("int $0x80"
                 : "=a"(ret)
                 : "a"(c.nr), "b"(c.args[0]), "c"(c.args[1]), "d"(c.args[2]), "S"(c.args[3]), "D"(c.args[4])
                 : "memory", "r8", "r9", "r10", "r11");
    return static_cast<int>(ret);  // 32-bit result
  }
  register uint64_t r10 asm("r10") = c.args[3];
  register uint64_t r8 asm("r8") = c.args[4];
  register uint64_t r9 asm("r9") = c.args[5];
  asm volatile("syscall"
               : "=a"(ret)
               : "a"(c.nr), "D"(c.args[0]), "S"(c.args[1]), "d"(c.args[2]), "r"(r10), "r"(r8), "r"(r9)
               : "rcx", "r11", "memory");
  return ret;
}

long futex(int* addr, int op, int val) { return ::syscall(SYS_futex, addr, op, val, nullptr, nullptr, 0); }

// Shared (not PRIVATE) futexes: the parent wakes the child's worker through
// the MAP_SHARED page, and CLONE_CHILD_CLEARTID wakes the child's main.
void wait_while(std::atomic<int>& word, int val) {
  while (word.load() == val) futex(reinterpret_cast<int*>(&word), FUTEX_WAIT, val);
}

[[noreturn]] void exit_thread() {
  for (;;) ::syscall(SYS_exit, 0);
}

void on_sigsys(int, siginfo_t* si, void*) {
  g_shared->trap_errno = si->si_errno;
  g_shared->trapped.store(1);
  exit_thread();  // returning would need rt_sigreturn
}

int worker(void*) {
  Shared& s = *g_shared;
  wait_while(s.go, 0);
  for (int i = s.start; i < s.count; ++i) {
    s.cur.store(i);
    s.ret[i] = do_call(s.calls[i]);
    s.done[i] = 1;
  }
  s.all_done.store(1);
  exit_thread();
}

[[noreturn]] void exit_group(int code) {
  ::syscall(SYS_exit_group, code);
  __builtin_unreachable();
}

// In the child: worker thread, SIGSYS handler, filters, ready byte, then
// wait for the worker to end: done (0), trapped (3) or killed (2).
[[noreturn]] void child_main(const Installer& install, int ready_fd) {
  prctl(PR_SET_DUMPABLE, 0);  // no core files from KILL_PROCESS
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  struct sigaction sa{};
  sa.sa_sigaction = on_sigsys;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGSYS, &sa, nullptr);
  static char stack[64 * 1024] __attribute__((aligned(16)));
  int* ctid = &g_shared->ctid;
  *ctid = 1;
  int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |
              CLONE_CHILD_CLEARTID;
  if (clone(worker, stack + sizeof stack, flags, nullptr, nullptr, nullptr, ctid) < 0) exit_group(90);
  if (!install()) exit_group(91);
  char c = 1;
  if (::write(ready_fd, &c, 1) != 1) exit_group(92);
  for (int v; (v = __atomic_load_n(ctid, __ATOMIC_SEQ_CST)) != 0;) futex(ctid, FUTEX_WAIT, v);
  if (g_shared->all_done.load()) exit_group(0);
  exit_group(g_shared->trapped.load() ? 3 : 2);
}

// One child from s.start; returns its wait status.
int run_once(const Installer& install, const Inspector& inspect) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return -1;
  pid_t pid = fork();
  if (pid == 0) {
    close(p[0]);
    child_main(install, p[1]);
  }
  close(p[1]);
  // A child whose main thread died (killed by a filter) keeps the pipe
  // open through its worker: wait a while, not forever.
  pollfd pfd{p[0], POLLIN, 0};
  char c;
  bool ready = poll(&pfd, 1, 10000) == 1 && read(p[0], &c, 1) == 1;
  close(p[0]);
  if (!ready) kill(pid, SIGKILL);
  if (ready && inspect) inspect(pid);
  g_shared->go.store(1);
  futex(reinterpret_cast<int*>(&g_shared->go), FUTEX_WAKE, 1);
  int st = 0;
  while (waitpid(pid, &st, __WALL) < 0 && errno == EINTR) {
  }
  return ready ? st : -1;
}

}  // namespace

std::string Outcome::text() const {
  switch (kind) {
    case Kind::Returned: return ret < 0 ? "-" + probe::errno_name(static_cast<int>(-ret)) : "ret " + std::to_string(ret);
    case Kind::Trapped: return "SIGSYS trap, si_errno " + std::to_string(trap_errno);
    case Kind::ThreadKilled: return "thread killed";
    case Kind::ProcessKilled: return "process killed";
    case Kind::Broken: return "harness broken";
  }
  return "?";
}

std::vector<Outcome> run_filtered(const Installer& install, const std::vector<Call>& calls, const Inspector& inspect) {
  if (g_shared == nullptr)
    g_shared = static_cast<Shared*>(mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
  std::vector<Outcome> out(calls.size());
  Shared& s = *g_shared;
  std::copy(calls.begin(), calls.end(), s.calls);
  s.count = static_cast<int>(std::min(calls.size(), kMaxCalls));
  for (int start = 0; start < s.count;) {
    s.go = 0, s.all_done = 0, s.trapped = 0, s.cur = start, s.start = start;
    std::memset(s.done, 0, sizeof s.done);
    int st = run_once(install, start == 0 ? inspect : Inspector{});
    for (int i = start; i < s.count; ++i)
      if (s.done[i]) out[i] = {Outcome::Kind::Returned, s.ret[i], 0};
    if (st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0) break;
    int cur = s.cur.load();
    if (st < 0 || s.done[cur]) return out;  // the harness itself failed: Broken from here
    if (WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS) out[cur] = {Outcome::Kind::ProcessKilled, 0, 0};
    else if (WIFEXITED(st) && WEXITSTATUS(st) == 3) out[cur] = {Outcome::Kind::Trapped, 0, s.trap_errno};
    else if (WIFEXITED(st) && WEXITSTATUS(st) == 2) out[cur] = {Outcome::Kind::ThreadKilled, 0, 0};
    else return out;
    start = cur + 1;
  }
  return out;
}

Outcome expected_outcome(const probe::SyscallVerdict& v, const Outcome& baseline) {
  using A = probe::SeccompAction;
  switch (v.action) {
    case A::Allow: case A::Log: return baseline;
    case A::Errno: case A::Trace: case A::UserNotif: return {Outcome::Kind::Returned, -static_cast<long>(v.err), 0};
    case A::Trap: return {Outcome::Kind::Trapped, 0, static_cast<int>(v.ret & 0xffff)};
    case A::KillThread: return {Outcome::Kind::ThreadKilled, 0, 0};
    case A::KillProcess: return {Outcome::Kind::ProcessKilled, 0, 0};
  }
  return {};
}

bool have_i386() {
  Call c{.i386 = true, .nr = 20};  // getpid
  return do_call(c) == getpid();
}

Call config_call(const std::string& name, const std::string& abi) {
  const probe::SyscallRef* ref = nullptr;
  for (const auto& r : probe::seccomp_syscalls())
    if (name == r.name && abi == r.abi) ref = &r;
  Call c{.i386 = abi == "i386", .nr = ref ? ref->nr : -1};
  uint64_t bad_fd = abi == "i386" ? 0xffffffffULL : ~0ULL;
  uint64_t at_fdcwd = abi == "i386" ? 0xffffff9cULL : static_cast<uint64_t>(-100LL);
  if (name == "read" || name == "inotify_add_watch") c.args[0] = bad_fd;  // EBADF
  if (name == "openat" || name == "openat2") c.args[0] = at_fdcwd;      // NULL path: EFAULT / EINVAL
  if (name == "keyctl") c.args[0] = 0x7fff;                              // EOPNOTSUPP
  if (name == "inotify_init1") c.args[0] = 0xffffffffULL;                // EINVAL
  return c;
}

}  // namespace scmptest
