// The seccomp probe against real processes under filters built with
// libseccomp: the dump (ptrace), the evaluator's verdict against what each
// syscall really does, the findings, and the process left as it was.
// Needs root (CAP_SYS_ADMIN for PTRACE_SECCOMP_GET_FILTER): skips without.
#include <gtest/gtest.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>

#include "filtered_child.hpp"
#include "probe/proc_parse.hpp"
#include "probe/seccomp.hpp"
#include "scmp_profile.hpp"

namespace probe {
namespace {

using scmptest::Call;
using scmptest::Outcome;

void need_root() {
  if (geteuid() != 0) GTEST_SKIP() << "needs root (CAP_SYS_ADMIN to dump filters)";
}

// Every config syscall of every ABI the kernel here can run.
std::vector<SyscallRef> refs() {
  std::vector<SyscallRef> out;
  bool i386 = scmptest::have_i386();
  for (const auto& r : seccomp_syscalls())
    if (i386 || std::string_view(r.abi) != "i386") out.push_back(r);
  return out;
}

std::vector<Call> calls_for(const std::vector<SyscallRef>& rs) {
  std::vector<Call> c;
  for (const auto& r : rs) c.push_back(scmptest::config_call(r.name, r.abi));
  return c;
}

const std::vector<Outcome>& baseline() {
  static std::vector<Outcome> b = scmptest::run_filtered([] { return true; }, calls_for(refs()));
  return b;
}

// Filters with a default action, a native-arch allowance for the harness,
// and rules; loaded with TSYNC.
bool load(scmp_filter_ctx ctx) {
  for (int nr : {SCMP_SYS(write), SCMP_SYS(exit_group), SCMP_SYS(exit), SCMP_SYS(futex)})
    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
  seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
  int r = seccomp_load(ctx);
  seccomp_release(ctx);
  return r == 0;
}

struct FilteredRun {
  SeccompFacts facts;
  std::vector<Outcome> real;
  std::vector<SyscallRef> refs;
};

// Runs the calls under install, dumping the filters first.
FilteredRun run(const scmptest::Installer& install) {
  FilteredRun r;
  r.refs = refs();
  r.real = scmptest::run_filtered(install, calls_for(r.refs), [&](int pid) {
    r.facts = gather_seccomp_pid(pid, SeccompMode::Filter, 0);
  });
  return r;
}

SyscallVerdict verdict(const FilteredRun& r, const SyscallRef& ref) {
  return evaluate_syscall(r.facts.filters, ref, SeccompData{.nr = ref.nr, .arch = ref.arch});
}

// The evaluator agrees with the kernel for every call.
void expect_agrees(const FilteredRun& r) {
  ASSERT_EQ(r.facts.dump, SeccompDump::Dumped) << r.facts.error.message();
  for (size_t i = 0; i < r.refs.size(); ++i) {
    SyscallVerdict v = verdict(r, r.refs[i]);
    ASSERT_EQ(v.kind, SyscallVerdict::Kind::Exact) << r.refs[i].name;
    Outcome want = scmptest::expected_outcome(v, baseline()[i]);
    EXPECT_EQ(want, r.real[i]) << r.refs[i].abi << " " << r.refs[i].name << ": evaluator " << describe_verdict(v)
                               << " -> " << want.text() << ", kernel " << r.real[i].text();
  }
}

const SyscallVerdict find(const FilteredRun& r, std::string_view name, std::string_view abi = "x86_64") {
  for (const auto& ref : r.refs)
    if (ref.name == name && ref.abi == abi) return verdict(r, ref);
  return {};
}

Outcome real_of(const FilteredRun& r, std::string_view name) {
  for (size_t i = 0; i < r.refs.size(); ++i)
    if (r.refs[i].name == name && r.refs[i].abi == std::string_view("x86_64")) return r.real[i];
  return {};
}

bool has_finding(const std::vector<Finding>& fs, std::string_view id, std::string_view text = "") {
  for (const auto& f : fs)
    if (f.id == id && f.explanation.find(text) != std::string::npos) return true;
  return false;
}

Subject filtered_subject(int pid = 1234) {
  Subject s;
  s.kind = SubjectKind::Pid;
  s.pid = pid;
  s.seccomp = SeccompMode::Filter;
  s.seccomp_filters = 1;
  return s;
}

TEST(SeccompSystem, BaselineIsErrorsWithoutAFilter) {
  need_root();
  for (size_t i = 0; i < baseline().size(); ++i)
    EXPECT_EQ(baseline()[i].kind, Outcome::Kind::Returned) << refs()[i].name;
}

TEST(SeccompSystem, AllowAll) {
  need_root();
  FilteredRun r = run([] { return load(seccomp_init(SCMP_ACT_ALLOW)); });
  ASSERT_EQ(r.facts.filters.size(), 1u);
  EXPECT_EQ(find(r, "keyctl").action, SeccompAction::Allow);
  // libseccomp only adds the native arch: i386 numbers hit the bad-arch KILL.
  expect_agrees(r);
  EXPECT_TRUE(explain_seccomp(filtered_subject(), r.facts).empty());
}

scmptest::Installer deny_keyctl(uint32_t action) {
  return [action] {
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    seccomp_rule_add(ctx, action, SCMP_SYS(keyctl), 0);
    return load(ctx);
  };
}

TEST(SeccompSystem, DenyKeyctlEperm) {
  need_root();
  FilteredRun r = run(deny_keyctl(SCMP_ACT_ERRNO(EPERM)));
  EXPECT_EQ(find(r, "keyctl").err, EPERM);
  EXPECT_EQ(real_of(r, "keyctl").ret, -EPERM);
  expect_agrees(r);
  auto fs = explain_seccomp(filtered_subject(), r.facts);
  EXPECT_TRUE(has_finding(fs, "SCMP-001", "keyctl fails with EPERM under this filter")) << fs.size();
  EXPECT_TRUE(has_finding(fs, "SCMP-001", "the kernel keyring cannot hold this app's config key"));
}

TEST(SeccompSystem, DenyKeyctlEnosys) {
  need_root();
  FilteredRun r = run(deny_keyctl(SCMP_ACT_ERRNO(ENOSYS)));
  EXPECT_EQ(find(r, "keyctl").err, ENOSYS);
  EXPECT_EQ(real_of(r, "keyctl").ret, -ENOSYS);
  expect_agrees(r);
}

TEST(SeccompSystem, KillProcessAndThread) {
  need_root();
  FilteredRun r = run(deny_keyctl(SCMP_ACT_KILL_PROCESS));
  EXPECT_EQ(find(r, "keyctl").action, SeccompAction::KillProcess);
  EXPECT_EQ(real_of(r, "keyctl").kind, Outcome::Kind::ProcessKilled);
  expect_agrees(r);
  FilteredRun t = run(deny_keyctl(SCMP_ACT_KILL_THREAD));
  EXPECT_EQ(real_of(t, "keyctl").kind, Outcome::Kind::ThreadKilled);
  expect_agrees(t);
  FilteredRun trap = run(deny_keyctl(SCMP_ACT_TRAP));
  EXPECT_EQ(real_of(trap, "keyctl").kind, Outcome::Kind::Trapped);
  expect_agrees(trap);
}

TEST(SeccompSystem, ArgumentDependentRule) {
  need_root();
  // keyctl(op) fails with EPERM unless op == 0x7fff (what the harness passes).
  FilteredRun r = run([] {
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(keyctl), 1, SCMP_A0(SCMP_CMP_NE, 0x7fff));
    return load(ctx);
  });
  ASSERT_EQ(r.facts.dump, SeccompDump::Dumped);
  SyscallVerdict v = find(r, "keyctl");
  EXPECT_EQ(v.kind, SyscallVerdict::Kind::DependsOnArgs);
  EXPECT_EQ(describe_verdict(v), "depends on arguments (arg 0)");
  // With the arguments the harness really passes, the evaluator is exact.
  const SyscallRef* ref = &seccomp_syscalls()[4];
  ASSERT_STREQ(ref->name, "keyctl");
  SeccompData d{.nr = ref->nr, .arch = ref->arch, .args = {0x7fff}, .args_known = true};
  SyscallVerdict exact = evaluate_syscall(r.facts.filters, *ref, d);
  EXPECT_EQ(exact.action, SeccompAction::Allow);
  EXPECT_EQ(real_of(r, "keyctl").ret, -EOPNOTSUPP);
  auto fs = explain_seccomp(filtered_subject(), r.facts);
  EXPECT_TRUE(has_finding(fs, "SCMP-004", "keyctl: the filter's result depends on arguments (arg 0)"));
  EXPECT_FALSE(has_finding(fs, "SCMP-001"));
}

TEST(SeccompSystem, TwoStackedFiltersOfDifferentActions) {
  need_root();
  FilteredRun r = run([] {
    scmp_filter_ctx a = seccomp_init(SCMP_ACT_ALLOW);  // installed first
    seccomp_rule_add(a, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(keyctl), 0);
    seccomp_rule_add(a, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(openat), 0);
    seccomp_rule_add(a, SCMP_ACT_TRAP, SCMP_SYS(add_key), 0);
    seccomp_rule_add(a, SCMP_ACT_LOG, SCMP_SYS(read), 0);
    scmp_filter_ctx b = seccomp_init(SCMP_ACT_ALLOW);  // installed second
    seccomp_rule_add(b, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(keyctl), 0);
    seccomp_rule_add(b, SCMP_ACT_TRACE(7), SCMP_SYS(openat), 0);
    seccomp_rule_add(b, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(add_key), 0);
    seccomp_rule_add(b, SCMP_ACT_KILL_PROCESS, SCMP_SYS(request_key), 0);
    return load(a) && load(b);
  });
  ASSERT_EQ(r.facts.filters.size(), 2u);
  // filters[0] is the newest (PTRACE_SECCOMP_GET_FILTER index 0 is the oldest).
  auto has_ret = [](const BpfProgram& p, uint32_t ret) {
    return std::any_of(p.begin(), p.end(), [&](const BpfInsn& in) { return in.code == (BPF_RET | BPF_K) && in.k == ret; });
  };
  EXPECT_TRUE(has_ret(r.facts.filters[0], SECCOMP_RET_ERRNO | ENOSYS));
  EXPECT_TRUE(has_ret(r.facts.filters[1], SECCOMP_RET_ERRNO | EACCES));
  // Equal actions: the kernel keeps the first it meets, the newest filter's.
  EXPECT_EQ(find(r, "keyctl").err, ENOSYS);
  EXPECT_EQ(real_of(r, "keyctl").ret, -ENOSYS);
  EXPECT_EQ(find(r, "openat").err, EACCES);  // ERRNO beats TRACE
  EXPECT_EQ(find(r, "add_key").action, SeccompAction::Trap);  // TRAP beats ERRNO
  expect_agrees(r);
}

scmptest::Installer profile(const std::string& name) {
  return [name] {
    std::string err;
    scmp_filter_ctx ctx = scmptest::profile_to_ctx(scmptest::read_testdata(name), scmptest::docker_default_caps(), &err);
    if (ctx == nullptr) return false;
    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
    int rc = seccomp_load(ctx);
    seccomp_release(ctx);
    return rc == 0;
  };
}

TEST(SeccompSystem, DockerDefaultProfile) {
  need_root();
  if (scmptest::read_testdata("docker-default.json").empty()) GTEST_SKIP() << "no shared/testdata";
  FilteredRun r = run(profile("docker-default.json"));
  for (const char* n : {"keyctl", "add_key", "request_key"}) {
    for (const char* abi : {"x86_64", "i386", "x32"}) EXPECT_EQ(find(r, n, abi).err, EPERM) << n << " " << abi;
    EXPECT_EQ(real_of(r, n).ret, -EPERM) << n;
  }
  EXPECT_EQ(find(r, "openat").action, SeccompAction::Allow);
  expect_agrees(r);
  auto fs = explain_seccomp(filtered_subject(), r.facts);
  EXPECT_TRUE(has_finding(fs, "SCMP-001",
                          "keyctl, add_key and request_key fail with EPERM under this filter (Docker's default "
                          "profile does this): the kernel keyring cannot hold this app's config key"));
  EXPECT_FALSE(has_finding(fs, "SCMP-002"));
}

TEST(SeccompSystem, PodmanDefaultProfile) {
  need_root();
  if (scmptest::read_testdata("podman-default.json").empty()) GTEST_SKIP() << "no shared/testdata";
  FilteredRun r = run(profile("podman-default.json"));
  EXPECT_EQ(find(r, "keyctl").action, SeccompAction::Allow);
  EXPECT_EQ(real_of(r, "keyctl").ret, -EOPNOTSUPP);  // ran: our bad operation
  for (const char* n : {"add_key", "request_key"}) {
    EXPECT_EQ(find(r, n).err, ENOSYS) << n;
    EXPECT_EQ(real_of(r, n).ret, -ENOSYS) << n;
  }
  expect_agrees(r);
  auto fs = explain_seccomp(filtered_subject(), r.facts);
  EXPECT_TRUE(has_finding(fs, "SCMP-001", "add_key and request_key fail with ENOSYS under this filter (Podman's"));
}

// A raw 4096-instruction filter (BPF_MAXINSNS): 4093 loads, then the test.
TEST(SeccompSystem, MaximumLengthFilter) {
  need_root();
  static std::vector<sock_filter> prog;
  prog.assign(4093, BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0));
  prog.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 250, 0, 1));  // keyctl
  prog.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM));
  prog.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
  ASSERT_EQ(prog.size(), kBpfMaxInsns);
  FilteredRun r = run([] {
    sock_fprog fp{static_cast<unsigned short>(prog.size()), prog.data()};
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &fp) == 0;
  });
  ASSERT_EQ(r.facts.dump, SeccompDump::Dumped) << r.facts.error.message();
  ASSERT_EQ(r.facts.filters.size(), 1u);
  EXPECT_EQ(r.facts.filters[0].size(), kBpfMaxInsns);
  EXPECT_EQ(find(r, "keyctl").err, EPERM);
  expect_agrees(r);  // x32 keyctl is 250 | 0x40000000: allowed by this filter
}

