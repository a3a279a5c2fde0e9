// One probe run: gather each target's walk for a subject, optionally ask the
// kernel, explain. A Session serves many targets and gathers each directory
// once; targets can be handed out one at a time so memory stays flat.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "probe/fs.hpp"
#include "probe/report.hpp"
#include "probe/result.hpp"
#include "probe/subject.hpp"

namespace probe {

struct TargetRequest {
  std::string path;
  std::string source = "given";
};

struct ProbeOptions {
  bool verify = false;
  // The SELinux layer (open_selinux_layer); null: not evaluated.
  std::shared_ptr<const SelinuxLayer> selinux;
  // Kernel keyring keys to look for (inspect --key DESC).
  std::vector<std::string> keys;
  // The AppArmor layer; null: a live subject's is opened by Session::start.
  std::shared_ptr<const ApparmorLayer> apparmor;
};

class Session {
 public:
  // live: the pinned process (its /proc/PID/root is used, and it is checked
  // to be the same process); nullptr for a synthetic subject. Errors: the
  // subject's root cannot be opened (exit 3).
  static Result<std::unique_ptr<Session>> start(const Subject& s, const LiveSubject* live,
                                                const ProbeOptions& opt);
  // gather (+ kernel check) for one target; its owners' names are added.
  Target probe(const TargetRequest& req);
  // ESRCH when a live subject exited or was replaced; always ok otherwise.
  Result<void> still_same() const;
  const Subject& subject() const { return subject_; }
  const Names& names() const { return names_; }
  const ProbeOptions& options() const { return opt_; }

 private:
  Session(const Subject& s, const LiveSubject* live, const ProbeOptions& opt, std::unique_ptr<RealFs> fs);
  Subject subject_;
  const LiveSubject* live_;
  ProbeOptions opt_;
  std::unique_ptr<RealFs> fs_;
  SystemFacts sys_;
  Names names_;
};

// gather the process probes (exe, and the config dir next to it) for a
// live subject; nothing for a synthetic one.
ProcessProbes probe_process(Session& session, const LiveSubject* live);

// Called once per target, in order, with its findings (explained already).
using TargetSink = std::function<void(const Target&, const std::vector<Finding>&, int index)>;

// Streams the targets through sink; returns how many were not allowed.
// For a live subject, each target is handed out only after checking it is
// still the same process, so nothing half-wrong is ever shown.
Result<size_t> probe_each(Session& session, const std::vector<TargetRequest>& targets, const TargetSink& sink);

// Everything in one Report (JSON output, tests).
Result<Report> probe_access(const Subject& s, const std::vector<TargetRequest>& targets,
                            const ProbeOptions& opt, const LiveSubject* live);

// Config paths named on a command line: --config X, --config=X, -c X,
// -config X, --config-file X, --config-file=X (pure).
std::vector<TargetRequest> discover_configs(const std::vector<std::string>& cmdline);

}  // namespace probe
