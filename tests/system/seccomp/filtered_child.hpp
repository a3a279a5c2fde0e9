// Test harness: a child process that installs seccomp filters (with
// TSYNC, so its worker thread has them too), lets the test dump them, then
// makes syscalls in the worker thread and records what each one did. A KILL
// or TRAP ends the child; the harness starts a fresh one for the rest.
// The filters must allow write (the "ready" byte), futex, exit and
// exit_group (and seccomp, prctl to stack more filters).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "probe/seccomp.hpp"

namespace scmptest {

struct Call {
  bool i386 = false;  // int $0x80 instead of syscall (x32: nr | 0x40000000)
  long nr = 0;
  uint64_t args[6] = {};
};

struct Outcome {
  enum class Kind { Returned, Trapped, ThreadKilled, ProcessKilled, Broken } kind = Kind::Broken;
  long ret = 0;        // Returned: the raw return (-errno on error)
  int trap_errno = 0;  // Trapped: siginfo si_errno (the filter's data)
  std::string text() const;
  bool operator==(const Outcome&) const = default;
};

// Installs the filters in the child; true on success. Runs after fork.
using Installer = std::function<bool()>;
// Called in the parent with the child's pid while it waits, filtered.
using Inspector = std::function<void(int pid)>;

// Runs each call in a filtered child; inspect (may be empty) sees the first.
std::vector<Outcome> run_filtered(const Installer& install, const std::vector<Call>& calls,
                                  const Inspector& inspect = {});

// What the kernel does to a call, by the evaluator's verdict; baseline: the
// same call without a filter.
Outcome expected_outcome(const probe::SyscallVerdict& v, const Outcome& baseline);

// Whether int $0x80 works here (CONFIG_IA32_EMULATION).
bool have_i386();

// The probe's config syscalls with arguments that fail harmlessly.
Call config_call(const std::string& name, const std::string& abi);

}  // namespace scmptest