// ---- bad input, and the process left as it was ----

// A filtered child that counts in a loop until killed.
struct Counter {
  pid_t pid = -1;
  std::atomic<long>* count = nullptr;
  Counter() {
    count = static_cast<std::atomic<long>*>(mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
    count->store(0);
    pid = fork();
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
      seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(keyctl), 0);
      if (seccomp_load(ctx) != 0) _exit(1);
      for (;;) {
        count->fetch_add(1);
        usleep(100);
      }
    }
    while (count->load() == 0) usleep(100);
  }
  ~Counter() {
    if (pid > 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
    munmap(count, 4096);
  }
  char state() const {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(in)), {});
    auto st = parse_stat(text);
    return st ? st->state : '?';
  }
  bool still_counting() const {
    long a = count->load();
    for (int i = 0; i < 200 && count->load() == a; ++i) usleep(1000);
    return count->load() != a;
  }
};

TEST(SeccompSystem, ProcessKeepsRunning) {
  need_root();
  Counter c;
  for (int i = 0; i < 20; ++i) {
    auto f = gather_seccomp_pid(c.pid, SeccompMode::Filter, 1);
    ASSERT_EQ(f.dump, SeccompDump::Dumped) << f.error.message();
  }
  EXPECT_TRUE(c.still_counting());
  EXPECT_NE(c.state(), 't');
  EXPECT_NE(c.state(), 'T');
  // And it can be traced again: we detached.
  EXPECT_EQ(gather_seccomp_pid(c.pid, SeccompMode::Filter, 1).dump, SeccompDump::Dumped);
}

