// cfgprobe-differential: proves the access model against the kernel on
// random trees and subjects. Needs root (it takes other users'
// credentials, chowns files, sets fs.protected_symlinks); exits 77 (skip)
// without it. A mismatch is shrunk to a minimal case and printed; exit 1.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <random>

#include <CLI/CLI.hpp>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#endif

#include "differential.hpp"

namespace {

using probe::difftest::Case;
using probe::difftest::Env;
using probe::difftest::Outcome;

constexpr int kExitSkip = 77;  // meson's "skipped"
// Mismatches after this many are listed by number only: shrinking each costs.
constexpr int kShrinkAtMost = 3;

volatile sig_atomic_t g_stop = 0;

void on_signal(int) {
  // Restore the sysctl now, in case the rest of the way out never runs.
  probe::difftest::restore_sysctl_now();
  g_stop = 1;
}

[[noreturn]] void on_fatal_signal(int sig) {
  probe::difftest::restore_sysctl_now();
  raise(sig);  // SA_RESETHAND: now the default action
  _exit(128 + sig);
}

// Every way out restores fs.protected_symlinks: the normal ones through
// Env's destructor, signals here, a sanitizer's report through its death
// callback (ASan reports and exits without a signal).
void install_signal_handlers() {
  struct sigaction sa{};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &sa, nullptr);
  sa.sa_handler = on_fatal_signal;
  sa.sa_flags = SA_RESETHAND;
  sigaction(SIGABRT, &sa, nullptr);
#if defined(__SANITIZE_ADDRESS__)
  __sanitizer_set_death_callback(probe::difftest::restore_sysctl_now);
#else
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE}) sigaction(sig, &sa, nullptr);  // ASan reports these
#endif
}

struct Options {
  uint64_t cases = 2000;
  std::string seed = "random";
  std::optional<uint64_t> only;  // run just this case number
};

uint64_t choose_seed(const std::string& text) {
  if (text != "random") return std::stoull(text);
  return (uint64_t{std::random_device{}()} << 32) ^ std::random_device{}();
}

// name: "seed 1 case 17", which --seed 1 --case 17 runs again.
void report_mismatch(Env& env, const Case& c, const Outcome& o, const std::string& name, int nth) {
  std::cout << "MISMATCH " << name << ": model " << probe::difftest::answer_name(o.walk.err) << ", kernel "
            << probe::difftest::answer_name(o.kernel_err) << "\n";
  if (nth > kShrinkAtMost) return;
  int tries = 0;
  Case small = probe::difftest::shrink(c, [&](const Case& x) { return env.run(x).mismatch(); }, tries);
  Outcome so = env.run(small);
  std::cout << "minimal case of " << name << " (" << tries << " shrink tries):\n";
  probe::difftest::print_case(std::cout, small);
  probe::difftest::print_outcome(std::cout, so);
  std::cout << std::endl;
}

// What the cases covered, so a run that stopped exercising a rule shows.
struct Coverage {
  std::map<int, uint64_t> errnos;  // the kernel's answers
  uint64_t userns = 0, protected_on = 0, links = 0, caps_used = 0, acl_decided = 0;

  void add(const Case& c, const Outcome& o) {
    ++errnos[o.kernel_err];
    userns += c.subject.userns.has_value();
    protected_on += c.protected_symlinks;
    links += o.walk.links_followed > 0;
    bool cap = false, acl = false;
    for (const auto& st : o.walk.steps) {
      cap |= st.decision.cap_used >= 0 || st.decision.cap_unmapped >= 0;
      acl |= st.decision.acl_entry >= 0 || st.decision.acl_skipped;
    }
    caps_used += cap;
    acl_decided += acl;
  }
  void print(std::ostream& out) const {
    out << "kernel answers:";
    for (const auto& [err, n] : errnos) out << " " << probe::difftest::answer_name(err) << " " << n << ";";
    out << "\ncases with a user namespace " << userns << ", protected_symlinks=1 " << protected_on
        << ", links followed " << links << ", a capability deciding " << caps_used << ", an ACL deciding "
        << acl_decided << "\n";
  }
};

struct Tally {
  uint64_t passed = 0, failed = 0;
  Coverage coverage;
};

// One case: counted, and reported when it fails.
void run_one(Env& env, const Case& c, const std::string& name, Tally& t) {
  Outcome o = env.run(c);
  if (!o.error.empty()) {
    ++t.failed;
    std::cout << "ERROR " << name << ": the harness failed, no verdict\n";
    probe::difftest::print_case(std::cout, c);
    probe::difftest::print_outcome(std::cout, o);
    return;
  }
  t.coverage.add(c, o);
  if (!o.mismatch()) {
    ++t.passed;
    return;
  }
  report_mismatch(env, c, o, name, static_cast<int>(++t.failed));
}

Tally run_all(Env& env, const Options& opt, uint64_t seed) {
  Tally t;
  if (!opt.only)
    for (const Case& c : probe::difftest::regression_cases()) run_one(env, c, "regression case", t);
  uint64_t first = opt.only.value_or(0), last = opt.only ? *opt.only + 1 : opt.cases;
  for (uint64_t i = first; i < last && !g_stop; ++i) {
    std::string name = "seed " + std::to_string(seed) + " case " + std::to_string(i);
    run_one(env, probe::difftest::generate_case(seed, i, env.acls()), name, t);
  }
  t.coverage.print(std::cout);
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  CLI::App app{"cfgprobe-differential: the access model against the kernel on random cases"};
  app.add_option("--cases", opt.cases, "how many cases")->check(CLI::PositiveNumber);
  app.add_option("--seed", opt.seed, "a number, or 'random'");
  app.add_option("--case", opt.only, "run only this case number of the seed");
  CLI11_PARSE(app, argc, argv);
  if (opt.seed != "random" && (opt.seed.empty() || opt.seed.size() > 19 ||
                               opt.seed.find_first_not_of("0123456789") != std::string::npos)) {
    std::cerr << "cfgprobe-differential: error: --seed takes a number or 'random'\n";
    return 2;
  }
  if (geteuid() != 0) {
    std::cout << "cfgprobe-differential: skipped: needs root to take other users' credentials, "
                 "chown files and set fs.protected_symlinks\n";
    return kExitSkip;
  }
  uint64_t seed = choose_seed(opt.seed);
  std::cout << "seed " << seed << std::endl;
  if (!opt.only)
    std::cout << probe::difftest::regression_cases().size() << " regression cases, then " << opt.cases
              << " random cases\n";
  auto env = Env::create();
  if (!env) {
    std::cerr << "cfgprobe-differential: error: " << env.error().message() << "\n";
    return 1;
  }
  if (!(*env)->acls()) std::cout << "note: " << (*env)->base() << " does not support POSIX ACLs: no ACLs generated\n";
  install_signal_handlers();
  auto start = std::chrono::steady_clock::now();
  Tally t = run_all(**env, opt, seed);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  if (g_stop) std::cout << "interrupted\n";
  std::cout << "(" << ms.count() << " ms)\n" << t.passed << " passed, " << t.failed << " failed" << std::endl;
  return t.failed != 0 || g_stop ? 1 : 0;
}
