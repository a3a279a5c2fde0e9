// The seccomp evaluator against the kernel: random stacks of random
// libseccomp filters (rules, actions, argument conditions, arches) are
// loaded into a child, dumped with gather_seccomp_pid(), evaluated, and each
// config syscall is really made; the evaluator's verdict must predict what
// it did, every time. Root only (exit 77 without it).
//   seccomp-differential [--cases N] [--seed S] [--case K] [--verbose]
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <random>

#include "filtered_child.hpp"
#include "scmp_profile.hpp"
#include "probe/seccomp.hpp"

namespace {

using scmptest::Call;
using scmptest::Outcome;

struct Rule {
  int nr;  // x86_64 number: libseccomp maps it to each added arch
  uint32_t action;
  bool has_arg = false;
  scmp_arg_cmp arg{};
};

struct Filter {
  // A hand-made filter instead: "nr == raw_nr ? raw_ret : ALLOW", for the
  // values libseccomp never writes (unknown actions, errno > 4095,
  // USER_NOTIF without a listener).
  bool raw = false;
  int32_t raw_nr = 0;
  uint32_t raw_ret = 0;
  uint32_t def, badarch;
  bool x86 = false, x32 = false;
  std::vector<Rule> rules;
};

using Rng = std::mt19937_64;

uint32_t pick(Rng& rng, std::initializer_list<uint32_t> v) { return *(v.begin() + rng() % v.size()); }

uint32_t random_action(Rng& rng) {
  uint16_t data = static_cast<uint16_t>(pick(rng, {0, 1, 2, 13, 22, 38, 95, 111, 1000, 4000}));
  if (rng() % 3 == 0) data = static_cast<uint16_t>(rng() % 134);
  switch (rng() % 8) {
    case 0: case 1: return SCMP_ACT_ALLOW;
    case 2: return SCMP_ACT_LOG;
    case 3: return SCMP_ACT_TRACE(data);
    case 4: return SCMP_ACT_TRAP;
    case 5: return rng() % 2 ? SCMP_ACT_KILL_THREAD : SCMP_ACT_KILL_PROCESS;
    default: return SCMP_ACT_ERRNO(data);
  }
}

// Arguments are compared against what the harness really passes, or a
// neighbour of it, so both sides of a condition are met.
scmp_arg_cmp random_arg(Rng& rng, const Call& c) {
  unsigned i = static_cast<unsigned>(rng() % 3);
  uint64_t real = c.args[i];
  uint64_t v = pick(rng, {0, 1, 2}) == 0 ? real : rng() % 2 ? real + 1 : rng() % 0x10000;
  auto op = static_cast<scmp_compare>(pick(rng, {SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_EQ, SCMP_CMP_GE,
                                                 SCMP_CMP_GT, SCMP_CMP_MASKED_EQ}));
  if (op == SCMP_CMP_MASKED_EQ) return {i, op, v, real & v};
  return {i, op, v, 0};
}

const std::vector<const char*>& names() {
  static std::vector<const char*> n{"open", "openat", "openat2", "read", "keyctl", "add_key", "request_key",
                                   "inotify_init1", "inotify_add_watch"};
  return n;
}

uint32_t random_raw_ret(Rng& rng) {
  uint32_t data = static_cast<uint32_t>(rng() % 0x10000);
  switch (rng() % 6) {
    case 0: return static_cast<uint32_t>(rng());  // often an unknown action
    case 1: return SECCOMP_RET_USER_NOTIF;
    case 2: return SECCOMP_RET_ERRNO | data;     // data above MAX_ERRNO too
    case 3: return pick(rng, {0x00010000, 0x00040000, 0x00060000, 0x7fe00000, 0x7ffe0000, 0x7fff0001});
    case 4: return pick(rng, {SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_KILL_THREAD, SECCOMP_RET_TRAP}) | data;
    default: return pick(rng, {SECCOMP_RET_TRACE, SECCOMP_RET_LOG, SECCOMP_RET_ALLOW}) | data;
  }
}

std::vector<Filter> random_stack(Rng& rng) {
  std::vector<Filter> stack(1 + rng() % 3);
  for (auto& f : stack) {
    if (rng() % 4 == 0) {
      const auto& all = probe::seccomp_syscalls();
      f.raw = true, f.raw_nr = all[rng() % all.size()].nr, f.raw_ret = random_raw_ret(rng);
      continue;
    }
    f.def = rng() % 3 == 0 ? random_action(rng) : SCMP_ACT_ALLOW;
    f.badarch = rng() % 2 ? SCMP_ACT_KILL_THREAD : random_action(rng);
    f.x86 = rng() % 4 != 0, f.x32 = rng() % 2 == 0;
    for (const char* n : names()) {
      if (rng() % 2) continue;
      Rule r{seccomp_syscall_resolve_name(n), random_action(rng)};
      if (rng() % 4 == 0) r.has_arg = true, r.arg = random_arg(rng, scmptest::config_call(n, "x86_64"));
      f.rules.push_back(r);
      if (rng() % 5 == 0) {  // a second rule for the same syscall
        Rule r2 = r;
        r2.has_arg = true, r2.arg = random_arg(rng, scmptest::config_call(n, "x86_64"));
        f.rules.push_back(r2);
      }
    }
  }
  return stack;
}

probe::BpfProgram raw_program(const Filter& f) {
  return {{BPF_LD | BPF_W | BPF_ABS, 0, 0, 0},
          {BPF_JMP | BPF_JEQ | BPF_K, 0, 1, static_cast<uint32_t>(f.raw_nr)},
          {BPF_RET | BPF_K, 0, 0, f.raw_ret},
          {BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW}};
}

// In the child: no allocation between filters (a malloc that needs mmap
// would meet the previous filter), so the programs are built beforehand.
bool install(const std::vector<std::vector<sock_filter>>& progs) {
  prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  for (const auto& p : progs) {
    sock_fprog fp{static_cast<unsigned short>(p.size()), const_cast<sock_filter*>(p.data())};
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &fp) != 0) return false;
  }
  return true;
}