TEST(SeccompSystem, StoppedProcessStaysStopped) {
  need_root();
  Counter c;
  kill(c.pid, SIGSTOP);
  for (int i = 0; i < 200 && c.state() != 'T'; ++i) usleep(1000);
  ASSERT_EQ(c.state(), 'T');
  auto f = gather_seccomp_pid(c.pid, SeccompMode::Filter, 1);
  EXPECT_EQ(f.dump, SeccompDump::Dumped) << f.error.message();
  usleep(20000);
  EXPECT_EQ(c.state(), 'T');  // still group-stopped, as it was
  kill(c.pid, SIGCONT);
  EXPECT_TRUE(c.still_counting());
}

// Queued real-time signals sent while we attach: a signal-delivery-stop
// met instead of our interrupt must be passed on at detach, none lost.
std::atomic<long>* g_signals = nullptr;
void count_signal(int) { g_signals->fetch_add(1); }

TEST(SeccompSystem, SignalsDuringTheDumpAreNotSwallowed) {
  need_root();
  g_signals = static_cast<std::atomic<long>*>(mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
  g_signals->store(0);
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    signal(SIGRTMIN, count_signal);
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(keyctl), 0);
    if (seccomp_load(ctx) != 0) _exit(1);
    char b = 1;
    (void)!write(p[1], &b, 1);
    for (;;) pause();
  }
  char b;
  ASSERT_EQ(read(p[0], &b, 1), 1);
  constexpr int kSent = 200;
  int dumped = 0;
  for (int i = 0; i < kSent; ++i) {
    sigqueue(pid, SIGRTMIN, sigval{i});
    dumped += gather_seccomp_pid(pid, SeccompMode::Filter, 1).dump == SeccompDump::Dumped;
  }
  for (int i = 0; i < 1000 && g_signals->load() < kSent; ++i) usleep(1000);
  EXPECT_EQ(g_signals->load(), kSent);
  EXPECT_EQ(dumped, kSent);
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  munmap(g_signals, 4096);
}

