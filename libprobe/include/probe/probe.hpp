// One probe run: gather each target's walk for a subject, optionally ask the
// kernel, explain. This is what the cfgprobe subcommands call.
#pragma once

#include <string>
#include <vector>

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
};

// live: the pinned process (its /proc/PID/root is used, and it is checked
// to be the same process at the end); nullptr for a synthetic subject.
// Errors: the subject could not be inspected (exit 3).
Result<Report> probe_access(const Subject& s, const std::vector<TargetRequest>& targets,
                            const ProbeOptions& opt, const LiveSubject* live);

// Config paths named on a command line: --config X, --config=X, -c X,
// -config X, --config-file X, --config-file=X (pure).
std::vector<TargetRequest> discover_configs(const std::vector<std::string>& cmdline);

}  // namespace probe
