// The seccomp evaluator and findings, pure: hand-written BPF, libseccomp's
// exported BPF (no kernel involved), the Docker and Podman profiles.
#include <gtest/gtest.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>

#include "probe/seccomp.hpp"
#include "scmp_profile.hpp"
#include "seccomp_json.hpp"

namespace probe {
namespace {

BpfInsn stmt(uint16_t code, uint32_t k) { return {code, 0, 0, k}; }
BpfInsn jump(uint16_t code, uint32_t k, uint8_t jt, uint8_t jf) { return {code, jt, jf, k}; }

constexpr uint16_t kLdAbs = BPF_LD | BPF_W | BPF_ABS, kRetK = BPF_RET | BPF_K, kJeq = BPF_JMP | BPF_JEQ | BPF_K;

// nr == which ? ret : ALLOW
BpfProgram deny(int32_t which, uint32_t ret) {
  return {stmt(kLdAbs, 0), jump(kJeq, static_cast<uint32_t>(which), 0, 1), stmt(kRetK, ret),
          stmt(kRetK, SECCOMP_RET_ALLOW)};
}

const SyscallRef& ref(std::string_view name, std::string_view abi = "x86_64") {
  for (const auto& r : seccomp_syscalls())
    if (r.name == name && r.abi == abi) return r;
  static SyscallRef none{"?", "?", 0, -1};
  return none;
}

SyscallVerdict eval(const std::vector<BpfProgram>& fs, std::string_view name, std::string_view abi = "x86_64") {
  const SyscallRef& r = ref(name, abi);
  return evaluate_syscall(fs, r, SeccompData{.nr = r.nr, .arch = r.arch});
}

SeccompFacts dumped(std::vector<BpfProgram> fs) {
  return SeccompFacts{.mode = SeccompMode::Filter, .filter_count = static_cast<int>(fs.size()), .pid = 42,
                      .dump = SeccompDump::Dumped, .filters = std::move(fs)};
}

Subject subject() {
  Subject s;
  s.kind = SubjectKind::Pid;
  s.pid = 42;
  s.seccomp = SeccompMode::Filter;
  return s;
}

// ---- the kernel's load-time checks ----

TEST(SeccompCheck, AcceptsASimpleFilter) { EXPECT_TRUE(check_seccomp_bpf(deny(250, SECCOMP_RET_ERRNO | 1)).has_value()); }

TEST(SeccompCheck, RejectsWhatTheKernelRejects) {
  auto bad = [](BpfProgram p) { return check_seccomp_bpf(p).has_value() ? 0 : check_seccomp_bpf(p).error().code; };
  EXPECT_EQ(bad({}), EINVAL);
  EXPECT_EQ(bad(BpfProgram(kBpfMaxInsns + 1, stmt(kRetK, 0))), EINVAL);
  EXPECT_EQ(bad({stmt(kLdAbs, 0)}), EINVAL);                                    // no RET at the end
  EXPECT_EQ(bad({stmt(kLdAbs, 2), stmt(kRetK, 0)}), EINVAL);                    // unaligned
  EXPECT_EQ(bad({stmt(kLdAbs, 64), stmt(kRetK, 0)}), EINVAL);                   // past seccomp_data
  EXPECT_EQ(bad({stmt(BPF_LD | BPF_B | BPF_ABS, 0), stmt(kRetK, 0)}), EINVAL);  // byte load: not seccomp
  EXPECT_EQ(bad({stmt(BPF_ALU | BPF_MOD | BPF_K, 3), stmt(kRetK, 0)}), EINVAL); // MOD: not in seccomp's list
  EXPECT_EQ(bad({stmt(BPF_RET | BPF_X, 0)}), EINVAL);
  EXPECT_EQ(bad({stmt(BPF_ALU | BPF_DIV | BPF_K, 0), stmt(kRetK, 0)}), EINVAL);
  EXPECT_EQ(bad({stmt(BPF_ALU | BPF_LSH | BPF_K, 32), stmt(kRetK, 0)}), EINVAL);
  EXPECT_EQ(bad({jump(kJeq, 0, 1, 0), stmt(kRetK, 0)}), EINVAL);               // jt past the end
  EXPECT_EQ(bad({stmt(BPF_JMP | BPF_JA, 1), stmt(kRetK, 0)}), EINVAL);
  EXPECT_EQ(bad({stmt(BPF_LD | BPF_MEM, 16), stmt(kRetK, 0)}), EINVAL);
  EXPECT_EQ(bad({stmt(BPF_LD | BPF_MEM, 3), stmt(kRetK, 0)}), EINVAL);          // never stored
  // Stored on one path only: still a read of unwritten memory.
  EXPECT_EQ(bad({jump(kJeq, 0, 0, 1), stmt(BPF_ST, 3), stmt(BPF_LD | BPF_MEM, 3), stmt(kRetK, 0)}), EINVAL);
  EXPECT_EQ(bad({stmt(BPF_ST, 3), stmt(BPF_LD | BPF_MEM, 3), stmt(BPF_RET | BPF_A, 0)}), 0);
}

TEST(SeccompCheck, MaximumLength) {
  BpfProgram p(kBpfMaxInsns - 1, stmt(kLdAbs, 0));
  p.push_back(stmt(kRetK, SECCOMP_RET_ERRNO | EPERM));
  EXPECT_TRUE(check_seccomp_bpf(p).has_value());
  EXPECT_EQ(eval({p}, "keyctl").err, EPERM);
}

// ---- the interpreter ----

TEST(SeccompRun, AluScratchAndLen) {
  // A = nr; A = A * 2 + 6; mem[1] = A; X = 64 (LEN); A = X; A = mem[1]; ret A
  BpfProgram p{stmt(kLdAbs, 0), stmt(BPF_ALU | BPF_MUL | BPF_K, 2), stmt(BPF_ALU | BPF_ADD | BPF_K, 6),
               stmt(BPF_ST, 1), stmt(BPF_LDX | BPF_W | BPF_LEN, 0), stmt(BPF_MISC | BPF_TXA, 0),
               stmt(BPF_LD | BPF_MEM, 1), stmt(BPF_ALU | BPF_OR | BPF_K, SECCOMP_RET_ERRNO), stmt(BPF_RET | BPF_A, 0)};
  ASSERT_TRUE(check_seccomp_bpf(p).has_value());
  auto o = run_seccomp_bpf(p, SeccompData{.nr = 10});
  ASSERT_EQ(o.rets.size(), 1u);
  EXPECT_EQ(o.rets[0], SECCOMP_RET_ERRNO | 26);
}

TEST(SeccompRun, DivisionByZeroXReturnsKillThread) {
  BpfProgram p{stmt(BPF_LD | BPF_IMM, 5), stmt(BPF_LDX | BPF_IMM, 0), stmt(BPF_ALU | BPF_DIV | BPF_X, 0),
               stmt(kRetK, SECCOMP_RET_ALLOW)};
  auto o = run_seccomp_bpf(p, {});
  ASSERT_EQ(o.rets.size(), 1u);
  EXPECT_EQ(o.rets[0], SECCOMP_RET_KILL_THREAD);
}

TEST(SeccompRun, UncheckedProgramsNeverCrash) {
  EXPECT_TRUE(run_seccomp_bpf(BpfProgram{}, {}).rets.empty());
  EXPECT_TRUE(run_seccomp_bpf(BpfProgram{jump(kJeq, 0, 200, 200)}, {}).rets.empty());
  EXPECT_TRUE(run_seccomp_bpf(BpfProgram{stmt(BPF_JMP | BPF_JA, 0xffffffff)}, {}).rets.empty());
  EXPECT_TRUE(run_seccomp_bpf(BpfProgram{stmt(kLdAbs, 4096), stmt(kRetK, 0)}, {}).rets.empty());
  EXPECT_TRUE(run_seccomp_bpf(BpfProgram{stmt(BPF_LD | BPF_MEM, 99), stmt(kRetK, 0)}, {}).rets.empty());
}

// A branch on each of 12 argument halves: 4096 paths, all to the same RET.
TEST(SeccompRun, ManyArgumentBranchesStayBounded) {
  BpfProgram p;
  for (uint32_t i = 0; i < 12; ++i) {
    p.push_back(stmt(kLdAbs, 16 + 4 * i));
    p.push_back(jump(kJeq, 7, 0, 0));
  }
  for (int i = 0; i < 4000; ++i) {
    p.push_back(stmt(kLdAbs, 24));
    p.push_back(jump(kJeq, 1, 0, 1));
  }
  p.resize(kBpfMaxInsns - 1);
  p.push_back(stmt(kRetK, SECCOMP_RET_ALLOW));
  ASSERT_TRUE(check_seccomp_bpf(p).has_value()) << check_seccomp_bpf(p).error().message();
  auto o = run_seccomp_bpf(p, {});
  EXPECT_TRUE(o.incomplete || o.rets == std::vector<uint32_t>{SECCOMP_RET_ALLOW});
}

TEST(SeccompRun, ArgumentsMakeItDepend) {
  // keyctl: ERRNO(EPERM) unless args[1] (low half) == 3
  BpfProgram p{stmt(kLdAbs, 0), jump(kJeq, 250, 0, 3), stmt(kLdAbs, 24), jump(kJeq, 3, 1, 0),
               stmt(kRetK, SECCOMP_RET_ERRNO | EPERM), stmt(kRetK, SECCOMP_RET_ALLOW)};
  auto v = eval({p}, "keyctl");
  EXPECT_EQ(v.kind, SyscallVerdict::Kind::DependsOnArgs);
  EXPECT_EQ(v.depends, 1U << 1);
  EXPECT_EQ(describe_verdict(v), "depends on arguments (arg 1)");
  EXPECT_EQ(v.possible.size(), 2u);
  EXPECT_EQ(eval({p}, "add_key").kind, SyscallVerdict::Kind::Exact);
  SeccompData d{.nr = 250, .args = {0, 3}, .args_known = true};
  std::vector<BpfProgram> one{p};
  EXPECT_EQ(evaluate_syscall(one, ref("keyctl"), d).action, SeccompAction::Allow);
  // Another filter that kills it anyway: exact again.
  EXPECT_EQ(eval({p, deny(250, SECCOMP_RET_KILL_PROCESS)}, "keyctl").kind, SyscallVerdict::Kind::Exact);
}

// ---- stacked filters: kernel/seccomp.c seccomp_run_filters ----

TEST(SeccompCombine, PrecedenceOrder) {
  const uint32_t order[] = {SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_KILL_THREAD, SECCOMP_RET_TRAP, SECCOMP_RET_ERRNO,
                            SECCOMP_RET_USER_NOTIF, SECCOMP_RET_TRACE, SECCOMP_RET_LOG, SECCOMP_RET_ALLOW};
  for (size_t i = 0; i < 8; ++i)
    for (size_t j = i; j < 8; ++j) {
      uint32_t ab[] = {order[i], order[j]}, ba[] = {order[j], order[i]};
      EXPECT_EQ(combine_seccomp_rets(ab), order[i]);
      EXPECT_EQ(combine_seccomp_rets(ba), order[i]);
    }
}

TEST(SeccompCombine, EqualActionsTheNewestWins) {
  std::vector<BpfProgram> fs{deny(250, SECCOMP_RET_ERRNO | ENOSYS), deny(250, SECCOMP_RET_ERRNO | EPERM)};
  EXPECT_EQ(eval(fs, "keyctl").err, ENOSYS);  // fs[0] is the most recently installed
}

TEST(SeccompCombine, ErrnoIsCappedAndUnknownActionsKill) {
  EXPECT_EQ(eval({deny(250, SECCOMP_RET_ERRNO | 0xffff)}, "keyctl").err, 4095);
  EXPECT_EQ(eval({deny(250, SECCOMP_RET_ERRNO)}, "keyctl").err, 0);
  EXPECT_EQ(describe_verdict(eval({deny(250, SECCOMP_RET_ERRNO)}, "keyctl")), "returns 0 without running");
  auto v = eval({deny(250, 0x00010000)}, "keyctl");
  EXPECT_EQ(v.action, SeccompAction::KillProcess);
  // ...but it ranks by its value: below KILL_THREAD, above TRAP.
  EXPECT_EQ(eval({deny(250, 0x00010000), deny(250, SECCOMP_RET_TRAP)}, "keyctl").ret, 0x00010000u);
  EXPECT_EQ(eval({deny(250, SECCOMP_RET_TRACE)}, "keyctl").err, ENOSYS);
  EXPECT_EQ(eval({deny(250, SECCOMP_RET_USER_NOTIF)}, "keyctl").err, ENOSYS);
}

// ---- libseccomp's own BPF, and the container profiles ----

BpfProgram from_profile(const std::string& name) {
  std::string err, text = scmptest::read_testdata(name);
  if (text.empty()) return {};
  scmp_filter_ctx ctx = scmptest::profile_to_ctx(text, scmptest::docker_default_caps(), &err);
  BpfProgram p = ctx ? scmptest::export_bpf(ctx) : BpfProgram{};
  if (ctx) seccomp_release(ctx);
  return p;
}

TEST(SeccompProfiles, DockerDeniesTheKeyringWithEperm) {
  BpfProgram p = from_profile("docker-default.json");
  if (p.empty()) GTEST_SKIP() << "no shared/testdata/seccomp";
  ASSERT_TRUE(check_seccomp_bpf(p).has_value());
  for (const char* abi : {"x86_64", "i386", "x32"})
    for (const char* n : {"keyctl", "add_key", "request_key"}) EXPECT_EQ(eval({p}, n, abi).err, EPERM) << abi << n;
  for (const char* n : {"open", "openat", "openat2", "read", "inotify_init1", "inotify_add_watch"})
    EXPECT_EQ(eval({p}, n).action, SeccompAction::Allow) << n;
  auto fs = explain_seccomp(subject(), dumped({p}));
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].id, "SCMP-001");
  EXPECT_EQ(fs[0].explanation,
            "keyctl, add_key and request_key fail with EPERM under this filter (Docker's default profile does "
            "this): the kernel keyring cannot hold this app's config key");
  EXPECT_NE(fs[0].fixes[0].note.find("\"keyctl\",\"add_key\",\"request_key\""), std::string::npos);
}