TEST(SeccompSystem, LiveSubjectOfAFilteredProcess) {
  need_root();
  Counter c;
  auto live = gather_subject(c.pid);
  ASSERT_TRUE(live.has_value()) << live.error().message();
  SeccompFacts f = gather_seccomp(*live);
  ASSERT_EQ(f.dump, SeccompDump::Dumped) << f.error.message();
  EXPECT_EQ(f.filter_count, 1);
  std::string text = render_text_seccomp(f, false);
  EXPECT_NE(text.find("  seccomp  filter (1 stacked"), std::string::npos) << text;
  EXPECT_NE(text.find("EPERM: keyctl"), std::string::npos) << text;
}

TEST(SeccompSystem, WithoutPrivilegeTheStateIsUnknown) {
  need_root();
  Counter c;
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  pid_t inspector = fork();
  if (inspector == 0) {
    if (setresuid(65534, 65534, 65534) != 0) _exit(2);
    auto f = gather_seccomp_pid(c.pid, SeccompMode::Filter, 1);
    auto fs = explain_seccomp(filtered_subject(c.pid), f);
    bool ok = f.dump == SeccompDump::NoPrivilege && f.filters.empty() && fs.size() == 1 && fs[0].id == "SCMP-003" &&
              !fs[0].fixes.empty() && fs[0].fixes[0].command == "sudo cfgprobe inspect " + std::to_string(c.pid);
    char b = ok ? 'y' : 'n';
    (void)!write(p[1], &b, 1);
    _exit(0);
  }
  close(p[1]);
  char b = 0;
  EXPECT_EQ(read(p[0], &b, 1), 1);
  EXPECT_EQ(b, 'y');
  close(p[0]);
  waitpid(inspector, nullptr, 0);
  EXPECT_TRUE(c.still_counting());
}