// The BPF of each filter, in installation order: libseccomp's export (what
// seccomp_load would load) or the hand-made one.
std::vector<probe::BpfProgram> build(const std::vector<Filter>& stack) {
  std::vector<probe::BpfProgram> out;
  for (const auto& f : stack) {
    if (f.raw) {
      out.push_back(raw_program(f));
      continue;
    }
    scmp_filter_ctx ctx = seccomp_init(f.def);
    if (ctx == nullptr) {
      std::fprintf(stderr, "seccomp_init %08x failed\n", f.def);
      return {};
    }
    if (int rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, f.badarch); rc != 0)
      std::fprintf(stderr, "badarch %08x: %s\n", f.badarch, strerror(-rc));
    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
    if (f.x86) seccomp_arch_add(ctx, SCMP_ARCH_X86);
    if (f.x32) seccomp_arch_add(ctx, SCMP_ARCH_X32);
    // Rules libseccomp refuses (same action as the default, conflicts) are
    // skipped: what is loaded is what gets dumped and evaluated.
    for (const auto& r : f.rules) seccomp_rule_add_array(ctx, r.action, r.nr, r.has_arg ? 1 : 0, &r.arg);
    // The harness's own: the ready byte, the exit, and the next filter.
    for (int nr : {SCMP_SYS(write), SCMP_SYS(exit_group), SCMP_SYS(exit), SCMP_SYS(futex), SCMP_SYS(seccomp), SCMP_SYS(prctl)})
      seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
    out.push_back(scmptest::export_bpf(ctx));
    seccomp_release(ctx);
  }
  return out;
}

std::vector<sock_filter> to_sock(const probe::BpfProgram& p) {
  std::vector<sock_filter> out;
  for (const auto& in : p) out.push_back({in.code, in.jt, in.jf, in.k});
  return out;
}

std::string describe(const std::vector<Filter>& stack) {
  std::string s;
  char buf[160];
  for (size_t i = 0; i < stack.size(); ++i) {
    const auto& f = stack[i];
    if (f.raw) {
      std::snprintf(buf, sizeof buf, "  filter %zu: raw: nr == %d ? %08x : ALLOW\n", i, f.raw_nr, f.raw_ret);
      s += buf;
      continue;
    }
    std::snprintf(buf, sizeof buf, "  filter %zu (installed %s): default %08x badarch %08x%s%s\n", i,
                  i == 0 ? "first" : "later", f.def, f.badarch, f.x86 ? " +x86" : "", f.x32 ? " +x32" : "");
    s += buf;
    for (const auto& r : f.rules) {
      std::snprintf(buf, sizeof buf, "    nr %d -> %08x", r.nr, r.action);
      s += buf;
      if (r.has_arg) {
        std::snprintf(buf, sizeof buf, "  if arg%u op%d %#llx %#llx", r.arg.arg, static_cast<int>(r.arg.op),
                      static_cast<unsigned long long>(r.arg.datum_a), static_cast<unsigned long long>(r.arg.datum_b));
        s += buf;
      }
      s += "\n";
    }
  }
  return s;
}

struct Setup {
  std::vector<probe::SyscallRef> refs;
  std::vector<Call> calls;
  std::vector<Outcome> baseline;
};