TEST(SeccompProfiles, PodmanAllowsKeyctlOnly) {
  BpfProgram p = from_profile("podman-default.json");
  if (p.empty()) GTEST_SKIP() << "no shared/testdata/seccomp";
  EXPECT_EQ(eval({p}, "keyctl").action, SeccompAction::Allow);
  EXPECT_EQ(eval({p}, "add_key").err, ENOSYS);
  EXPECT_EQ(eval({p}, "request_key").err, ENOSYS);
  auto fs = explain_seccomp(subject(), dumped({p}));
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].explanation,
            "add_key and request_key fail with ENOSYS under this filter (Podman's default profile does this): the "
            "kernel keyring cannot hold this app's config key");
}

TEST(SeccompProfiles, LibseccompDefaultKillsOtherArches) {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(openat), 0);
  BpfProgram p = scmptest::export_bpf(ctx);
  seccomp_release(ctx);
  EXPECT_EQ(eval({p}, "openat").err, EACCES);
  EXPECT_EQ(eval({p}, "openat", "i386").action, SeccompAction::KillThread);  // bad arch
  EXPECT_EQ(eval({p}, "openat", "x32").action, SeccompAction::KillThread);   // x32 bit on x86_64
  auto fs = explain_seccomp(subject(), dumped({p}));
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].id, "SCMP-002");
  EXPECT_EQ(fs[0].explanation, "openat fails with EACCES under this filter: a config file cannot be opened or read");
}