TEST(SeccompSystem, NoSuchProcessOrExited) {
  need_root();
  pid_t pid = fork();
  if (pid == 0) _exit(0);
  // A zombie: exited, not yet reaped.
  for (int i = 0; i < 200; ++i) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string t((std::istreambuf_iterator<char>(in)), {});
    if (t.find(") Z") != std::string::npos) break;
    usleep(1000);
  }
  EXPECT_EQ(gather_seccomp_pid(pid, SeccompMode::Filter, 1).dump, SeccompDump::Exited);
  waitpid(pid, nullptr, 0);
  EXPECT_EQ(gather_seccomp_pid(pid, SeccompMode::Filter, 1).dump, SeccompDump::Exited);
}

// Processes that exit at random moments around the dump: a clean result
// (dumped or exited), never a hang or a crash.
TEST(SeccompSystem, ExitWhileAttached) {
  need_root();
  int exited = 0, dumped = 0;
  for (int i = 0; i < 60; ++i) {
    int p[2];
    ASSERT_EQ(pipe(p), 0);
    pid_t pid = fork();
    if (pid == 0) {
      scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
      seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(keyctl), 0);
      if (seccomp_load(ctx) != 0) _exit(1);
      char b = 1;
      (void)!write(p[1], &b, 1);
      for (int k = 0; k < i * 2000; ++k) asm volatile("" ::: "memory");
      _exit(0);
    }
    close(p[1]);
    char b;
    ASSERT_EQ(read(p[0], &b, 1), 1);
    close(p[0]);
    auto f = gather_seccomp_pid(pid, SeccompMode::Filter, 1);
    EXPECT_TRUE(f.dump == SeccompDump::Dumped || f.dump == SeccompDump::Exited) << f.error.message();
    (f.dump == SeccompDump::Exited ? exited : dumped)++;
    int st = 0;
    EXPECT_EQ(waitpid(pid, &st, 0), pid);
  }
  RecordProperty("exited", exited);
  RecordProperty("dumped", dumped);
}

}  // namespace
}  // namespace probe
