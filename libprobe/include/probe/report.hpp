// A Report is what one run found: the subject, each target's walk, the
// findings. explain builds it; render prints it.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "probe/access.hpp"
#include "probe/apparmor.hpp"
#include "probe/exe.hpp"
#include "probe/keyring.hpp"
#include "probe/seccomp.hpp"
#include "probe/selinux.hpp"
#include "probe/finding.hpp"
#include "probe/subject.hpp"

namespace probe {

// Names for ids, gathered once (NSS of the inspector's host).
struct Names {
  std::map<uint32_t, std::string> users, groups;
  std::string user(uint32_t uid) const;   // name, or the number
  std::string group(uint32_t gid) const;
  bool has_user(uint32_t uid) const { return users.count(uid) != 0; }
};

// gather: the names of the subject's ids, and of every owner on a walk.
void add_subject_names(Names& n, const Subject& s);
void add_walk_names(Names& n, const Walk& w);

struct KernelCheck {
  int err = 0;          // errno of the real open, 0 when it succeeded
  bool agrees = false;  // the model predicted the same errno
  std::string how;      // "open(O_RDONLY)" or "access(R_OK)" for non-files
};

struct Target {
  Walk walk;
  std::string source;   // "given", "from --config on its command line"
  std::optional<KernelCheck> kernel;
  std::string kernel_error;  // --verify could not run: why
  std::optional<bool> exists_on_host;  // for a missing path in another root
  std::optional<SelinuxTarget> selinux;  // the SELinux layer's decisions, when evaluated
  std::optional<ApparmorTarget> apparmor;  // the AppArmor layer's decision, when it applies
};

// The probes about a live process itself, beside its targets.
struct ProcessProbes {
  std::optional<ExeFacts> exe;
  std::optional<SeccompFacts> seccomp;
  std::optional<SelinuxFacts> selinux;  // also for a synthetic subject (--context)
  std::optional<ApparmorFacts> apparmor;
  std::optional<KeyringFacts> keyring;
};

// explain: findings about the process (target -1).
std::vector<Finding> explain_process(const Subject& s, const ProcessProbes& p);

struct Report {
  Subject subject;
  ProcessProbes process;
  Names names;
  std::vector<Target> targets;
  std::vector<Finding> findings;
  std::vector<std::string> notes;  // "no config path given: found ... on its command line"
};

// How fixes are written for this subject.
struct FixContext {
  std::string path_prefix;  // "/proc/4123/root" when the subject's root differs
  std::optional<std::string> unit;  // systemd unit, for AmbientCapabilities=
};
FixContext fix_context(const Subject& s);

// "not the owner (root), not in group adm, other has no x" for a step.
std::string describe_step(const Subject& s, const Names& names, const Step& st);

// explain: the findings for one target (pure).
std::vector<Finding> explain_target(const Subject& s, const Names& names,
                                    const Target& t, int index);
// Findings about the subject itself (target -1).
std::vector<Finding> explain_subject(const Subject& s);
// Findings for the subject and all targets, in target order.
void explain_report(Report& r);

enum class ReportVerdict { Ok, Denied, Error };
ReportVerdict report_verdict(const Report& r);
// The exit status table of shared/DESIGN.md: 0 ok, 1 denied or error finding.
int exit_status(const Report& r);

}  // namespace probe