// ---- findings and rendering for the other states ----

TEST(SeccompExplain, DisabledSaysNothing) {
  SeccompFacts f{.mode = SeccompMode::Disabled};
  EXPECT_TRUE(explain_seccomp(subject(), f).empty());
  EXPECT_EQ(render_text_seccomp(f, false), "  seccomp  disabled\n");
}

TEST(SeccompExplain, WithoutPrivilegeTheStateIsUnknownNeverAllowed) {
  SeccompFacts f{.mode = SeccompMode::Filter, .filter_count = 2, .pid = 42, .dump = SeccompDump::NoPrivilege,
                 .error = make_error(EPERM, "reading a seccomp filter needs CAP_SYS_ADMIN")};
  auto fs = explain_seccomp(subject(), f);
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].id, "SCMP-003");
  EXPECT_EQ(fs[0].fixes.at(0).command, "sudo cfgprobe inspect 42");
  for (const auto& v : evaluate_seccomp(f)) EXPECT_EQ(v.kind, SyscallVerdict::Kind::Unknown);
  std::string text = render_text_seccomp(f, false);
  EXPECT_NE(text.find("unknown"), std::string::npos);
  EXPECT_NE(text.find("sudo cfgprobe inspect 42"), std::string::npos);
  EXPECT_EQ(text.find("allowed"), std::string::npos);
  auto j = seccomp_to_json(f);
  EXPECT_EQ(j["dump"], "no_privilege");
  EXPECT_EQ(j["syscalls"][0]["result"], "unknown");
}