Setup setup() {
  Setup s;
  bool i386 = scmptest::have_i386();
  for (const auto& r : probe::seccomp_syscalls())
    if (i386 || std::string_view(r.abi) != "i386") {
      s.refs.push_back(r);
      s.calls.push_back(scmptest::config_call(r.name, r.abi));
    }
  s.baseline = scmptest::run_filtered([] { return true; }, s.calls);
  return s;
}

probe::SeccompData data_of(const probe::SyscallRef& ref, const Call& c, bool known) {
  probe::SeccompData d{.nr = ref.nr, .arch = ref.arch, .args_known = known};
  for (int i = 0; i < 6; ++i) d.args[i] = c.args[i];
  return d;
}

// One case; returns the number of disagreements (printed).
int run_case(const Setup& su, uint64_t seed, uint64_t index, bool verbose, std::map<std::string, int>& seen) {
  Rng rng(seed * 1000003ULL + index);
  auto stack = random_stack(rng);
  auto progs = build(stack);
  std::vector<std::vector<sock_filter>> socks;
  for (const auto& p : progs) socks.push_back(to_sock(p));
  probe::SeccompFacts facts;
  auto real = scmptest::run_filtered([&] { return install(socks); }, su.calls,
                                     [&](int pid) { facts = probe::gather_seccomp_pid(pid, probe::SeccompMode::Filter, 0); });
  int bad = 0;
  auto report = [&](const std::string& what) {
    std::printf("case %llu (seed %llu): %s\n%s", static_cast<unsigned long long>(index),
                static_cast<unsigned long long>(seed), what.c_str(), describe(stack).c_str());
    ++bad;
  };
  if (facts.dump != probe::SeccompDump::Dumped || facts.filters.size() != stack.size()) {
    report("dump failed: " + facts.error.message());
    return bad;
  }
  // The dump is what was installed, newest first.
  if (!std::equal(facts.filters.begin(), facts.filters.end(), progs.rbegin()))
    report("the dumped filters differ from the installed ones");
  for (size_t i = 0; i < su.refs.size(); ++i) {
    const auto& ref = su.refs[i];
    auto v = probe::evaluate_syscall(facts.filters, ref, data_of(ref, su.calls[i], true));
    auto sym = probe::evaluate_syscall(facts.filters, ref, data_of(ref, su.calls[i], false));
    Outcome want = scmptest::expected_outcome(v, su.baseline[i]);
    seen[std::string(probe::seccomp_action_name(v.action))]++;
    if (sym.kind == probe::SyscallVerdict::Kind::DependsOnArgs) seen["(depends on args)"]++;
    bool sym_ok = sym.kind == probe::SyscallVerdict::Kind::Exact
                      ? sym.ret == v.ret
                      : std::find(sym.possible.begin(), sym.possible.end(), v.ret) != sym.possible.end();
    if (v.kind != probe::SyscallVerdict::Kind::Exact || !(want == real[i]) || !sym_ok)
      report(std::string(ref.abi) + " " + ref.name + ": evaluator " + probe::describe_verdict(v) + " -> " +
             want.text() + ", symbolic " + probe::describe_verdict(sym) + ", kernel " + real[i].text());
    else if (verbose)
      std::printf("case %llu %s %s: %s\n", static_cast<unsigned long long>(index), ref.abi, ref.name, want.text().c_str());
  }
  return bad;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"seccomp evaluator vs kernel"};
  uint64_t cases = 1000, seed = 1;
  int64_t only = -1;
  bool verbose = false;
  app.add_option("--cases", cases, "random cases");
  app.add_option("--seed", seed, "seed");
  app.add_option("--case", only, "run only this case index");
  app.add_flag("--verbose", verbose);
  CLI11_PARSE(app, argc, argv);
  if (geteuid() != 0) {
    std::puts("skipped: needs root (CAP_SYS_ADMIN to dump filters)");
    return 77;
  }
  auto t0 = std::chrono::steady_clock::now();
  Setup su = setup();
  std::map<std::string, int> seen;
  int bad = 0;
  uint64_t first = only >= 0 ? static_cast<uint64_t>(only) : 0, last = only >= 0 ? first + 1 : cases;
  for (uint64_t i = first; i < last; ++i) bad += run_case(su, seed, i, verbose, seen);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%llu cases x %zu syscalls (seed %llu): %d disagreements, %.1f s\n",
              static_cast<unsigned long long>(last - first), su.refs.size(), static_cast<unsigned long long>(seed), bad, secs);
  for (const auto& [k, n] : seen) std::printf("  %-18s %d\n", k.c_str(), n);
  return bad == 0 ? 0 : 1;
}