TEST(SeccompExplain, StrictMode) {
  SeccompFacts f{.mode = SeccompMode::Strict};
  auto fs = explain_seccomp(subject(), f);
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].id, "SCMP-006");
}

TEST(SeccompExplain, InotifyAndSystemdFix) {
  Subject s = subject();
  s.unit = "myapp.service";
  auto fs = explain_seccomp(s, dumped({deny(254, SECCOMP_RET_ERRNO | EPERM)}));
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].id, "SCMP-005");
  EXPECT_EQ(fs[0].fixes.at(0).command.rfind("systemctl edit myapp.service", 0), 0u);
}

TEST(SeccompRender, LinesAreIndentedAndNewlineTerminated) {
  auto f = dumped({deny(250, SECCOMP_RET_ERRNO | EPERM)});
  for (bool color : {false, true}) {
    std::string text = render_text_seccomp(f, color);
    size_t pos = 0;
    while (pos < text.size()) {
      size_t nl = text.find('\n', pos);
      ASSERT_NE(nl, std::string::npos);
      EXPECT_EQ(text.substr(pos, 2), "  ");
      pos = nl + 1;
    }
  }
  std::string text = render_text_seccomp(f, false);
  EXPECT_NE(text.find("  seccomp  filter (1 stacked, instructions: 4)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("EPERM: keyctl"), std::string::npos) << text;
  auto j = seccomp_to_json(f);
  EXPECT_EQ(j["syscalls"][4]["name"], "keyctl");
  EXPECT_EQ(j["syscalls"][4]["errno"], "EPERM");
  EXPECT_EQ(j["syscalls"][4]["action"], "ERRNO");
}

}  // namespace
}  // namespace probe
